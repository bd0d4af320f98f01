import type { Control } from "./types";
import { asRecord, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { SERVICE } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const INTERNAL: [string, string][] = [
  ["service.beta.kubernetes.io/aws-load-balancer-internal", "true"],
  ["service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"],
];

export const k8sServiceNotExposed: Control = {
  policy: {
    name: "sovereign-llm-k8s-service-not-exposed",
    description:
      "Kubernetes Services are not exposed outside the cluster network: no NodePort, no externalIPs, and a LoadBalancer only when annotated internal (and not also internet-facing) and not open to every source range (service.beta.kubernetes.io/aws-load-balancer-internal: \"true\" or aws-load-balancer-scheme: internal), since the AWS default is an internet-facing load balancer.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== SERVICE) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      const spec = p.spec;
      const type = isUnknown(spec) ? spec : str(asRecord(spec).type);
      const externalIPs = isUnknown(spec) ? spec : asRecord(spec).externalIPs;
      if (isUnknown(externalIPs)) undecided.note("externalIPs unknown");
      else if (Array.isArray(externalIPs) && externalIPs.length > 0) report(`Service lists externalIPs (${externalIPs.map(String).join(", ")}): every node accepts its traffic on those addresses; remove them`);
      if (isUnknown(type)) undecided.note("service type unknown");
      else if (type === "NodePort") report("Service of type NodePort opens a port on every node: use ClusterIP");
      else if (type === "LoadBalancer") {
        const meta = p.metadata;
        const annotations = isUnknown(meta) ? meta : asRecord(meta).annotations;
        if (isUnknown(annotations)) undecided.note("annotations unknown");
        else {
          const a = asRecord(annotations);
          const values = INTERNAL.map(([k]) => a[k]);
          if (values.some(isUnknown)) undecided.note("load balancer annotations unknown");
          else if (!INTERNAL.some(([k, v]) => a[k] === v)) report("Service of type LoadBalancer is internet-facing by default: annotate it service.beta.kubernetes.io/aws-load-balancer-scheme: internal, or use ClusterIP");
          else if (a[INTERNAL[1][0]] === "internet-facing" || a[INTERNAL[0][0]] === "false") report("Service of type LoadBalancer has conflicting scheme annotations (one says internet-facing): keep only aws-load-balancer-scheme: internal");
        }
        const ranges = asRecord(spec).loadBalancerSourceRanges;
        if (isUnknown(ranges) || (Array.isArray(ranges) && ranges.some(isUnknown))) undecided.note("loadBalancerSourceRanges unknown");
        else {
          const world = (Array.isArray(ranges) ? ranges : []).filter((r) => typeof r === "string" && /\/0$/.test(r.trim()));
          if (world.length > 0) report(`Service of type LoadBalancer accepts any source address (loadBalancerSourceRanges ${world.join(", ")}): list the client networks only`);
        }
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Use type ClusterIP (VllmService does); where an in-VPC load balancer is needed, annotate service.beta.kubernetes.io/aws-load-balancer-scheme: internal.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(3)", "AC-4", "CM-7"],
  },
  references: ["AWS Config: elb-internal-scheme-check"],
  resourceTypes: [SERVICE],
};
