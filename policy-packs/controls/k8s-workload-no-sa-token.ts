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
    configSchema: {
      properties: {
        exemptServiceAccounts: {
          type: "array",
          items: { type: "string", pattern: "^[a-z0-9-]+/[a-z0-9-]+$" },
          description: "namespace/name of service accounts whose pods must call the Kubernetes API (controllers); each needs its own narrow RBAC",
          default: ["cluster-autoscaler/cluster-autoscaler", "keda/keda-operator"],
        },
      },
    },
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        pod: (spec, fire, undecided) => {
          const exempt = (args.getConfig<{ exemptServiceAccounts?: string[] }>().exemptServiceAccounts ?? []) as string[];
          const namespace = (args.props as { metadata?: { namespace?: unknown } }).metadata?.namespace;
          const account = spec.serviceAccountName;
          if (typeof namespace === "string" && typeof account === "string" && exempt.includes(`${namespace}/${account}`)) return;
          const v = bool(spec.automountServiceAccountToken);
          if (isUnknown(v)) undecided.note("automountServiceAccountToken unknown");
          else if (v !== false) fire("pod mounts a service-account token: set automountServiceAccountToken: false on the pod spec");
        },
      }),
  },
  severity: "medium",
  remediation: "Set automountServiceAccountToken: false on the pod spec (and on the ServiceAccount); workloads that really call the API should get a projected token with a short expiry and a narrow Role.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "IA-5", "AC-3"],
  },
  references: ["Beyond the public lists: PSS does not cover service-account tokens; CIS Kubernetes Benchmark 5.1.6 asks for it"],
  resourceTypes: WORKLOAD_TYPES,
};
