import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { T, TAGS } from "./fixtures";
import { cloudtrailManagementEvents } from "../../../policy-packs/controls/cloudtrail-management-events";
import { ec2FlowLogDestinationOwned } from "../../../policy-packs/controls/ec2-flow-log-destination-owned";
import { ec2RouteIgwPublicTier } from "../../../policy-packs/controls/ec2-route-igw-public-tier";
import { ec2VpcEndpointsRequired } from "../../../policy-packs/controls/ec2-vpc-endpoints-required";
import { k8sRbacLeastPrivilege } from "../../../policy-packs/controls/k8s-rbac-least-privilege";

const trail = (props: Record<string, unknown>): Fixture => ({ type: T.trail, name: "audit", props: { isMultiRegionTrail: true, tags: TAGS, ...props } });
const mgmt = (extra: object[] = []) => ({ name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }, ...extra] });
const data = { name: "Model store", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, { field: "resources.ARN", startsWiths: [UNKNOWN] }] };

test("management events: a Management selector, reads-and-writes basic selectors, or no selectors pass; data only, one direction, KMS excluded fire", async () => {
  for (const props of [{ advancedEventSelectors: [mgmt(), data] }, { eventSelectors: [{ includeManagementEvents: true, readWriteType: "All" }] }, {}]) {
    assert.deepEqual(messages(await runControl(cloudtrailManagementEvents, [trail(props)])), [], JSON.stringify(props));
  }
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ advancedEventSelectors: [data] }, /record no management events/],
    [{ advancedEventSelectors: [mgmt([{ field: "readOnly", equals: ["true"] }]), data] }, /reads only/],
    [{ advancedEventSelectors: [mgmt([{ field: "readOnly", equals: ["false"] }])] }, /writes only/],
    [{ advancedEventSelectors: [mgmt([{ field: "eventSource", notEquals: ["kms.amazonaws.com"] }])] }, /leaves out kms\.amazonaws\.com/],
    [{ eventSelectors: [{ includeManagementEvents: false, readWriteType: "All" }] }, /includeManagementEvents: false/],
    [{ eventSelectors: [{ readWriteType: "WriteOnly" }] }, /writes only/],
    [{ eventSelectors: [{ excludeManagementEventSources: ["kms.amazonaws.com"] }] }, /excludes kms\.amazonaws\.com/],
  ];
  for (const [props, re] of cases) {
    const m = messages(await runControl(cloudtrailManagementEvents, [trail(props)]));
    assert.equal(m.length, 1, JSON.stringify(props));
    assert.match(m[0]!, re);
  }
  // Reads in one selector and writes in another record both.
  const split = { advancedEventSelectors: [mgmt([{ field: "readOnly", equals: ["true"] }]), mgmt([{ field: "readOnly", equals: ["false"] }])] };
  assert.deepEqual(messages(await runControl(cloudtrailManagementEvents, [trail(split)])), []);
  const u = await runControl(cloudtrailManagementEvents, [trail({ advancedEventSelectors: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

const group: Fixture = { type: T.logGroup, name: "flow-logs", props: { name: "/sovereign-llm/prod/vpc-flow-logs", tags: TAGS } };
const bucket: Fixture = { type: T.bucket, name: "flows", props: { bucket: "flows-111122223333", tags: TAGS } };
const flowLog = (props: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}): Fixture => ({ type: T.flowLog, name: "fl", props: { vpcId: "vpc-1", trafficType: "ALL", ...props }, propertyDependencies });

test("flow log destination: a declared log group or bucket (by dependency or by ARN) passes; another account's bucket, an undeclared group and Firehose fire", async () => {
  const groupArn = "arn:aws:logs:us-east-1:111122223333:log-group:/sovereign-llm/prod/vpc-flow-logs";
  assert.deepEqual(messages(await runControl(ec2FlowLogDestinationOwned, [group, flowLog({ logDestination: groupArn, logDestinationType: "cloud-watch-logs" })])), []);
  assert.deepEqual(messages(await runControl(ec2FlowLogDestinationOwned, [group, flowLog({ logDestination: UNKNOWN }, { logDestination: [urnOf(T.logGroup, "flow-logs")] })])), []);
  assert.deepEqual(messages(await runControl(ec2FlowLogDestinationOwned, [bucket, flowLog({ logDestinationType: "s3", logDestination: "arn:aws:s3:::flows-111122223333/vpc/" })])), []);
  const fires: Record<string, unknown>[] = [
    { logDestinationType: "s3", logDestination: "arn:aws:s3:::central-logging-444455556666" },
    { logDestination: "arn:aws:logs:us-east-1:111122223333:log-group:/somewhere/else" },
    { logDestinationType: "kinesis-data-firehose", logDestination: "arn:aws:firehose:us-east-1:111122223333:deliverystream/x" },
  ];
  for (const props of fires) {
    const m = messages(await runControl(ec2FlowLogDestinationOwned, [group, bucket, flowLog(props)]));
    assert.equal(m.length, 1, JSON.stringify(props));
    assert.match(m[0]!, /delivers \([a-z0-9-]+\) to a destination this stack does not declare/);
  }
  const u = await runControl(ec2FlowLogDestinationOwned, [group, flowLog({ logDestination: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

const table = (tier: string | undefined): Fixture => ({ type: T.routeTable, name: `rt-${tier ?? "none"}`, props: { vpcId: "vpc-1", tags: tier ? { ...TAGS, tier } : TAGS } });
const igw: Fixture = { type: "aws:ec2/internetGateway:InternetGateway", name: "igw", props: { vpcId: "vpc-1", tags: TAGS } };
const route = (t: Fixture, target: Record<string, unknown>, deps: Record<string, string[]> = {}): Fixture => ({
  type: T.route,
  name: `${t.name}-default`,
  props: { routeTableId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0", ...target },
  propertyDependencies: { routeTableId: [urnOf(T.routeTable, t.name)], ...deps },
});

test("internet-gateway routes: allowed in the public tier only; endpoint, firewall, workload and untagged tables fire; NAT and firewall targets elsewhere are not this control's concern", async () => {
  const pub = table("public");
  assert.deepEqual(messages(await runControl(ec2RouteIgwPublicTier, [igw, pub, route(pub, { gatewayId: UNKNOWN }, { gatewayId: [urnOf(igw.type, "igw")] })])), []);
  for (const tier of ["endpoints", "firewall", "workload", undefined]) {
    const t = table(tier);
    const m = messages(await runControl(ec2RouteIgwPublicTier, [igw, t, route(t, { gatewayId: UNKNOWN }, { gatewayId: [urnOf(igw.type, "igw")] })]));
    assert.equal(m.length, 1, String(tier));
    assert.match(m[0]!, new RegExp(`tier ${tier ?? "untagged"}\\) has route .* to an internet gateway`));
  }
  const fw = table("firewall");
  assert.equal(messages(await runControl(ec2RouteIgwPublicTier, [fw, route(fw, { gatewayId: "igw-0abc" })])).length, 1);
  assert.equal(messages(await runControl(ec2RouteIgwPublicTier, [withProps(table("endpoints"), { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }] })])).length, 1);
  assert.deepEqual(messages(await runControl(ec2RouteIgwPublicTier, [fw, route(fw, { natGatewayId: "nat-1" })])), []);
  const u = await runControl(ec2RouteIgwPublicTier, [fw, route(fw, { gatewayId: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

const vpc: Fixture = { type: T.vpc, name: "net", props: { cidrBlock: "10.0.0.0/16", tags: TAGS } };
const endpoint = (service: string): Fixture => ({ type: T.endpoint, name: service, props: { vpcId: UNKNOWN, serviceName: `com.amazonaws.us-east-1.${service}` }, propertyDependencies: { vpcId: [urnOf(T.vpc, "net")] } });
const NEEDED = ["s3", "ecr.api", "ecr.dkr", "sts", "logs", "ec2"];

test("VPC endpoints: every required service present passes; none, or one missing, fires naming what is missing; tunable", async () => {
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc, ...NEEDED.map(endpoint)])), []);
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc])), [`VPC "net" has no VPC endpoint for ${NEEDED.join(", ")}`]);
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc, ...NEEDED.filter((s) => s !== "logs").map(endpoint)])), ['VPC "net" has no VPC endpoint for logs']);
  // KMS is not required by default: nothing in the VPC calls it directly.
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc, ...NEEDED.map(endpoint)])), []);
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc, ...NEEDED.map(endpoint)], { requiredServices: [...NEEDED, "kms"] })), ['VPC "net" has no VPC endpoint for kms']);
  assert.deepEqual(messages(await runControl(ec2VpcEndpointsRequired, [vpc, endpoint("s3")], { requiredServices: ["s3"] })), []);
  const u = await runControl(ec2VpcEndpointsRequired, [vpc, withProps(endpoint("s3"), { serviceName: UNKNOWN })], { requiredServices: ["s3"] });
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

