import type { Control } from "./types";
import { asRecord, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { effective, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

const ALLOWED = ["RuntimeDefault", "Localhost"];

export const k8sWorkloadSeccomp: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-seccomp",
    description: "Every container runs under a seccomp profile, RuntimeDefault or Localhost (container setting, else the pod's); Unconfined or unset leaves every syscall open to a compromised process.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (spec, { c }, fire, undecided) => {
          const profile = effective(spec, c, "seccompProfile");
          const type = isUnknown(profile) ? profile : str(asRecord(profile).type);
          if (isUnknown(type)) undecided.note("seccompProfile unknown");
          else if (!type || !ALLOWED.includes(type)) fire(`seccomp profile is ${type ?? "unset"}: set securityContext.seccompProfile.type: RuntimeDefault`);
        },
      }),
  },
  severity: "medium",
  remediation: "Set securityContext.seccompProfile: { type: \"RuntimeDefault\" } on the pod.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.malware],
    soc2: [SOC2.malicious, SOC2.leastPrivilege],
    "fedramp-moderate": ["CM-7", "SC-39", "SI-3"],
    gdpr: [GDPR.confidentialityResilience, GDPR.byDesign],
  },
  references: ["PSS restricted: Seccomp"],
  resourceTypes: WORKLOAD_TYPES,
};
