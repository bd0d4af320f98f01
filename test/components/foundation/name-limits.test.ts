/**
 * Every resource each committed stack names fits its service's name rules, counting the
 * characters auto-naming appends: a name AWS refuses fails `pulumi up` halfway.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { synthesizeCommitted } from "../../helpers/stacks.js";
import { NAME_RULES, nameProblem } from "../../../policy-packs/controls/lib/name-limits.js";
import { UNKNOWN } from "../../../tools/check/synth.js";

const synth = synthesizeCommitted({ preview: false });

test("every named resource of every committed stack is within its service's name rules", async () => {
  const problems: string[] = [];
  let checked = 0;
  for (const [stack, result] of Object.entries(await synth)) {
    for (const r of result.registrations) {
      if (!NAME_RULES[r.type]) continue;
      checked++;
      const problem = nameProblem(r.type, r.name, r.inputs, (v) => v === UNKNOWN);
      if (problem) problems.push(`${stack}: ${problem}`);
    }
  }
  assert.ok(checked > 100, `${checked} named resources checked`);
  assert.deepEqual(problems, []);
});

test("fitAutoName keeps names that fit and cuts longer ones to a stable, distinct form that fits", async () => {
  const { fitAutoName } = await import("../../../components/names.js");
  assert.equal(fitAutoName("short-role", 64), "short-role");
  const a = fitAutoName("sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-role", 64);
  const b = fitAutoName("sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-v2-role", 64);
  assert.ok(a.length + 8 <= 64 && b.length + 8 <= 64);
  assert.notEqual(a, b);
  assert.equal(a, fitAutoName("sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-role", 64));
  assert.match(a, /^sovereign-llm-prod-eu-vllm-mistral-small-24b-[0-9a-f]{6}-role$/);
});