const K = { role: "kubernetes:rbac.authorization.k8s.io/v1:Role", clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", clusterBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding" };
const rbacRole = (rules: unknown, type: string = K.clusterRole): Fixture => ({ type, name: "r", props: { metadata: { name: "r" }, rules } });
const bind = (roleRef: unknown, subjects: unknown = [{ kind: "ServiceAccount", name: "app", namespace: "app" }], type: string = K.clusterBinding): Fixture => ({ type, name: "b", props: { metadata: { name: "b" }, roleRef, subjects } });

test("RBAC: listed rules and a binding of a workload role pass; wildcards, escalating verbs, all Secrets, cluster-admin/admin/edit and broad groups fire", async () => {
  assert.deepEqual(messages(await runControl(k8sRbacLeastPrivilege, [rbacRole([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }, { apiGroups: [""], resources: ["secrets"], resourceNames: ["tls"], verbs: ["get"] }])])), []);
  assert.deepEqual(messages(await runControl(k8sRbacLeastPrivilege, [bind({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-autoscaler" })])), []);
  const roles: [unknown, RegExp][] = [
    [[{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }], /"\*" in apiGroups/],
    [[{ apiGroups: [""], resources: ["*"], verbs: ["get"] }], /"\*" in resources/],
    [[{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }], /"\*" in verbs/],
    [[{ apiGroups: ["apps"], resources: ["deployments/*"], verbs: ["get"] }], /"deployments\/\*" in resources/],
    [[{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"] }], /grants bind/],
    [[{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }], /grants impersonate/],
    [[{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }], /reads every Secret/],
  ];
  for (const [rules, re] of roles) {
    const m = messages(await runControl(k8sRbacLeastPrivilege, [rbacRole(rules, K.role)]));
    assert.equal(m.length, 1, JSON.stringify(rules));
    assert.match(m[0]!, re);
  }
  for (const name of ["cluster-admin", "admin", "edit"]) {
    assert.match(messages(await runControl(k8sRbacLeastPrivilege, [bind({ kind: "ClusterRole", name }, undefined, K.binding)]))[0]!, new RegExp(`built-in ClusterRole "${name}"`));
  }
  assert.match(messages(await runControl(k8sRbacLeastPrivilege, [bind({ kind: "ClusterRole", name: "view-pods" }, [{ kind: "Group", name: "system:masters" }])]))[0]!, /group system:masters/);
  assert.match(messages(await runControl(k8sRbacLeastPrivilege, [bind({ kind: "ClusterRole", name: "view-pods" }, [{ kind: "Group", name: "system:serviceaccounts" }])]))[0]!, /every service account/);
  assert.match(messages(await runControl(k8sRbacLeastPrivilege, [withProps(rbacRole([]), { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } })]))[0]!, /aggregates other roles/);
  // Metric names of the aggregated metrics APIs are not objects; "*" there is allowed, "*/scale" on every group is not.
  assert.deepEqual(messages(await runControl(k8sRbacLeastPrivilege, [rbacRole([{ apiGroups: ["external.metrics.k8s.io"], resources: ["*"], verbs: ["get", "list", "watch"] }])])), []);
  assert.equal(messages(await runControl(k8sRbacLeastPrivilege, [rbacRole([{ apiGroups: ["apps"], resources: ["*/scale"], verbs: ["get"] }])])).length, 1);
  assert.deepEqual(messages(await runControl(k8sRbacLeastPrivilege, [rbacRole([{ apiGroups: ["*"], resources: ["*"], verbs: ["get"] }])], { exemptRoles: ["r"] })), []);
  const u = await runControl(k8sRbacLeastPrivilege, [rbacRole(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
