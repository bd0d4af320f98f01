/**
 * Every committed stack passes every pack its config names, driven exactly as `npm run check`
 * drives them (preview-mode synthesis, packs over gRPC). When this goes red, a control found a
 * real problem in the program: fix the program, not the control.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { PackRun } from "../../../tools/check/analyzer";
import { buildEvidence, isBlocking } from "../../../tools/check/evidence";
import { packsFromStackConfig } from "../../../tools/check/packs";
import { stackPackConfig } from "../../../tools/check/pack-config";
import { analyzeAll, configure, startPacks, type PendingPacks, type RunningPack } from "../../../tools/check/session";
import { availableStacks, readStackFile, type StackFile } from "../../../tools/check/stack-file";
import { synthesize, type SynthResult } from "../../../tools/check/synth";
import { controls } from "../../../policy-packs/controls";

const stacks = availableStacks();
const files = new Map<string, StackFile>(stacks.map((s) => [s, readStackFile(s)]));
const needed = [...new Set(stacks.flatMap((s) => packsFromStackConfig(files.get(s)!.config)))].sort();
let pending: PendingPacks;
let packs: RunningPack[];
const synths = new Map<string, SynthResult>();

before(async () => {
  pending = startPacks(needed);
  for (const s of stacks) {
    const outcome = synthesize(files.get(s)!, { preview: true });
    assert.ok(outcome.ok, `stack ${s} synthesizes: ${JSON.stringify(outcome)}`);
    synths.set(s, outcome.result);
  }
  packs = await pending.ready;
});
after(async () => {
  await pending?.close();
});

test("the stacks name packs that exist, and prod, staging and prod-eu name at least two", () => {
  assert.ok(needed.length > 0);
  for (const s of ["prod", "staging", "prod-eu"]) assert.ok(packsFromStackConfig(files.get(s)!.config).length >= 2, s);
});

for (const stack of stacks) {
  describe(`stack ${stack}`, () => {
    let runs: { pack: string; run: PackRun }[];
    before(async () => {
      const mine = packs.filter((p) => packsFromStackConfig(files.get(stack)!.config).includes(p.name));
      // Configured as npm run check configures them: the residency regions, strategies and alarms the stack file implies.
      runs = await analyzeAll(mine, configure(mine, stackPackConfig(files.get(stack)!.config, {})), synths.get(stack)!, files.get(stack));
    });

    test("no pack it names reports a mandatory violation", () => {
      assert.deepEqual(runs.map((r) => r.pack).sort(), packsFromStackConfig(files.get(stack)!.config).sort());
      const blocking = runs.flatMap(({ run }) => run.diagnostics.filter(isBlocking));
      assert.deepEqual(
        blocking.map((d) => `${d.packName} ${d.policyName} ${d.urn}: ${d.message}`),
        [],
        "mandatory violations in a committed stack",
      );
    });

    test("every resource reached the packs, and the evidence lists every requirement the packs serve", () => {
      const synth = synths.get(stack)!;
      const evidence = buildEvidence({ synth, runs, controls, program: { commit: "test", dirty: false, dirtyFiles: [] } });
      for (const { pack, run } of runs) {
        assert.equal(run.analyzed, synth.registrations.filter((r) => !r.type.startsWith("pulumi:providers:")).length);
        const fw = evidence.frameworks.find((f) => f.framework === pack)!;
        const ids = new Set(controls.flatMap((c) => (run.info.policies.some((p) => p.name === c.policy.name) ? (c.frameworks[pack as keyof typeof c.frameworks] ?? []) : [])));
        assert.deepEqual(fw.requirements.map((r) => r.id).sort(), [...ids].sort());
      }
      assert.equal(evidence.outcome.passed, true);
    });
  });
}
