import type { Control } from "./types";
import { asArray, asRecord, propsOf } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";

export const eksClusterSecretsEncrypted: Control = {
  policy: {
    name: "sovereign-llm-eks-secrets-encrypted",
    description:
      "Kubernetes Secrets (API keys, TLS keys of the model service) are envelope-encrypted in etcd with a customer-managed KMS key: encryptionConfig lists the resource \"secrets\" and names a key.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const enc = propsOf(args).encryptionConfig;
      const undecided = new Undecided();
      if (isUnknown(enc)) undecided.note("encryptionConfig unknown");
      else if (enc === undefined || enc === null) report("cluster has no encryptionConfig: Kubernetes Secrets are stored without envelope encryption; set encryptionConfig { provider.keyArn: <cluster key>, resources: [\"secrets\"] }");
      else {
        const e = asRecord(enc);
        const resources = e.resources;
        if (isUnknown(resources) || (Array.isArray(resources) && !resources.includes("secrets") && containsUnknown(resources))) undecided.note("encryptionConfig.resources unknown");
        else if (!asArray(resources).includes("secrets")) report("encryptionConfig does not cover \"secrets\": add it to encryptionConfig.resources");
        const key = asRecord(e.provider).keyArn;
        if (isUnknown(key)) undecided.note("encryption key ARN unknown");
        else if (typeof key !== "string" || key.length === 0) report("encryptionConfig has no provider.keyArn: name the customer-managed cluster key");
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set encryptionConfig: { provider: { keyArn: keys.cluster.arn }, resources: [\"secrets\"] } on the aws.eks.Cluster (SecureCluster does this).",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.confidentialInfo],
    "fedramp-moderate": ["SC-28", "SC-28(1)", "SC-12"],
  },
  references: ["AWS Config: eks-secrets-encrypted", "AWS Config: eks-cluster-secrets-encrypted"],
  resourceTypes: [CLUSTER],
};
