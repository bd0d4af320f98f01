import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { TAGS, T } from "./fixtures";
import { networkfirewallPolicyDefaultDrop } from "../../../policy-packs/controls/networkfirewall-policy-default-drop";
import { networkfirewallPolicyStatelessForward } from "../../../policy-packs/controls/networkfirewall-policy-stateless-forward";
import { networkfirewallLogging } from "../../../policy-packs/controls/networkfirewall-logging";
import { networkfirewallProtection } from "../../../policy-packs/controls/networkfirewall-protection";
import { networkfirewallEgressDomains, passRules, domainAllowed } from "../../../policy-packs/controls/networkfirewall-egress-domains";
import { ec2WorkloadRouteViaFirewall } from "../../../policy-packs/controls/ec2-workload-route-via-firewall";

const N = {
  firewall: "aws:networkfirewall/firewall:Firewall",
  policy: "aws:networkfirewall/firewallPolicy:FirewallPolicy",
  logging: "aws:networkfirewall/loggingConfiguration:LoggingConfiguration",
  ruleGroup: "aws:networkfirewall/ruleGroup:RuleGroup",
  table: "aws:ec2/routeTable:RouteTable",
  assoc: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  route: "aws:ec2/route:Route",
  nat: "aws:ec2/natGateway:NatGateway",
  igw: "aws:ec2/internetGateway:InternetGateway",
} as const;
const fwUrn = urnOf(N.firewall, "egress");
const natUrn = urnOf(N.nat, "nat-a");

const firewallPolicy = (): Fixture => ({
  type: N.policy,
  name: "egress-policy",
  props: {
    firewallPolicy: {
      statefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
      statefulEngineOptions: { ruleOrder: "STRICT_ORDER", streamExceptionPolicy: "DROP" },
      statelessDefaultActions: ["aws:forward_to_sfe"],
      statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
    },
    tags: TAGS,
  },
});
const fp = (f: Fixture, change: Record<string, unknown>) => {
  const next: Record<string, unknown> = { ...(f.props.firewallPolicy as object), ...change };
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  return withProps(f, { firewallPolicy: next });
};

/** A firewall, its logging, and one AZ of subnets and routes: workload → firewall endpoint, firewall → NAT. */
function network(preview = false): Fixture[] {
  const id = (s: string) => (preview ? UNKNOWN : s);
  const subnet = (name: string, tier: string): Fixture => ({ type: T.subnet, name, props: { vpcId: id("vpc-1"), cidrBlock: "10.0.0.0/19", tags: { ...TAGS, tier } } });
  const table = (name: string): Fixture => ({ type: N.table, name, props: { vpcId: id("vpc-1"), tags: TAGS } });
  const assoc = (name: string): Fixture => ({ type: N.assoc, name, props: { subnetId: id(`${name}-id`), routeTableId: id(`${name}-id`) }, propertyDependencies: { subnetId: [urnOf(T.subnet, name)], routeTableId: [urnOf(N.table, name)] } });
  return [
    { type: N.firewall, name: "egress", props: { name: "egress", deleteProtection: true, subnetChangeProtection: true, firewallPolicyChangeProtection: true, firewallPolicyArn: id("arn:fp"), vpcId: id("vpc-1"), tags: TAGS } },
    {
      type: N.logging,
      name: "egress-logging",
      props: {
        firewallArn: id("arn:fw"),
        loggingConfiguration: {
          logDestinationConfigs: [
            { logType: "ALERT", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: "/fw/alert" } },
            { logType: "FLOW", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: "/fw/flow" } },
          ],
        },
      },
      propertyDependencies: { firewallArn: [fwUrn] },
    },
    subnet("workload-a", "workload"),
    subnet("firewall-a", "firewall"),
    table("workload-a"),
    table("firewall-a"),
    assoc("workload-a"),
    assoc("firewall-a"),
    { type: N.nat, name: "nat-a", props: { subnetId: id("public-a-id") } },
    { type: N.route, name: "workload-a-default", props: { routeTableId: id("workload-a-id"), destinationCidrBlock: "0.0.0.0/0", vpcEndpointId: id("vpce-0") }, propertyDependencies: { routeTableId: [urnOf(N.table, "workload-a")], vpcEndpointId: [fwUrn] } },
    { type: N.route, name: "firewall-a-default", props: { routeTableId: id("firewall-a-id"), destinationCidrBlock: "0.0.0.0/0", natGatewayId: id("nat-a-id") }, propertyDependencies: { routeTableId: [urnOf(N.table, "firewall-a")], natGatewayId: [natUrn] } },
  ];
}
const replace = (fx: Fixture[], name: string, type: string, f: (x: Fixture) => Fixture | undefined) => fx.flatMap((x) => (x.name === name && x.type === type ? [f(x)].filter((y): y is Fixture => !!y) : [x]));
const RULES = [
  'pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; content:"updates.bottlerocket.aws"; nocase; startswith; endswith; flow:to_server, established; msg:"a"; sid:100001; rev:1;)',
  'pass http $HOME_NET any -> $EXTERNAL_NET 80 (http.host; content:"updates.bottlerocket.aws"; startswith; endswith; flow:to_server, established; msg:"b"; sid:100002; rev:1;)',
  'pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; dotprefix; content:".example.org"; nocase; endswith; flow:to_server, established; msg:"c"; sid:100003; rev:1;)',
].join("\n");
const ruleGroup = (rulesString: string = RULES): Fixture => ({ type: N.ruleGroup, name: "allow", props: { type: "STATEFUL", capacity: 100, ruleGroup: { rulesSource: { rulesString }, statefulRuleOptions: { ruleOrder: "STRICT_ORDER" } }, tags: TAGS } });
const ALLOWED = ["updates.bottlerocket.aws", "*.example.org"];

