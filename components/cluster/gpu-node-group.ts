import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { hardenedLaunchTemplate } from "./node-hardening";
import { GPU_INSTANCES } from "./gpu-instances";
import type { NodeStoragePlan } from "./node-storage";
import { withName, type Tags } from "../tags";

/** Label every GPU node carries; workloads select their group by it. */
export const NODE_GROUP_LABEL = "sovereign-llm/node-group";
/**
 * Label the Cluster Autoscaler's AWS provider reads to know a node has GPUs (its GPULabel): with
 * it, a node whose device plugin has not yet advertised `nvidia.com/gpu` is treated as "GPU not
 * ready yet" instead of as a node that cannot fit the pending pod (which would scale up again).
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/aws_cloud_provider.go
 */
export const AUTOSCALER_GPU_LABEL = "k8s.amazonaws.com/accelerator";

/** `nvidia-l40s` for an L40S group: the accelerator label's value. */
export function acceleratorLabelValue(instanceTypes: readonly string[]): string {
  const models = [...new Set(instanceTypes.map((t) => GPU_INSTANCES[t]?.gpuModel).filter((m): m is string => m !== undefined))];
  if (models.length !== 1) throw new Error(`instanceTypes: ${instanceTypes.join(", ")} must all carry the same GPU model (found ${models.join(", ") || "none"})`);
  return `nvidia-${models[0].toLowerCase()}`;
}

/** Taint that keeps everything but GPU workloads off GPU nodes. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" } as const;

export interface GpuNodeGroupArgs {
  /** The node group's name (`l40s-x4`); the label value workloads select. Required. */
  groupName: string;
  clusterName: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
  /**
   * Workload subnets by availability zone. Required. A capacity-block group uses only the subnet
   * of `capacityReservationZone`: EKS launches into the reservation's zone and rejects others.
   */
  subnetIdsByZone: Record<string, pulumi.Input<string>>;
  /** GPU instance types (all in the GPU table). Required. */
  instanceTypes: string[];
  /** ON_DEMAND, SPOT or CAPACITY_BLOCK. Default ON_DEMAND. */
  capacityType?: "ON_DEMAND" | "SPOT" | "CAPACITY_BLOCK";
  /** Capacity block reservation; required with CAPACITY_BLOCK. */
  capacityReservationId?: string;
  /** Availability zone of the capacity block; required with CAPACITY_BLOCK. */
  capacityReservationZone?: string;
  minSize: number;
  maxSize: number;
  /** Initial size; ignored after creation (the autoscaler owns it). Default minSize. */
  desiredSize?: number;
  /** Data volume, GiB. Default 200. */
  dataVolumeGiB?: number;
  /**
   * Where the nodes keep images and models (node-storage.ts planNodeStorage): the data volume's
   * provisioned performance and, for the instance store, the Bottlerocket settings that bind it.
   * Default: the baseline gp3 data volume.
   */
  storage?: Pick<NodeStoragePlan, "mode" | "dataVolume" | "bottlerocketSettings">;
  /** Key of the EBS volumes. Required. */
  volumeKeyArn: pulumi.Input<string>;
  /**
   * What nodes must wait for (SecureCluster.nodePrerequisites: the CNI, kube-proxy and Pod
   * Identity add-ons and the VPC endpoints). Set on the node group itself: a component's own
   * dependsOn does not order its children. Default none.
   */
  nodePrerequisites?: pulumi.Input<pulumi.Resource>[];
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
    const capacityBlock = capacityType === "CAPACITY_BLOCK";
    if (capacityBlock !== (args.capacityReservationId !== undefined)) problems.push("capacityReservationId: required with CAPACITY_BLOCK and only then");
    if (capacityBlock !== (args.capacityReservationZone !== undefined)) problems.push("capacityReservationZone: required with CAPACITY_BLOCK and only then");
    if (capacityBlock && args.instanceTypes.length !== 1) problems.push("instanceTypes: a capacity block reserves exactly one instance type");
    if (capacityBlock && args.capacityReservationZone !== undefined && !(args.capacityReservationZone in args.subnetIdsByZone)) {
      problems.push(`capacityReservationZone: ${args.capacityReservationZone} has no workload subnet (zones: ${Object.keys(args.subnetIdsByZone).join(", ")})`);
    }
    if (capacityBlock && desiredSize !== 0) problems.push("desiredSize: a capacity-block group starts at 0");
    let accelerator = "";
    try {
      accelerator = acceleratorLabelValue(args.instanceTypes);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (problems.length > 0) throw new Error(`GpuNodeGroup ${name}: ${problems.join("; ")}`);

    this.launchTemplate = hardenedLaunchTemplate(
      `${name}`,
      {
        volumeKeyArn: args.volumeKeyArn,
        dataVolumeGiB,
        ...(args.storage ? { dataVolumePerformance: { throughputMiBps: args.storage.dataVolume.throughputMiBps, iops: args.storage.dataVolume.iops } } : {}),
        ...(args.storage?.bottlerocketSettings !== undefined ? { bottlerocketSettings: args.storage.bottlerocketSettings } : {}),
        capacityBlock: capacityBlock ? { reservationId: args.capacityReservationId!, instanceType: args.instanceTypes[0] } : undefined,
        tags,
      },
      { parent: this },
    );
    // Zones sorted by name, so the list never depends on config order.
    const subnetIds = capacityBlock
      ? [args.subnetIdsByZone[args.capacityReservationZone!]]
      : Object.keys(args.subnetIdsByZone)
          .sort()
          .map((z) => args.subnetIdsByZone[z]);
    this.nodeGroup = new aws.eks.NodeGroup(
      `${name}`,
      {
        clusterName: args.clusterName,
        nodeGroupName: args.groupName,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds,
        amiType: "BOTTLEROCKET_x86_64_NVIDIA",
        capacityType,
        // With a capacity block the launch template names the type; EKS rejects both.
        ...(capacityBlock ? {} : { instanceTypes: args.instanceTypes }),
        scalingConfig: { minSize: args.minSize, desiredSize, maxSize: args.maxSize },
        // One node at a time: the PodDisruptionBudgets of the model servers keep serving replicas.
        updateConfig: { maxUnavailable: 1 },
        nodeRepairConfig: { enabled: true },
        launchTemplate: { id: this.launchTemplate.id, version: pulumi.interpolate`${this.launchTemplate.latestVersion}` },
        labels: { [NODE_GROUP_LABEL]: args.groupName, "nvidia.com/gpu.present": "true", [AUTOSCALER_GPU_LABEL]: accelerator },
        taints: [GPU_TAINT],
        tags: withName(tags, `${name}`),
      },
      // The cluster autoscaler owns the desired size after creation.
      { parent: this, ignoreChanges: ["scalingConfig.desiredSize"], dependsOn: args.nodePrerequisites ?? [] },
    );
    this.registerOutputs({ nodeGroupArn: this.nodeGroup.arn });
  }
}
