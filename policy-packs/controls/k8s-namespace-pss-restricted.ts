import type { Control } from "./types";
import { asRecord, configOf, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { metadataOf, nameOf, NAMESPACE, SYSTEM_NAMESPACES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const PSS_ENFORCE = "pod-security.kubernetes.io/enforce";
const DEFAULTS = { exemptNamespaces: SYSTEM_NAMESPACES };

export const k8sNamespacePssRestricted: Control = {
  policy: {
    name: "sovereign-llm-k8s-namespace-pss-restricted",
    description:
      "Every namespace the platform declares enforces the Pod Security Standard restricted (label pod-security.kubernetes.io/enforce: restricted), so the API server itself refuses pods that break it, including ones created outside Pulumi. System namespaces (kube-system, kube-public, kube-node-lease; tunable) are exempt.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptNamespaces: { type: "array", items: { type: "string" }, default: DEFAULTS.exemptNamespaces } } },
    validateResource: (args, report) => {
      if (args.type !== NAMESPACE) return;
      const { exemptNamespaces } = configOf(args, DEFAULTS);
      const p = propsOf(args);
      const undecided = new Undecided();
      const name = nameOf(p);
      if (isUnknown(name)) undecided.note("namespace name unknown");
      else if (!exemptNamespaces.includes(name ?? "")) {
        const meta = metadataOf(p);
        const labels = isUnknown(meta) ? meta : meta.labels;
        const level = isUnknown(labels) ? labels : asRecord(labels)[PSS_ENFORCE];
        if (isUnknown(level)) undecided.note("pod-security labels unknown");
        else if (level !== "restricted") report(`namespace ${name ?? "(generated name)"} enforces Pod Security ${level === undefined ? "nothing" : String(level)}: label it ${PSS_ENFORCE}: restricted`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Label the namespace pod-security.kubernetes.io/enforce: restricted (with warn and audit at the same level and a pinned -version), as InferenceNamespace does.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.malware],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.configMonitoring],
    "fedramp-moderate": ["CM-6", "CM-7", "AC-6", "SC-39"],
  },
  references: ["PSS restricted: enforced by the Pod Security admission controller (namespace label pod-security.kubernetes.io/enforce)"],
  resourceTypes: [NAMESPACE],
};