test("the egress firewall passes every firewall control, known and in preview", async () => {
  for (const preview of [false, true]) {
    for (const c of [networkfirewallPolicyDefaultDrop, networkfirewallPolicyStatelessForward]) assert.deepEqual(messages(await runControl(c, [firewallPolicy()])), [], c.policy.name);
    for (const c of [networkfirewallLogging, networkfirewallProtection, ec2WorkloadRouteViaFirewall]) {
      const out = await runControl(c, network(preview));
      assert.deepEqual(messages(out), [], `${c.policy.name} ${preview}`);
      assert.deepEqual(out.advisories, [], `${c.policy.name} ${preview}: dependencies decide in preview`);
    }
    assert.deepEqual(messages(await runControl(networkfirewallEgressDomains, [ruleGroup()], { allowedEgressDomains: ALLOWED })), []);
  }
});

test("stateful defaults: no drop, no alert, default rule order", async () => {
  assert.deepEqual(messages(await runControl(networkfirewallPolicyDefaultDrop, [fp(firewallPolicy(), { statefulDefaultActions: ["aws:alert_established"] })])), ['stateful default actions [aws:alert_established] do not drop unmatched traffic: include "aws:drop_established" (or "aws:drop_strict")']);
  assert.deepEqual(messages(await runControl(networkfirewallPolicyDefaultDrop, [fp(firewallPolicy(), { statefulDefaultActions: ["aws:drop_strict"] })])), ['stateful default actions [aws:drop_strict] do not alert on unmatched traffic: include "aws:alert_established" (or "aws:alert_strict")']);
  assert.equal(messages(await runControl(networkfirewallPolicyDefaultDrop, [fp(firewallPolicy(), { statefulDefaultActions: undefined })])).length, 2);
  assert.match(messages(await runControl(networkfirewallPolicyDefaultDrop, [fp(firewallPolicy(), { statefulEngineOptions: undefined })]))[0]!, /rule order is unset \(DEFAULT_ACTION_ORDER\)/);
});

test("stateless defaults: pass for full packets, drop for fragments", async () => {
  assert.deepEqual(messages(await runControl(networkfirewallPolicyStatelessForward, [fp(firewallPolicy(), { statelessDefaultActions: ["aws:pass"] })])), ['stateless default action for full packets is [aws:pass]: set statelessDefaultActions: ["aws:forward_to_sfe"] so they reach the stateful engine']);
  assert.match(messages(await runControl(networkfirewallPolicyStatelessForward, [fp(firewallPolicy(), { statelessFragmentDefaultActions: ["aws:drop"] })]))[0]!, /fragmented packets is \[aws:drop\]/);
});

