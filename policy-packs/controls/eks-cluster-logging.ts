import type { Control } from "./types";
import { asArray, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export const eksClusterLogging: Control = {
  policy: {
    name: "sovereign-llm-eks-control-plane-logging",
    description:
      "All five EKS control-plane log types (api, audit, authenticator, controllerManager, scheduler) go to CloudWatch Logs: the audit log is the record of who did what to the cluster, the authenticator log of who got in.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const types = propsOf(args).enabledClusterLogTypes;
      const undecided = new Undecided();
      if (isUnknown(types)) undecided.note("enabledClusterLogTypes unknown");
      else {
        const list = asArray(types);
        const missing = EKS_LOG_TYPES.filter((t) => !list.includes(t));
        if (missing.length > 0 && list.some(isUnknown)) undecided.note("an enabledClusterLogTypes entry is unknown");
        else if (missing.length > 0) report(`control-plane log types not enabled: ${missing.join(", ")}; set enabledClusterLogTypes to all of ${EKS_LOG_TYPES.join(", ")}`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: `Set enabledClusterLogTypes: [${EKS_LOG_TYPES.map((t) => `"${t}"`).join(", ")}] and create the /aws/eks/<cluster>/cluster log group beforehand with the logs key and audit retention (SecureCluster does this).`,
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.loginMonitoring, HIPAA.authorizationSupervision, HIPAA.incidentResponse],
    gdpr: [GDPR.accountability, GDPR.confidentialityResilience],
    soc2: [SOC2.monitoring, SOC2.incidents],
    // IR-4: the Kubernetes audit log is what the exec and secret-read alarms detect in, and what an analysis queries.
    "fedramp-moderate": ["AU-2", "AU-3", "AU-12", "AC-2(4)", "CA-7", "IR-4"],
  },
  references: ["AWS Config: eks-cluster-logging-enabled", "AWS Config: eks-cluster-log-enabled"],
  resourceTypes: [CLUSTER],
};
