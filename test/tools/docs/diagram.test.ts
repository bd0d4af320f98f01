/**
 * README's "What it builds" diagram shows every component the program can declare: each
 * `sovereign-llm:<area>:<Component>` either appears by name or is drawn as the phrase below. A
 * new component fails here until someone decides where it belongs in the picture.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/** Components the diagram draws by what they are rather than by their class name. */
const DRAWN_AS: Record<string, string> = {
  EgressFirewall: "Network Firewall endpoint",
  DnsFirewall: "DNS Firewall",
  OnPremisesDns: "Resolver outbound",
  PrivateHostname: "private hosted zone",
  GpuNodeGroup: "GPU node groups",
  ClusterAutoscaler: "Cluster Autoscaler",
  InferenceNamespace: 'namespace "inference"',
  Keda: "KEDA",
  GuardrailGateway: "guardrail gateway",
  VllmService: "vLLM per model",
  // The stack's internal CA issues the certificates of the gateway-to-vLLM mutual TLS.
  InternalCa: "HTTPS+mTLS",
  // The audit archive and the Config delivery bucket.
  SecureBucket: "object-locked KMS bucket",
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Class names of every ComponentResource the program's code declares (`super("sovereign-llm:<area>:<X>"`). */
const components = [...new Set(["components", "infra", "services"].flatMap((d) => sources(join(ROOT, d))).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/super\(\s*"sovereign-llm:[a-z-]+:([A-Za-z]+)"/g)].map((m) => m[1]!)))].sort();

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const start = readme.indexOf("## What it builds");
const diagram = /```\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? "";

test("the component list is found", () => {
  assert.ok(components.includes("KeyRing") && components.includes("VllmService"), components.join(", "));
  assert.ok(diagram.includes("your AWS account"));
});

test("README's diagram shows every component the program declares", () => {
  const missing = components.filter((c) => !diagram.includes(c) && !(DRAWN_AS[c] && diagram.includes(DRAWN_AS[c])));
  assert.deepEqual(missing, [], "draw these in README's \"What it builds\" (by name, or add how they are drawn to DRAWN_AS)");
});

test("every phrase in DRAWN_AS belongs to a component that exists", () => {
  assert.deepEqual(Object.keys(DRAWN_AS).filter((c) => !components.includes(c)), []);
});
