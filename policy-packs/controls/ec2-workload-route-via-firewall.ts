import type { Control } from "./types";
import { asArray, asRecord, configOf, label, nodesOf, ofType, refersTo, str, tagsOf, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
const ROUTE = "aws:ec2/route:Route";
const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const DEFAULT_DESTINATIONS = ["0.0.0.0/0", "::/0"];
/** Route targets other than a VPC endpoint, in the words an operator knows them by. */
const OTHER_TARGETS: [string, string][] = [
  ["gatewayId", "an internet or virtual private gateway"],
  ["natGatewayId", "a NAT gateway"],
  ["egressOnlyGatewayId", "an egress-only internet gateway"],
  ["transitGatewayId", "a transit gateway"],
  ["vpcPeeringConnectionId", "a VPC peering connection"],
  ["networkInterfaceId", "a network interface"],
  ["carrierGatewayId", "a carrier gateway"],
  ["localGatewayId", "a local gateway"],
  ["coreNetworkArn", "a Cloud WAN core network"],
];
const DEFAULTS = { workloadTier: "workload" };

interface DefaultRoute {
  where: string;
  props: Record<string, unknown>;
  deps: Record<string, string[]>;
}

/** Default routes of a route table: separate Route resources and inline `routes` entries. */
function defaultRoutes(table: Node, routes: Node[], undecided: Undecided): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const r of routes) {
    const link = refersTo(r, "routeTableId", table, [table.props.id]);
    if (link === "unknown") {
      undecided.note(`${label(r)}: route table unknown`);
      continue;
    }
    if (link !== "yes") continue;
    const v4 = str(r.props.destinationCidrBlock);
    const v6 = str(r.props.destinationIpv6CidrBlock);
    if (isUnknown(v4) || isUnknown(v6)) undecided.note(`${label(r)}: destination unknown`);
    else if ((v4 && DEFAULT_DESTINATIONS.includes(v4)) || (v6 && DEFAULT_DESTINATIONS.includes(v6))) out.push({ where: `route "${r.name}"`, props: r.props, deps: r.propertyDependencies });
  }
  const inline = table.props.routes;
  if (isUnknown(inline)) undecided.note(`${label(table)}: inline routes unknown`);
  else
    for (const entry of asArray(inline)) {
      const e = asRecord(entry);
      if (DEFAULT_DESTINATIONS.includes(String(e.cidrBlock)) || DEFAULT_DESTINATIONS.includes(String(e.ipv6CidrBlock))) out.push({ where: `an inline route of "${table.name}"`, props: e, deps: {} });
    }
  return out;
}

export const ec2WorkloadRouteViaFirewall: Control = {
  policy: {
    name: "sovereign-llm-ec2-workload-egress-via-firewall",
    description:
      "A workload subnet (tag tier: workload) has no default route, or its default route (0.0.0.0/0, ::/0) targets a Network Firewall endpoint (vpcEndpointId): never an internet gateway, NAT gateway or other target that would bypass the egress allow-list and its logs. Relates subnet → route table association → route table → routes through property dependencies, then ids.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { workloadTier: { type: "string", default: DEFAULTS.workloadTier } } },
    validateStack: (args, report) => {
      const { workloadTier } = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const tables = ofType(all, ROUTE_TABLE);
      const associations = ofType(all, ASSOCIATION);
      const routes = ofType(all, ROUTE);
      const endpointUrns = new Set(ofType(all, VPC_ENDPOINT).map((n) => n.urn));
      const undecided = new Undecided();
      for (const subnet of ofType(all, SUBNET)) {
        const tags = tagsOf(subnet.props);
        const tier = isUnknown(tags) ? tags : tags?.tier;
        if (isUnknown(tier)) {
          undecided.note(`${label(subnet)}: tier tag unknown`);
          continue;
        }
        if (tier !== workloadTier) continue;
        let unsure = false;
        const mine = associations.filter((a) => {
          const link = refersTo(a, "subnetId", subnet, [subnet.props.id]);
          if (link === "unknown") unsure = true;
          return link === "yes";
        });
        if (unsure) undecided.note(`${label(subnet)}: which route table association is its own is unknown`);
        if (mine.length === 0 && !unsure) {
          report(`workload subnet "${subnet.name}" has no route table association, so it uses the VPC's main route table: associate it with a route table whose default route goes to the firewall`, subnet.urn);
          continue;
        }
        for (const assoc of mine) {
          for (const table of tables) {
            const link = refersTo(assoc, "routeTableId", table, [table.props.id]);
            if (link === "unknown") undecided.note(`${label(assoc)}: route table unknown`);
            if (link !== "yes") continue;
            for (const route of defaultRoutes(table, routes, undecided)) {
              const bypass = OTHER_TARGETS.filter(([k]) => route.props[k] !== undefined && route.props[k] !== null && route.props[k] !== "");
              const endpoint = route.props.vpcEndpointId;
              if (bypass.length > 0) {
                report(`workload subnet "${subnet.name}": default ${route.where} targets ${bypass.map(([, what]) => what).join(" and ")}, bypassing the egress firewall; route 0.0.0.0/0 to the firewall endpoint of the subnet's AZ`, subnet.urn);
              } else if (endpoint === undefined || endpoint === null || endpoint === "") {
                report(`workload subnet "${subnet.name}": default ${route.where} has no target the policy recognises; route 0.0.0.0/0 to the firewall endpoint (vpcEndpointId)`, subnet.urn);
              } else if ((route.deps.vpcEndpointId ?? []).some((u) => endpointUrns.has(u))) {
                report(`workload subnet "${subnet.name}": default ${route.where} targets an interface/gateway VPC endpoint, not a Network Firewall endpoint`, subnet.urn);
              } else if (isUnknown(endpoint) && (route.deps.vpcEndpointId ?? []).length === 0) {
                undecided.note(`${label(subnet)}: default route target unknown`);
              }
            }
          }
        }
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Route each workload subnet's 0.0.0.0/0 to the Network Firewall endpoint of the same AZ (vpcEndpointId from firewallStatuses[].syncStates[].attachments[].endpointId), with NAT only behind the firewall (EgressFirewall does this); egress.mode \"none\" declares no internet path at all.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl, HIPAA.auditControls],
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.monitoring],
    "fedramp-moderate": ["SC-7", "SC-7(4)", "SC-7(5)", "AC-4"],
  },
  references: ["AWS Config: no-unrestricted-route-to-igw (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-VPCNoUnrestrictedRouteToIGW", "cdk-nag: NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
  resourceTypes: [SUBNET, ASSOCIATION, ROUTE_TABLE, ROUTE],
};