test("logging: none, FLOW missing, S3 instead of CloudWatch Logs; unknown link is advisory", async () => {
  const none = replace(network(), "egress-logging", N.logging, () => undefined);
  assert.deepEqual(messages(await runControl(networkfirewallLogging, none)), ['firewall "egress" has no logging configuration: its drops and flows are not recorded']);
  const alertOnly = replace(network(), "egress-logging", N.logging, (f) => withProps(f, { loggingConfiguration: { logDestinationConfigs: [{ logType: "ALERT", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: "/a" } }] } }));
  assert.deepEqual(messages(await runControl(networkfirewallLogging, alertOnly)), ['firewall "egress" does not send FLOW logs to CloudWatch Logs']);
  const s3 = replace(network(), "egress-logging", N.logging, (f) => withProps(f, { loggingConfiguration: { logDestinationConfigs: [{ logType: "ALERT", logDestinationType: "S3", logDestination: { bucketName: "b" } }, { logType: "FLOW", logDestinationType: "S3", logDestination: { bucketName: "b" } }] } }));
  assert.deepEqual(messages(await runControl(networkfirewallLogging, s3)), ['firewall "egress" does not send ALERT and FLOW logs to CloudWatch Logs']);
  const unlinked = replace(network(true), "egress-logging", N.logging, (f) => ({ ...f, propertyDependencies: {} }));
  const out = await runControl(networkfirewallLogging, unlinked);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});

