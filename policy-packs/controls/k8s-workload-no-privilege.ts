import type { Control } from "./types";
import { asArray, asRecord, bool } from "./lib/resources";
import { containsUnknown, isUnknown } from "./lib/unknown";
import { own, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ADDABLE = ["NET_BIND_SERVICE"];

export const k8sWorkloadNoPrivilege: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-no-privilege",
    description:
      "No container is privileged or may gain privileges: privileged not true, allowPrivilegeEscalation false, capabilities drop ALL and add nothing but NET_BIND_SERVICE. Applies to init containers too.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (_spec, { c }, fire, undecided) => {
          const privileged = bool(own(c, "privileged"));
          if (isUnknown(privileged)) undecided.note("privileged unknown");
          else if (privileged === true) fire("runs privileged: remove securityContext.privileged");
          const escalation = bool(own(c, "allowPrivilegeEscalation"));
          if (isUnknown(escalation)) undecided.note("allowPrivilegeEscalation unknown");
          else if (escalation !== false) fire("allowPrivilegeEscalation is not false: set securityContext.allowPrivilegeEscalation: false");
          const caps = own(c, "capabilities");
          if (isUnknown(caps) || containsUnknown(caps)) undecided.note("capabilities unknown");
          else {
            const drop = asArray(asRecord(caps).drop).map(String);
            const add = asArray(asRecord(caps).add).map(String);
            if (!drop.includes("ALL")) fire("capabilities are not all dropped: set securityContext.capabilities.drop: [\"ALL\"]");
            const extra = add.filter((a) => !ADDABLE.includes(a.replace(/^CAP_/, "")));
            if (extra.length > 0) fire(`adds capabilities ${extra.join(", ")}: only NET_BIND_SERVICE may be added`);
          }
        },
      }),
  },
  severity: "critical",
  remediation: "Set securityContext { privileged: false, allowPrivilegeEscalation: false, capabilities: { drop: [\"ALL\"] } } on every container, init containers included.",
  frameworks: {
    hipaa: [HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.leastPrivilege, SOC2.malicious],
    "fedramp-moderate": ["AC-6", "AC-6(10)", "CM-7", "SC-39"],
  },
  references: ["PSS baseline: Privileged Containers", "PSS baseline: Capabilities", "PSS restricted: Privilege Escalation", "PSS restricted: Capabilities (drop ALL, add only NET_BIND_SERVICE)"],
  resourceTypes: WORKLOAD_TYPES,
};
