import type { Control } from "./types";
import { asRecord, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

export const eksNodegroupHardened: Control = {
  policy: {
    name: "sovereign-llm-eks-nodegroup-launch-template",
    description:
      "Every managed node group launches from the platform's hardened launch template (IMDSv2, encrypted volumes, no SSH) and has no remoteAccess block: EKS's own template would open SSH from the given sources and use unencrypted defaults.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== NODE_GROUP) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      if (isUnknown(p.launchTemplate)) undecided.note("launchTemplate unknown");
      else if (p.launchTemplate === undefined || p.launchTemplate === null) report("node group has no launchTemplate, so EKS's default (IMDSv1 reachable, unencrypted volumes) applies: set launchTemplate { id, version } to the hardened template");
      else {
        const lt = asRecord(p.launchTemplate);
        // An unknown id is still a reference to a template (the id of one being created).
        const named = (v: unknown) => isUnknown(v) || (typeof v === "string" && v.length > 0);
        if (!named(lt.id) && !named(lt.name)) report("node group launchTemplate names neither an id nor a name");
      }
      if (isUnknown(p.remoteAccess)) undecided.note("remoteAccess unknown");
      else if (p.remoteAccess !== undefined && p.remoteAccess !== null) report("node group has a remoteAccess block (SSH to the nodes): remove it and use SSM Session Manager");
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Give each aws.eks.NodeGroup launchTemplate: { id: lt.id, version: lt.latestVersion } from hardenedLaunchTemplate() and no remoteAccess (SecureCluster and GpuNodeGroup do this).",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.encryptionAtRest],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.logicalAccess, SOC2.configMonitoring],
    "fedramp-moderate": ["CM-6", "CM-7", "AC-17"],
  },
  references: ["AWS Config: ec2-launch-template-imdsv2-check", "AWS Config: ec2-no-amazon-key-pair"],
  resourceTypes: [NODE_GROUP],
};
