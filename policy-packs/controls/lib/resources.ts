/**
 * Helpers shared by controls: reading policy args into plain data, finding related resources in a
 * stack, and reading tunables with their defaults.
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { snapshot, isUnknown, Unknown } from "./unknown";

/** A stack resource with its properties snapshotted (unknown leaves as `Unknown`). */
export interface Node {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
  parentUrn?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** The region of the resource's provider, when the engine sent it and it is known. */
  providerRegion?: string;
}

export function nodesOf(args: StackValidationArgs): Node[] {
  return args.resources.map(toNode);
}

function toNode(r: PolicyResource): Node {
  const propertyDependencies: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = (v ?? []).map((d) => d.urn);
  let props: Record<string, unknown> | undefined;
  let region: { value: string | undefined } | undefined;
  // Properties are copied out of the SDK's proxy on first use: a stack policy usually reads the
  // properties of a few types only, and copying every resource for every policy is most of the
  // cost of AnalyzeStack.
  return {
    type: r.type,
    urn: r.urn,
    name: r.name,
    get props() {
      return (props ??= asRecord(snapshot(r.props)));
    },
    set props(value: Record<string, unknown>) {
      props = value;
    },
    parentUrn: r.parent?.urn,
    dependencies: (r.dependencies ?? []).map((d) => d.urn),
    propertyDependencies,
    get providerRegion() {
      return (region ??= { value: providerRegionOf(r.provider?.props) }).value;
    },
  };
}

export function providerRegionOf(props: unknown): string | undefined {
  if (props === undefined) return undefined;
  const region = asRecord(snapshot(props)).region;
  return typeof region === "string" ? region : undefined;
}

export function propsOf(args: ResourceValidationArgs): Record<string, unknown> {
  return asRecord(snapshot(args.props));
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

export function ofType(nodes: Node[], ...types: string[]): Node[] {
  return nodes.filter((n) => types.includes(n.type));
}

export type Link = "yes" | "no" | "unknown";

/**
 * Does `side`'s input `prop` refer to `target`? Decided, in order, by the engine's property
 * dependencies (known even in preview), then by value: the input equals one of `targetValues`
 * (the target's id, name or ARN as known). When the input is unknown and no dependency says
 * otherwise, the answer is "unknown".
 */
export function refersTo(side: Node, prop: string, target: Node, targetValues: unknown[]): Link {
  const deps = side.propertyDependencies[prop];
  if (deps && deps.includes(target.urn)) return "yes";
  const value = side.props[prop];
  if (isUnknown(value)) return deps && deps.length > 0 ? "no" : "unknown";
  const known = targetValues.filter((v): v is string => typeof v === "string" && v.length > 0);
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v === "string" && known.includes(v))) return "yes";
  if (values.some(isUnknown)) return deps && deps.length > 0 ? "no" : "unknown";
  return "no";
}

/** Reads the policy's config, falling back to `defaults` for anything absent. */
export function configOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  const given = (args.getConfig<Partial<T>>() ?? {}) as Partial<T>;
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    if (given[key] !== undefined && given[key] !== null) out[key] = given[key] as T[keyof T];
  }
  return out;
}

/** A string value, or Unknown, or undefined when absent or not a string. */
export function str(value: unknown): string | Unknown | undefined {
  if (isUnknown(value)) return Unknown;
  return typeof value === "string" ? value : undefined;
}

/** A boolean input, accepting the "true"/"false" strings some AWS inputs use. */
export function bool(value: unknown): boolean | Unknown | undefined {
  if (isUnknown(value)) return Unknown;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

export function tagsOf(props: Record<string, unknown>): Record<string, unknown> | Unknown | undefined {
  const tags = props.tags;
  if (isUnknown(tags)) return Unknown;
  return tags === undefined || tags === null ? undefined : asRecord(tags);
}

/** A short label for messages: `type name`. */
export function label(n: { type: string; name: string }): string {
  return `${n.type.split(":").pop()} "${n.name}"`;
}

/** Resource types that are always customer-managed KMS keys (declared in the program). */
export const KMS_KEY_TYPES = ["aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey", "aws:kms/replicaExternalKey:ReplicaExternalKey"];

/** The stack's resources by URN, for following property dependencies. */
export function byUrnOf(nodes: Node[]): Map<string, Node> {
  return new Map(nodes.map((n) => [n.urn, n]));
}

/**
 * Is the value of `node`'s input `prop` (unknown during preview, in whole or in part) computed
 * only from resources of `types` in this stack? True when the engine's property dependencies for
 * `prop` name at least one resource and every one of them is a resource of the stack of one of
 * `types` (e.g. a log group's `kmsKeyId` that depends only on an `aws:kms/key:Key`: whatever the
 * ARN turns out to be, it is the ARN of a customer-managed key declared in the program). Property
 * dependencies are per top-level input, so for a nested value (a launch template's
 * `blockDeviceMappings[0].ebs.kmsKeyId`) pass the top-level name: every unknown inside it then
 * comes from those resources. False without dependencies, or when any is of another type or
 * outside the stack, so the caller keeps the value undecided.
 */
export function computedOnlyFrom(node: Node, prop: string, byUrn: Map<string, Node>, types: readonly string[], only?: Node): boolean {
  const deps = node.propertyDependencies[prop] ?? [];
  if (deps.length === 0) return false;
  return deps.every((urn) => {
    const dep = byUrn.get(urn);
    return dep !== undefined && types.includes(dep.type) && (only === undefined || dep.urn === only.urn);
  });
}

/**
 * How a resource's KMS key input stands: a customer-managed key ARN (`ok`), one not known until
 * deployment but computed only from KMS keys the program declares (`ok`), unknown otherwise
 * (`unknown`), absent (`missing`), or something other than a key ARN, such as an AWS-managed alias
 * (`not-key-arn`).
 */
export function customerKeyOf(node: Node, prop: string, byUrn: Map<string, Node>): "ok" | "unknown" | "missing" | "not-key-arn" {
  const key = str(node.props[prop]);
  if (isUnknown(key)) return computedOnlyFrom(node, prop, byUrn, KMS_KEY_TYPES) ? "ok" : "unknown";
  if (key === undefined || key === "") return "missing";
  return /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\//.test(key) ? "ok" : "not-key-arn";
}
