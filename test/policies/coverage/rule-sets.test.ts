import { test } from "node:test";
import assert from "node:assert/strict";
import { controls } from "../../../policy-packs/controls";
import * as awsConfig from "../../../policy-packs/coverage/aws-config";
import * as cdkNag from "../../../policy-packs/coverage/cdk-nag";
import { tables } from "../../../policy-packs/coverage/render";

const PACK_WORDS: Record<string, string> = { "HIPAA Security": "HIPAA Security", "FedRAMP Moderate": "FedRAMP (Moderate)", "NIST 800-53 rev 5": "NIST 800-53 rev 5" };

test("every rule of every public rule set has a verdict, and every control a verdict names exists", () => {
  const names = new Set(controls.map((c) => c.policy.name));
  for (const t of tables()) {
    const ids = t.rules.map(([r]) => r);
    assert.equal(new Set(ids).size, ids.length, `${t.title}: a rule listed twice`);
    for (const [rule, v] of t.rules) {
      assert.ok(v, `${t.title}: ${rule} has no verdict`);
      if ("controls" in v) for (const c of v.controls) assert.ok(names.has(c), `${t.title}: ${rule} names ${c}, which is not a control`);
      else {
        const text = "exception" in v ? v.exception : "gap" in v ? v.gap : v.notApplicable;
        assert.ok(text.length > 10, `${t.title}: ${rule} needs a reason`);
      }
    }
  }
});

test("a control cites an AWS Config rule as implemented only when the rule's verdict names it, with the packs that really contain the rule", () => {
  const wrong: string[] = [];
  for (const c of controls) {
    for (const ref of c.references) {
      const m = /^AWS Config: ([a-z0-9-]+)(?: \(([^)]*)\))?/.exec(ref);
      if (!m) continue;
      const rule = m[1]!;
      const packs = Object.entries(awsConfig.PACKS).filter(([, rules]) => rules.includes(rule)).map(([p]) => p);
      const claimed = (m[2] ?? "").split(";")[0]!.split(",").map((s) => s.trim()).filter((s) => PACK_WORDS[s]).map((s) => PACK_WORDS[s]);
      if (JSON.stringify([...claimed].sort()) !== JSON.stringify([...packs].sort())) wrong.push(`${c.policy.name}: ${rule} is in ${packs.join(", ") || "no pack"}, cited as in ${claimed.join(", ") || "none"}`);
      const v = awsConfig.RULES[rule];
      if (v && !("controls" in v && v.controls.includes(c.policy.name))) wrong.push(`${c.policy.name}: implements ${rule}, whose verdict does not name it`);
    }
  }
  assert.deepEqual(wrong, []);
});

test("a control cites a cdk-nag rule only if the pack has it and the rule's verdict names the control", () => {
  const wrong: string[] = [];
  for (const c of controls) {
    for (const ref of c.references) {
      const m = /^(Related: )?cdk-nag: (HIPAA\.Security|NIST\.800\.53\.R5)-([A-Za-z0-9]+)/.exec(ref);
      if (!m) continue;
      if (!cdkNag.PACKS[m[2]!]!.includes(m[3]!)) wrong.push(`${c.policy.name}: ${m[2]}-${m[3]} is not a rule of that pack`);
      const v = cdkNag.verdict(m[3]!);
      if (!m[1] && v && !("controls" in v && v.controls.includes(c.policy.name))) wrong.push(`${c.policy.name}: implements ${m[2]}-${m[3]}, whose verdict does not name it`);
    }
  }
  assert.deepEqual(wrong, []);
});
