import type { Control } from "./types";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const k8sWorkloadNoSaToken: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-no-sa-token",
    description:
      "Pods do not mount a Kubernetes service-account token (automountServiceAccountToken: false on the pod spec): the model server never calls the Kubernetes API, and a token in the pod is a credential an attacker can use against the cluster. AWS access comes from Pod Identity, which does not need it.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        pod: (spec, fire, undecided) => {
          const v = bool(spec.automountServiceAccountToken);
          if (isUnknown(v)) undecided.note("automountServiceAccountToken unknown");
          else if (v !== false) fire("pod mounts a service-account token: set automountServiceAccountToken: false on the pod spec");
        },
      }),
  },
  severity: "medium",
  remediation: "Set automountServiceAccountToken: false on the pod spec (and on the ServiceAccount); workloads that really call the API should get a projected token with a short expiry and a narrow Role.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "IA-5", "AC-3"],
  },
  references: ["Beyond the public lists: PSS does not cover service-account tokens; CIS Kubernetes Benchmark 5.1.6 asks for it"],
  resourceTypes: WORKLOAD_TYPES,
};
