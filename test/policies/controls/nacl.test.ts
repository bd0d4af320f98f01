import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN_ARRAY, type Fixture } from "../harness";
import { admittedAdminPorts, ec2NaclNoAdminPortsFromWorld } from "../../../policy-packs/controls/ec2-nacl-no-admin-ports-from-world";

const NACL = "aws:ec2/networkAcl:NetworkAcl";
const DEFAULT_NACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl";
const RULE = "aws:ec2/networkAclRule:NetworkAclRule";

/** The subnets' ACL as IsolatedVpc declares it: anything from the VPC, TCP replies from anywhere. */
const subnetsAcl = (ingress: unknown[] = [
  { ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "10.0.0.0/16", fromPort: 0, toPort: 0 },
  { ruleNo: 190, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 3389, toPort: 3389 },
  { ruleNo: 200, action: "allow", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 1024, toPort: 65535 },
]): Fixture => ({ type: NACL, name: "subnets", props: { vpcId: "vpc", ingress, egress: [{ ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 }] } });
const closedDefault: Fixture = { type: DEFAULT_NACL, name: "default", props: { defaultNetworkAclId: "acl-0", ingress: [], egress: [] } };

test("the platform's ACLs pass: VPC traffic and internet replies on ephemeral ports only, RDP denied first; the adopted default ACL is closed", async () => {
  assert.deepEqual(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [subnetsAcl(), closedDefault])), []);
});

test("the ephemeral-port allow alone admits RDP (it lies inside 1024-65535)", async () => {
  const withoutDeny = subnetsAcl().props.ingress as Record<string, unknown>[];
  const acl = subnetsAcl(withoutDeny.filter((r) => r.action !== "deny"));
  assert.match(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [acl]))[0]!, /admits port 3389 from the internet/);
});

test("an allow-all rule from the internet, IPv4 or IPv6, fires for SSH and RDP", async () => {
  const open = subnetsAcl([{ ruleNo: 50, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 }]);
  assert.match(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [open]))[0]!, /admits port 22 and 3389 from the internet/);
  const v6 = subnetsAcl([{ ruleNo: 50, action: "allow", protocol: "tcp", ipv6CidrBlock: "::/0", fromPort: 3000, toPort: 4000 }]);
  assert.match(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [v6]))[0]!, /admits port 3389 from/);
});

test("the adopted default ACL with an open rule fires", async () => {
  const open: Fixture = { ...closedDefault, props: { ...closedDefault.props, ingress: [{ ruleNo: 100, action: "allow", protocol: "6", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 }] } };
  assert.equal(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [open])).length, 1);
});

test("first match wins: a lower-numbered deny closes the port, a higher-numbered one does not", () => {
  const allowAll = { ruleNo: 200, allow: true, protocol: "-1", fromPort: 0, toPort: 0 };
  assert.deepEqual(admittedAdminPorts([allowAll, { ruleNo: 100, allow: false, protocol: "tcp", fromPort: 22, toPort: 22 }]), [3389]);
  assert.deepEqual(admittedAdminPorts([allowAll, { ruleNo: 300, allow: false, protocol: "tcp", fromPort: 0, toPort: 65535 }]), [22, 3389]);
  assert.deepEqual(admittedAdminPorts([{ ruleNo: 100, allow: true, protocol: "icmp", fromPort: 0, toPort: 0 }]), []);
});

test("separate rule resources of one ACL are read together; egress rules are not ingress", async () => {
  const rule = (name: string, props: Record<string, unknown>): Fixture => ({ type: RULE, name, props: { networkAclId: "acl-1", egress: false, cidrBlock: "0.0.0.0/0", ...props } });
  const allowSsh = rule("ssh", { ruleNumber: 200, ruleAction: "allow", protocol: "tcp", fromPort: 22, toPort: 22 });
  assert.equal(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [allowSsh])).length, 1);
  const denyFirst = rule("deny", { ruleNumber: 100, ruleAction: "deny", protocol: "tcp", fromPort: 0, toPort: 1023 });
  assert.deepEqual(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [allowSsh, denyFirst])), []);
  assert.deepEqual(messages(await runControl(ec2NaclNoAdminPortsFromWorld, [rule("out", { egress: true, ruleNumber: 100, ruleAction: "allow", protocol: "-1", fromPort: 0, toPort: 0 })])), []);
});

test("unknown ingress is undecided (advisory), never a violation", async () => {
  const out = await runControl(ec2NaclNoAdminPortsFromWorld, [subnetsAcl(UNKNOWN_ARRAY as unknown as unknown[])]);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});
