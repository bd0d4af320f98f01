import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, type Fixture } from "../harness";
import { TAGS } from "./fixtures";
import { networkfirewallPolicyRuleGroups } from "../../../policy-packs/controls/networkfirewall-policy-rule-groups";

const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy";
const GROUP = "aws:networkfirewall/ruleGroup:RuleGroup";
const ARN = (n: string) => `arn:aws:network-firewall:eu-central-1:111122223333:stateful-rulegroup/${n}`;
const POLICY_ARN = "arn:aws:network-firewall:eu-central-1:111122223333:firewall-policy/egress-policy";

/** A stateful rule group; `arn` as AnalyzeStack sends it after an update, absent as in a preview or in inputs. */
const RULES = { rulesSource: { rulesString: 'pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; content:"example.com"; startswith; endswith; flow:to_server; sid:1;)' } };
const group = (name: string, arn?: unknown, type = "STATEFUL", ruleGroup: unknown = RULES): Fixture => ({ type: GROUP, name, props: { type, capacity: 100, ruleGroup, tags: TAGS, ...(arn !== undefined ? { arn } : {}) } });
/** The policy, referencing `refs` (ARNs or UNKNOWN), built from the `deps` groups. */
const policy = (refs: unknown[] | string, deps: string[], arn?: string): Fixture => ({
  type: POLICY,
  name: "egress-policy",
  props: {
    firewallPolicy: {
      statelessDefaultActions: ["aws:forward_to_sfe"],
      statefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
      statefulRuleGroupReferences: typeof refs === "string" ? refs : refs.map((resourceArn, i) => ({ resourceArn, priority: (i + 1) * 10 })),
    },
    tags: TAGS,
    ...(arn ? { arn } : {}),
  },
  propertyDependencies: { firewallPolicy: deps.map((d) => urnOf(GROUP, d)) },
});
const firewall = (policyArn: unknown = UNKNOWN, linked = true): Fixture => ({
  type: FIREWALL,
  name: "egress",
  props: { name: "egress", firewallPolicyArn: policyArn, vpcId: "vpc-1", tags: TAGS },
  propertyDependencies: linked ? { firewallPolicyArn: [urnOf(POLICY, "egress-policy")] } : {},
});
const run = (fixtures: Fixture[]) => runControl(networkfirewallPolicyRuleGroups, fixtures);

test("firewall rule groups: the policy references the stack's baseline and allow-list groups and the firewall runs it → passes (preview, inputs and after-update views)", async () => {
  // Preview: every ARN unknown; the property dependencies link the policy to both groups.
  assert.deepEqual(messages(await run([group("baseline"), group("allow"), policy([UNKNOWN, UNKNOWN], ["baseline", "allow"]), firewall()])), []);
  const preview = await run([group("baseline"), group("allow"), policy([UNKNOWN, UNKNOWN], ["baseline", "allow"]), firewall()]);
  assert.deepEqual(preview.advisories, []);
  // Inputs in update mode: the references carry the groups' ARNs, the groups' inputs none.
  assert.deepEqual(messages(await run([group("baseline"), group("allow"), policy([ARN("b"), ARN("a")], ["baseline", "allow"]), firewall(POLICY_ARN)])), []);
  // After an update: ARNs known on both sides, matched literally.
  const after = await run([group("baseline", ARN("b")), group("allow", ARN("a")), policy([ARN("b"), ARN("a")], ["baseline", "allow"], POLICY_ARN), firewall(POLICY_ARN, false)]);
  assert.deepEqual(messages(after), []);
  assert.deepEqual(after.advisories, []);
  // A stateless group is not this control's concern.
  assert.deepEqual(messages(await run([group("baseline"), group("frag", undefined, "STATELESS"), policy([UNKNOWN], ["baseline"]), firewall()])), []);
});

test("firewall rule groups: no stateful group, a declared group left out, a foreign policy or foreign groups only → fires", async () => {
  assert.deepEqual(messages(await run([policy([], []), firewall()])), ['firewall policy "egress-policy" has no stateful rule group: only its default actions apply, with no baseline or allow-list rules']);
  // The references emptied while the dependencies remain (what a mutation of the references leaves).
  const emptied = messages(await run([group("baseline"), policy([], ["baseline"]), firewall()]));
  assert.equal(emptied.length, 2);
  assert.match(emptied[1]!, /stateful rule group "baseline" is declared but no firewall's policy references it/);
  // After an update, the baseline's reference removed: decided literally.
  assert.deepEqual(messages(await run([group("baseline", ARN("b")), group("allow", ARN("a")), policy([ARN("a")], ["baseline", "allow"], POLICY_ARN), firewall(POLICY_ARN, false)])), [
    'stateful rule group "baseline" is declared but no firewall\'s policy references it: its rules enforce nothing',
  ]);
  // The firewall points at a policy the stack does not declare.
  const foreign = messages(await run([group("baseline"), policy([UNKNOWN], ["baseline"]), firewall("arn:aws:network-firewall:eu-central-1:444455556666:firewall-policy/central", false)]));
  assert.equal(foreign.length, 2);
  assert.match(foreign[0]!, /runs a policy the stack does not declare/);
  // The policy references only a group from elsewhere (an AWS managed group).
  const managed = "arn:aws:network-firewall:eu-central-1:aws-managed:stateful-rulegroup/MalwareDomainsStrictOrder";
  const m = messages(await run([group("baseline", ARN("b")), policy([managed], [], POLICY_ARN), firewall(POLICY_ARN, false)]));
  assert.ok(m.some((x) => /references none of the stack's stateful rule groups \(baseline\)/.test(x)), m.join("\n"));
});

test("firewall rule groups: a stateful group without rules fires; unknown rules or rules from a domain list do not", async () => {
  const empty = (rulesSource: unknown) => run([group("baseline", undefined, "STATEFUL", { rulesSource }), policy([UNKNOWN], ["baseline"]), firewall()]);
  assert.deepEqual(messages(await empty({ rulesString: "\n# nothing\n" })), ['stateful rule group "baseline" has no rules (rulesSource is empty)']);
  assert.equal(messages(await empty({ statefulRules: [] })).length, 1);
  assert.deepEqual(messages(await empty({ rulesString: UNKNOWN })), []);
  assert.deepEqual(messages(await empty({ rulesSourceList: { generatedRulesType: "ALLOWLIST", targetTypes: ["TLS_SNI"], targets: [".example.com"] } })), []);
});

test("firewall rule groups: in preview, fewer unknown references than dependency groups, or unknown references, are advisory", async () => {
  const fewer = await run([group("baseline"), group("allow"), policy([UNKNOWN], ["baseline", "allow"]), firewall()]);
  assert.deepEqual(fewer.violations, []);
  assert.equal(fewer.advisories.length, 1);
  const unknownRefs = await run([group("baseline"), policy(UNKNOWN, ["baseline"]), firewall()]);
  assert.deepEqual(unknownRefs.violations, []);
  assert.equal(unknownRefs.advisories.length, 1);
});
