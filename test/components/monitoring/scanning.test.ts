/**
 * Inspector run by the organisation: the registry's scanning configuration, read at preview,
 * must scan every repository of the stack continuously with enhanced scanning.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { scanningFromCloudControl, scanningGaps } from "../../../components/registry/scanning.js";

const repos = ["mirror/vllm-openai", "sovereign-llm/guardrail-gateway"];

test("continuous enhanced scanning of everything: no gaps", () => {
  const view = scanningFromCloudControl(JSON.stringify({ RegistryId: "111122223333", ScanType: "ENHANCED", Rules: [{ ScanFrequency: "CONTINUOUS_SCAN", RepositoryFilters: [{ Filter: "*", FilterType: "WILDCARD" }] }] }));
  assert.deepEqual(scanningGaps(view, repos), []);
});
test("no configuration, or basic scanning", () => {
  assert.match(scanningGaps(undefined, repos)[0], /no scanning configuration/);
  assert.match(scanningGaps(scanningFromCloudControl(JSON.stringify({ ScanType: "BASIC", Rules: [] })), repos)[0], /BASIC, not ENHANCED/);
});
test("scan on push only, or filters that miss a repository, name what is not scanned continuously", () => {
  const push = scanningFromCloudControl(JSON.stringify({ ScanType: "ENHANCED", Rules: [{ ScanFrequency: "SCAN_ON_PUSH", RepositoryFilters: [{ Filter: "*", FilterType: "WILDCARD" }] }] }));
  assert.match(scanningGaps(push, repos)[0], /no continuous-scan rule covers mirror\/vllm-openai, sovereign-llm\/guardrail-gateway/);
  const partial = scanningFromCloudControl(JSON.stringify({ ScanType: "ENHANCED", Rules: [{ ScanFrequency: "CONTINUOUS_SCAN", RepositoryFilters: [{ Filter: "mirror/*", FilterType: "WILDCARD" }] }] }));
  assert.deepEqual(scanningGaps(partial, repos), ["no continuous-scan rule covers sovereign-llm/guardrail-gateway"]);
});
