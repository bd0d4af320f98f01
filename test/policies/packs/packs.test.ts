/**
 * Each pack, started exactly as the Pulumi CLI starts it (`node <pack>/node_modules/@pulumi/pulumi/
 * cmd/run-policy-pack <engine> <pack>` from the pack directory) and driven over gRPC.
 */
import { spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as structpb from "google-protobuf/google/protobuf/struct_pb";
import { PackError, PackProcess, analyzeWith, type AnalyzerInfo } from "../../../tools/check/analyzer";
import { effectiveConfig } from "../../../tools/check/pack-config";
import { PACKS_DIR, availablePacks } from "../../../tools/check/packs";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import { UNKNOWN, type Registration, type SynthResult } from "../../../tools/check/synth";
import { controlsFor } from "../../../policy-packs/controls";
import type { Framework } from "../../../policy-packs/controls/types";

const PACKS: Framework[] = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];
const running = new Map<string, { process: PackProcess; info: AnalyzerInfo }>();

before(async () => {
  await Promise.all(
    PACKS.map(async (name) => {
      const process = await PackProcess.start(join(PACKS_DIR, name));
      running.set(name, { process, info: await process.getAnalyzerInfo() });
    }),
  );
});
after(async () => {
  await Promise.all([...running.values()].map((r) => r.process.close()));
});

function reg(type: string, name: string, inputs: Record<string, unknown>, parent = "urn:pulumi:t::sovereign-llm::pulumi:pulumi:Stack::sovereign-llm-t"): Registration {
  const urn = type === "pulumi:pulumi:Stack" ? `urn:pulumi:t::sovereign-llm::${type}::${name}` : `urn:pulumi:t::sovereign-llm::pulumi:pulumi:Stack$${type}::${name}`;
  return {
    urn, type, name, custom: !type.startsWith("pulumi:pulumi"), parent: type === "pulumi:pulumi:Stack" ? "" : parent, provider: "", id: "", protect: false, retainOnDelete: false,
    deleteBeforeReplace: false, ignoreChanges: [], dependencies: [], propertyDependencies: {}, additionalSecretOutputs: [], inputs, outputs: inputs,
  };
}

/** A stack with one bare bucket (no encryption, no public access block...) and an unknown name. */
const bareBucket: SynthResult = {
  stack: "t",
  project: "sovereign-llm",
  preview: true,
  stackOutputs: {},
  registrations: [reg("pulumi:pulumi:Stack", "sovereign-llm-t", {}), reg("aws:s3/bucket:Bucket", "bare", { bucket: UNKNOWN, forceDestroy: false })],
};

test("every pack directory is a CrossGuard pack whose node_modules is the committed link to the root install", () => {
  assert.deepEqual(availablePacks(), [...PACKS].sort());
  for (const name of PACKS) {
    const dir = join(PACKS_DIR, name);
    assert.ok(lstatSync(join(dir, "node_modules")).isSymbolicLink(), `${name}/node_modules is a symlink`);
    assert.equal(readlinkSync(join(dir, "node_modules")), "../../node_modules");
    const ls = spawnSync("git", ["ls-files", "-s", `policy-packs/${name}/node_modules`], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.match(ls.stdout, /^120000 /, `git tracks policy-packs/${name}/node_modules as a symlink`);
    assert.match(readFileSync(join(dir, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.equal(pkg.name, `sovereign-llm-${name}`);
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    const ts = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8"));
    assert.equal(ts.compilerOptions.module, "nodenext");
    assert.equal(ts.compilerOptions.moduleResolution, "nodenext");
    assert.equal(ts.compilerOptions.strict, true);
  }
});

for (const name of PACKS) {
  describe(`pack ${name} over gRPC`, () => {
    test("GetAnalyzerInfo: name, version, exactly the library's controls for the framework, mandatory by default, with remediation and requirements", () => {
      const { info } = running.get(name)!;
      assert.equal(info.name, `sovereign-llm-${name}`);
      assert.equal(info.version, JSON.parse(readFileSync(join(PACKS_DIR, name, "package.json"), "utf8")).version);
      const expected = controlsFor(name);
      assert.deepEqual(info.policies.map((p) => p.name).sort(), expected.map((c) => c.policy.name).sort());
      for (const c of expected) {
        const p = info.policies.find((x) => x.name === c.policy.name)!;
        assert.equal(p.enforcementLevel, c.policy.enforcementLevel ?? "mandatory", p.name);
        assert.equal(p.remediation, c.policy.remediationSteps ?? c.remediation, p.name);
        assert.equal(p.framework?.name, name);
        assert.deepEqual(p.framework?.reference.split("; "), c.frameworks[name], p.name);
      }
    });

    test("Analyze and AnalyzeStack: a bare bucket breaks a mandatory S3 control; unknowns never crash a policy", async () => {
      const { process, info } = running.get(name)!;
      const { config, problems } = effectiveConfig(info, {});
      assert.deepEqual(problems, []);
      const run = await analyzeWith(process, info, config, bareBucket, undefined);
      assert.equal(run.analyzed, 2);
      for (const d of run.diagnostics) {
        assert.equal(d.packName, info.name);
        assert.equal(d.packVersion, info.version);
      }
      const guardsBuckets = controlsFor(name).some((c) => c.resourceTypes.includes("aws:s3/bucket:Bucket"));
      if (guardsBuckets) {
        const blocking = run.diagnostics.filter((d) => d.enforcementLevel === "mandatory" && !d.notEvaluable);
        assert.ok(blocking.length > 0, `no mandatory violation for a bare bucket: ${JSON.stringify(run.diagnostics, null, 1)}`);
        assert.ok(blocking.every((d) => d.urn === bareBucket.registrations[1].urn), "violations name the bucket's URN");
      }
    });

    test("the pack rejects a Configure without PolicyConfig.properties (so the driver must send them)", async () => {
      const { process, info } = running.get(name)!;
      if (info.policies.length === 0) return;
      const req = new analyzerpb.ConfigureAnalyzerRequest();
      req.getPolicyconfigMap().set(info.policies[0].name, new analyzerpb.PolicyConfig());
      await assert.rejects(process.rpc("configure", req), PackError);
      // And a well-formed Configure still works afterwards.
      const pc = new analyzerpb.PolicyConfig();
      pc.setEnforcementlevel(analyzerpb.EnforcementLevel.MANDATORY);
      pc.setProperties(structpb.Struct.fromJavaScript({}));
      const ok = new analyzerpb.ConfigureAnalyzerRequest();
      ok.getPolicyconfigMap().set(info.policies[0].name, pc);
      await process.rpc("configure", ok);
    });
  });
}

test("a type error in a pack is fatal at start", async () => {
  const root = mkdtempSync(join(tmpdir(), "bad-pack-"));
  try {
    const dir = join(root, "bad");
    mkdirSync(dir);
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bad", version: "0.0.1" }));
    writeFileSync(join(dir, "tsconfig.json"), readFileSync(join(PACKS_DIR, "soc2", "tsconfig.json"), "utf8"));
    writeFileSync(join(dir, "index.ts"), 'import { PolicyPack } from "@pulumi/policy";\nconst n: number = "not a number";\nnew PolicyPack("bad", { policies: [] });\nexport { n };\n');
    await assert.rejects(PackProcess.start(dir), (err: Error) => err instanceof PackError && /exited .* before serving/.test(err.message) && /TS2322/.test(err.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
