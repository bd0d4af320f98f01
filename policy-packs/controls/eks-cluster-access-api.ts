import type { Control } from "./types";
import { asRecord, bool, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";

export const eksClusterAccessApi: Control = {
  policy: {
    name: "sovereign-llm-eks-access-entries-only",
    description:
      "Cluster access is granted only through EKS access entries (authenticationMode API), which are IAM-audited AWS resources, not through the aws-auth ConfigMap; and the identity that created the cluster gets no hidden, permanent cluster-admin (bootstrapClusterCreatorAdminPermissions false).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const access = propsOf(args).accessConfig;
      const undecided = new Undecided();
      if (isUnknown(access)) undecided.note("accessConfig unknown");
      else {
        const a = asRecord(access);
        const mode = str(a.authenticationMode);
        // EKS default when unset: CONFIG_MAP.
        if (isUnknown(mode)) undecided.note("authenticationMode unknown");
        else if (mode !== "API") report(`authenticationMode is ${mode ?? "unset (CONFIG_MAP)"}: set accessConfig.authenticationMode: "API" and grant access with access entries`);
        // EKS default when unset: true.
        const bootstrap = a.bootstrapClusterCreatorAdminPermissions === undefined ? true : bool(a.bootstrapClusterCreatorAdminPermissions);
        if (isUnknown(bootstrap)) undecided.note("bootstrapClusterCreatorAdminPermissions unknown");
        else if (bootstrap !== false) report("the cluster creator is granted cluster-admin: set accessConfig.bootstrapClusterCreatorAdminPermissions: false and name admins with access entries");
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set accessConfig: { authenticationMode: \"API\", bootstrapClusterCreatorAdminPermissions: false } and declare eks.AccessEntry + AccessPolicyAssociation for the admin and read-only roles (cluster.adminRoleArns / readOnlyRoleArns).",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.accessEstablishment, HIPAA.informationAccess, HIPAA.authorizationSupervision],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.accessProvisioning, SOC2.leastPrivilege],
    "fedramp-moderate": ["AC-2", "AC-3", "AC-6", "IA-2"],
  },
  references: ["Beyond the public lists: AWS Config and cdk-nag have no rule for EKS authentication mode; this follows the EKS best-practices guide (access entries instead of aws-auth)"],
  resourceTypes: [CLUSTER],
};
