/**
 * Availability zones by name (`us-east-1a`) or by zone ID (`use1-az1`). Pure: no resources.
 *
 * A zone name maps to a different physical zone in each account; the zone ID is the same zone
 * everywhere, and it is what AWS offers services by (interface endpoints, EKS control-plane
 * subnets, capacity reservations). A stack may list either, not both; names are resolved to IDs
 * (and IDs to the account's names) at preview by lookup.
 * https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
 *
 * A zone's address block and the names of its resources follow from its letter (a → 0) or its ID
 * number (az1 → 0), never from list order.
 */

/** Zone-ID prefix of each region the project knows (`use1-az1` is a zone of us-east-1). */
export const ZONE_ID_PREFIX: Record<string, string> = {
  "us-east-1": "use1",
  "us-east-2": "use2",
  "us-west-1": "usw1",
  "us-west-2": "usw2",
  "us-gov-west-1": "usgw1",
  "us-gov-east-1": "usge1",
  "ca-central-1": "cac1",
  "ca-west-1": "caw1",
  "eu-central-1": "euc1",
  "eu-central-2": "euc2",
  "eu-west-1": "euw1",
  "eu-west-2": "euw2",
  "eu-west-3": "euw3",
  "eu-north-1": "eun1",
  "eu-south-1": "eus1",
  "eu-south-2": "eus2",
  "ap-southeast-2": "apse2",
  "ap-southeast-4": "apse4",
  "ap-northeast-1": "apne1",
  "ap-northeast-3": "apne3",
};

/**
 * Zone IDs whose subnets EKS refuses for a cluster (insufficient capacity in that zone):
 * https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#network-requirements-subnets
 */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3"];

const ZONE_ID = /^([a-z]+\d+)-az(\d+)$/;

export function isZoneId(zone: string): boolean {
  return ZONE_ID.test(zone);
}

/**
 * A zone belongs to a region when it is the region and one letter (`eu-central-1a`), or the
 * region's zone-ID prefix and `-az<n>` (`euc1-az2`). Local and Wavelength Zones are rejected:
 * EKS managed node groups and Network Firewall are not offered there.
 */
export function zoneBelongsTo(zone: string, region: string): boolean {
  if (zone.length === region.length + 1 && zone.startsWith(region) && /^[a-z]$/.test(zone.slice(-1))) return true;
  const m = ZONE_ID.exec(zone);
  return m !== null && ZONE_ID_PREFIX[region] === m[1] && Number(m[2]) >= 1;
}

/** The zone's fixed index: its letter (a → 0) or its ID number (az1 → 0). */
export function zoneIndex(zone: string): number {
  const m = ZONE_ID.exec(zone);
  return m ? Number(m[2]) - 1 : zone.charCodeAt(zone.length - 1) - "a".charCodeAt(0);
}

/** The suffix resources of a zone are named by: its letter (`a`) or its ID number (`az1`). */
export function zoneSuffix(zone: string): string {
  const m = ZONE_ID.exec(zone);
  return m ? `az${m[2]}` : zone.slice(-1);
}

export interface ResolvedZone {
  /** As configured. */
  zone: string;
  /** The account's name of the zone (what subnets and firewall status report). */
  name: string;
  /** The zone ID. */
  id: string;
}

/**
 * Resolves configured zones against the account's zones (`names[i]` has ID `ids[i]`) and checks
 * that every service in `offered` (service → zone names it is offered in) is offered in each, and
 * that EKS accepts each. Returns the zones, or every problem at once.
 */
export function resolveZones(
  zones: readonly string[],
  account: { names: readonly string[]; ids: readonly string[] },
  offered: Record<string, readonly string[]>,
): { zones: ResolvedZone[]; problems: string[] } {
  const problems: string[] = [];
  const resolved: ResolvedZone[] = [];
  for (const zone of zones) {
    const i = isZoneId(zone) ? account.ids.indexOf(zone) : account.names.indexOf(zone);
    if (i < 0) {
      problems.push(`${zone} is not an available zone of this account and region (available: ${account.names.map((n, j) => `${n}=${account.ids[j]}`).join(", ")})`);
      continue;
    }
    resolved.push({ zone, name: account.names[i], id: account.ids[i] });
  }
  for (const z of resolved) {
    const label = z.zone === z.id ? z.id : `${z.zone} (${z.id} in this account)`;
    if (EKS_UNSUPPORTED_ZONE_IDS.includes(z.id)) problems.push(`${label}: EKS does not accept cluster subnets in ${z.id}; choose another zone`);
    const missing = Object.entries(offered)
      .filter(([, names]) => !names.includes(z.name))
      .map(([service]) => service)
      .sort();
    if (missing.length > 0) problems.push(`${label}: the VPC endpoint service${missing.length === 1 ? "" : "s"} ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not offered in this zone; choose another zone`);
  }
  return { zones: resolved, problems };
}