test("protection: prod without it fires naming each switch; so does any stack with phi or pii; dev with confidential data is not checked; tunable off", async () => {
  const fw = network()[0]!;
  const off = withProps(fw, { deleteProtection: false, subnetChangeProtection: undefined });
  assert.deepEqual(messages(await runControl(networkfirewallProtection, [off])), ["prod firewall without deleteProtection, subnetChangeProtection: set deleteProtection: true, subnetChangeProtection: true"]);
  assert.deepEqual(messages(await runControl(networkfirewallProtection, [withProps(off, { tags: { ...TAGS, environment: "dev", "data-classification": "confidential" } })])), []);
  // Staging that holds PHI is protected for its data, whatever its environment is called.
  assert.deepEqual(messages(await runControl(networkfirewallProtection, [withProps(off, { tags: { ...TAGS, environment: "staging", "data-classification": "phi" } })])), [
    "firewall of a stack processing phi data without deleteProtection, subnetChangeProtection: set deleteProtection: true, subnetChangeProtection: true",
  ]);
  assert.deepEqual(messages(await runControl(networkfirewallProtection, [withProps(off, { tags: { ...TAGS, environment: "staging", "data-classification": "pii" } })], { protectedClassifications: [] })), []);
  assert.deepEqual(messages(await runControl(networkfirewallProtection, [off], { requireProtection: false })), []);
  assert.equal(messages(await runControl(networkfirewallProtection, [withProps(off, { tags: { ...TAGS, environment: "staging", "data-classification": "confidential" } })], { protectedEnvironments: ["prod", "staging"] })).length, 1);
  const u = await runControl(networkfirewallProtection, [withProps(off, { tags: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("workload default route: to a NAT gateway, to an internet gateway, to an interface endpoint, no association; non-workload subnets may use NAT", async () => {
  const toNat = replace(network(), "workload-a-default", N.route, (r) => ({ ...withProps(r, { vpcEndpointId: undefined, natGatewayId: "nat-a-id" }), propertyDependencies: { routeTableId: [urnOf(N.table, "workload-a")], natGatewayId: [natUrn] } }));
  assert.deepEqual(messages(await runControl(ec2WorkloadRouteViaFirewall, toNat)), ['workload subnet "workload-a": default route "workload-a-default" targets a NAT gateway, bypassing the egress firewall; route 0.0.0.0/0 to the firewall endpoint of the subnet\'s AZ']);
  const igwUrn = urnOf(N.igw, "igw");
  const toIgw = [...network(), { type: N.igw, name: "igw", props: { vpcId: "vpc-1" } }, { type: N.route, name: "workload-a-v6", props: { routeTableId: "workload-a-id", destinationIpv6CidrBlock: "::/0", gatewayId: "igw-id" }, propertyDependencies: { routeTableId: [urnOf(N.table, "workload-a")], gatewayId: [igwUrn] } }];
  assert.match(messages(await runControl(ec2WorkloadRouteViaFirewall, toIgw))[0]!, /default route "workload-a-v6" targets an internet or virtual private gateway/);
  const inline = replace(network(), "workload-a", N.table, (t) => withProps(t, { routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-a-id" }] }));
  assert.match(messages(await runControl(ec2WorkloadRouteViaFirewall, inline))[0]!, /default an inline route of "workload-a" targets a NAT gateway/);
  const epUrn = urnOf(T.endpoint, "s3");
  const toEndpoint = [...replace(network(), "workload-a-default", N.route, (r) => ({ ...r, propertyDependencies: { routeTableId: [urnOf(N.table, "workload-a")], vpcEndpointId: [epUrn] } })), { type: T.endpoint, name: "s3", props: { vpcId: "vpc-1", serviceName: "com.amazonaws.us-east-1.s3" } }];
  assert.match(messages(await runControl(ec2WorkloadRouteViaFirewall, toEndpoint))[0]!, /targets an interface\/gateway VPC endpoint, not a Network Firewall endpoint/);
  const unassociated = replace(network(), "workload-a", N.assoc, () => undefined);
  assert.match(messages(await runControl(ec2WorkloadRouteViaFirewall, unassociated))[0]!, /has no route table association/);
  // Related by ids only (as a stack built from literal ids would be).
  const byId = toNat.map((f) => ({ ...f, propertyDependencies: {} }));
  assert.equal(messages(await runControl(ec2WorkloadRouteViaFirewall, byId.map((f) => (f.type === T.subnet ? withProps(f, { id: `${f.name}-id` }) : f.type === N.table ? withProps(f, { id: `${f.name}-id` }) : f)))).length, 1);
});

test("workload default route: preview without dependencies is advisory only; no default route at all passes", async () => {
  const blind = network(true).map((f) => ({ ...f, propertyDependencies: {} }));
  const out = await runControl(ec2WorkloadRouteViaFirewall, blind);
  assert.deepEqual(out.violations, []);
  assert.ok(out.advisories.length === 1 && /unknown/.test(out.advisories[0]!));
  const none = replace(network(), "workload-a-default", N.route, () => undefined);
  assert.deepEqual(messages(await runControl(ec2WorkloadRouteViaFirewall, none)), []);
});

test("egress domains: parser reads exact and dotprefix domains", () => {
  assert.deepEqual(passRules(RULES).map((r) => r.domains), [["updates.bottlerocket.aws"], ["updates.bottlerocket.aws"], ["*.example.org"]]);
  assert.ok(domainAllowed("a.example.org", ["*.example.org"]));
  assert.ok(!domainAllowed("example.org", ["*.example.org"]));
  assert.ok(!domainAllowed("badexample.org", ["*.example.org"]));
  assert.ok(domainAllowed("updates.bottlerocket.aws", ["Updates.Bottlerocket.AWS."]));
});

test("egress domains: a domain outside the list, an unpinned pass rule, a substring match, a deny list, a 5-tuple pass", async () => {
  const run = async (f: Fixture, cfg: Record<string, unknown> = { allowedEgressDomains: ALLOWED }) => messages(await runControl(networkfirewallEgressDomains, [f], cfg));
  assert.deepEqual(await run(ruleGroup(), { allowedEgressDomains: ["updates.bottlerocket.aws"] }), ["pass rule allows *.example.org, which is not in allowedEgressDomains (updates.bottlerocket.aws)"]);
  assert.deepEqual(await run(ruleGroup(), {}), [], "without a list only the shape is checked");
  assert.match((await run(ruleGroup('pass ip $HOME_NET any -> $EXTERNAL_NET any (msg:"all"; sid:1; rev:1;)')))[0]!, /^pass rule not pinned to a domain/);
  assert.match((await run(ruleGroup('pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; content:"updates.bottlerocket.aws"; nocase; sid:2; rev:1;)')))[0]!, /as a substring/);
  const list = withProps(ruleGroup(), { ruleGroup: { rulesSource: { rulesSourceList: { generatedRulesType: "DENYLIST", targetTypes: ["TLS_SNI"], targets: ["evil.example"] } } } });
  assert.deepEqual(await run(list), ["domain list rule group is a DENYLIST list; only ALLOWLIST domain lists are allowed (the default action drops the rest)", "domain list allows evil.example, which is not in allowedEgressDomains (updates.bottlerocket.aws, *.example.org)"]);
  const tuple = withProps(ruleGroup(), { ruleGroup: { rulesSource: { statefulRules: [{ action: "PASS", header: { protocol: "IP", source: "ANY", sourcePort: "ANY", direction: "FORWARD", destination: "ANY", destinationPort: "ANY" }, ruleOptions: [{ keyword: "sid", settings: ["1"] }] }] } } });
  assert.match((await run(tuple))[0]!, /5-tuple stateful rule has action PASS/);
  const u = await runControl(networkfirewallEgressDomains, [withProps(ruleGroup(), { ruleGroup: UNKNOWN })], { allowedEgressDomains: ALLOWED });
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
