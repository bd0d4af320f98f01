import type { Control } from "./types";
import { asArray, asRecord, byUrnOf, computedOnlyFrom, KMS_KEY_TYPES, label, nodesOf, ofType, type Node } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";

/** Checks one cluster; an unknown key ARN computed only from KMS keys of the program is a customer-managed key. */
function check(cluster: Node, byUrn: Map<string, Node>, report: (message: string) => void, note: (what: string) => void): void {
  const enc = cluster.props.encryptionConfig;
  if (isUnknown(enc)) note("encryptionConfig unknown");
  else if (enc === undefined || enc === null) report("cluster has no encryptionConfig: Kubernetes Secrets are stored without envelope encryption; set encryptionConfig { provider.keyArn: <cluster key>, resources: [\"secrets\"] }");
  else {
    const e = asRecord(enc);
    const resources = e.resources;
    if (isUnknown(resources) || (Array.isArray(resources) && !resources.includes("secrets") && containsUnknown(resources))) note("encryptionConfig.resources unknown");
    else if (!asArray(resources).includes("secrets")) report("encryptionConfig does not cover \"secrets\": add it to encryptionConfig.resources");
    const key = asRecord(e.provider).keyArn;
    if (isUnknown(key)) {
      // The ARN of a customer-managed key this program declares, whatever its value will be.
      if (!computedOnlyFrom(cluster, "encryptionConfig", byUrn, KMS_KEY_TYPES)) note("encryption key ARN unknown");
    } else if (typeof key !== "string" || key.length === 0) report("encryptionConfig has no provider.keyArn: name the customer-managed cluster key");
  }
}

export const eksClusterSecretsEncrypted: Control = {
  policy: {
    name: "sovereign-llm-eks-secrets-encrypted",
    description:
      "Kubernetes Secrets (API keys, TLS keys of the model service) are envelope-encrypted in etcd with a customer-managed KMS key: encryptionConfig lists the resource \"secrets\" and names a key. A key ARN not known until deployment passes when encryptionConfig is computed only from KMS keys declared in the program (property dependencies).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const byUrn = byUrnOf(all);
      const undecided = new Undecided();
      for (const cluster of ofType(all, CLUSTER)) check(cluster, byUrn, (m) => report(m, cluster.urn), (what) => undecided.note(`${label(cluster)}: ${what}`));
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
