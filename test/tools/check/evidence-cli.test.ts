/**
 * The evidence report as a user gets it from `npm run -s check` (the documented way to pipe
 * JSON: `-s` keeps npm's banner off stdout): a framework the stack does not declare is refused,
 * and a pack config that moves the region allow-list and weakens controls shows in the verdict,
 * the deviations and the residency check's examined resources and violations.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { REPO_ROOT } from "../../../tools/check/stack-file";

const tmp = mkdtempSync(join(tmpdir(), "evidence-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function npmCheck(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "-s", "check", "--", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("a framework the stack does not declare is refused (exit 2), naming the stack's frameworks and the fix", async () => {
  const r = await npmCheck("prod", "--pack", "gdpr", "--out", join(tmp, "x"));
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /stack prod does not declare gdpr in sovereign-llm:compliance \(it declares hipaa, soc2, fedramp-moderate\)/);
  assert.match(r.stderr, /Add gdpr to sovereign-llm:compliance in stacks\/Pulumi\.prod\.yaml/);
  assert.equal(r.stdout, "");
});

test("npm run -s check -- dev --format json with a weakening config: valid JSON, verdict, deviations, residency evidence", async () => {
  const config = join(tmp, "weak.json");
  writeFileSync(config, JSON.stringify({ "sovereign-llm-region-allow-list": { allowedRegions: ["eu-central-1"] }, "sovereign-llm-s3-bucket-versioning": "disabled", "sovereign-llm-tags-required": "advisory" }));
  const out = join(tmp, "dev");
  const r = await npmCheck("dev", "--format", "json", "--config", config, "--out", out);
  assert.equal(r.code, 1, r.stderr);
  const evidence = JSON.parse(r.stdout);
  assert.equal(evidence.schema, "sovereign-llm/evidence/v2");
  assert.equal(evidence.outcome.verdict, "fail");
  assert.match(evidence.outcome.summary, /^FAILED: \d+ mandatory finding\(s\); .*under a modified pack config \(3 deviation\(s\) from the default\)$/);
  assert.deepEqual(evidence.deployment.regionsEnforced, ["eu-central-1"]);
  assert.equal(evidence.deployment.region, "us-east-2");
  const residency = evidence.frameworks[0].requirements.flatMap((req: { policies: { name: string }[] }) => req.policies).find((p: { name: string }) => p.name === "sovereign-llm-region-allow-list");
  assert.equal(residency.result, "violated");
  assert.ok(residency.examined.length > 100, `the residency check lists what it examined (${residency.examined.length})`);
  assert.ok(residency.violations.length > 0);
  const md = readFileSync(join(out, "evidence.md"), "utf8");
  assert.match(md, /\| Regions enforced \| eu-central-1 \(set by the --config file, not by the stack's residency\) \|/);
  assert.match(md, /- \*\*Weakened\*\*: sovereign-llm-s3-bucket-versioning is disabled \(default mandatory\)/);
  assert.match(md, /- \*\*Weakened\*\*: sovereign-llm-tags-required is advisory \(default mandatory\)/);
  assert.match(md, /- Changed: sovereign-llm-region-allow-list\.allowedRegions is \["eu-central-1"\] \(default \["us-east-1","us-east-2","us-west-1","us-west-2"\]\)/);
  assert.match(md, /`sovereign-llm-region-allow-list`\*\* \(high severity, mandatory, checked per resource before it changes\)[^\n]*\n  - Result: FAIL\n(  - [^\n]*\n)*  - Examined \d+ resource\(s\)/);
  assert.match(readFileSync(join(out, "evidence.html"), "utf8"), /^<!doctype html>/);
});
