/**
 * IsolatedVpc, as an auditor reads it from what each committed stack registers: no public IPs,
 * a closed default security group, endpoints that admit HTTPS from the VPC only and carry
 * data-perimeter policies, and flow logs of all traffic into an encrypted group.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { networkRetentionDays } from "../../../infra/config.js";
import { STACKS, synthesizeCommitted, ofType, one, policyOf, list, settingsOf, childrenOf } from "../../helpers/stacks.js";

const synth = synthesizeCommitted({ preview: false });

import { calledServices } from "../../../components/network/api-callers.js";

/** Derived from the table of callers: S3 has its own gateway and interface endpoints. */
const INTERFACE_SERVICES = calledServices().filter((s) => s !== "s3");

for (const stack of STACKS) {
  describe(`network of ${stack}`, () => {
    const load = async () => {
      const result = (await synth)[stack];
      const { cfg, region } = await settingsOf(stack);
      const vpc = one(result, "aws:ec2/vpc:Vpc", "-net-vpc");
      const accountId = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(cfg.access.adminRoleArns[0])![1];
      return { result, cfg, region, vpc, accountId };
    };

    test("the VPC has the configured CIDR and DNS support", async () => {
      const { vpc, cfg } = await load();
      assert.equal(vpc.inputs.cidrBlock, cfg.network.cidr);
      assert.equal(vpc.inputs.enableDnsSupport, true);
      assert.equal(vpc.inputs.enableDnsHostnames, true);
    });

    test("no subnet maps public IPs on launch", async () => {
      const { result } = await load();
      const subnets = ofType(result, "aws:ec2/subnet:Subnet");
      assert.ok(subnets.length > 0);
      for (const s of subnets) {
        assert.equal(s.inputs.mapPublicIpOnLaunch, false, `${s.name} maps public IPs`);
        assert.notEqual(s.inputs.assignIpv6AddressOnCreation, true, `${s.name} assigns IPv6 addresses`);
      }
    });

    test("subnets per zone in tiers, public ones only where egress needs a NAT gateway", async () => {
      const { result, cfg } = await load();
      const subnets = ofType(result, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-net-"));
      const tiers = (tier: string) => subnets.filter((s) => (s.inputs.tags as Record<string, string>).tier === tier);
      const zones = cfg.network.availabilityZones;
      for (const tier of ["workload", "endpoints", "firewall"]) {
        assert.deepEqual(tiers(tier).map((s) => s.inputs.availabilityZone).sort(), [...zones].sort(), `${tier} subnets`);
      }
      const publicSubnets = tiers("public");
      const igws = ofType(result, "aws:ec2/internetGateway:InternetGateway");
      if (cfg.egress.mode === "none") {
        assert.equal(publicSubnets.length, 0, "egress none has no public subnet");
        assert.equal(igws.length, 0, "egress none has no internet gateway");
        assert.equal(ofType(result, "aws:ec2/natGateway:NatGateway").length, 0);
        assert.equal(ofType(result, "aws:ec2/eip:Eip").length, 0);
      } else {
        assert.equal(publicSubnets.length, zones.length);
        assert.equal(igws.length, 1);
        assert.equal(ofType(result, "aws:ec2/natGateway:NatGateway").length, zones.length);
      }
    });

    test("the default security group is adopted with no rules", async () => {
      const { result, vpc } = await load();
      const sg = one(result, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "-default-sg");
      assert.equal(sg.inputs.vpcId, vpc.id);
      assert.deepEqual(sg.inputs.ingress ?? [], []);
      assert.deepEqual(sg.inputs.egress ?? [], []);
      assert.ok("ingress" in sg.inputs && "egress" in sg.inputs, "rules are declared (empty), so existing ones are removed");
    });

    test("the endpoint security group admits only 443 from the VPC CIDR", async () => {
      const { result, cfg, vpc } = await load();
      const sg = one(result, "aws:ec2/securityGroup:SecurityGroup", "-net-endpoints");
      assert.equal(sg.inputs.vpcId, vpc.id);
      const ingress = sg.inputs.ingress as Record<string, unknown>[];
      assert.equal(ingress.length, 1);
      const rule = ingress[0];
      assert.equal(rule.protocol, "tcp");
      assert.equal(rule.fromPort, 443);
      assert.equal(rule.toPort, 443);
      assert.deepEqual(rule.cidrBlocks, [cfg.network.cidr]);
      assert.deepEqual(rule.ipv6CidrBlocks ?? [], []);
      assert.deepEqual(rule.securityGroups ?? [], []);
      assert.notEqual(rule.self, true);
      assert.deepEqual(sg.inputs.egress, []);
      // No separate rule resources widen it.
      for (const t of ["aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]) {
        for (const r of ofType(result, t)) assert.notEqual(r.inputs.securityGroupId, sg.id, `${r.name} adds a rule to the endpoint group`);
      }
    });

    test("one interface endpoint per called service with private DNS, the endpoint group, endpoint subnets and an account-scoped policy", async () => {
      const { result, region, vpc, accountId } = await load();
      const sg = one(result, "aws:ec2/securityGroup:SecurityGroup", "-net-endpoints");
      const endpointSubnetIds = ofType(result, "aws:ec2/subnet:Subnet")
        .filter((s) => (s.inputs.tags as Record<string, string>).tier === "endpoints")
        .map((s) => s.id)
        .sort();
      const interfaces = ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
      // S3 may also have an interface endpoint; it carries the S3 perimeter policy (tested below).
      const endpoints = interfaces.filter((e) => e.inputs.serviceName !== `com.amazonaws.${region}.s3`);
      assert.deepEqual(endpoints.map((e) => e.inputs.serviceName).sort(), INTERFACE_SERVICES.map((s) => `com.amazonaws.${region}.${s}`).sort());
      for (const e of interfaces) {
        assert.equal(e.inputs.vpcId, vpc.id);
        assert.equal(e.inputs.privateDnsEnabled, true, `${e.name} private DNS`);
        assert.deepEqual(e.inputs.securityGroupIds, [sg.id], `${e.name} security group`);
        assert.deepEqual([...(e.inputs.subnetIds as string[])].sort(), endpointSubnetIds, `${e.name} subnets`);
        assert.ok(policyOf(e).Statement.length > 0, `${e.name} has a policy`);
      }
      for (const e of endpoints) {
        const policy = policyOf(e);
        assert.ok(policy.Statement.length > 0);
        for (const s of policy.Statement) {
          assert.equal(s.Effect, "Allow");
          assert.equal(s.Condition?.StringEquals?.["aws:PrincipalAccount"], accountId, `${e.name}: only principals of this account`);
          assert.ok(!list(s.Action).includes("*"), `${e.name} allows every action`);
        }
      }
      // Services whose resources are always the account's own, among those something in the VPC calls.
      for (const service of ["kms", "logs", "ssm"].filter((s) => INTERFACE_SERVICES.includes(s))) {
        const e = endpoints.find((x) => x.inputs.serviceName === `com.amazonaws.${region}.${service}`)!;
        for (const s of policyOf(e).Statement) assert.equal(s.Condition?.StringEquals?.["aws:ResourceAccount"], accountId, `${service}: only resources of this account`);
      }
    });

    test("the S3 gateway endpoint sits on the private route tables", async () => {
      const { result, region, vpc } = await load();
      const gateways = ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Gateway");
      assert.equal(gateways.length, 1);
      const s3 = gateways[0];
      assert.equal(s3.inputs.serviceName, `com.amazonaws.${region}.s3`);
      assert.equal(s3.inputs.vpcId, vpc.id);
      const privateTables = ofType(result, "aws:ec2/routeTable:RouteTable")
        .filter((t) => ["workload", "endpoints"].includes((t.inputs.tags as Record<string, string>).tier))
        .map((t) => t.id)
        .sort();
      assert.deepEqual([...(s3.inputs.routeTableIds as string[])].sort(), privateTables);
    });

    // What the S3 endpoints reach (the model store, read only, and ECR's layer bucket): test/components/network/aws-layer.test.ts.

    test("flow logs of ALL traffic into a KMS-encrypted log group with retention", async () => {
      const { result, vpc, cfg } = await load();
      const flowLogs = ofType(result, "aws:ec2/flowLog:FlowLog").filter((f) => f.inputs.vpcId === vpc.id);
      assert.equal(flowLogs.length, 1);
      const f = flowLogs[0];
      assert.equal(f.inputs.trafficType, "ALL");
      assert.equal(f.inputs.logDestinationType, "cloud-watch-logs");
      const group = ofType(result, "aws:cloudwatch/logGroup:LogGroup").find((g) => g.outputs.arn === f.inputs.logDestination);
      assert.ok(group, "the flow log's destination is a log group of the program");
      const logsKey = one(result, "aws:kms/key:Key", "-keys-logs");
      assert.equal(group.inputs.kmsKeyId, logsKey.outputs.arn);
      assert.equal(group.inputs.retentionInDays, networkRetentionDays(cfg));
      assert.equal(typeof f.inputs.iamRoleArn, "string");
      const role = ofType(result, "aws:iam/role:Role").find((r) => r.outputs.arn === f.inputs.iamRoleArn)!;
      assert.ok(role, "the delivery role is a role of the program");
      const trust = policyOf(role, "assumeRolePolicy").Statement;
      assert.deepEqual(trust.map((s) => s.Principal), [{ Service: "vpc-flow-logs.amazonaws.com" }]);
      const rolePolicy = childrenOf(result, role, "aws:iam/rolePolicy:RolePolicy");
      assert.equal(rolePolicy.length, 1);
      for (const s of policyOf(rolePolicy[0]).Statement) assert.ok(list(s.Resource).every((r) => r.startsWith(String(group.outputs.arn))), "the delivery role writes to its group only");
    });
  });
}
