/**
 * The AWS layer as AWS will evaluate it: replaceable firewall objects, the egress baseline, the
 * CloudTrail archive and delivery role as CloudTrail documents them, narrowed key, endpoint and
 * bucket policies, the closed default network ACL, and the organisation's network and DNS.
 */
import { admittedAdminPorts } from "../../../policy-packs/controls/ec2-nacl-no-admin-ports-from-world";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { networkRetentionDays } from "../../../infra/config.js";
import { STACKS, synthesizeCommitted, ofType, one, policyOf, list, settingsOf, childrenOf } from "../../helpers/stacks.js";

const synth = synthesizeCommitted({ preview: false });

async function load(stack: (typeof STACKS)[number]) {
  const result = (await synth)[stack];
  const { cfg, region } = await settingsOf(stack);
  const accountId = /:iam::(\d{12}):/.exec(cfg.access.adminRoleArns[0])![1];
  return { result, cfg, region, accountId };
}

for (const stack of STACKS) {
  describe(`AWS layer of ${stack}`, () => {
    test("Network Firewall objects can be replaced: rule groups and the policy are auto-named, the firewall is deleted before it is replaced", async () => {
      const { result } = await load(stack);
      for (const type of ["aws:networkfirewall/ruleGroup:RuleGroup", "aws:networkfirewall/firewallPolicy:FirewallPolicy"]) {
        for (const r of ofType(result, type)) assert.equal(r.inputs.name, undefined, `${r.name} has a fixed name: a replacement would collide with it`);
      }
      for (const f of ofType(result, "aws:networkfirewall/firewall:Firewall")) assert.equal(f.deleteBeforeReplace, true, `${f.name}`);
    });

    test("the egress baseline (no UDP, no ICMP, TCP only to 80/443) runs before the allow-list", async () => {
      const { result } = await load(stack);
      const policy = ofType(result, "aws:networkfirewall/firewallPolicy:FirewallPolicy")[0];
      const refs = (policy.inputs.firewallPolicy as { statefulRuleGroupReferences: { resourceArn: string; priority: number }[] }).statefulRuleGroupReferences;
      const baseline = one(result, "aws:networkfirewall/ruleGroup:RuleGroup", "-egress-baseline");
      const first = [...refs].sort((a, b) => a.priority - b.priority)[0];
      assert.equal(first.resourceArn, baseline.outputs.arn);
      const rules = String((baseline.inputs.ruleGroup as { rulesSource: { rulesString: string } }).rulesSource.rulesString);
      assert.match(rules, /^drop udp \$HOME_NET any -> \$EXTERNAL_NET any /m);
      assert.match(rules, /^drop icmp \$HOME_NET any -> \$EXTERNAL_NET any /m);
      assert.match(rules, /^drop tcp \$HOME_NET any -> \$EXTERNAL_NET !\[80,443\] /m);
    });

    test("the CloudTrail archive has no bucket key, and the delivery role is AWS's documented one, limited to the trail's streams", async () => {
      const { result, accountId } = await load(stack);
      const archive = one(result, "aws:s3/bucket:Bucket", "-audit-archive");
      const sse = childrenOf(result, archive, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0];
      assert.equal((sse.inputs.rules as { bucketKeyEnabled: boolean }[])[0].bucketKeyEnabled, false);
      const role = ofType(result, "aws:iam/role:Role").find((r) => r.name.endsWith("-audit-cloudtrail-to-logs"))!;
      const trust = policyOf(role, "assumeRolePolicy").Statement;
      assert.deepEqual(trust.map((s) => [s.Principal, s.Action, s.Condition]), [[{ Service: "cloudtrail.amazonaws.com" }, "sts:AssumeRole", undefined]]);
      const policy = policyOf(childrenOf(result, role, "aws:iam/rolePolicy:RolePolicy")[0]);
      for (const s of policy.Statement) for (const r of list(s.Resource)) assert.match(r, new RegExp(`:log-stream:${accountId}_CloudTrail_\\*$`));
    });

    test("only the break-glass roles may schedule deletion of, or disable, the audit key", async () => {
      const { result, cfg } = await load(stack);
      const audit = one(result, "aws:kms/key:Key", "-keys-audit");
      const deny = policyOf(audit).Statement.find((s) => s.Effect === "Deny" && list(s.Action).includes("kms:ScheduleKeyDeletion"));
      assert.ok(deny, "the audit key denies ScheduleKeyDeletion");
      assert.deepEqual(list(deny.Action).sort(), ["kms:DisableKey", "kms:ScheduleKeyDeletion"]);
      assert.deepEqual(deny.Principal, { AWS: "*" });
      assert.deepEqual(list(deny.Condition?.ArnNotLike?.["aws:PrincipalArn"] as string[]).sort(), [...cfg.access.breakGlassRoleArns].sort());
    });

    test("the S3 endpoints reach the model store (read only) and ECR's layer bucket, nothing else", async () => {
      const { result, region } = await load(stack);
      const models = one(result, "aws:s3/bucket:Bucket", "-models");
      const arn = `arn:aws:s3:::${models.outputs.bucket}`;
      for (const e of ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((x) => x.inputs.serviceName === `com.amazonaws.${region}.s3`)) {
        const resources = policyOf(e).Statement.flatMap((s) => list(s.Resource)).sort();
        assert.deepEqual(resources, [arn, `${arn}/*`, `arn:aws:s3:::prod-${region}-starport-layer-bucket/*`].sort(), e.name);
        for (const s of policyOf(e).Statement) assert.ok(!list(s.Action).some((a) => a === "s3:PutObject" || a.endsWith("*")), `${e.name}/${s.Sid} writes`);
      }
    });

    test("the default network ACL is adopted closed; the subnets' ACL admits nothing from outside below port 1024", async () => {
      const { result, cfg } = await load(stack);
      const def = ofType(result, "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl");
      assert.equal(def.length, 1);
      assert.deepEqual(def[0].inputs.ingress ?? [], []);
      assert.deepEqual(def[0].inputs.egress ?? [], []);
      const acl = ofType(result, "aws:ec2/networkAcl:NetworkAcl")[0];
      assert.equal((acl.inputs.subnetIds as string[]).length, ofType(result, "aws:ec2/subnet:Subnet").length, "every subnet uses the program's ACL");
      const inside = [cfg.network.cidr, ...(cfg.network.onPremises?.cidrs ?? [])];
      for (const r of acl.inputs.ingress as { cidrBlock: string; fromPort: number; protocol: string }[]) {
        if (!inside.includes(r.cidrBlock)) assert.ok(r.protocol === "tcp" && r.fromPort >= 1024, `ingress ${JSON.stringify(r)}`);
      }
      // RDP lies inside the ephemeral range: the rendered rules, in AWS's first-match order, deny it.
      const world = (acl.inputs.ingress as { cidrBlock: string; ruleNo: number; action: string; protocol: string; fromPort: number; toPort: number }[])
        .filter((r) => r.cidrBlock === "0.0.0.0/0")
        .map((r) => ({ ruleNo: r.ruleNo, allow: r.action === "allow", protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort }));
      assert.deepEqual(admittedAdminPorts(world), []);
    });

    test("admins reach the model store from outside the VPC endpoints only with MFA", async () => {
      const { result, cfg } = await load(stack);
      const models = one(result, "aws:s3/bucket:Bucket", "-models");
      const policy = policyOf(childrenOf(result, models, "aws:s3/bucketPolicy:BucketPolicy")[0]);
      const mfa = policy.Statement.find((s) => s.Sid === "DenyAdminsOutsideVpcEndpointWithoutMfa");
      assert.ok(mfa);
      assert.equal(mfa.Effect, "Deny");
      assert.deepEqual(mfa.Condition?.BoolIfExists, { "aws:MultiFactorAuthPresent": "false" });
      assert.deepEqual(list(mfa.Condition?.ArnLike?.["aws:PrincipalArn"] as string[]).sort(), [...cfg.access.adminRoleArns].sort());
    });

    test("the organisation's ranges route to its transit gateway from workload and endpoint subnets, and its domains are forwarded", async () => {
      const { result, cfg } = await load(stack);
      const onPrem = cfg.network.onPremises!;
      assert.ok(onPrem, "every committed stack names the organisation's network (its clients and identity provider are there)");
      const attachment = ofType(result, "aws:ec2transitgateway/vpcAttachment:VpcAttachment");
      assert.equal(attachment.length, 1);
      const tables = ofType(result, "aws:ec2/routeTable:RouteTable").filter((t) => ["workload", "endpoints"].includes((t.inputs.tags as Record<string, string>).tier));
      for (const t of tables) {
        for (const cidr of onPrem.cidrs) {
          const route = ofType(result, "aws:ec2/route:Route").find((r) => r.inputs.routeTableId === t.id && r.inputs.destinationCidrBlock === cidr);
          assert.equal(route?.inputs.transitGatewayId, onPrem.transitGatewayId, `${t.name} routes ${cidr} to the transit gateway`);
          assert.ok(route!.dependencies.includes(attachment[0].urn), "the route waits for the attachment");
        }
      }
      const rules = ofType(result, "aws:route53/resolverRule:ResolverRule");
      assert.deepEqual(rules.map((r) => r.inputs.domainName).sort(), [...onPrem.dnsDomains].sort());
      for (const r of rules) assert.deepEqual((r.inputs.targetIps as { ip: string }[]).map((t) => t.ip), onPrem.dnsResolvers);
      // One outbound endpoint forwards the domains (the gateway's name has its own inbound one).
      const outbound = ofType(result, "aws:route53/resolverEndpoint:ResolverEndpoint").filter((e) => e.inputs.direction === "OUTBOUND");
      assert.equal(outbound.length, 1);
      for (const r of rules) assert.equal(r.inputs.resolverEndpointId, outbound[0].id);
    });

    test("DNS Firewall: AWS names, the allow-list and the organisation's domains resolve, everything else NXDOMAIN, fail closed, every query logged as audit", async () => {
      const { result, cfg, region } = await load(stack);
      const lists = ofType(result, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList");
      const allowed = lists.find((l) => l.name.endsWith("-dns-allowed"))!;
      const domains = allowed.inputs.domains as string[];
      for (const d of ["amazonaws.com", "*.amazonaws.com", ...(cfg.network.onPremises?.dnsDomains ?? []), ...cfg.egress.allowedDomains]) assert.ok(domains.includes(d), `${d} resolves`);
      assert.ok(domains.includes(region === "us-east-1" ? "*.ec2.internal" : `*.${region}.compute.internal`));
      const rules = ofType(result, "aws:route53/resolverFirewallRule:ResolverFirewallRule").sort((a, b) => Number(a.inputs.priority) - Number(b.inputs.priority));
      assert.deepEqual(rules.map((r) => r.inputs.action), ["ALLOW", "BLOCK"]);
      assert.equal(rules[1].inputs.blockResponse, "NXDOMAIN");
      const everything = lists.find((l) => l.id === rules[1].inputs.firewallDomainListId)!;
      assert.deepEqual(everything.inputs.domains, ["*"]);
      const vpc = one(result, "aws:ec2/vpc:Vpc", "-net-vpc");
      assert.equal(ofType(result, "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation")[0].inputs.vpcId, vpc.id);
      assert.equal(ofType(result, "aws:route53/resolverFirewallConfig:ResolverFirewallConfig")[0].inputs.firewallFailOpen, "DISABLED");
      const qlog = ofType(result, "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig")[0];
      const group = ofType(result, "aws:cloudwatch/logGroup:LogGroup").find((g) => g.outputs.arn === qlog.inputs.destinationArn)!;
      assert.equal((group.inputs.tags as Record<string, string>)["log-class"], "audit");
      assert.equal(group.inputs.retentionInDays, networkRetentionDays(cfg));
      assert.equal(ofType(result, "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation")[0].inputs.resourceId, vpc.id);
    });
  });
}
