/** Pure parts of `check`: pack config (ajv), mutations, wire conversion, providers, evidence. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { providerResolver, toAnalyzerValue, type AnalyzerInfo, type PackRun, type PolicyInfo } from "../../../tools/check/analyzer";
import { buildEvidence, friendlyType, renderMarkdown } from "../../../tools/check/evidence";
import { applyMutation, editJson, parsePath } from "../../../tools/check/mutate";
import { effectiveConfig, unknownPolicyNames } from "../../../tools/check/pack-config";
import { stackFileFromConfig } from "../../../tools/check/stack-file";
import { SIG_KEY, UNKNOWN, type Registration, type SynthResult } from "../../../tools/check/synth";
import type { Control } from "../../../policy-packs/controls/types";

function policy(name: string, extra: Partial<PolicyInfo> = {}): PolicyInfo {
  return { name, displayName: "", description: `${name} description`, enforcementLevel: "mandatory", kind: "resource", severity: "high", remediation: "fix it", ...extra };
}
const info: AnalyzerInfo = {
  name: "sovereign-llm-test",
  version: "0.1.0",
  displayName: "",
  description: "",
  policies: [
    policy("p-plain"),
    policy("p-tunable", { configSchema: { properties: { minDays: { type: "integer", minimum: 1, default: 365 }, regions: { type: "array", items: { type: "string" }, default: ["eu-west-1"] } }, required: [] } }),
    policy("p-required", { enforcementLevel: "advisory", configSchema: { properties: { owner: { type: "string" } }, required: ["owner"] } }),
  ],
};

describe("pack config", () => {
  test("defaults are filled, levels come from the pack unless overridden, and nothing is mutated", () => {
    const file = { "p-required": { owner: "sec" } };
    const { config, problems } = effectiveConfig(info, file);
    assert.deepEqual(problems, []);
    assert.deepEqual(config["p-tunable"], { enforcementLevel: "mandatory", properties: { minDays: 365, regions: ["eu-west-1"] } });
    assert.deepEqual(config["p-required"], { enforcementLevel: "advisory", properties: { owner: "sec" } });
    assert.deepEqual(config["p-plain"], { enforcementLevel: "mandatory", properties: {} });
    assert.deepEqual(file, { "p-required": { owner: "sec" } });
  });

  test("\"all\" sets every level; a policy's own entry wins", () => {
    const { config, problems } = effectiveConfig(info, { all: "advisory", "p-plain": "disabled", "p-required": { owner: "x" } });
    assert.deepEqual(problems, []);
    assert.equal(config["p-plain"].enforcementLevel, "disabled");
    assert.equal(config["p-tunable"].enforcementLevel, "advisory");
  });

  test("every problem is reported, naming the policy and property", () => {
    const { problems } = effectiveConfig(info, { "p-tunable": { minDays: 0, regions: "eu", colour: 1 }, "p-plain": "loud", all: { enforcementLevel: "advisory", minDays: 3 } });
    assert.ok(problems.some((p) => /"p-tunable\.minDays": must be >= 1/.test(p)), problems.join("\n"));
    assert.ok(problems.some((p) => /"p-tunable\.regions": must be array/.test(p)));
    assert.ok(problems.some((p) => /"p-tunable": unknown property "colour" \(known: minDays, regions\)/.test(p)));
    assert.ok(problems.some((p) => /"p-plain": "loud" is not an enforcement level/.test(p)));
    assert.ok(problems.some((p) => /"all" may only set enforcementLevel/.test(p)));
    assert.ok(problems.some((p) => /"p-required": missing required property "owner"/.test(p)));
  });

  test("names no selected pack has are reported", () => {
    assert.deepEqual(unknownPolicyNames({ all: "advisory", "p-plain": "advisory", "p-plian": "advisory" }, [info]), [
      'pack config names policy "p-plian", which none of the selected packs (sovereign-llm-test) has',
    ]);
  });
});

function reg(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<Registration> = {}): Registration {
  return {
    urn: `urn:pulumi:s::p::${type}::${name}`, type, name, custom: true, parent: "", provider: "", id: "", protect: false, retainOnDelete: false, deleteBeforeReplace: false,
    ignoreChanges: [], dependencies: [], propertyDependencies: {}, additionalSecretOutputs: [], inputs, outputs: structuredClone(inputs), ...extra,
  };
}
const synth: SynthResult = {
  stack: "s",
  project: "p",
  preview: false,
  stackOutputs: {},
  registrations: [
    reg("aws:ec2/securityGroup:SecurityGroup", "sg", { ingress: [{ cidrBlocks: ["10.0.0.0/16"] }, { cidrBlocks: ["10.1.0.0/16"] }] }),
    reg("aws:s3/bucketPolicy:BucketPolicy", "bp", { policy: JSON.stringify({ Statement: [{ Sid: "A" }, { Sid: "B" }] }) }),
    reg("aws:kms/key:Key", "k", { enableKeyRotation: { [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: true } }),
  ],
};

describe("mutations", () => {
  test("paths with indexes and wildcards", () => {
    assert.deepEqual(parsePath("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"), ["rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"]);
    assert.deepEqual(parsePath("ingress[*].cidrBlocks"), ["ingress", "*", "cidrBlocks"]);
    assert.throws(() => parsePath("a[x]"), /bad property path/);
  });

  test("set on every element, inputs and outputs, without touching the original", () => {
    const { synth: out, touched } = applyMutation(synth, { op: "set", resourceType: "aws:ec2/securityGroup:SecurityGroup", path: "ingress[*].cidrBlocks", value: ["0.0.0.0/0"] });
    assert.equal(touched.length, 1);
    const sg = out.registrations[0];
    assert.deepEqual(sg.inputs.ingress, [{ cidrBlocks: ["0.0.0.0/0"] }, { cidrBlocks: ["0.0.0.0/0"] }]);
    assert.deepEqual(sg.outputs.ingress, sg.inputs.ingress);
    assert.deepEqual((synth.registrations[0].inputs.ingress as unknown[])[0], { cidrBlocks: ["10.0.0.0/16"] });
  });

  test("JSON documents, secrets kept wrapped, delete, remove, and stale rows touch nothing", () => {
    const doc = applyMutation(synth, { op: "set", resourceType: "aws:s3/bucketPolicy:BucketPolicy", path: "policy", value: editJson((d) => ({ Statement: d.Statement.slice(1) })) });
    assert.deepEqual(JSON.parse(doc.synth.registrations[1].inputs.policy as string), { Statement: [{ Sid: "B" }] });
    const secret = applyMutation(synth, { op: "set", resourceType: "aws:kms/key:Key", path: "enableKeyRotation", value: false });
    assert.deepEqual(secret.synth.registrations[2].inputs.enableKeyRotation, { [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: false });
    const del = applyMutation(synth, { op: "delete", resourceType: "aws:s3/bucketPolicy:BucketPolicy", path: "policy" });
    assert.equal("policy" in del.synth.registrations[1].inputs, false);
    const removed = applyMutation(synth, { op: "remove", resourceType: "aws:kms/key:Key" });
    assert.deepEqual(removed.touched, ["urn:pulumi:s::p::aws:kms/key:Key::k"]);
    assert.equal(removed.synth.registrations.length, 2);
    assert.deepEqual(applyMutation(synth, { op: "set", resourceType: "aws:ec2/vpc:Vpc", path: "x", value: 1 }).touched, []);
  });
});

describe("wire conversion and providers", () => {
  test("resource references become their id, or their URN when the id is unknown", () => {
    const ref = (id: string) => ({ [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:s::p::aws:kms/key:Key::k", id });
    assert.deepEqual(toAnalyzerValue({ a: [ref("key-1")], b: ref(""), c: UNKNOWN }), { a: ["key-1"], b: "urn:pulumi:s::p::aws:kms/key:Key::k", c: UNKNOWN });
  });

  test("default providers carry the stack's provider config; explicit providers are looked up", () => {
    const file = stackFileFromConfig("s", { "aws:region": "eu-central-1", "aws:allowedAccountIds": ["111122223333"], "sovereign-llm:x": 1 });
    const k8s = reg("pulumi:providers:kubernetes", "k8s", { kubeconfig: "{}" });
    const withExplicit: SynthResult = { ...synth, registrations: [...synth.registrations, k8s, reg("kubernetes:core/v1:Namespace", "ns", {}, { provider: `${k8s.urn}::k8s-id` })] };
    const resolve = providerResolver(withExplicit, file);
    const aws = resolve(synth.registrations[0])!;
    assert.match(aws.urn, /^urn:pulumi:s::p::pulumi:providers:aws::default_\d+_\d+_\d+$/);
    assert.equal(aws.properties.region, "eu-central-1");
    assert.deepEqual(aws.properties.allowedAccountIds, ["111122223333"]);
    assert.equal("x" in aws.properties, false);
    assert.equal(resolve(withExplicit.registrations[4])!.urn, k8s.urn);
    assert.equal(resolve(reg("sovereign-llm:keys:KeyRing", "kr", {}, { custom: false })), undefined);
  });
});

describe("evidence", () => {
  const control = (name: string, types: string[], frameworks: Control["frameworks"]): Control => ({
    policy: { name, description: `${name} checks`, validateResource: () => undefined },
    severity: "high",
    remediation: `${name}: remediate`,
    frameworks,
    references: ["AWS Config: example-rule"],
    resourceTypes: types,
  });
  const controls = [
    control("c-sg", ["aws:ec2/securityGroup:SecurityGroup"], { hipaa: ["164.312(e)(1)", "164.312(a)(1)"] }),
    control("c-key", ["aws:kms/key:Key"], { hipaa: ["164.312(a)(2)(iv)"] }),
    control("c-any", [], { hipaa: ["164.312(a)(1)"] }),
    control("c-none", ["aws:eks/cluster:Cluster"], { hipaa: ["164.308(a)(1)(ii)(D)"] }),
  ];
  const run: PackRun = {
    dir: "/x/hipaa",
    info: { name: "sovereign-llm-hipaa", version: "0.1.0", displayName: "", description: "", policies: controls.map((c) => policy(c.policy.name)) },
    config: {},
    diagnostics: [
      { policyName: "c-sg", packName: "sovereign-llm-hipaa", packVersion: "0.1.0", description: "", message: "open to the world", enforcementLevel: "mandatory", severity: "high", urn: synth.registrations[0].urn, phase: "analyze", notEvaluable: false },
      { policyName: "c-key", packName: "sovereign-llm-hipaa", packVersion: "0.1.0", description: "", message: "can't run policy 'c-key' from policy pack 'sovereign-llm-hipaa@v0.1.0' during preview: x", enforcementLevel: "advisory", severity: "high", urn: synth.registrations[2].urn, phase: "analyze", notEvaluable: true },
    ],
    notApplicable: [],
    analyzed: 3,
    stackResources: 3,
    stderr: "",
    durationMs: 1,
  };
  const e = buildEvidence({ synth, runs: [{ pack: "hipaa", run }], controls, program: { commit: "abc", dirty: true, dirtyFiles: ["infra/index.ts"] }, now: new Date("2030-01-02T03:04:05Z") });

  test("requirements gather their policies, examined resources and worst result", () => {
    const reqs = Object.fromEntries(e.frameworks[0].requirements.map((r) => [r.id, r]));
    assert.deepEqual(Object.keys(reqs), ["164.308(a)(1)(ii)(D)", "164.312(a)(1)", "164.312(a)(2)(iv)", "164.312(e)(1)"]);
    assert.equal(reqs["164.312(e)(1)"].result, "violated");
    assert.equal(reqs["164.312(a)(1)"].result, "violated");
    assert.deepEqual(reqs["164.312(a)(1)"].policies.map((p) => p.name), ["c-sg", "c-any"]);
    assert.equal(reqs["164.312(a)(1)"].policies[1].examined.length, 3, "a control without types examines every cloud resource");
    assert.equal(reqs["164.312(a)(2)(iv)"].result, "not-evaluable");
    assert.equal(reqs["164.308(a)(1)(ii)(D)"].result, "no-resources");
    const { mandatoryViolations, advisoryViolations, notEvaluable, passed, verdict } = e.outcome;
    assert.deepEqual({ mandatoryViolations, advisoryViolations, notEvaluable, passed, verdict }, { mandatoryViolations: 1, advisoryViolations: 0, notEvaluable: 1, passed: false, verdict: "fail" });
  });

  test("the Markdown speaks to an auditor", () => {
    const md = renderMarkdown(e);
    assert.match(md, /^# Compliance evidence: stack `s`/);
    assert.match(md, /\*\*Result: FAILED: 1 mandatory finding\(s\); 1 of 4 checks pass, 1 fail, 1 not evaluable before deployment, 1 with nothing to examine\.\*\*/);
    assert.match(md, /git commit `abc` \*\*with uncommitted changes\*\*/);
    assert.match(md, /\| 164\.312\(e\)\(1\) Transmission security \| FAIL \| `c-sg` \| 1 \|/);
    assert.match(md, /Not evaluable before deployment/);
    assert.match(md, /Remediation: c-sg: remediate/);
    assert.match(md, /\| AWS ec2 SecurityGroup \| `aws:ec2\/securityGroup:SecurityGroup` \| 1 \|/);
    assert.equal(friendlyType("pulumi:pulumi:Stack"), "Deployment (stack)");
  });
});
