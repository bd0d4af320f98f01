import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { hardenedLaunchTemplate } from "./node-hardening";
import { GPU_INSTANCES } from "./gpu-instances";
import { withName, type Tags } from "../tags";

/** Label every GPU node carries; workloads select their group by it. */
export const NODE_GROUP_LABEL = "sovereign-llm/node-group";
/** Taint that keeps everything but GPU workloads off GPU nodes. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" } as const;

export interface GpuNodeGroupArgs {
  /** The node group's name (`l40s-x4`); the label value workloads select. Required. */
  groupName: string;
  clusterName: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
  /** Workload subnets, one per zone. Required. */
  subnetIds: pulumi.Input<string>[];
  /** GPU instance types (all in the GPU table). Required. */
  instanceTypes: string[];
  /** ON_DEMAND, SPOT or CAPACITY_BLOCK. Default ON_DEMAND. */
  capacityType?: "ON_DEMAND" | "SPOT" | "CAPACITY_BLOCK";
  /** Capacity block reservation; required with CAPACITY_BLOCK. */
  capacityReservationId?: string;
  minSize: number;
  maxSize: number;
  /** Initial size; ignored after creation (the autoscaler owns it). Default minSize. */
  desiredSize?: number;
  /** Data volume, GiB. Default 200. */
  dataVolumeGiB?: number;
  /** Key of the EBS volumes. Required. */
  volumeKeyArn: pulumi.Input<string>;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * One managed node group of NVIDIA GPU instances on Bottlerocket (its NVIDIA variant ships the
 * driver and the device plugin), tainted so only GPU workloads land on it, with the hardened
 * launch template and an update strategy that replaces one node at a time.
 */
export class GpuNodeGroup extends pulumi.ComponentResource {
  public readonly nodeGroup: aws.eks.NodeGroup;
  public readonly launchTemplate: aws.ec2.LaunchTemplate;

  constructor(name: string, args: GpuNodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:cluster:GpuNodeGroup", name, {}, opts);
    const capacityType = args.capacityType ?? "ON_DEMAND";
    const desiredSize = args.desiredSize ?? args.minSize;
    const dataVolumeGiB = args.dataVolumeGiB ?? 200;
    const tags = args.tags ?? {};
    const problems: string[] = [];
    for (const t of args.instanceTypes) if (!GPU_INSTANCES[t]) problems.push(`instanceTypes: ${t} is not a known GPU instance type`);
    if (!(args.minSize <= desiredSize && desiredSize <= args.maxSize)) problems.push("sizes: need minSize <= desiredSize <= maxSize");
    if ((capacityType === "CAPACITY_BLOCK") !== (args.capacityReservationId !== undefined)) problems.push("capacityReservationId: required with CAPACITY_BLOCK and only then");
    if (problems.length > 0) throw new Error(`GpuNodeGroup ${name}: ${problems.join("; ")}`);

    this.launchTemplate = hardenedLaunchTemplate(
      `${name}`,
      { volumeKeyArn: args.volumeKeyArn, dataVolumeGiB, capacityReservationId: args.capacityReservationId, tags },
      { parent: this },
    );
    this.nodeGroup = new aws.eks.NodeGroup(
      `${name}`,
      {
        clusterName: args.clusterName,
        nodeGroupName: args.groupName,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds: args.subnetIds,
        amiType: "BOTTLEROCKET_x86_64_NVIDIA",
        capacityType,
        instanceTypes: args.instanceTypes,
        scalingConfig: { minSize: args.minSize, desiredSize, maxSize: args.maxSize },
        // One node at a time: the PodDisruptionBudgets of the model servers keep serving replicas.
        updateConfig: { maxUnavailable: 1 },
        nodeRepairConfig: { enabled: true },
        launchTemplate: { id: this.launchTemplate.id, version: pulumi.interpolate`${this.launchTemplate.latestVersion}` },
        labels: { [NODE_GROUP_LABEL]: args.groupName, "nvidia.com/gpu.present": "true" },
        taints: [GPU_TAINT],
        tags: withName(tags, `${name}`),
      },
      // The cluster autoscaler owns the desired size after creation.
      { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
    );
    this.registerOutputs({ nodeGroupArn: this.nodeGroup.arn });
  }
}
