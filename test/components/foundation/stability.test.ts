/**
 * Stability of logical names: adding an availability zone, or reordering any list in the stack
 * config, must leave the URN of every existing resource unchanged (a changed URN is a replace,
 * which for a bucket or a key means losing data). Compares whole URN sets of synthesized stacks.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { synthesizeMany, yamlConfig } from "../../helpers/stacks.js";
import { stackFileFromConfig } from "../../../tools/check/stack-file.js";
import type { SynthResult } from "../../../tools/check/synth.js";

type Config = Record<string, any>;
const NS = "sovereign-llm:";

/** dev, with at least two entries in every list that config can reorder. */
function baseConfig(): Config {
  const c = yamlConfig("dev");
  c[`${NS}access`].adminRoleArns = ["arn:aws:iam::111122223333:role/sovereign-llm-admin", "arn:aws:iam::111122223333:role/break-glass"];
  c[`${NS}access`].readOnlyRoleArns = ["arn:aws:iam::111122223333:role/ml-engineers", "arn:aws:iam::111122223333:role/auditor"];
  c[`${NS}gpuNodeGroups`].push({ name: "l4-x4", instanceTypes: ["g6.12xlarge"], minSize: 0, maxSize: 2 });
  c[`${NS}models`].push({ name: "llama-3-3-70b-instruct", nodeGroup: "l4-x4", gpusPerReplica: 4, replicas: 1, maxModelLen: 8192, storageGiB: 150 });
  c[`${NS}egress`].allowedDomains = ["updates.bottlerocket.aws", "*.amazonaws.com", "pypi.org"];
  c[`${NS}logging`].alarmEmails = ["secops@example.org", "ml-platform@example.org"];
  return c;
}

function variant(change: (c: Config) => void): Config {
  const c = baseConfig();
  change(c);
  return c;
}

const reverse = <T>(xs: T[]) => [...xs].reverse();

// Reorderings are grouped (each synthesis costs ~2 s); a failure lists the URNs that changed.
const VARIANTS = {
  base: baseConfig(),
  addedZone: variant((c) => c[`${NS}network`].availabilityZones.push("us-east-2c")),
  /** Network and access lists: zones, admin and read-only roles, allowed domains, alarm e-mails. */
  networkAndAccessReordered: variant((c) => {
    c[`${NS}network`].availabilityZones = reverse(c[`${NS}network`].availabilityZones);
    c[`${NS}access`].adminRoleArns = reverse(c[`${NS}access`].adminRoleArns);
    c[`${NS}access`].readOnlyRoleArns = reverse(c[`${NS}access`].readOnlyRoleArns);
    c[`${NS}egress`].allowedDomains = reverse(c[`${NS}egress`].allowedDomains);
    c[`${NS}logging`].alarmEmails = reverse(c[`${NS}logging`].alarmEmails);
  }),
  /** Workload lists: models, GPU node groups, instance types, frameworks. */
  workloadsReordered: variant((c) => {
    c[`${NS}models`] = reverse(c[`${NS}models`]);
    c[`${NS}gpuNodeGroups`] = reverse(c[`${NS}gpuNodeGroups`]);
    c[`${NS}gpuNodeGroups`][1].instanceTypes = reverse(c[`${NS}gpuNodeGroups`][1].instanceTypes);
    c[`${NS}compliance`] = ["soc2", "hipaa"];
  }),
};
type Variant = keyof typeof VARIANTS;

let results: Record<Variant, SynthResult>;
before(async () => {
  const files = Object.fromEntries(Object.entries(VARIANTS).map(([k, c]) => [k, stackFileFromConfig("dev", c)])) as Record<Variant, ReturnType<typeof stackFileFromConfig>>;
  results = await synthesizeMany(files, { preview: true });
});

const urns = (r: SynthResult) => new Set(r.registrations.map((x) => x.urn));

function assertSubset(before: SynthResult, after: SynthResult, what: string) {
  const now = urns(after);
  const lost = [...urns(before)].filter((u) => !now.has(u));
  assert.deepEqual(lost, [], `${what} changes the URN of existing resources`);
}

test("the enriched base stack synthesizes with more than the foundation", () => {
  assert.ok(results.base.registrations.length > 100);
  assert.equal(new Set(results.base.registrations.map((r) => r.urn)).size, results.base.registrations.length, "URNs are unique");
});

test("adding an availability zone keeps every existing URN and subnet", () => {
  assertSubset(results.base, results.addedZone, "adding us-east-2c");
  const added = [...urns(results.addedZone)].filter((u) => !urns(results.base).has(u));
  assert.ok(added.length > 0, "the new zone adds resources");
  assert.ok(added.every((u) => !/::[^:]*-a$|::[^:]*-b$/.test(u)), `the new resources belong to zone c: ${added.join(", ")}`);
  const subnets = (r: SynthResult) => new Map(r.registrations.filter((x) => x.type === "aws:ec2/subnet:Subnet").map((x) => [x.urn, [x.inputs.cidrBlock, x.inputs.availabilityZone]]));
  const after = subnets(results.addedZone);
  for (const [urn, plan] of subnets(results.base)) assert.deepEqual(after.get(urn), plan, `${urn} moves`);
});

const REORDERS: [Variant, string][] = [
  ["networkAndAccessReordered", "reordering availability zones, admin roles, read-only roles, allowed domains and alarm e-mails"],
  ["workloadsReordered", "reordering models, GPU node groups, instance types and frameworks"],
];
for (const [v, what] of REORDERS) {
  test(`${what} leaves every URN unchanged`, () => {
    assertSubset(results.base, results[v], what);
    assertSubset(results[v], results.base, what);
  });
}

test("reordering zones keeps each subnet's address block", () => {
  const subnets = (r: SynthResult) => new Map(r.registrations.filter((x) => x.type === "aws:ec2/subnet:Subnet").map((x) => [x.urn, x.inputs.cidrBlock]));
  assert.deepEqual(subnets(results.networkAndAccessReordered), subnets(results.base));
});

test("reordering allowed domains renders the same firewall rules", () => {
  const rules = (r: SynthResult) => r.registrations.filter((x) => x.type === "aws:networkfirewall/ruleGroup:RuleGroup").map((x) => JSON.stringify(x.inputs));
  assert.ok(rules(results.base).length > 0, "an allowlist stack declares firewall rule groups");
  assert.deepEqual(rules(results.networkAndAccessReordered), rules(results.base));
});
