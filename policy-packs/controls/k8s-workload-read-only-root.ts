import type { Control } from "./types";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { own, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

export const k8sWorkloadReadOnlyRoot: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-read-only-root",
    description:
      "Every container has a read-only root filesystem (caches and tmp on emptyDir volumes), so a compromised server cannot alter its own binaries or plant files that survive in the image layer. Goes beyond Pod Security restricted, which does not require it.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (_spec, { c }, fire, undecided) => {
          const ro = bool(own(c, "readOnlyRootFilesystem"));
          if (isUnknown(ro)) undecided.note("readOnlyRootFilesystem unknown");
          else if (ro !== true) fire("root filesystem is writable: set securityContext.readOnlyRootFilesystem: true and mount emptyDirs for caches and tmp");
        },
      }),
  },
  severity: "medium",
  remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and mount writable emptyDir volumes where the program writes (VllmService: /tmp, /cache, /dev/shm).",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.malware],
    soc2: [SOC2.malicious],
    "fedramp-moderate": ["CM-7", "SI-7", "SC-39"],
    gdpr: [GDPR.confidentialityResilience, GDPR.byDesign],
  },
  references: ["AWS Config: ecs-containers-readonly-access (HIPAA Security, NIST 800-53 rev 5) — the same requirement for ECS tasks"],
  resourceTypes: WORKLOAD_TYPES,
};
