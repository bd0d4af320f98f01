/** The stack's residency becomes the region allow-list of the packs, unless --config says otherwise. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { stackPackConfig } from "../../../tools/check/pack-config.js";

const eu = { "sovereign-llm:residency": JSON.stringify(["eu"]) };

test("residency regions fill allowedRegions of the residency policies", () => {
  const cfg = stackPackConfig(eu, {}) as Record<string, { allowedRegions: string[] }>;
  assert.ok(cfg["sovereign-llm-region-allow-list"].allowedRegions.includes("eu-central-1"));
  assert.ok(!cfg["sovereign-llm-region-allow-list"].allowedRegions.includes("eu-west-2"), "London is not EU");
  assert.deepEqual(cfg["sovereign-llm-s3-replication-residency"].allowedRegions, cfg["sovereign-llm-region-allow-list"].allowedRegions);
});

test("an explicit config wins; a bare enforcement level keeps the stack's regions", () => {
  const explicit = stackPackConfig(eu, { "sovereign-llm-region-allow-list": { allowedRegions: ["eu-west-1"] } }) as Record<string, any>;
  assert.deepEqual(explicit["sovereign-llm-region-allow-list"].allowedRegions, ["eu-west-1"]);
  const level = stackPackConfig(eu, { "sovereign-llm-region-allow-list": "advisory", other: "disabled" }) as Record<string, any>;
  assert.equal(level["sovereign-llm-region-allow-list"].enforcementLevel, "advisory");
  assert.ok(level["sovereign-llm-region-allow-list"].allowedRegions.includes("eu-north-1"));
  assert.equal(level.other, "disabled");
});

test("no residency, no derived config", () => {
  assert.deepEqual(stackPackConfig({}, {}), {});
});
