import type { Control } from "./types";
import { asArray, asRecord, bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const k8sWorkloadHostIsolation: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-host-isolation",
    description:
      "Pods share nothing with the node: no hostNetwork, hostPID or hostIPC, no hostPath volumes and no hostPort. Each would let a pod read other tenants' traffic, processes or files on a GPU node.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        pod: (spec, fire, undecided) => {
          for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
            const v = bool(spec[key]);
            if (isUnknown(v)) undecided.note(`${key} unknown`);
            else if (v === true) fire(`pod sets ${key}: true; remove it`);
          }
          if (isUnknown(spec.volumes)) undecided.note("volumes unknown");
          else
            for (const v of asArray(spec.volumes)) {
              const vol = asRecord(v);
              if (isUnknown(v) || isUnknown(vol.hostPath)) undecided.note("a volume is unknown");
              else if (vol.hostPath !== undefined && vol.hostPath !== null) fire(`volume "${String(vol.name)}" is a hostPath (${String(asRecord(vol.hostPath).path)}): use an emptyDir or a CSI volume`);
            }
        },
        container: (_spec, { c }, fire, undecided) => {
          if (isUnknown(c.ports)) undecided.note("ports unknown");
          else
            for (const p of asArray(c.ports)) {
              const hp = asRecord(p).hostPort;
              if (isUnknown(hp)) undecided.note("hostPort unknown");
              else if (typeof hp === "number" && hp !== 0) fire(`binds hostPort ${hp}: expose the port through a ClusterIP Service`);
            }
        },
      }),
  },
  severity: "critical",
  remediation: "Remove hostNetwork/hostPID/hostIPC, hostPath volumes and hostPort from the pod spec.",
  frameworks: {
    hipaa: [HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.boundary, SOC2.leastPrivilege],
    "fedramp-moderate": ["SC-4", "SC-39", "AC-6", "CM-7"],
  },
  references: ["PSS baseline: Host Namespaces", "PSS baseline: HostPath Volumes", "PSS baseline: Host Ports", "PSS restricted: Volume Types"],
  resourceTypes: WORKLOAD_TYPES,
};
