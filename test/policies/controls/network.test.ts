import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { TAGS, T } from "./fixtures";
import { ec2VpcFlowLogs } from "../../../policy-packs/controls/ec2-vpc-flow-logs";
import { ec2SubnetNoPublicIp } from "../../../policy-packs/controls/ec2-subnet-no-public-ip";
import { ec2DefaultSgClosed } from "../../../policy-packs/controls/ec2-default-sg-closed";
import { ec2SgNoWorldIngress } from "../../../policy-packs/controls/ec2-sg-no-world-ingress";
import { ec2EndpointSgHttpsOnly } from "../../../policy-packs/controls/ec2-endpoint-sg-https-only";
import { ec2VpcEndpointPolicy } from "../../../policy-packs/controls/ec2-vpc-endpoint-policy";

const vpcUrn = urnOf(T.vpc, "net");
const sgUrn = urnOf(T.sg, "endpoints");
const child = (type: string, name: string, props: Record<string, unknown>, deps: Record<string, string[]> = { vpcId: [vpcUrn] }): Fixture => ({ type, name, props: { vpcId: "net-id", tags: TAGS, ...props }, parent: vpcUrn, propertyDependencies: deps });
const endpointPolicy = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:*"], Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": "111122223333" } } }] });

function network(preview = false): Fixture[] {
  const ref = preview ? UNKNOWN : "net-id";
  return [
    { type: T.vpc, name: "net", props: { cidrBlock: "10.0.0.0/16", tags: TAGS } },
    child(T.flowLog, "flow", { vpcId: ref, trafficType: "ALL" }),
    child(T.defaultSg, "default", { vpcId: ref, ingress: [], egress: [] }),
    child(T.subnet, "a", { vpcId: ref, mapPublicIpOnLaunch: false, availabilityZone: "us-east-1a" }),
    child(T.sg, "endpoints", { vpcId: ref, ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }], egress: [] }),
    child(T.endpoint, "kms", { vpcId: ref, vpcEndpointType: "Interface", privateDnsEnabled: true, serviceName: "com.amazonaws.us-east-1.kms", securityGroupIds: [preview ? UNKNOWN : "endpoints-id"], policy: endpointPolicy }, { vpcId: [vpcUrn], securityGroupIds: [sgUrn] }),
  ];
}
const replace = (fx: Fixture[], name: string, f: (x: Fixture) => Fixture | undefined) => fx.flatMap((x) => (x.name === name ? [f(x)].filter((y): y is Fixture => !!y) : [x]));
const all = [ec2VpcFlowLogs, ec2SubnetNoPublicIp, ec2DefaultSgClosed, ec2SgNoWorldIngress, ec2EndpointSgHttpsOnly, ec2VpcEndpointPolicy];

test("a closed network passes every network control, known and in preview", async () => {
  for (const c of all) for (const preview of [false, true]) assert.deepEqual(messages(await runControl(c, network(preview))), [], `${c.policy.name} ${preview}`);
});

test("flow logs: missing, not ALL, preview-only link", async () => {
  assert.deepEqual(messages(await runControl(ec2VpcFlowLogs, replace(network(), "flow", () => undefined))), ['VPC "net" has no flow log']);
  assert.deepEqual(messages(await runControl(ec2VpcFlowLogs, replace(network(), "flow", (f) => withProps(f, { trafficType: "REJECT" })))), ['VPC "net": its flow log captures only REJECT traffic; set trafficType ALL']);
  const orphan = replace(network(true), "flow", (f) => ({ ...f, propertyDependencies: {} }));
  const out = await runControl(ec2VpcFlowLogs, orphan);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});

test("subnet public IP", async () => {
  assert.deepEqual(messages(await runControl(ec2SubnetNoPublicIp, replace(network(), "a", (f) => withProps(f, { mapPublicIpOnLaunch: true })))), ["subnet sets mapPublicIpOnLaunch: instances in it get public IP addresses"]);
});

test("default SG: unmanaged, with ingress, with egress", async () => {
  assert.match(messages(await runControl(ec2DefaultSgClosed, replace(network(), "default", () => undefined)))[0]!, /default security group is not managed/);
  assert.deepEqual(messages(await runControl(ec2DefaultSgClosed, replace(network(), "default", (f) => withProps(f, { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }] })))), ['default security group "default" has 1 rule(s); it must have none']);
  assert.deepEqual(messages(await runControl(ec2DefaultSgClosed, replace(network(), "default", (f) => withProps(f, { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] })))), ['default security group "default" has 1 rule(s); it must have none']);
});

test("world ingress: IPv4, IPv6, a separate rule resource, an ingress-rule resource; egress to the world is not ingress", async () => {
  const sg = (ingress: unknown[]): Fixture => ({ type: T.sg, name: "x", props: { ingress, egress: [] } });
  assert.match(messages(await runControl(ec2SgNoWorldIngress, [sg([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }])]))[0]!, /ingress from 0\.0\.0\.0\/0 on ports 22-22/);
  assert.match(messages(await runControl(ec2SgNoWorldIngress, [sg([{ protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }])]))[0]!, /ingress from ::\/0/);
  const rule: Fixture = { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "r", props: { type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg" } };
  assert.equal(messages(await runControl(ec2SgNoWorldIngress, [rule])).length, 1);
  assert.deepEqual(messages(await runControl(ec2SgNoWorldIngress, [withProps(rule, { type: "egress" })])), []);
  const v: Fixture = { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "v", props: { ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "0.0.0.0/0", securityGroupId: "sg" } };
  assert.equal(messages(await runControl(ec2SgNoWorldIngress, [v])).length, 1);
  const u = await runControl(ec2SgNoWorldIngress, [sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [UNKNOWN] }])]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("endpoint SG: a non-443 rule fires; an SG no endpoint uses is not checked", async () => {
  const wide = replace(network(), "endpoints", (f) => withProps(f, { ingress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.0.0.0/16"] }] }));
  assert.deepEqual(messages(await runControl(ec2EndpointSgHttpsOnly, wide)), ['security group "endpoints" of VPC endpoint(s) kms admits tcp 0-65535; only tcp 443 is allowed']);
  const unused = replace(wide, "kms", () => undefined);
  assert.deepEqual(messages(await runControl(ec2EndpointSgHttpsOnly, unused)), []);
});

test("endpoint policy: missing, full-access default, private DNS off", async () => {
  assert.match(messages(await runControl(ec2VpcEndpointPolicy, replace(network(), "kms", (f) => withProps(f, { policy: undefined }))))[0]!, /VPC endpoint has no policy/);
  const full = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] });
  assert.match(messages(await runControl(ec2VpcEndpointPolicy, replace(network(), "kms", (f) => withProps(f, { policy: full }))))[0]!, /full-access default/);
  assert.match(messages(await runControl(ec2VpcEndpointPolicy, replace(network(), "kms", (f) => withProps(f, { privateDnsEnabled: false }))))[0]!, /without privateDnsEnabled/);
  const gateway = replace(network(), "kms", (f) => withProps(f, { vpcEndpointType: "Gateway", privateDnsEnabled: undefined }));
  assert.deepEqual(messages(await runControl(ec2VpcEndpointPolicy, gateway)), []);
});
