import type { Control } from "./types";
import { propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

const ADDON = "aws:eks/addon:Addon";

export const eksAddonPinnedVersion: Control = {
  policy: {
    name: "sovereign-llm-eks-addon-pinned-version",
    description:
      "Every EKS managed add-on names an explicit addonVersion, so what runs in the cluster is reviewed and changes only through a deploy, not whenever EKS moves its default.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== ADDON) return;
      const p = propsOf(args);
      const version = str(p.addonVersion);
      const undecided = new Undecided();
      if (isUnknown(version)) undecided.note("addonVersion unknown");
      else if (version === undefined || version.trim() === "") report(`add-on ${typeof p.addonName === "string" ? p.addonName : ""} has no addonVersion: pin it (aws eks describe-addon-versions)`.replace("add-on  has", "add-on has"));
      undecided.finish();
    },
  },
  severity: "low",
  remediation: "Set addonVersion on each aws.eks.Addon (cluster.addonVersions in the stack file, or the default for the cluster version resolved once and pinned).",
  frameworks: {
    hipaa: [HIPAA.riskManagement],
    soc2: [SOC2.change, SOC2.configMonitoring],
    "fedramp-moderate": ["CM-2", "CM-3", "CM-8"],
    gdpr: [GDPR.confidentialityResilience],
  },
  references: ["Beyond the public lists: AWS Config and cdk-nag do not inspect EKS add-on versions"],
  resourceTypes: [ADDON],
};
