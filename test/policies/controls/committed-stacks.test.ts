/**
 * Every control of the packs a committed stack names (its `compliance` list), over the real
 * synthesized registrations of that stack, in update mode (values known) and preview mode (ids
 * unknown): no violation may fire, and in preview unknowns may only produce advisory notes. A
 * control no pack of the stack carries is not run against it (the gdpr pack's maximum for network
 * logs does not bind a HIPAA stack that keeps them six years).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableStacks, readStackFile } from "../../../tools/check/stack-file";
import { synthesize } from "../../../tools/check/synth";
import { controls } from "../../../policy-packs/controls";
import type { Framework } from "../../../policy-packs/controls/types";
import { fromRegistrations, runControl } from "../harness";

for (const stack of availableStacks()) {
  for (const preview of [false, true]) {
    test(`every control passes stack ${stack} (${preview ? "preview" : "update"})`, async () => {
      const r = synthesize(readStackFile(stack), { preview });
      assert.ok(r.ok, JSON.stringify(r).slice(0, 2000));
      const fixtures = fromRegistrations(r.result.registrations);
      const frameworks = JSON.parse(readStackFile(stack).config["sovereign-llm:compliance"] ?? "[]") as Framework[];
      assert.ok(frameworks.length > 0, `stack ${stack} names no compliance framework`);
      const found: string[] = [];
      for (const c of controls.filter((c) => frameworks.some((f) => (c.frameworks[f] ?? []).length > 0))) {
        const out = await runControl(c, fixtures);
        for (const v of out.violations) found.push(`${v.policy}: ${v.message} [${v.urn ?? ""}]`);
        if (!preview) assert.deepEqual(out.advisories, [], `${c.policy.name} left values undecided in update mode`);
      }
      assert.deepEqual(found, []);
    });
  }
}
