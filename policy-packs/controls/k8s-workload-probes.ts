import type { Control } from "./types";
import { asArray, asRecord, configOf, propsOf } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

/** Workloads that run to completion: a liveness probe would only restart finished work. */
const BATCH = ["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

const present = (v: unknown) => v !== undefined && v !== null;

/**
 * Workloads (metadata.name) whose pods serve, ship and compute nothing, so a probe could detect
 * nothing: the vLLM image pre-pull DaemonSet only keeps the image on each GPU node with `sleep`.
 */
const DEFAULTS = { exemptWorkloads: ["vllm-image-prepull"] as string[] };

export const k8sWorkloadProbes: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-probes",
    description:
      "Every long-running container (containers and restartable init sidecars of Deployments, StatefulSets, DaemonSets and pods; not Jobs) has a liveness probe, and every one that declares a port also has a readiness probe: a hung model server or log shipper is restarted, and a pod is sent traffic only once it can serve it, so a stuck audit shipper takes its gateway replica out of service rather than dropping records. exemptWorkloads (default: the image pre-pull DaemonSet, whose only container sleeps to keep the image on the node) names workloads with nothing to probe.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        exemptWorkloads: {
          type: "array",
          items: { type: "string" },
          description: "metadata.name of workloads whose pods serve nothing a probe could check (default: the vLLM image pre-pull DaemonSet, which only holds the image with sleep)",
          default: DEFAULTS.exemptWorkloads,
        },
      },
    },
    validateResource: (args, report) => {
      if (BATCH.includes(args.type)) return;
      const { exemptWorkloads } = configOf(args, DEFAULTS);
      const name = asRecord(propsOf(args).metadata).name;
      if (typeof name === "string" && exemptWorkloads.includes(name)) return;
      validateWorkload(args, report, {
        container: (_spec, { label, c }, fire, undecided) => {
          const sidecar = label.startsWith("init container") && c.restartPolicy === "Always";
          if (!label.startsWith("container") && !sidecar) return;
          const live = c.livenessProbe;
          const ready = c.readinessProbe;
          const ports = c.ports;
          if (isUnknown(live) || isUnknown(ready) || isUnknown(ports)) return void undecided.note("probes or ports unknown");
          if (!present(live)) fire("no livenessProbe: a hung process is never restarted");
          if (asArray(ports).length > 0 && !present(ready)) fire("declares ports but no readinessProbe: traffic reaches it before it can serve");
        },
      });
    },
  },
  severity: "low",
  remediation: "Add a livenessProbe (and a readinessProbe where the container listens) to every long-running container; use exec probes where the server requires a client certificate (kubelet presents none).",
  frameworks: {
    hipaa: [HIPAA.contingencyPlan],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.recovery, SOC2.monitoring],
    "fedramp-moderate": ["CP-10", "SI-4"],
  },
  references: ["Beyond the public lists: PSS and AWS Config do not read probes; Kubernetes' configuration best practices and CIS-aligned scanners (e.g. kube-score) ask for them"],
  resourceTypes: WORKLOAD_TYPES.filter((t) => !BATCH.includes(t)),
};
