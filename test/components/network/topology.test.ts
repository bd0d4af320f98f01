/**
 * Egress topology of every committed stack (update mode, so firewall endpoints are known):
 * workload default routes go to the firewall endpoint of their own zone, nothing sends workload
 * traffic straight to an internet or NAT gateway, NAT gateways sit in the zone they serve,
 * return routes are symmetric, and mode "none" has no NAT and no internet gateway at all.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { plain } from "../../../tools/check/synth.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, yamlConfig, type StackName } from "../../helpers/stacks.js";

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});

const inputs = (r: Registration) => plain(r.inputs) as Record<string, any>;

function topology(result: SynthResult) {
  const subnets = ofType(result, "aws:ec2/subnet:Subnet");
  const byId = new Map(subnets.map((s) => [s.id, inputs(s)]));
  const routeTables = new Map(ofType(result, "aws:ec2/routeTable:RouteTable").map((rt) => [rt.id, inputs(rt)]));
  const associations = ofType(result, "aws:ec2/routeTableAssociation:RouteTableAssociation").map(inputs);
  const routes = ofType(result, "aws:ec2/route:Route").map(inputs);
  const firewall = ofType(result, "aws:networkfirewall/firewall:Firewall")[0];
  const endpointAz = new Map<string, string>();
  for (const sync of (plain(firewall.outputs) as any).firewallStatuses[0].syncStates) endpointAz.set(sync.attachments[0].endpointId, sync.availabilityZone);
  const tableOf = (subnetId: string) => associations.find((a) => a.subnetId === subnetId)?.routeTableId as string;
  return { subnets, byId, routeTables, routes, endpointAz, tableOf };
}

for (const stack of STACKS) {
  describe(`egress topology: ${stack}`, () => {
    const mode = () => ((yamlConfig(stack)["sovereign-llm:egress"] as { mode?: string } | undefined)?.mode ?? "none");

    it("every workload subnet's default route targets the firewall endpoint of its own zone", () => {
      const t = topology(results[stack]);
      const workload = t.subnets.filter((s) => inputs(s).tags.tier === "workload");
      assert.ok(workload.length >= 2);
      for (const subnet of workload) {
        const az = inputs(subnet).availabilityZone;
        const defaults = t.routes.filter((r) => r.routeTableId === t.tableOf(subnet.id) && r.destinationCidrBlock === "0.0.0.0/0");
        assert.equal(defaults.length, 1, `${subnet.name} has one default route`);
        assert.ok(defaults[0].vpcEndpointId, `${subnet.name} default route goes to a firewall endpoint`);
        assert.equal(t.endpointAz.get(defaults[0].vpcEndpointId), az, `${subnet.name} uses the endpoint in ${az}`);
      }
    });

    it("no route table of workload or endpoint subnets points at an internet or NAT gateway", () => {
      const t = topology(results[stack]);
      const privateSubnets = t.subnets.filter((s) => ["workload", "endpoints"].includes(inputs(s).tags.tier));
      for (const subnet of privateSubnets) {
        const direct = t.routes.filter((r) => r.routeTableId === t.tableOf(subnet.id) && (r.gatewayId || r.natGatewayId));
        assert.deepEqual(direct, [], `${subnet.name} bypasses the firewall`);
      }
    });

    it(`matches egress mode ${mode()}: NAT per zone in its own zone with symmetric return routes, or no internet path at all`, () => {
      const result = results[stack];
      const t = topology(result);
      const nats = ofType(result, "aws:ec2/natGateway:NatGateway").map(inputs);
      const igws = ofType(result, "aws:ec2/internetGateway:InternetGateway");
      const zones = new Set(t.subnets.map((s) => inputs(s).availabilityZone));
      if (mode() === "none") {
        assert.equal(nats.length, 0);
        assert.equal(igws.length, 0);
        assert.equal(t.subnets.filter((s) => inputs(s).tags.tier === "public").length, 0);
        return;
      }
      assert.equal(igws.length, 1);
      assert.equal(nats.length, zones.size);
      for (const nat of nats) {
        const natSubnet = t.byId.get(nat.subnetId)!;
        assert.equal(natSubnet.tags.tier, "public");
        const az = natSubnet.availabilityZone;
        // The firewall subnet of this zone sends passed traffic to this zone's NAT.
        const fwSubnet = t.subnets.find((s) => inputs(s).tags.tier === "firewall" && inputs(s).availabilityZone === az)!;
        const fwDefault = t.routes.find((r) => r.routeTableId === t.tableOf(fwSubnet.id) && r.destinationCidrBlock === "0.0.0.0/0");
        assert.ok(fwDefault?.natGatewayId, `firewall subnet in ${az} routes to a NAT`);
        const natOfFw = ofType(result, "aws:ec2/natGateway:NatGateway").find((n) => n.id === fwDefault!.natGatewayId)!;
        assert.equal(t.byId.get(inputs(natOfFw).subnetId)!.availabilityZone, az, `NAT used by ${az} sits in ${az}`);
        // Return path: the public route table sends the zone's workload CIDR back through the same endpoint.
        const workload = t.subnets.find((s) => inputs(s).tags.tier === "workload" && inputs(s).availabilityZone === az)!;
        const back = t.routes.find((r) => r.routeTableId === t.tableOf(nat.subnetId) && r.destinationCidrBlock === inputs(workload).cidrBlock);
        assert.ok(back?.vpcEndpointId, `return route for ${az}`);
        assert.equal(t.endpointAz.get(back!.vpcEndpointId), az);
      }
    });
  });
}
