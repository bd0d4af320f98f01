/**
 * `npm run check` as a user runs it (a separate process): exit codes and messages for bad input,
 * a mandatory violation, and a clean stack with `--format json`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { REPO_ROOT } from "../../../tools/check/stack-file";

const tmp = mkdtempSync(join(tmpdir(), "check-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function check(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "tools", "check", "cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("check: bad input exits 2 with a clear message", () => {
  test("unknown stack", async () => {
    const r = await check("nope", "--out", join(tmp, "x"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown stack "nope".*known stacks: dev, prod, prod-eu, staging/);
  });

  test("unknown pack", async () => {
    const r = await check("dev", "--pack", "pci-dss", "--out", join(tmp, "x"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown policy pack "pci-dss": known packs are fedramp-moderate, gdpr, hipaa, soc2/);
  });

  test("unknown option and bad format", async () => {
    const a = await check("dev", "--frmat", "json");
    assert.equal(a.code, 2);
    assert.match(a.stderr, /Unknown option '--frmat'/);
    const b = await check("dev", "--format", "yaml");
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--format must be text, json or markdown, not "yaml"/);
  });

  test("pack config that is not JSON", async () => {
    const file = join(tmp, "not-json.json");
    writeFileSync(file, "{ all: advisory");
    const r = await check("dev", "--config", file, "--out", join(tmp, "x"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /pack config .*not-json\.json is not valid JSON/);
  });

  test("pack config naming a policy no selected pack has, a bad level and an unknown property", async () => {
    const file = join(tmp, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        "sovereign-llm-s3-bucket-versionin": "advisory",
        "sovereign-llm-s3-bucket-versioning": "sometimes",
        "sovereign-llm-s3-bucket-tls-only": { enforcementLevel: "mandatory", strictness: 3 },
      }),
    );
    const r = await check("dev", "--config", file, "--out", join(tmp, "x"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid pack config/);
    assert.match(r.stderr, /names policy "sovereign-llm-s3-bucket-versionin", which none of the selected packs \(sovereign-llm-soc2\) has/);
    assert.match(r.stderr, /"sovereign-llm-s3-bucket-versioning": "sometimes" is not an enforcement level/);
    assert.match(r.stderr, /"sovereign-llm-s3-bucket-tls-only": unknown property "strictness"/);
  });

  test("an invalid stack file: every problem, naming the key", async () => {
    const r = await check("broken", "--stacks-dir", join(REPO_ROOT, "test", "fixtures", "stacks"), "--out", join(tmp, "x"));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid configuration in test\/fixtures\/stacks\/Pulumi\.broken\.yaml/);
    assert.match(r.stderr, /sovereign-llm:network\.cidr/);
    assert.match(r.stderr, /sovereign-llm:ownr: unknown key/);
  });
});

test("a mandatory violation exits 1, is grouped by control with remediation, and the evidence says FAIL", async () => {
  const out = join(tmp, "bad-program");
  const r = await check("prod", "--pack", "soc2", "--program", join(REPO_ROOT, "test", "fixtures", "check", "insecure-bucket.ts"), "--out", out);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /Violations by control:\n\S+\s+\[mandatory, \w+ severity\]\s+\(packs: soc2\)/);
  assert.match(r.stdout, /urn:pulumi:prod::sovereign-llm::pulumi:pulumi:Stack\$aws:s3\/bucket:Bucket::unguarded-bucket/);
  assert.match(r.stdout, /remediation: /);
  assert.match(r.stdout, /^FAIL: [1-9]\d* mandatory/m);
  const evidence = JSON.parse(readFileSync(join(out, "evidence.json"), "utf8"));
  assert.equal(evidence.outcome.passed, false);
  assert.ok(evidence.outcome.mandatoryViolations > 0);
  const md = readFileSync(join(out, "evidence.md"), "utf8");
  assert.match(md, /\*\*Result: FAILED: \d+ mandatory finding\(s\); \d+ of \d+ checks pass, [^*]+\.\*\*/);
  assert.match(md, /\*\*Violation\*\* on `urn:pulumi:prod::sovereign-llm::pulumi:pulumi:Stack\$aws:s3\/bucket:Bucket::unguarded-bucket`/);
});

