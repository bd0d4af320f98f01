/**
 * The KEDA operator's ClusterRole, narrowed from the release's (config/rbac/role.yaml, committed in
 * ./keda) to what the operator does on this platform. Pure: transforms rules, creates nothing.
 *
 * The release's role is written for any scale target and any trigger authentication:
 * - `get` on every resource of every API group, and the `scale` subresource of every resource:
 *   KEDA scales arbitrary custom resources through their scale subresource and, for a target it
 *   has no typed client for, reads the object itself (controllers/keda/scaledobject_controller.go,
 *   checkTargetResourceIsScalable; pkg/scaling/resolver/scale_resolvers.go). The platform scales
 *   only Deployments (the model servers; components/autoscaling/scaled-object.ts), which KEDA
 *   reads through its typed, informer-backed client (list/watch on deployments, kept) and scales
 *   through `deployments/scale`.
 * - `get`/`list`/`watch` on Secrets in every namespace: to resolve TriggerAuthentication secrets
 *   and `secretKeyRef` environment variables of the scale target. The platform's triggers
 *   (metrics-api against the gateway, inside the cluster) use no authentication, and the operator
 *   runs with KEDA_RESTRICT_SECRET_ACCESS=true, under which it reads Secrets only in its own
 *   namespace, through an informer scoped to it (cmd/operator/main.go), which the release's
 *   namespaced Role already allows; the certificate rotator's cache is namespaced too.
 * Every other rule is kept as released. An upstream rule this file does not know fails the
 * render, so a KEDA upgrade that changes the role is reviewed here rather than passed through.
 */

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Environment of the operator container that the narrowed role depends on. */
export const KEDA_RESTRICT_SECRET_ACCESS = { name: "KEDA_RESTRICT_SECRET_ACCESS", value: "true" } as const;

const key = (r: PolicyRule) => JSON.stringify([[...(r.apiGroups ?? [])].sort(), [...(r.resources ?? [])].sort(), [...r.verbs].sort()]);
const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });

/** The release's rules this file replaces, each with its replacement (empty: dropped). */
const REPLACED: [PolicyRule, PolicyRule[]][] = [
  [rule([""], ["configmaps", "configmaps/status", "external", "pods", "secrets", "services"], ["get", "list", "watch"]), [rule([""], ["configmaps", "configmaps/status", "external", "pods", "services"], ["get", "list", "watch"])]],
  [rule(["*"], ["*"], ["get"]), [rule(["apps"], ["deployments"], ["get"])]],
  [rule(["*"], ["*/scale"], ["get", "list", "patch", "update", "watch"]), [rule(["apps"], ["deployments/scale"], ["get", "list", "patch", "update", "watch"])]],
];

/** The release's rules kept as they are. */
const KEPT: PolicyRule[] = [
  rule([""], ["limitranges", "serviceaccounts"], ["list", "watch"]),
  rule(["", "events.k8s.io"], ["events"], ["create", "patch"]),
  rule(["admissionregistration.k8s.io"], ["validatingwebhookconfigurations"], ["get", "list", "patch", "update", "watch"]),
  rule(["apiregistration.k8s.io"], ["apiservices"], ["get", "list", "patch", "update", "watch"]),
  rule(["apps"], ["deployments", "replicasets", "statefulsets"], ["list", "watch"]),
  rule(["autoscaling"], ["horizontalpodautoscalers"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
  rule(["batch"], ["jobs"], ["create", "delete", "get", "list", "patch", "update", "watch"]),
  rule(["discovery.k8s.io"], ["endpointslices"], ["get", "list", "watch"]),
  rule(["eventing.keda.sh"], ["cloudeventsources", "cloudeventsources/status", "clustercloudeventsources", "clustercloudeventsources/status"], ["get", "list", "patch", "update", "watch"]),
  rule(
    ["keda.sh"],
    [
      "clustertriggerauthentications",
      "clustertriggerauthentications/status",
      "scaledjobs",
      "scaledjobs/finalizers",
      "scaledjobs/status",
      "scaledobjects",
      "scaledobjects/finalizers",
      "scaledobjects/status",
      "triggerauthentications",
      "triggerauthentications/status",
    ],
    ["get", "list", "patch", "update", "watch"],
  ),
];

/** The operator's ClusterRole rules for this platform, from the release's; throws on a rule it does not know. */
export function narrowOperatorRules(upstream: PolicyRule[]): PolicyRule[] {
  const replaced = new Map(REPLACED.map(([from, to]) => [key(from), to]));
  const kept = new Set(KEPT.map(key));
  const out: PolicyRule[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const r of upstream) {
    const k = key(r);
    seen.add(k);
    if (replaced.has(k)) out.push(...structuredClone(replaced.get(k)!));
    else if (kept.has(k)) out.push(structuredClone(r));
    else unknown.push(k);
  }
  const missing = [...replaced.keys(), ...kept].filter((k) => !seen.has(k));
  if (unknown.length > 0 || missing.length > 0) {
    throw new Error(
      `KEDA operator ClusterRole differs from the release this platform narrowed (components/autoscaling/keda-rbac.ts): ${[
        ...unknown.map((k) => `new rule ${k}`),
        ...missing.map((k) => `rule gone ${k}`),
      ].join("; ")}; review each and update REPLACED/KEPT`,
    );
  }
  return out;
}
