/**
 * Kubernetes workload shapes, read generically from the inputs of any workload kind: where the
 * pod spec sits, its containers (init and ephemeral included), and the effective security
 * context of a container (its own field, else the pod's).
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { asArray, asRecord, propsOf } from "./resources";
import { isUnknown, Undecided, Unknown } from "./unknown";

/** Pulumi tokens of workload kinds and the path from the object to its pod spec. */
export const WORKLOAD_POD_SPEC: Record<string, string[]> = {
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
};
export const WORKLOAD_TYPES = Object.keys(WORKLOAD_POD_SPEC);
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const SERVICE = "kubernetes:core/v1:Service";

/** The pod spec of a workload's inputs; Unknown when any step is unknown; undefined when absent. */
export function podSpecOf(type: string, props: Record<string, unknown>): Record<string, unknown> | Unknown | undefined {
  const path = WORKLOAD_POD_SPEC[type];
  if (!path) return undefined;
  let cur: unknown = props;
  for (const key of path) {
    if (isUnknown(cur)) return Unknown;
    if (cur === undefined || cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (isUnknown(cur)) return Unknown;
  return cur === undefined || cur === null ? undefined : asRecord(cur);
}

export interface ContainerRef {
  /** "container", "init container" or "ephemeral container", then its name. */
  label: string;
  c: Record<string, unknown>;
}

/** Every container of the pod spec; `unknown` is true when a list or an entry is unknown. */
export function containersOf(spec: Record<string, unknown>): { containers: ContainerRef[]; unknown: boolean } {
  const containers: ContainerRef[] = [];
  let unknown = false;
  for (const [key, kind] of [
    ["initContainers", "init container"],
    ["containers", "container"],
    ["ephemeralContainers", "ephemeral container"],
  ] as const) {
    const list = spec[key];
    if (isUnknown(list)) {
      unknown = true;
      continue;
    }
    for (const raw of asArray(list)) {
      if (isUnknown(raw)) {
        unknown = true;
        continue;
      }
      const c = asRecord(raw);
      containers.push({ label: `${kind} "${typeof c.name === "string" ? c.name : "?"}"`, c });
    }
  }
  return { containers, unknown };
}

/** The container's securityContext field, else the pod's (the fields that exist at both levels). */
export function effective(spec: Record<string, unknown>, c: Record<string, unknown>, key: string): unknown {
  const own = c.securityContext;
  if (isUnknown(own)) return Unknown;
  const v = asRecord(own)[key];
  if (v !== undefined && v !== null) return v;
  const pod = spec.securityContext;
  if (isUnknown(pod)) return Unknown;
  return asRecord(pod)[key];
}

/** A container's own securityContext field (those that exist only on containers). */
export function own(c: Record<string, unknown>, key: string): unknown {
  const sc = c.securityContext;
  if (isUnknown(sc)) return Unknown;
  return asRecord(sc)[key];
}

export function metadataOf(props: Record<string, unknown>): Record<string, unknown> | Unknown {
  return isUnknown(props.metadata) ? Unknown : asRecord(props.metadata);
}

/** The namespace an object is created in ("default" when unset), or Unknown. */
export function namespaceOf(props: Record<string, unknown>): string | Unknown {
  const meta = metadataOf(props);
  if (isUnknown(meta)) return Unknown;
  const ns = meta.namespace;
  if (isUnknown(ns)) return Unknown;
  return typeof ns === "string" && ns.length > 0 ? ns : "default";
}

/** The name of a Namespace object (metadata.name), or Unknown / undefined. */
export function nameOf(props: Record<string, unknown>): string | Unknown | undefined {
  const meta = metadataOf(props);
  if (isUnknown(meta)) return Unknown;
  const n = meta.name;
  if (isUnknown(n)) return Unknown;
  return typeof n === "string" ? n : undefined;
}

/** Is this container a vLLM server? Its image names vllm. */
export function isVllm(c: Record<string, unknown>): boolean | Unknown {
  if (isUnknown(c.image)) return Unknown;
  return typeof c.image === "string" && /vllm/i.test(c.image);
}

/** Namespaces that host cluster machinery and cannot run under restricted Pod Security. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];


export interface WorkloadCheck {
  /** Checks on the pod spec itself (host namespaces, volumes, service account token). */
  pod?: (spec: Record<string, unknown>, report: (msg: string) => void, undecided: Undecided) => void;
  /** Checks on each container, init and ephemeral containers included. */
  container?: (spec: Record<string, unknown>, ref: ContainerRef, report: (msg: string) => void, undecided: Undecided) => void;
}

/** Runs a workload check over any workload kind's pod spec, reporting known violations only. */
export function validateWorkload(args: ResourceValidationArgs, report: ReportViolation, check: WorkloadCheck): void {
  if (!(args.type in WORKLOAD_POD_SPEC)) return;
  const undecided = new Undecided();
  const spec = podSpecOf(args.type, propsOf(args));
  if (isUnknown(spec)) undecided.note("pod spec unknown");
  else if (spec !== undefined) {
    check.pod?.(spec, (m) => report(m), undecided);
    if (check.container) {
      const { containers, unknown } = containersOf(spec);
      if (unknown) undecided.note("a container list or entry is unknown");
      for (const ref of containers) check.container(spec, ref, (m) => report(`${ref.label}: ${m}`), undecided);
    }
  }
  undecided.finish();
}