test("a clean stack with --format json: exit 0, the evidence on stdout, nothing on stderr", async () => {
  const out = join(tmp, "dev");
  const r = await check("dev", "--format", "json", "--out", out);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.stderr, "");
  const evidence = JSON.parse(r.stdout);
  assert.equal(evidence.schema, "sovereign-llm/evidence/v2");
  assert.equal(evidence.stack, "dev");
  assert.equal(evidence.mode, "preview");
  assert.match(evidence.program.commit, /^[0-9a-f]{40}$/);
  assert.equal(typeof evidence.program.dirty, "boolean");
  assert.deepEqual(evidence.packs.map((p: { name: string }) => p.name), ["sovereign-llm-soc2"]);
  assert.equal(evidence.packs[0].version, JSON.parse(readFileSync(join(REPO_ROOT, "policy-packs", "soc2", "package.json"), "utf8")).version);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "evidence.json"), "utf8")), evidence);
  assert.match(readFileSync(join(out, "evidence.md"), "utf8"), /^# Compliance evidence: stack `dev`/);
});

test("a denied flow that must be allowed, and an API called without an endpoint, exit 1 naming the flow, the role and the rule, though every pack passes", async () => {
  const out = join(tmp, "uncalled");
  const r = await check("dev", "--program", join(REPO_ROOT, "test", "fixtures", "check", "uncalled-endpoint-and-strict-upload.ts"), "--out", out);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /^No violations\.$/m);
  assert.match(r.stdout, /flow publish-model \(must be allowed: .*\) on arn:aws:s3:::sovereign-llm-dev-models-\S+: UploadPart \(no SSE headers\) \(s3:PutObject on .*\) is explicitly denied: denied by resource policy#DenyUploadsNotSseKms/);
  assert.match(r.stdout, /rule called-apis-have-endpoints: role \S+-autoscaler \(aws:iam\/role:Role\) is granted sqs:SendMessage, an API the platform has no VPC endpoint for/);
  assert.match(r.stdout, /^FAIL: 0 mandatory, .*access matrix FAILS\./m);
  const matrix = JSON.parse(readFileSync(join(out, "access-matrix.json"), "utf8"));
  assert.deepEqual(matrix.endpointGaps.map((g: { rule: string; resource: string }) => g.rule), ["called-apis-have-endpoints"]);
});

test("a failing access flow exits 1 naming the flow and the resource, though every pack passes", async () => {
  const out = join(tmp, "widened");
  const r = await check("dev", "--program", join(REPO_ROOT, "test", "fixtures", "check", "widened-model-bucket.ts"), "--out", out);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout, /^No violations\.$/m);
  assert.match(r.stdout, /flow model-store-outside-endpoint \(must be denied: .*\) on arn:aws:s3:::sovereign-llm-dev-models-\d{12}-[a-z0-9-]+: GetObject by .* is allowed/);
  assert.match(r.stdout, /^FAIL: 0 mandatory, .*access matrix FAILS\./m);
  const matrix = JSON.parse(readFileSync(join(out, "access-matrix.json"), "utf8"));
  assert.equal(matrix.passed, false);
  assert.deepEqual(matrix.flows.filter((f: { passed: boolean }) => !f.passed).map((f: { id: string }) => f.id).sort(), ["model-read-outside-endpoint:llama-3-1-8b-instruct", "model-store-outside-endpoint"]);
  const evidence = JSON.parse(readFileSync(join(out, "evidence.json"), "utf8"));
  const section = evidence.sections.find((x: { id: string }) => x.id === "access-matrix");
  assert.match(section.title, /^Access matrix: FAILED \(2 flow/);
  assert.ok(evidence.sections.some((x: { id: string }) => x.id === "access-who-can-read-the-weights-of-llama-3-1-8b-instruct"));
  assert.match(readFileSync(join(out, "evidence.md"), "utf8"), /Access matrix: FAILED/);
});
