import { test } from "node:test";
import assert from "node:assert/strict";
import { controls, controlsFor } from "../../../policy-packs/controls";
import { FRAMEWORKS } from "../../../policy-packs/controls/types";
import { LEFT_OUT } from "../../../policy-packs/controls/pack-scope";

test("names are unique, follow sovereign-llm-<service>-<what>, and every control serves a framework", () => {
  const names = controls.map((c) => c.policy.name);
  assert.equal(new Set(names).size, names.length);
  for (const c of controls) {
    assert.match(c.policy.name, /^sovereign-llm-[a-z0-9]+-[a-z0-9-]+$/);
    assert.ok(c.policy.description.length > 40, c.policy.name);
    assert.ok(c.remediation.length > 20, c.policy.name);
    assert.ok(Object.values(c.frameworks).some((refs) => (refs ?? []).length > 0), c.policy.name);
    assert.ok(c.resourceTypes.length > 0, c.policy.name);
    for (const r of c.references) assert.match(r, /^(Related: )?(AWS Config: [a-z0-9-]+|cdk-nag: (HIPAA\.Security|NIST\.800\.53\.R5)-[A-Za-z0-9]+|PSS (restricted|baseline): |Beyond )/, r);
  }
});

test("framework identifiers have the shape of real identifiers", () => {
  const shapes = { hipaa: /^164\.3(08|10|12|14|16)\([a-z]\)(\(\d\))?(\([ivx]+\))?(\([A-Z]\))?$/, gdpr: /^Art\. \d+(\(\d\))?(\([a-z]\))?$/, soc2: /^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$/, "fedramp-moderate": /^[A-Z]{2}-\d+(\(\d+\))?$/ } as const;
  for (const c of controls) for (const f of FRAMEWORKS) for (const id of c.frameworks[f] ?? []) assert.match(id, shapes[f], `${c.policy.name} ${f} ${id}`);
});

test("controlsFor selects exactly the controls with refs for that framework", () => {
  for (const f of FRAMEWORKS) {
    const selected = controlsFor(f);
    assert.ok(selected.length > 0, f);
    assert.deepEqual(selected, controls.filter((c) => (c.frameworks[f] ?? []).length > 0));
  }
  assert.ok(!controlsFor("hipaa").some((c) => c.policy.name === "sovereign-llm-logs-retention-content-maximum"));
  assert.ok(controlsFor("gdpr").some((c) => c.policy.name === "sovereign-llm-region-allow-list"));
});

test("a pack leaves a control out only by a recorded decision, and every recorded decision is still true", () => {
  const names = new Set(controls.map((c) => c.policy.name));
  for (const f of FRAMEWORKS) {
    const selected = new Set(controlsFor(f).map((c) => c.policy.name));
    const unexplained = controls.filter((c) => !selected.has(c.policy.name) && LEFT_OUT[f][c.policy.name] === undefined).map((c) => c.policy.name);
    assert.deepEqual(unexplained, [], `${f}: controls without a requirement of the framework and without a reason in pack-scope.ts`);
    for (const [name, reason] of Object.entries(LEFT_OUT[f])) {
      assert.ok(names.has(name), `${f}: pack-scope.ts names ${name}, which is not a control`);
      assert.ok(!selected.has(name), `${f}: pack-scope.ts leaves out ${name}, but the control maps to the framework`);
      assert.ok(reason.length > 40, `${f}: ${name} needs a reason an auditor can read`);
    }
  }
});
