import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { namespaceOf, NETWORK_POLICY, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

/** What a NetworkPolicy denies by default for every pod of its namespace: "Ingress", "Egress", or both. */
export function defaultDenies(spec: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const selector = asRecord(spec.podSelector);
  const selectsAll = spec.podSelector !== undefined && asArray(selector.matchExpressions).length === 0 && Object.keys(asRecord(selector.matchLabels)).length === 0;
  if (!selectsAll) return out;
  const declared = spec.policyTypes === undefined ? undefined : asArray(spec.policyTypes).map(String);
  // Without policyTypes, Kubernetes infers Ingress always and Egress when egress rules exist.
  const types = declared ?? ["Ingress", ...(spec.egress !== undefined ? ["Egress"] : [])];
  if (types.includes("Ingress") && asArray(spec.ingress).length === 0) out.add("Ingress");
  if (types.includes("Egress") && asArray(spec.egress).length === 0) out.add("Egress");
  return out;
}

export const k8sNamespaceDefaultDeny: Control = {
  policy: {
    name: "sovereign-llm-k8s-namespace-default-deny",
    description:
      "Every namespace that runs workloads has default-deny NetworkPolicies for both directions: podSelector {} with policyTypes Ingress and Egress and no rules (one policy or two). Everything a pod may reach is then an explicit, reviewable allowance.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const namespaces = new Map<string, string>(); // namespace → a workload in it, for the message
      for (const w of ofType(all, ...WORKLOAD_TYPES)) {
        const ns = namespaceOf(w.props);
        if (isUnknown(ns)) undecided.note(`${label(w)}: namespace unknown`);
        else if (!namespaces.has(ns)) namespaces.set(ns, w.name);
      }
      const denies = new Map<string, Set<string>>();
      let unsure = false;
      for (const np of ofType(all, NETWORK_POLICY)) {
        const ns = namespaceOf(np.props);
        const spec = np.props.spec;
        if (isUnknown(ns) || isUnknown(spec) || containsUnknown(spec)) {
          unsure = true;
          continue;
        }
        const set = denies.get(ns) ?? new Set<string>();
        for (const d of defaultDenies(asRecord(spec))) set.add(d);
        denies.set(ns, set);
      }
      for (const [ns, workload] of namespaces) {
        const have = denies.get(ns) ?? new Set<string>();
        const missing = ["Ingress", "Egress"].filter((d) => !have.has(d));
        if (missing.length === 0) continue;
        if (unsure) undecided.note(`namespace ${ns}: a NetworkPolicy is unknown`);
        else report(`namespace ${ns} (workload "${workload}") has no default-deny ${missing.join(" or ")} NetworkPolicy: add podSelector {} with policyTypes [${missing.map((m) => `"${m}"`).join(", ")}] and no rules`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare a NetworkPolicy { podSelector: {}, policyTypes: [\"Ingress\", \"Egress\"] } with no rules in each workload namespace, then narrow allowances (DNS, the front door) on top (InferenceNamespace does this).",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4"],
  },
  references: ["Beyond the public lists: AWS Config and PSS do not inspect NetworkPolicies; this is deny-by-default (SC-7(5)) inside the cluster"],
  resourceTypes: [...WORKLOAD_TYPES, NETWORK_POLICY],
};
