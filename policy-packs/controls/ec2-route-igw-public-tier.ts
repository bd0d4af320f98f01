import type { Control } from "./types";
import { asArray, asRecord, configOf, label, nodesOf, ofType, refersTo, tagsOf, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ROUTE = "aws:ec2/route:Route";
const IGW = "aws:ec2/internetGateway:InternetGateway";
const EIGW = "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway";
const DEFAULTS = { publicTiers: ["public"] };

/** Does a route (its props and property dependencies) target an internet gateway? */
function toInternet(props: Record<string, unknown>, deps: Record<string, string[]>, gateways: Set<string>): boolean | "unknown" {
  if ((deps.gatewayId ?? []).some((u) => gateways.has(u)) || (deps.egressOnlyGatewayId ?? []).some((u) => gateways.has(u))) return true;
  const gw = props.gatewayId;
  const eigw = props.egressOnlyGatewayId;
  if (typeof gw === "string" && gw.startsWith("igw-")) return true;
  if (typeof eigw === "string" && eigw.length > 0) return true;
  if ((isUnknown(gw) && (deps.gatewayId ?? []).length === 0) || (isUnknown(eigw) && (deps.egressOnlyGatewayId ?? []).length === 0)) return "unknown";
  return false;
}

function tierOf(table: Node): string | undefined | ReturnType<typeof tagsOf> {
  const tags = tagsOf(table.props);
  if (isUnknown(tags)) return tags;
  const tier = tags?.tier;
  return typeof tier === "string" ? tier : undefined;
}

export const ec2RouteIgwPublicTier: Control = {
  policy: {
    name: "sovereign-llm-ec2-route-igw-public-tier",
    description:
      "Routes to an internet gateway (or egress-only internet gateway) sit only in route tables of the public tier (tag tier: public, where the NAT gateways live behind the firewall): never in the endpoint, firewall or workload tiers, nor in an untagged table. A firewall or endpoint subnet with an internet route sends traffic around the egress firewall or exposes the interface endpoints.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { publicTiers: { type: "array", items: { type: "string" }, default: DEFAULTS.publicTiers } } },
    validateStack: (args, report) => {
      const { publicTiers } = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const gateways = new Set(ofType(all, IGW, EIGW).map((n) => n.urn));
      const routes = ofType(all, ROUTE);
      const undecided = new Undecided();
      for (const table of ofType(all, ROUTE_TABLE)) {
        const internet: string[] = [];
        for (const r of routes) {
          const link = refersTo(r, "routeTableId", table, [table.props.id]);
          if (link === "unknown") {
            undecided.note(`${label(r)}: route table unknown`);
            continue;
          }
          if (link !== "yes") continue;
          const to = toInternet(r.props, r.propertyDependencies, gateways);
          if (to === "unknown") undecided.note(`${label(r)}: target unknown`);
          else if (to) internet.push(`route "${r.name}"`);
        }
        const inline = table.props.routes;
        if (isUnknown(inline)) undecided.note(`${label(table)}: inline routes unknown`);
        else
          for (const e of asArray(inline).map(asRecord)) {
            const to = toInternet(e, {}, gateways);
            if (to === true) internet.push(`an inline route of "${table.name}"`);
            else if (to === "unknown") undecided.note(`${label(table)}: an inline route target unknown`);
          }
        if (internet.length === 0) continue;
        const tier = tierOf(table);
        if (isUnknown(tier)) undecided.note(`${label(table)}: tier tag unknown`);
        else if (typeof tier !== "string" || !publicTiers.includes(tier))
          report(`route table "${table.name}" (tier ${tier ?? "untagged"}) has ${internet.join(", ")} to an internet gateway; only ${publicTiers.join(", ")} route tables may`, table.urn);
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Remove the internet-gateway route: only the public tier (the NAT gateways' subnets) routes to the internet gateway; workload subnets route to the firewall, firewall subnets to the NAT gateway, endpoint subnets nowhere outside the VPC.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CM-7"],
  },
  references: ["AWS Config: no-unrestricted-route-to-igw (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5; here allowed in the public tier only)", "cdk-nag: HIPAA.Security-VPCNoUnrestrictedRouteToIGW", "cdk-nag: NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"],
  resourceTypes: [ROUTE_TABLE, ROUTE, IGW, EIGW],
};
