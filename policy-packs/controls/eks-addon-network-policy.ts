import type { Control } from "./types";
import { label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { isUnknown, Undecided, Unknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";
const ADDON = "aws:eks/addon:Addon";

/** enableNetworkPolicy from a vpc-cni configurationValues JSON string: true, false, or Unknown. */
export function networkPolicyEnabled(configurationValues: unknown): boolean | Unknown {
  if (isUnknown(configurationValues)) return Unknown;
  if (typeof configurationValues !== "string") return false;
  try {
    const v = (JSON.parse(configurationValues) as { enableNetworkPolicy?: unknown }).enableNetworkPolicy;
    return v === "true" || v === true;
  } catch {
    return false;
  }
}

export const eksAddonNetworkPolicy: Control = {
  policy: {
    name: "sovereign-llm-eks-network-policy-enforced",
    description:
      "Every EKS cluster has the vpc-cni managed add-on with network-policy enforcement on (configurationValues enableNetworkPolicy \"true\"). Without it, Kubernetes NetworkPolicies are accepted but not enforced, and the default-deny and no-internet policies of the workloads are decoration.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const addons = ofType(all, ADDON);
      const undecided = new Undecided();
      for (const cluster of ofType(all, CLUSTER)) {
        let unsure = false;
        let cni = false;
        let enforced = false;
        for (const addon of addons) {
          const link = refersTo(addon, "clusterName", cluster, [cluster.props.name, cluster.props.id, cluster.name]);
          if (link === "unknown") unsure = true;
          if (link !== "yes") continue;
          const name = str(addon.props.addonName);
          if (isUnknown(name)) {
            unsure = true;
            continue;
          }
          if (name !== "vpc-cni") continue;
          cni = true;
          const on = networkPolicyEnabled(addon.props.configurationValues);
          if (isUnknown(on)) unsure = true;
          else if (on) enforced = true;
        }
        if (enforced) continue;
        if (unsure) undecided.note(`${label(cluster)}: vpc-cni add-on link or configuration unknown`);
        else if (cni) report(`cluster "${cluster.name}": the vpc-cni add-on does not enforce NetworkPolicies; set configurationValues {"enableNetworkPolicy":"true"}`, cluster.urn);
        else report(`cluster "${cluster.name}" has no vpc-cni managed add-on, so NetworkPolicies are not enforced`, cluster.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare aws.eks.Addon { addonName: \"vpc-cni\", clusterName: cluster.name, configurationValues: JSON.stringify({ enableNetworkPolicy: \"true\" }) } (SecureCluster does this).",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "AC-4", "SC-7(5)"],
  },
  references: ["Beyond the public lists: no AWS Config or cdk-nag rule checks that Kubernetes NetworkPolicies are enforced; needed for PSS-restricted namespaces to be isolated"],
  resourceTypes: [CLUSTER, ADDON],
};
