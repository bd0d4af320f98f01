import type { Control } from "./types";
import { configOf, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";
const DEFAULTS = { supportedVersions: ["1.34", "1.35"] };

export const eksClusterSupportedVersion: Control = {
  policy: {
    name: "sovereign-llm-eks-supported-version",
    description:
      "The cluster runs a pinned Kubernetes version from the configured list of versions in standard support (default 1.34, 1.35): an unpinned version drifts on replacement, an old one stops getting security patches.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { supportedVersions: { type: "array", items: { type: "string", pattern: "^\\d+\\.\\d+$" }, minItems: 1, default: DEFAULTS.supportedVersions } } },
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const { supportedVersions } = configOf(args, DEFAULTS);
      const version = str(propsOf(args).version);
      const undecided = new Undecided();
      if (isUnknown(version)) undecided.note("version unknown");
      else if (version === undefined) report(`cluster version is not pinned (EKS picks its default): set version to one of ${supportedVersions.join(", ")}`);
      else if (!supportedVersions.includes(version)) report(`cluster version ${version} is not in the supported list (${supportedVersions.join(", ")}): upgrade, or update the list when AWS changes support`);
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set cluster.version in the stack file to a version in standard support and keep the policy's supportedVersions current with the EKS release calendar.",
  frameworks: {
    hipaa: [HIPAA.riskManagement, HIPAA.malware],
    soc2: [SOC2.configMonitoring, SOC2.change],
    "fedramp-moderate": ["SI-2", "CM-2", "SA-22"],
    gdpr: [GDPR.confidentialityResilience],
  },
  references: ["AWS Config: eks-cluster-supported-version", "AWS Config: eks-cluster-oldest-supported-version"],
  resourceTypes: [CLUSTER],
};
