import type { Control } from "./types";
import { asArray, configOf, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { HIPAA, SOC2 } from "./lib/refs";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** The GPU families the platform serves on, and the general-purpose ones for system nodes. */
export const DEFAULT_INSTANCE_FAMILIES = ["g4dn", "g5", "g6", "g6e", "gr6", "p4d", "p4de", "p5", "p5e", "p5en", "m6i", "m7i", "m7i-flex", "c6i", "c7i", "r7i"];
const DEFAULTS = { allowedInstanceFamilies: DEFAULT_INSTANCE_FAMILIES };

export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0] ?? instanceType;
}

export const eksNodegroupInstanceTypes: Control = {
  policy: {
    name: "sovereign-llm-eks-nodegroup-instance-types",
    description:
      "Node groups use only instance types from the allowed families (tunable; default the NVIDIA GPU families and Intel general-purpose families the platform is built and costed for). A capacity-block group lists none (EKS requires the launch template to name the type), so a launch template's instanceType is checked too. Keeps capacity on hardware whose drivers, AMIs and isolation were reviewed, and unknown hardware out of a regulated account.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedInstanceFamilies: { type: "array", items: { type: "string", pattern: "^[a-z0-9-]+$" }, minItems: 1, default: DEFAULTS.allowedInstanceFamilies } } },
    validateResource: (args, report) => {
      if (args.type !== NODE_GROUP && args.type !== LAUNCH_TEMPLATE) return;
      const { allowedInstanceFamilies } = configOf(args, DEFAULTS);
      const undecided = new Undecided();
      if (args.type === LAUNCH_TEMPLATE) {
        const t = propsOf(args).instanceType;
        if (isUnknown(t)) undecided.note("instanceType unknown");
        else if (t !== undefined && t !== null && (typeof t !== "string" || !allowedInstanceFamilies.includes(instanceFamily(t)))) {
          report(`launch template instance type ${String(t)} is not in an allowed family (${allowedInstanceFamilies.join(", ")})`);
        }
        undecided.finish();
        return;
      }
      const props = propsOf(args);
      const types = props.instanceTypes;
      // EKS rejects instanceTypes on a capacity-block group whose launch template names the type
      // (https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html); that type is
      // checked on the launch template.
      const capacityBlock = props.capacityType === "CAPACITY_BLOCK";
      if (isUnknown(types)) undecided.note("instanceTypes unknown");
      else if (asArray(types).length === 0 && capacityBlock) {
        if (props.launchTemplate === undefined || props.launchTemplate === null) report("capacity-block node group lists no instanceTypes and has no launch template to name the reserved type");
      } else if (asArray(types).length === 0) report("node group lists no instanceTypes (EKS would pick t3.medium): list types from the allowed families");
      else
        for (const t of asArray(types)) {
          if (isUnknown(t)) undecided.note("an instance type is unknown");
          else if (typeof t !== "string" || !allowedInstanceFamilies.includes(instanceFamily(t))) report(`instance type ${String(t)} is not in an allowed family (${allowedInstanceFamilies.join(", ")})`);
        }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Choose instance types from the allowed families in gpuNodeGroups / cluster.systemNodes, or extend the policy's allowedInstanceFamilies after review.",
  frameworks: {
    hipaa: [HIPAA.riskManagement],
    soc2: [SOC2.configMonitoring, SOC2.change],
    "fedramp-moderate": ["CM-7", "CM-8", "CM-2"],
  },
  references: ["AWS Config: desired-instance-type"],
  resourceTypes: [NODE_GROUP, LAUNCH_TEMPLATE],
};
