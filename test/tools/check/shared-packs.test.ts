/**
 * `check` serves several packs from one process (the union of their policies, each pack's results
 * split back out) unless CHECK_PACK_PROCESSES=separate. On every committed stack the two give
 * each pack exactly the same analyzer info, config, diagnostics (order and wording included) and
 * not-applicable results.
 */
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { PackRun } from "../../../tools/check/analyzer";
import { stackPackConfig } from "../../../tools/check/pack-config";
import { packsFromStackConfig } from "../../../tools/check/packs";
import { analyzeAll, configure, packProcessesFromEnv, startPacks, type PendingPacks } from "../../../tools/check/session";
import { STACKS_DIR, stackFileFromConfig } from "../../../tools/check/stack-file";
import { STACKS, synthesizeCommitted, yamlConfig } from "../../helpers/stacks";

const ALL = ["fedramp-moderate", "gdpr", "hipaa", "soc2"];
let separate: PendingPacks;
const shared = new Map<string, PendingPacks>();
const files = Object.fromEntries(STACKS.map((s) => [s, stackFileFromConfig(s, yamlConfig(s), join(STACKS_DIR, `Pulumi.${s}.yaml`))]));

before(() => {
  separate = startPacks(ALL, { processes: "separate" });
  for (const s of STACKS) shared.set(s, startPacks(packsFromStackConfig(files[s].config), { processes: "shared" }));
});
after(async () => {
  await Promise.all([separate.close(), ...[...shared.values()].map((p) => p.close())]);
});

/** Everything a run says about the stack (not how long it took or what the process logged). */
function comparable(run: PackRun) {
  const { durationMs: _d, stderr: _s, ...rest } = run;
  return rest;
}

for (const stack of STACKS) {
  test(`stack ${stack}: one shared pack process and one process per pack give every pack the same result`, async () => {
    const synth = (await synthesizeCommitted({ preview: true }))[stack];
    const file = files[stack];
    const names = packsFromStackConfig(file.config);
    assert.ok(names.length > 0, `${stack} names its frameworks`);
    const packConfig = stackPackConfig(file.config, {});

    const one = await shared.get(stack)!.ready;
    assert.equal(new Set(one.map((p) => p.process)).size, 1, "one process serves every pack");
    const each = (await separate.ready).filter((p) => names.includes(p.name)).sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
    assert.equal(new Set(each.map((p) => p.process)).size, names.length, "one process per pack");

    const viaShared = await analyzeAll(one, configure(one, packConfig), synth, file);
    const viaSeparate = await analyzeAll(each, configure(each, packConfig), synth, file);
    assert.deepEqual(viaShared.map((r) => r.pack), names);
    for (let i = 0; i < names.length; i++) {
      assert.deepEqual(comparable(viaShared[i].run), comparable(viaSeparate[i].run), `pack ${names[i]} on ${stack}`);
    }
    // The comparison means something: the packs found things to report, under their own names.
    const reported = viaShared.flatMap((r) => r.run.diagnostics);
    assert.ok(reported.length > 0, `${stack}: some diagnostics (at least values not known at preview)`);
    assert.ok(reported.every((d) => names.some((n) => d.packName === `sovereign-llm-${n}`)));
  });
}

test("CHECK_PACK_PROCESSES chooses the mode; anything else is refused", () => {
  assert.equal(packProcessesFromEnv({}), "shared");
  assert.equal(packProcessesFromEnv({ CHECK_PACK_PROCESSES: "separate" }), "separate");
  assert.throws(() => packProcessesFromEnv({ CHECK_PACK_PROCESSES: "one" }), /CHECK_PACK_PROCESSES must be "shared" or "separate", not "one"/);
});
