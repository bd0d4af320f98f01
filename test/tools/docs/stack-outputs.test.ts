/**
 * The stack outputs the docs tell an operator to read, and those the deploy tool and the
 * integration tests read through the Automation API, are outputs the program exports
 * (infra/index.ts). A renamed or dropped output would otherwise surface only during a real deploy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), "utf8");

/** Names exported by the program's entry point. */
const exported = new Set([...read("infra", "index.ts").matchAll(/^export const (\w+)\b/gm)].map((m) => m[1]!));

/** Output names a document tells the reader to read. */
export function outputsNamedIn(markdown: string): string[] {
  const text = markdown.replace(/\s+/g, " ");
  const names = [
    ...[...text.matchAll(/pulumi stack output (?:--show-secrets |--json )*(\w+)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/stack output `(\w+)`/g)].map((m) => m[1]!),
    ...[...text.matchAll(/Outputs used next: ([^.]*)\./g)].flatMap((m) => [...m[1]!.matchAll(/`(\w+)`/g)].map((n) => n[1]!)),
  ];
  // `evidenceSections` is an output a program may add for the evidence report; this one exports none.
  return [...new Set(names)].filter((n) => n !== "evidenceSections");
}

/** Output names code reads from a stack's outputs. */
export function outputsReadIn(source: string): string[] {
  return [...source.matchAll(/outputs\(\)\)\.(\w+)|outputs\.(\w+)\?\.value|\bout\("(\w+)"\)|outputs\["(\w+)"\]/g)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}

test("the program's exports are found, and the patterns read what they should", () => {
  assert.ok(exported.has("clusterName") && exported.has("kubernetesLayer"), [...exported].join(", "));
  assert.deepEqual(outputsNamedIn("run `pulumi stack output --show-secrets internalCaCertificate > ca.pem`; the stack output `modelExpectedDigests`. Outputs used next: `clusterName`, `region`."), ["internalCaCertificate", "modelExpectedDigests", "clusterName", "region"]);
  assert.deepEqual(outputsReadIn('(await stack.outputs()).kubernetesLayer?.value; outputs.gatewayLoadBalancer?.value; out("gatewayHostname")'), ["kubernetesLayer", "gatewayLoadBalancer", "gatewayHostname"]);
});

test("every stack output the docs name is exported by infra/index.ts", () => {
  const docs = ["README.md", "docs/configuration.md", "docs/architecture.md", "tools/cost/README.md", "services/gateway/README.md", "tools/model-signing/README.md"];
  const missing = docs.flatMap((d) => outputsNamedIn(read(d)).filter((n) => !exported.has(n)).map((n) => `${d}: ${n}`));
  assert.deepEqual(missing, []);
  assert.ok(outputsNamedIn(read("README.md")).length >= 5, "README names the outputs a deploy uses");
});

test("every stack output the deploy tool and the integration tests read is exported", () => {
  const files = ["tools/deploy", "test/integration"].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith(".ts")).map((f) => join(d, f)));
  const read_ = files.flatMap((f) => outputsReadIn(read(f)).map((n) => [f, n] as const));
  assert.ok(read_.length >= 5, JSON.stringify(read_));
  assert.deepEqual(read_.filter(([, n]) => !exported.has(n)).map(([f, n]) => `${f}: ${n}`), []);
});
