import type { Control } from "./types";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { effective, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const k8sWorkloadNonRoot: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-non-root",
    description:
      "Every container of every workload (init containers included) runs as a non-root user: runAsNonRoot true, and runAsUser, where set, not 0 (container setting, else the pod's). The vLLM image runs as root unless told otherwise.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (spec, { c }, fire, undecided) => {
          const nonRoot = bool(effective(spec, c, "runAsNonRoot"));
          if (isUnknown(nonRoot)) undecided.note("runAsNonRoot unknown");
          else if (nonRoot !== true) fire("runAsNonRoot is not true: set securityContext.runAsNonRoot: true (pod or container)");
          const uid = effective(spec, c, "runAsUser");
          if (isUnknown(uid)) undecided.note("runAsUser unknown");
          else if (uid === 0) fire("runAsUser is 0 (root): run as the image's unprivileged user (vLLM: 2000)");
        },
      }),
  },
  severity: "high",
  remediation: "Set securityContext { runAsNonRoot: true, runAsUser: <non-zero uid> } on the pod (VllmService uses uid 2000, gid 0, the image's vllm user).",
  frameworks: {
    hipaa: [HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "CM-7", "SC-39"],
  },
  references: ["PSS restricted: Running as Non-root (runAsNonRoot)", "PSS restricted: Running as Non-root user (runAsUser != 0)"],
  resourceTypes: WORKLOAD_TYPES,
};
