/**
 * The evidence report's model and Markdown, from pack runs built here: the residency control's
 * examined resources, pack config deviations and the verdict, not-evaluable items once across
 * packs, requirement titles, and optional sections.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic, PackRun, PolicyInfo } from "../../../tools/check/analyzer";
import { buildEvidence, renderMarkdown, unknownReason, type EvidenceInput } from "../../../tools/check/evidence";
import { REQUIREMENT_TITLES } from "../../../tools/check/evidence-titles";
import type { Registration, SynthResult } from "../../../tools/check/synth";
import { controls as library } from "../../../policy-packs/controls";
import type { Control } from "../../../policy-packs/controls/types";

function reg(type: string, name: string, inputs: Record<string, unknown> = {}, custom = true): Registration {
  const urn = `urn:pulumi:s::p::${type}::${name}`;
  return { urn, type, name, custom, parent: "", provider: "", id: "", protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependencies: [], propertyDependencies: {}, additionalSecretOutputs: [], inputs, outputs: inputs };
}
const registrations = [
  reg("aws:s3/bucket:Bucket", "models"),
  reg("aws:kms/key:Key", "key"),
  reg("aws:iam/rolePolicy:RolePolicy", "read-model"),
  reg("sovereign-llm:storage:ModelStore", "store", {}, false),
  reg("kubernetes:apps/v1:Deployment", "vllm", { spec: { template: { spec: { containers: [{ name: "server", image: "r.example/vllm@sha256:" + "a".repeat(64) }, { name: "shipper", image: "r.example/fluent-bit:4.0" }] } } } }),
];
const synth: SynthResult = { stack: "s", project: "p", preview: true, registrations, stackOutputs: {} };
const urn = (name: string) => registrations.find((r) => r.name === name)!.urn;

function control(name: string, resourceTypes: string[], frameworks: Control["frameworks"]): Control {
  return { policy: { name, description: `${name} checks`, validateResource: () => undefined }, severity: "high", remediation: `${name}: remediate`, frameworks, references: [], resourceTypes };
}
function info(name: string, extra: Partial<PolicyInfo> = {}): PolicyInfo {
  return { name, displayName: "", description: `${name} description`, enforcementLevel: "mandatory", kind: "resource", severity: "high", remediation: "fix", ...extra };
}
function diag(policyName: string, target: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { policyName, packName: "pack", packVersion: "0.1.0", description: "", message, enforcementLevel: "mandatory", severity: "high", urn: target, phase: "analyze", notEvaluable: false, ...extra };
}
function run(policies: PolicyInfo[], config: PackRun["config"], diagnostics: Diagnostic[]): PackRun {
  return { dir: "/x", info: { name: "sovereign-llm-gdpr", version: "0.1.0", displayName: "", description: "", policies }, config, diagnostics, notApplicable: [], analyzed: 4, stackResources: 5, stderr: "", durationMs: 1 };
}
const evidence = (input: Partial<EvidenceInput> & Pick<EvidenceInput, "runs" | "controls">) =>
  buildEvidence({ synth, program: { commit: "c0ffee", dirty: false, dirtyFiles: [] }, now: new Date("2030-01-01T00:00:00Z"), stackConfig: { "aws:region": "eu-central-1", "sovereign-llm:residency": '["eu"]', "sovereign-llm:compliance": '["gdpr"]' }, ...input });

describe("residency (region allow-list, declared for every resource type)", () => {
  const region = control("sovereign-llm-region-allow-list", ["*"], { gdpr: ["Art. 44"] });
  const regionInfo = info("sovereign-llm-region-allow-list", { kind: "stack", configSchema: { properties: { allowedRegions: { type: "array", items: { type: "string" }, default: [] } }, required: [] } });
  const failing = run([regionInfo], { "sovereign-llm-region-allow-list": { enforcementLevel: "mandatory", properties: { allowedRegions: ["eu-central-1"] } } }, [
    diag("sovereign-llm-region-allow-list", urn("models"), "bucket models is placed in us-east-1, outside allowedRegions: eu-central-1", { phase: "analyzeStack" }),
  ]);
  const e = evidence({ runs: [{ pack: "gdpr", run: failing }], controls: [region], stackImplied: { "sovereign-llm-region-allow-list": { allowedRegions: ["eu-central-1"] } } });

  test("a failing residency check shows every cloud resource it examined and the violation", () => {
    const p = e.frameworks[0].requirements.find((r) => r.id === "Art. 44")!.policies[0];
    assert.equal(p.result, "violated");
    assert.deepEqual(p.examined.map((x) => x.name), ["models", "key", "read-model", "vllm"], "every cloud resource, not the component");
    assert.equal(p.violations.length, 1);
    const md = renderMarkdown(e);
    assert.match(md, /### GDPR Art\. 44 Transfers to third countries: general principle: FAIL/);
    assert.match(md, /Examined 4 resource\(s\): AWS s3 Bucket \(`aws:s3\/bucket:Bucket`\): models/);
    assert.match(md, /\*\*Violation\*\* on `urn:pulumi:s::p::aws:s3\/bucket:Bucket::models`: bucket models is placed in us-east-1/);
    assert.doesNotMatch(md, /the deployment has no `\*`/);
  });

  test("the header states region, residency and the regions enforced with their source", () => {
    assert.deepEqual(e.deployment, { region: "eu-central-1", residency: ["eu"], declaredFrameworks: ["gdpr"], regionsEnforced: ["eu-central-1"], regionsSource: "the regions of the stack's residency (sovereign-llm:residency)" });
    const md = renderMarkdown(e);
    assert.match(md, /\| AWS region \| eu-central-1 \|/);
    assert.match(md, /\| Data residency \| eu \|/);
    assert.match(md, /\| Regions enforced \| eu-central-1 \(the regions of the stack's residency/);
  });
});

describe("pack config: deviations change the verdict and are listed", () => {
  const ctl = [
    control("c-retention", ["aws:kms/key:Key"], { gdpr: ["Art. 5(1)(e)"] }),
    control("c-tags", ["aws:s3/bucket:Bucket"], { gdpr: ["Art. 30"] }),
    control("c-pending", ["aws:iam/rolePolicy:RolePolicy"], { gdpr: ["Art. 32(1)(b)"] }),
    control("c-versioning", ["aws:s3/bucket:Bucket"], { gdpr: ["Art. 32(1)(b)"] }),
  ];
  const policies = [
    info("c-retention", { configSchema: { properties: { minimumDays: { type: "integer", default: 365 } }, required: [] } }),
    info("c-tags"),
    info("c-pending"),
    info("c-versioning"),
  ];
  const pendingDiag = diag("c-pending", urn("read-model"), "can't run policy 'c-pending' from policy pack 'sovereign-llm-gdpr@v0.1.0' during preview: string value at .policy unknown can't be known during preview", { enforcementLevel: "advisory", notEvaluable: true });
  const defaults = { "c-retention": { enforcementLevel: "mandatory" as const, properties: { minimumDays: 365 } }, "c-tags": { enforcementLevel: "mandatory" as const, properties: {} }, "c-pending": { enforcementLevel: "mandatory" as const, properties: {} }, "c-versioning": { enforcementLevel: "mandatory" as const, properties: {} } };

  test("the default config passes with counts that tell evaluated from not evaluable", () => {
    const e = evidence({ runs: [{ pack: "gdpr", run: run(policies, defaults, [pendingDiag]) }], controls: ctl });
    assert.equal(e.outcome.verdict, "pass");
    assert.equal(e.outcome.summary, "PASSED: 3 of 4 checks pass, 1 not evaluable before deployment");
    assert.deepEqual(e.packConfig.deviations, []);
    assert.match(renderMarkdown(e), /\| Pack config \| the default for this stack \(no deviation\)/);
  });

  test("disabled, made advisory and a lowered threshold: verdict line, every deviation, thresholds enforced", () => {
    const weakened = {
      ...defaults,
      "c-retention": { enforcementLevel: "mandatory" as const, properties: { minimumDays: 1 } },
      "c-tags": { enforcementLevel: "advisory" as const, properties: {} },
      "c-versioning": { enforcementLevel: "disabled" as const, properties: {} },
    };
    const tagFinding = diag("c-tags", urn("models"), "bucket models has no owner tag", { enforcementLevel: "advisory" });
    const e = evidence({
      runs: [{ pack: "gdpr", run: run(policies, weakened, [pendingDiag, tagFinding]) }],
      controls: ctl,
      explicit: { "c-retention": { minimumDays: 1 }, "c-tags": "advisory", "c-versioning": "disabled" },
      explicitFile: "weak.json",
    });
    assert.equal(e.outcome.passed, true, "nothing blocks under the config in force");
    assert.equal(e.outcome.verdict, "pass-modified");
    assert.equal(e.outcome.summary, "PASSED ONLY UNDER A MODIFIED PACK CONFIG: 3 deviation(s) from the default, 2 weakening enforcement; 1 finding(s) would block under the default; 1 of 4 checks pass, 1 fail, 1 not evaluable before deployment, 1 disabled");
    const reqs = Object.fromEntries(e.frameworks[0].requirements.map((r) => [r.id, r]));
    assert.equal(reqs["Art. 30"].result, "violated", "a mandatory control made advisory still fails when it finds something");
    assert.equal(reqs["Art. 32(1)(b)"].result, "disabled", "a disabled control never turns a requirement into a pass");
    const md = renderMarkdown(e);
    assert.match(md, /\*\*Result: PASSED ONLY UNDER A MODIFIED PACK CONFIG: 3 deviation\(s\)/);
    assert.match(md, /## Deviations from the default pack config/);
    assert.match(md, /- \*\*Weakened\*\*: c-versioning is disabled \(default mandatory\): it examined nothing/);
    assert.match(md, /- \*\*Weakened\*\*: c-tags is advisory \(default mandatory\): its findings do not block a deployment/);
    assert.match(md, /- Changed: c-retention\.minimumDays is 1 \(default 365\)/);
    assert.match(md, /Enforced with: minimumDays = 1/);
    assert.match(md, /\| `c-retention` \| mandatory \| minimumDays \| 1 \| 365 \| --config \|/);
    assert.match(md, /\*\*Violation\*\* \(not blocking: made advisory by pack config\) on `urn:pulumi:s::p::aws:s3\/bucket:Bucket::models`/);
    assert.match(md, /explicit config file: `weak\.json`/);
    assert.match(md, /--config: weak\.json; changed by whoever runs the check or the deploy/);
  });

  test("nothing evaluated is not a pass", () => {
    const empty = run([info("c-none")], { "c-none": { enforcementLevel: "mandatory", properties: {} } }, []);
    const e = evidence({ runs: [{ pack: "gdpr", run: empty }], controls: [control("c-none", ["aws:eks/cluster:Cluster"], { gdpr: ["Art. 25(2)"] })] });
    assert.equal(e.outcome.verdict, "nothing-evaluated");
    assert.match(e.outcome.summary, /^NOTHING EVALUATED: no check could examine anything \(0 of 1 checks pass, 1 with nothing to examine\)/);
  });
});

describe("not evaluable before deployment", () => {
  const message = (pack: string) => `can't run policy 'c-p' from policy pack 'sovereign-llm-${pack}@v0.1.0' during preview: string value at .policy unknown can't be known during preview`;
  const stackMessage = "can't run policy 'c-s' from policy pack 'sovereign-llm-hipaa@v0.1.0' during preview: string value at .Bucket \"models\": bucket policy unknown can't be known during preview";
  const ctl = [control("c-p", ["aws:iam/rolePolicy:RolePolicy"], { hipaa: ["164.312(a)(1)"], soc2: ["CC6.1"] }), control("c-s", ["aws:s3/bucket:Bucket"], { hipaa: ["164.312(e)(1)"], soc2: ["CC6.7"] })];
  const pi = [info("c-p"), info("c-s", { kind: "stack" })];
  const cfg = { "c-p": { enforcementLevel: "mandatory" as const, properties: {} }, "c-s": { enforcementLevel: "mandatory" as const, properties: {} } };
  const runFor = (pack: string) => run(pi, cfg, [diag("c-p", urn("read-model"), message(pack), { notEvaluable: true, enforcementLevel: "advisory" }), diag("c-s", "", stackMessage.replace("hipaa", pack), { notEvaluable: true, enforcementLevel: "advisory", phase: "analyzeStack" })]);
  const e = evidence({ runs: [{ pack: "hipaa", run: runFor("hipaa") }, { pack: "soc2", run: runFor("soc2") }], controls: ctl });

  test("each item once across packs, in plain words, with what checks it and when", () => {
    assert.equal(e.pending.length, 2);
    const [perResource, stack] = e.pending;
    assert.deepEqual(perResource.packs, ["hipaa", "soc2"]);
    assert.equal(perResource.resource, "read-model (AWS iam RolePolicy)");
    assert.equal(perResource.reason, "its setting `policy` is computed from other resources and is only known once they exist");
    assert.match(perResource.checkedBy, /just before this resource is created or changed/);
    assert.match(stack.checkedBy, /after the resources were created or changed; a failure marks the update failed but does not prevent or undo the change/);
    assert.equal(unknownReason(stackMessage), 'bucket policy of Bucket "models" is computed from other resources and is only known once they exist');
    assert.equal(e.outcome.notEvaluable, 2);
    const md = renderMarkdown(e);
    assert.equal(md.split("\n").filter((l) => l.startsWith("| `c-p` |")).length, 1);
    assert.match(md, /## What is checked before any change, and what after/);
    assert.match(md, /\*\*After resources change\*\*: 1 item\(s\) of stack policies could not be decided at preview/);
  });
});

describe("citations", () => {
  test("a rule the control only relates to is never shown as implemented", () => {
    const c = { ...control("c-rel", ["aws:kms/key:Key"], { gdpr: ["Art. 32(1)(a)"] }), references: ["AWS Config: implemented-rule", "Related: AWS Config: neighbour-rule (another scope)", "Beyond the public lists: no rule checks this"] };
    const r = run([info("c-rel")], { "c-rel": { enforcementLevel: "mandatory", properties: {} } }, []);
    const md = renderMarkdown(evidence({ runs: [{ pack: "gdpr", run: r }], controls: [c] }));
    assert.match(md, /  - Implements the public rule\(s\): AWS Config: implemented-rule\n/);
    assert.match(md, /  - Related rule\(s\), not what this check implements: AWS Config: neighbour-rule \(another scope\)\n/);
    assert.match(md, /  - Beyond the public lists: no rule checks this\n/);
  });

  test("the library cites the rules it does not implement as related", () => {
    const notImplemented = ["iam-no-inline-policy-check", "IAMNoInlinePolicy", "s3-bucket-logging-enabled"];
    const wrong = library.flatMap((c) => c.references.filter((r) => notImplemented.some((n) => r.includes(n)) && !r.startsWith("Related: ")).map((r) => `${c.policy.name}: ${r}`));
    assert.deepEqual(wrong, []);
    // Implemented by their own controls, so cited without "Related: " exactly once each.
    for (const rule of ["iam-inline-policy-blocked-kms-actions", "iam-customer-policy-blocked-kms-actions", "iam-policy-blacklisted-check", "netfw-policy-rule-group-associated", "ec2-ebs-encryption-by-default", "s3-account-level-public-access-blocks-periodic"]) {
      const implementing = library.filter((c) => c.references.some((r) => r.startsWith(`AWS Config: ${rule}`)));
      assert.equal(implementing.length, 1, rule);
    }
  });
});

describe("titles and sections", () => {
  test("every requirement the control library maps to has a title", () => {
    const missing: string[] = [];
    for (const c of library) for (const [fw, ids] of Object.entries(c.frameworks)) for (const id of ids ?? []) if (!REQUIREMENT_TITLES[fw]?.[id]) missing.push(`${fw} ${id} (${c.policy.name})`);
    assert.deepEqual([...new Set(missing)], []);
  });

  test("the container images section, and sections the program exports, appear when present", () => {
    const withSection: SynthResult = { ...synth, stackOutputs: { evidenceSections: [{ id: "monthly-cost", title: "Monthly cost", summary: "Estimated.", chart: { unit: "USD", bars: [{ label: "GPU nodes", value: 1200 }] } }, { id: "Bad Id", title: "x", summary: "x" }] } };
    const e = buildEvidence({ synth: withSection, runs: [], controls: [], program: { commit: "c", dirty: false, dirtyFiles: [] } });
    assert.deepEqual(e.sections.map((s) => s.id), ["container-images", "monthly-cost"]);
    const md = renderMarkdown(e);
    assert.match(md, /\| vllm \| shipper \| main \| r\.example\/fluent-bit:4\.0 \| no \|/);
    assert.match(md, /## Monthly cost\n\nEstimated\.\n\n\| Item \| USD \|\n\|---\|---\|\n\| GPU nodes \| 1200 \|/);
  });
});
