/**
 * Which AWS regions a resource touches, read from its inputs: a v7 per-resource `region`, the
 * provider's region, availability zones, and region fields inside ARNs, VPC endpoint service names
 * (com.amazonaws.<region>.<svc>) and regional hostnames (<svc>.<region>.amazonaws.com), including
 * inside JSON policy documents.
 */
import type { Node } from "./resources";
import { Unknown } from "./unknown";

const REGION = "(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d)";
const PATTERNS = [
  new RegExp(`arn:aws[\\w-]*:[a-z0-9-]+:(${REGION}):`, "g"),
  new RegExp(`com\\.amazonaws\\.(${REGION})\\.`, "g"),
  new RegExp(`[a-z0-9-]+\\.(${REGION})\\.amazonaws\\.com`, "g"),
];
const AZ = new RegExp(`^(${REGION})[a-z]$`);
const ZONE_KEYS = new Set(["availabilityZone", "availabilityZones"]);

function walk(value: unknown, key: string, out: Set<string>): void {
  if (value === Unknown) return;
  if (typeof value === "string") {
    if (ZONE_KEYS.has(key)) {
      const m = AZ.exec(value);
      if (m) out.add(m[1]!);
    }
    for (const re of PATTERNS) for (const m of value.matchAll(re)) out.add(m[1]!);
    return;
  }
  if (Array.isArray(value)) value.forEach((v) => walk(v, key, out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k, out);
}

/** Regions a resource names in its inputs, with where each came from. */
export function regionsReferenced(node: Pick<Node, "props">): Set<string> {
  const out = new Set<string>();
  walk(node.props, "", out);
  return out;
}

/** The region a resource is placed in: its own `region` input, else its provider's, else undefined. */
export function placement(node: Pick<Node, "props" | "providerRegion">): string | undefined {
  const own = node.props.region;
  if (typeof own === "string") return own;
  return node.providerRegion;
}

/**
 * The allow-list in force: the configured one; when none is configured, the regions of the
 * stack's providers; failing that, the region most resources refer to (the stack's home region).
 */
export function allowedRegions(configured: string[], nodes: Node[]): { regions: string[]; source: string } {
  if (configured.length > 0) return { regions: configured, source: "allowedRegions" };
  const providers = [...new Set(nodes.map((n) => n.providerRegion).filter((r): r is string => !!r))];
  if (providers.length > 0) return { regions: providers, source: "the stack's provider region" };
  const counts = new Map<string, number>();
  for (const n of nodes) for (const r of regionsReferenced(n)) counts.set(r, (counts.get(r) ?? 0) + 1);
  const home = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return { regions: home ? [home] : [], source: "the stack's home region (no allowedRegions configured)" };
}
