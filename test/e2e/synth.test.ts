/**
 * End to end, offline: every committed stack synthesizes under mocks in preview and in update
 * mode; a broken stack file stops the program with its config problems before any resource.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STACKS, synthesizeAsync, cachedSynthesis, yamlConfig, rawConfig, type StackName } from "../helpers/stacks.js";
import { stackFileFromConfig, readStackFile } from "../../tools/check/stack-file.js";
import { UNKNOWN, type SynthOutcome } from "../../tools/check/synth.js";
import { ConfigError, parseStackConfig } from "../../infra/config.js";

const COUNTING_PROGRAM = join(__dirname, "..", "helpers", "counting-program.ts");

function brokenConfig(): Record<string, any> {
  const c = yamlConfig("dev");
  c["sovereign-llm:network"].cidr = "52.10.0.0/16";
  c["sovereign-llm:enviroment"] = "dev";
  c["sovereign-llm:models"][0].nodeGroup = "h100";
  return c;
}

let preview: Record<StackName, SynthOutcome>;
let update: Record<StackName, SynthOutcome>;
let broken: { outcome: SynthOutcome; registered: string[] };
let counted: { outcome: SynthOutcome; registered: string[] };

async function countingRun(config: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "sovereign-test-count-"));
  const file = join(dir, "registrations.txt");
  try {
    const outcome = await synthesizeAsync(stackFileFromConfig("dev", config), { preview: true, program: COUNTING_PROGRAM }, { ...process.env, SOVEREIGN_TEST_REGISTRATIONS: file });
    const registered = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return { outcome, registered };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

before(async () => {
  // dev's preview runs through the counting program, which also shows the counter works.
  const others = STACKS.filter((s) => s !== "dev");
  const [brokenRun, devRun, ...runs] = await Promise.all([
    countingRun(brokenConfig()),
    countingRun(yamlConfig("dev")),
    ...others.map((s) => cachedSynthesis(readStackFile(s), { preview: true })),
    ...STACKS.map((s) => cachedSynthesis(readStackFile(s), { preview: false })),
  ]);
  broken = brokenRun as typeof broken;
  counted = devRun as typeof counted;
  preview = { dev: counted.outcome, ...Object.fromEntries(others.map((s, i) => [s, runs[i] as SynthOutcome])) } as Record<StackName, SynthOutcome>;
  update = Object.fromEntries(STACKS.map((s, i) => [s, runs[others.length + i] as SynthOutcome])) as Record<StackName, SynthOutcome>;
});

function ok(outcome: SynthOutcome) {
  if (!outcome.ok) assert.fail(`did not synthesize (${outcome.kind}): ${outcome.kind === "config" ? outcome.problems.join("\n") : outcome.message}`);
  return outcome.result;
}

for (const stack of STACKS) {
  describe(stack, () => {
    for (const mode of ["preview", "update"] as const) {
      test(`synthesizes in ${mode} mode`, () => {
        const result = ok((mode === "preview" ? preview : update)[stack]);
        assert.equal(result.stack, stack);
        assert.equal(result.preview, mode === "preview");
        const regs = result.registrations;
        assert.ok(regs.length > 100, `${regs.length} registrations`);
        assert.equal(new Set(regs.map((r) => r.urn)).size, regs.length, "URNs are unique");
        const root = regs.filter((r) => r.type === "pulumi:pulumi:Stack");
        assert.equal(root.length, 1);
        const known = new Set(regs.map((r) => r.urn));
        for (const r of regs) {
          if (r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:")) continue;
          assert.ok(known.has(r.parent), `${r.name} has a registered parent`);
          assert.ok(r.urn.startsWith(`urn:pulumi:${stack}::sovereign-llm::`), r.urn);
        }
        for (const type of ["aws:kms/key:Key", "aws:ec2/vpc:Vpc", "aws:s3/bucket:Bucket", "aws:cloudtrail/trail:Trail"]) {
          assert.ok(regs.some((r) => r.type === type), `declares ${type}`);
        }
      });
    }

    test("preview and update declare the same resources", () => {
      const urns = (o: SynthOutcome) => ok(o).registrations.map((r) => r.urn).sort();
      assert.deepEqual(urns(preview[stack]), urns(update[stack]));
    });

    test("update mode resolves the stack outputs", () => {
      const outputs = ok(update[stack]).stackOutputs;
      for (const key of ["region", "vpcId", "modelBucket", "auditBucket", "trailArn", "keyArns"]) {
        assert.ok(key in outputs, `output ${key}`);
        assert.notEqual(outputs[key], UNKNOWN, `output ${key} is known`);
      }
    });
  });
}

// SecureBucket computes bucket ARNs from names so policies are known at preview; the model
// store's policy also names the S3 endpoint ids and the models key ARN, which AWS assigns at
// creation, so a preview of a new stack (ours or the CLI's) cannot see it: the report says
// "not evaluable before deployment" and the packs judge it again at deployment.
describe("what policy packs can read at preview", () => {
  for (const stack of STACKS) {
    test(`${stack}: bucket policies are known at preview, except the model store's, which waits only for provider-assigned ids`, () => {
      const registrations = ok(preview[stack]).registrations;
      const unknown = registrations.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.inputs.policy === UNKNOWN);
      assert.deepEqual(unknown.map((r) => r.name), [`sovereign-llm-${stack}-models`]);
      // Its policy names the S3 endpoint ids and the models key ARN, which AWS assigns at creation
      // (as in a real preview of a new stack); the same policies judge it at deployment time, and
      // the update-mode synthesis checks its statements.
      const deps = unknown[0].propertyDependencies.policy ?? [];
      const byUrn = new Map(registrations.map((r) => [r.urn, r]));
      const types = new Set(deps.map((urn) => byUrn.get(urn)?.type));
      assert.ok(types.has("aws:ec2/vpcEndpoint:VpcEndpoint"), "the policy depends on the S3 endpoints");
      assert.ok(types.has("aws:kms/key:Key"), "the policy depends on the models key");
    });
    test(`${stack}: key policies are known at preview`, () => {
      const keys = ok(preview[stack]).registrations.filter((r) => r.type === "aws:kms/key:Key");
      assert.ok(keys.length >= 6);
      for (const k of keys) assert.equal(typeof k.inputs.policy, "string", k.name);
      for (const k of keys) assert.notEqual(k.inputs.policy, UNKNOWN, k.name);
    });
  }
});

describe("a broken stack file", () => {
  test("yields a config outcome listing every problem, each naming its key", () => {
    assert.equal(broken.outcome.ok, false);
    assert.ok(!broken.outcome.ok && broken.outcome.kind === "config", JSON.stringify(broken.outcome).slice(0, 2000));
    const problems = broken.outcome.problems;
    assert.ok(problems.some((p) => p.startsWith("sovereign-llm:network.cidr: ") && p.includes("RFC 1918")), problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("sovereign-llm:enviroment: ") && p.includes("unknown key")), problems.join("\n"));
  });

  test("reports the same problems as parsing the config", () => {
    assert.ok(!broken.outcome.ok && broken.outcome.kind === "config");
    const { raw, region } = rawConfig(brokenConfig());
    assert.throws(() => parseStackConfig(raw, region), (err: unknown) => err instanceof ConfigError && JSON.stringify(err.problems) === JSON.stringify((broken.outcome as { problems: string[] }).problems));
  });

  test("declares no resource", () => {
    assert.deepEqual(broken.registered.filter((t) => t !== "pulumi:pulumi:Stack"), []);
  });

  test("(the counter sees every resource a valid stack declares)", () => {
    const result = ok(counted.outcome);
    const types = (ts: string[]) => ts.filter((t) => t !== "pulumi:pulumi:Stack").sort();
    assert.deepEqual(types(counted.registered), types(result.registrations.map((r) => r.type)));
    assert.ok(counted.registered.includes("aws:kms/key:Key"));
  });
});
