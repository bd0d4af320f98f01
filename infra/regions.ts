/**
 * Residency jurisdictions and the AWS regions that lie inside them. Pure data: no resources.
 *
 * The EU list is by the country hosting the region, not by the `eu-` prefix: `eu-west-2` is London
 * (United Kingdom) and `eu-central-2` is Zurich (Switzerland), neither of which is in the EU, so a
 * stack whose residency is `eu` may not use them. `uk` and `ch` are their own jurisdictions.
 */
export const JURISDICTION_REGIONS = {
  eu: ["eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"],
  uk: ["eu-west-2"],
  ch: ["eu-central-2"],
  us: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
  "us-gov": ["us-gov-west-1", "us-gov-east-1"],
  ca: ["ca-central-1", "ca-west-1"],
  au: ["ap-southeast-2", "ap-southeast-4"],
  jp: ["ap-northeast-1", "ap-northeast-3"],
} as const satisfies Record<string, readonly string[]>;

export type Jurisdiction = keyof typeof JURISDICTION_REGIONS;
export const JURISDICTIONS = Object.keys(JURISDICTION_REGIONS) as [Jurisdiction, ...Jurisdiction[]];

/** Every region named in any jurisdiction. */
export const KNOWN_REGIONS: readonly string[] = Object.values(JURISDICTION_REGIONS).flat();

/** The regions a residency list allows, in a stable order. */
export function regionsFor(residency: readonly Jurisdiction[]): string[] {
  return [...new Set(residency.flatMap((j) => JURISDICTION_REGIONS[j]))].sort();
}

/** The AWS partition a region belongs to (ARNs and service principals differ in GovCloud). */
export function partitionOf(region: string): "aws" | "aws-us-gov" {
  return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * An availability-zone name belongs to a region when it is the region followed by one letter
 * (`eu-central-1a`). Local Zones and Wavelength Zones (`us-east-1-bos-1a`) are rejected: EKS
 * managed node groups and Network Firewall are not offered there.
 */
export function azBelongsTo(az: string, region: string): boolean {
  return az.length === region.length + 1 && az.startsWith(region) && /^[a-z]$/.test(az.slice(-1));
}

/** The zone letter's index (a → 0); used to give each AZ a fixed address block and name. */
export function azIndex(az: string): number {
  return az.charCodeAt(az.length - 1) - "a".charCodeAt(0);
}

/** The suffix children of an AZ are named by (`eu-central-1a` → `a`), independent of list order. */
export function azSuffix(az: string): string {
  return az.slice(-1);
}
