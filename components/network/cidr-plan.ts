/**
 * Address plan for the isolated VPC. Pure: creates no resources, so it is tested directly.
 *
 * The VPC CIDR is cut into equal blocks of the workload prefix. Workload subnet of zone letter L
 * takes block index(L) (a → 0, b → 1, ...), so a zone's addresses depend only on its letter: adding
 * a zone or reordering the list never moves an existing subnet. The last block is the
 * infrastructure block: interface-endpoint subnets (one sixteenth of the block each, by zone
 * letter), and in its last sixteenth the /28 firewall subnets (slots 0-7) and /28 public subnets
 * for NAT gateways (slots 8-15).
 */
import * as ipaddr from "ipaddr.js";

export interface ZonePlan {
  /** Nodes and pods (the VPC CNI gives every pod a VPC address, so this tier is large). */
  workload: string;
  /** Interface VPC endpoints. */
  endpoints: string;
  /** Network Firewall endpoint; AWS needs a dedicated subnet, /28 is its minimum. */
  firewall: string;
  /** NAT gateway; only declared when the egress mode needs one. */
  public: string;
}

/** The firewall and public tiers have eight /28 slots each: zones a to h. */
export const MAX_ZONE_INDEX = 7;

/** Highest zone letter index the plan can place, for a given VPC and workload prefix. */
export function maxZoneIndex(vpcPrefix: number, workloadPrefix: number): number {
  return Math.min(2 ** (workloadPrefix - vpcPrefix) - 2, MAX_ZONE_INDEX);
}

/** Why a CIDR cannot be the VPC's (syntax, host bits, not private, size), or undefined. */
export function vpcCidrProblem(cidr: string): string | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) {
    return `"${cidr}" is not an IPv4 CIDR such as 10.40.0.0/16`;
  }
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  if (ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() !== addr.toString()) {
    return `"${cidr}" has host bits set; use its network address ${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${prefix}`;
  }
  if (addr.range() !== "private") {
    return `"${cidr}" is not in a private (RFC 1918) range; use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`;
  }
  if (prefix < 16 || prefix > 18) {
    return `a VPC prefix must be /16 to /18 (the tiers need at least four /20 blocks: zones a-c and the infrastructure block); got /${prefix}`;
  }
  return undefined;
}

/** Why a VPC CIDR / workload prefix pair cannot hold the zones, or undefined when it can. */
export function planProblem(cidr: string, workloadPrefix: number, zoneIndexes: readonly number[]): string | undefined {
  const cidrIssue = vpcCidrProblem(cidr);
  if (cidrIssue) return cidrIssue;
  const prefix = ipaddr.IPv4.parseCIDR(cidr)[1];
  if (workloadPrefix <= prefix) {
    return `the workload subnet prefix /${workloadPrefix} must be longer than the VPC prefix /${prefix}`;
  }
  if (workloadPrefix > 20) {
    return `the workload subnet prefix /${workloadPrefix} leaves too few pod addresses and no room for the infrastructure tier; use /20 or shorter`;
  }
  const max = maxZoneIndex(prefix, workloadPrefix);
  const tooHigh = zoneIndexes.filter((i) => i > max);
  if (tooHigh.length > 0) {
    const letters = tooHigh.map((i) => String.fromCharCode(97 + i)).join(", ");
    return `a /${prefix} VPC with /${workloadPrefix} workload subnets holds zones a-${String.fromCharCode(97 + Math.max(max, 0))} only (zone letter ${letters} does not fit); use a larger VPC CIDR or a longer workloadSubnetPrefix`;
  }
  return undefined;
}

function toInt(address: string): number {
  return ipaddr.IPv4.parse(address).toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
}

function toCidr(base: number, prefix: number): string {
  const bytes = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${bytes.join(".")}/${prefix}`;
}

/** The subnets of one zone. Throws when planProblem would report a problem. */
export function zonePlan(cidr: string, workloadPrefix: number, zoneIndex: number): ZonePlan {
  const problem = planProblem(cidr, workloadPrefix, [zoneIndex]);
  if (problem) throw new Error(problem);
  const [addr, vpcPrefix] = ipaddr.IPv4.parseCIDR(cidr);
  const base = toInt(addr.toString());
  const blockSize = 2 ** (32 - workloadPrefix);
  const blocks = 2 ** (workloadPrefix - vpcPrefix);
  const infra = base + (blocks - 1) * blockSize;
  const slotPrefix = workloadPrefix + 4;
  const slotSize = 2 ** (32 - slotPrefix);
  const smallBase = infra + 15 * slotSize;
  return {
    workload: toCidr(base + zoneIndex * blockSize, workloadPrefix),
    endpoints: toCidr(infra + zoneIndex * slotSize, slotPrefix),
    firewall: toCidr(smallBase + zoneIndex * 16, 28),
    public: toCidr(smallBase + (8 + zoneIndex) * 16, 28),
  };
}

/** Whether two IPv4 CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [aa, ap] = ipaddr.IPv4.parseCIDR(a);
  const [ba, bp] = ipaddr.IPv4.parseCIDR(b);
  return ap <= bp ? ba.match(aa, ap) : aa.match(ba, bp);
}

/** Whether every address of `inner` lies in `outer` (both IPv4 CIDRs). */
export function cidrWithin(inner: string, outer: string): boolean {
  const [ia, ip] = ipaddr.IPv4.parseCIDR(inner);
  const [oa, op] = ipaddr.IPv4.parseCIDR(outer);
  return ip >= op && ia.match(oa, op);
}
