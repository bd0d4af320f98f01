import type { Control } from "./types";
import { asArray, asRecord, configOf, propsOf } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
/** The built-in roles that administer a namespace or the cluster. */
const ADMIN_ROLES = ["cluster-admin", "admin", "edit"];
/** Verbs that grant more than they name: escalate and bind let a subject grant itself any role, impersonate act as anyone. */
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
/** Groups that hold administrative rights however they are bound. */
const ADMIN_GROUPS = ["system:masters"];
/**
 * Aggregated metrics APIs: their "resources" are metric names chosen at run time, not objects, so
 * `resources: ["*"]` within them names no Secret, Pod or role.
 */
const METRICS_GROUPS = ["metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"];
/**
 * exemptRoles: third-party roles (and bindings) by name kept as their upstream ships them; none by
 * default (KEDA's operator ClusterRole is narrowed by the platform, components/autoscaling/keda-rbac.ts).
 * ownNamespaceSecretReaders: namespaced Roles ("namespace/name") that may list and watch every
 * Secret of their own namespace, and only that check is skipped for them. KEDA's operator keeps
 * its generated certificates and any ClusterTriggerAuthentication secrets in its own namespace
 * and reads them through an informer scoped to it; list and watch cannot be limited by
 * resourceNames, so the Role has to name the whole namespace's Secrets. The namespace runs
 * nothing else.
 */
const DEFAULTS = { exemptRoles: [] as string[], ownNamespaceSecretReaders: ["keda/keda-operator"] as string[] };

function checkRole(p: Record<string, unknown>, report: (m: string) => void, undecided: Undecided, secretsInOwnNamespace = false): void {
  if (isUnknown(p.rules) || containsUnknown(p.rules)) return void undecided.note("rules unknown");
  if (p.aggregationRule !== undefined && p.aggregationRule !== null) report("the role aggregates other roles (aggregationRule): its permissions are whatever matching roles add later; list its rules instead");
  asArray(p.rules).forEach((raw, i) => {
    const r = asRecord(raw);
    const where = `rule ${i + 1}`;
    const groups = asArray(r.apiGroups).map(String);
    const metricsOnly = groups.length > 0 && groups.every((g) => METRICS_GROUPS.includes(g));
    for (const key of ["apiGroups", "resources", "verbs", "nonResourceURLs"] as const) {
      if (key === "resources" && metricsOnly) continue;
      const wild = asArray(r[key]).map(String).filter((v) => v === "*" || v.endsWith("/*") || v.startsWith("*/"));
      if (wild.length > 0) report(`${where} has ${wild.map((w) => JSON.stringify(w)).join(", ")} in ${key}: name the ${key === "verbs" ? "verbs" : key} the workload needs`);
    }
    const escalating = asArray(r.verbs).map(String).filter((v) => ESCALATING_VERBS.includes(v));
    if (escalating.length > 0) report(`${where} grants ${escalating.join(", ")}, which let a subject raise its own rights`);
    const secrets = asArray(r.resources).map(String).includes("secrets") && asArray(r.resourceNames).length === 0 && asArray(r.verbs).map(String).some((v) => ["get", "list", "watch"].includes(v));
    if (secrets && !secretsInOwnNamespace) report(`${where} reads every Secret in its scope; name the secrets (resourceNames)`);
  });
}

function checkBinding(p: Record<string, unknown>, report: (m: string) => void, undecided: Undecided): void {
  const ref = p.roleRef;
  if (isUnknown(ref) || containsUnknown(ref)) return void undecided.note("roleRef unknown");
  const r = asRecord(ref);
  if (r.kind === "ClusterRole" && typeof r.name === "string" && ADMIN_ROLES.includes(r.name)) report(`binds the built-in ClusterRole "${r.name}"; bind a role that lists what the subject needs`);
  const subjects = p.subjects;
  if (isUnknown(subjects) || containsUnknown(subjects)) return void undecided.note("subjects unknown");
  for (const s of asArray(subjects).map(asRecord)) {
    if (s.kind === "Group" && typeof s.name === "string" && ADMIN_GROUPS.includes(s.name)) report(`binds group ${s.name}`);
    if (s.kind === "Group" && (s.name === "system:authenticated" || s.name === "system:unauthenticated" || s.name === "system:serviceaccounts")) report(`binds every ${s.name === "system:serviceaccounts" ? "service account" : "caller"} (group ${s.name}); bind the one service account that needs the role`);
  }
}

export const k8sRbacLeastPrivilege: Control = {
  policy: {
    name: "sovereign-llm-k8s-rbac-least-privilege",
    description:
      "Kubernetes RBAC the program declares is least privilege: no \"*\" in a role's apiGroups, resources (outside the aggregated metrics APIs, whose resources are metric names), verbs or nonResourceURLs; no escalate, bind or impersonate; no unrestricted reads of Secrets; no aggregated roles; no bindings of cluster-admin, admin or edit, of system:masters, or to every authenticated caller or service account. Administrators reach the cluster through EKS access entries, not RBAC objects in the program. exemptRoles (default none) names third-party roles (and bindings) kept as their upstream ships them, each to be justified in the pack config's review; ownNamespaceSecretReaders (default keda/keda-operator) names namespaced Roles that may read every Secret of their own namespace.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        exemptRoles: { type: "array", items: { type: "string" }, default: DEFAULTS.exemptRoles },
        ownNamespaceSecretReaders: {
          type: "array",
          items: { type: "string", pattern: "^[a-z0-9-]+/[a-z0-9.:-]+$" },
          description: "namespace/name of Roles that may read every Secret of their own namespace (and only that is not checked for them)",
          default: DEFAULTS.ownNamespaceSecretReaders,
        },
      },
    },
    validateResource: (args, report) => {
      const undecided = new Undecided();
      const p = propsOf(args);
      const { exemptRoles, ownNamespaceSecretReaders } = configOf(args, DEFAULTS);
      const { name, namespace } = asRecord(p.metadata);
      if (typeof name === "string" && exemptRoles.includes(name)) return;
      const ownSecrets = args.type === ROLE && typeof namespace === "string" && typeof name === "string" && ownNamespaceSecretReaders.includes(`${namespace}/${name}`);
      if (args.type === ROLE || args.type === CLUSTER_ROLE) checkRole(p, (m) => report(m), undecided, ownSecrets);
      else if (args.type === BINDING || args.type === CLUSTER_BINDING) checkBinding(p, (m) => report(m), undecided);
      else return;
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "List apiGroups, resources and verbs explicitly (resourceNames for Secrets), and bind a role written for the workload's service account; cluster administrators get AmazonEKSClusterAdminPolicy through an access entry.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.informationAccess, HIPAA.workforceClearance],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "AC-6(10)", "AC-3", "AC-2"],
  },
  references: [
    "Beyond the public lists: AWS Config, cdk-nag and PSS do not read RBAC objects; this follows the CIS Kubernetes Benchmark 5.1.1 (cluster-admin only where required), 5.1.2 (minimise access to secrets), 5.1.3 (minimise wildcards) and 5.1.8 (bind, impersonate, escalate)",
  ],
  resourceTypes: [ROLE, CLUSTER_ROLE, BINDING, CLUSTER_BINDING],
};
