/**
 * gateway.hostname resolves to the gateway's load balancer: a private hosted zone for exactly
 * that name in the stack's VPC, an alias record for the internal NLB (waiting for the Service that
 * creates it), DNS Firewall letting the name resolve, and, where the organisation's network is
 * configured, a Resolver inbound endpoint that admits DNS from its forwarders only.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { STACKS, synthesizeCommitted, synthesizeMany, ofType, settingsOf, childrenOf, yamlConfig } from "../../helpers/stacks.js";
import { STACKS_DIR, stackFileFromConfig } from "../../../tools/check/stack-file.js";
import type { SynthResult } from "../../../tools/check/synth.js";

const synth = synthesizeCommitted({ preview: false });
const ZONE = "aws:route53/zone:Zone";
const RECORD = "aws:route53/record:Record";
const ENDPOINT = "aws:route53/resolverEndpoint:ResolverEndpoint";

function gatewayZone(result: SynthResult, hostname: string) {
  const zones = ofType(result, ZONE).filter((z) => z.inputs.name === hostname);
  assert.equal(zones.length, 1, `one hosted zone named ${hostname}`);
  return zones[0];
}

for (const stack of STACKS) {
  describe(`gateway.hostname of ${stack}`, () => {
    test("a private hosted zone for exactly the hostname, in the stack's VPC, with an alias A record for the gateway's load balancer", async () => {
      const result = (await synth)[stack];
      const { cfg, region } = await settingsOf(stack);
      const zone = gatewayZone(result, cfg.gateway.hostname);
      const vpc = ofType(result, "aws:ec2/vpc:Vpc")[0];
      const vpcs = zone.inputs.vpcs as { vpcId: string }[];
      assert.deepEqual(vpcs.map((v) => v.vpcId), [vpc.id], "private: associated with the stack's VPC only");
      assert.equal(zone.inputs.forceDestroy, false);
      const records = childrenOf(result, zone, RECORD);
      assert.equal(records.length, 1);
      const record = records[0];
      assert.equal(record.inputs.name, cfg.gateway.hostname);
      assert.equal(record.inputs.type, "A");
      assert.equal(record.inputs.zoneId, zone.outputs.zoneId);
      const alias = (record.inputs.aliases as { name: string; zoneId: string; evaluateTargetHealth: boolean }[])[0];
      assert.equal(alias.zoneId, `ZMOCKNLB-${region}`, "the region's canonical hosted zone of network load balancers (looked up)");
      assert.equal(alias.evaluateTargetHealth, true);
      const service = ofType(result, "kubernetes:core/v1:Service").find((s) => s.name.endsWith("-gateway-lb"));
      assert.ok(service, "the gateway's LoadBalancer Service");
      assert.ok((record.propertyDependencies.aliases ?? []).includes(service.urn), "the record waits for the load balancer the Service creates");
    });

    test("DNS Firewall lets the hostname resolve (it filters private zones too)", async () => {
      const result = (await synth)[stack];
      const { cfg } = await settingsOf(stack);
      const lists = ofType(result, "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList");
      assert.ok(lists.some((l) => ((l.inputs.domains as string[] | undefined) ?? []).some((d) => d.replace(/\.$/, "") === cfg.gateway.hostname)), "the hostname is on an allow list");
    });

    test("the organisation's DNS reaches the name through an inbound endpoint that admits DNS from its forwarders only", async () => {
      const result = (await synth)[stack];
      const { cfg } = await settingsOf(stack);
      const onPrem = cfg.network.onPremises;
      const inbound = ofType(result, ENDPOINT).filter((e) => e.inputs.direction === "INBOUND");
      if (!onPrem) return assert.equal(inbound.length, 0);
      assert.equal(inbound.length, 1);
      assert.ok((inbound[0].inputs.ipAddresses as unknown[]).length >= 2, "addresses in two zones");
      const sg = ofType(result, "aws:ec2/securityGroup:SecurityGroup").find((g) => (inbound[0].inputs.securityGroupIds as string[]).includes(g.id))!;
      const forwarders = onPrem.dnsResolvers.length > 0 ? onPrem.dnsResolvers.map((ip) => `${ip}/32`) : onPrem.cidrs;
      const ingress = sg.inputs.ingress as { protocol: string; fromPort: number; toPort: number; cidrBlocks: string[] }[];
      assert.deepEqual(ingress.map((r) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks]).sort(), [["tcp", 53, 53, forwarders], ["udp", 53, 53, forwarders]]);
      assert.deepEqual(sg.inputs.egress, []);
    });
  });
}

test("with the Kubernetes layer deferred, the zone exists and waits without a record (no load balancer yet)", async () => {
  const config = yamlConfig("prod");
  config["sovereign-llm:deploy"] = { kubernetesLayer: "deferred" };
  const { deferred } = await synthesizeMany({ deferred: stackFileFromConfig("prod", config, join(STACKS_DIR, "Pulumi.prod.yaml")) }, { preview: false });
  const zone = gatewayZone(deferred, config["sovereign-llm:gateway"].hostname);
  assert.equal(childrenOf(deferred, zone, RECORD).length, 0);
});
