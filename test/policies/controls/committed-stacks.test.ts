/**
 * Every control over the real synthesized registrations of every committed stack, in update mode
 * (values known) and preview mode (ids unknown): no violation may fire, and in preview unknowns
 * may only produce advisory notes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableStacks, readStackFile } from "../../../tools/check/stack-file";
import { synthesize } from "../../../tools/check/synth";
import { controls } from "../../../policy-packs/controls";
import { fromRegistrations, runControl } from "../harness";

for (const stack of availableStacks()) {
  for (const preview of [false, true]) {
    test(`every control passes stack ${stack} (${preview ? "preview" : "update"})`, async () => {
      const r = synthesize(readStackFile(stack), { preview });
      assert.ok(r.ok, JSON.stringify(r).slice(0, 2000));
      const fixtures = fromRegistrations(r.result.registrations);
      const found: string[] = [];
      for (const c of controls) {
        const out = await runControl(c, fixtures);
        for (const v of out.violations) found.push(`${v.policy}: ${v.message} [${v.urn ?? ""}]`);
        if (!preview) assert.deepEqual(out.advisories, [], `${c.policy.name} left values undecided in update mode`);
      }
      assert.deepEqual(found, []);
    });
  }
}
