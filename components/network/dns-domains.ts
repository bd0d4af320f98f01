/**
 * The domains a VPC's DNS may resolve, for Route 53 Resolver DNS Firewall. Pure: no resources.
 *
 * DNS is an exfiltration channel that no network firewall sees: a query for
 * `<data>.attacker.example` reaches the attacker's name server through the VPC resolver, even
 * with no internet route at all. So only the names the platform needs resolve; every other query
 * is blocked (NXDOMAIN) and logged.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html
 */
import { normaliseDomains } from "./egress-rules";

/**
 * Names every stack resolves: AWS service endpoints (interface endpoints answer through private
 * DNS under amazonaws.com; AWS is authoritative for the whole zone, so no query leaves to a
 * third party) and the EC2 instance names of the region (node host names).
 */
export function awsServiceDomains(region: string): string[] {
  const internal = region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`;
  return ["amazonaws.com", "*.amazonaws.com", internal, `*.${internal}`];
}

/**
 * The allow-list in DNS Firewall syntax: each domain as given, and each `*.d` also as `d`'s
 * subdomains only. Sorted and de-duplicated, so the list never depends on config order.
 */
export function dnsAllowList(region: string, extraDomains: readonly string[]): { domains: string[]; errors: string[] } {
  const { domains, errors } = normaliseDomains(extraDomains);
  const out = new Set(awsServiceDomains(region));
  for (const d of domains) out.add(d.wildcard ? `*.${d.domain}` : d.domain);
  return { domains: [...out].sort(), errors };
}
