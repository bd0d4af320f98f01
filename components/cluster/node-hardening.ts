import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { withName, type Tags } from "../tags";

/**
 * gp3 baseline throughput (MiB/s) and IOPS of every node volume, set explicitly so the rollout
 * budgets computed from it (serving/rollout-budget.ts) describe the volume that exists.
 * https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type
 */
export const DATA_VOLUME_THROUGHPUT_MIBPS = 125;
export const DATA_VOLUME_IOPS = 3000;

/** Managed policies nodes need, and nothing else: workloads get AWS access through Pod Identity. */
export const NODE_MANAGED_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"] as const;

export interface HardenedLaunchTemplateArgs {
  /** Customer-managed key of the node volumes. */
  volumeKeyArn: pulumi.Input<string>;
  /** Bottlerocket OS volume, GiB. Default 4 (Bottlerocket's own size). */
  osVolumeGiB?: number;
  /** Bottlerocket data volume (images, emptyDirs), GiB. */
  dataVolumeGiB: number;
  /**
   * The data volume's provisioned gp3 throughput (MiB/s) and IOPS (node-storage.ts sizes them
   * from the largest model when models live on it). Default the gp3 baseline (125, 3000).
   */
  dataVolumePerformance?: { throughputMiBps: number; iops: number };
  /**
   * Bottlerocket settings (TOML) for the user data; EKS merges its own bootstrap settings into
   * them for managed node groups. Default none.
   * https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html#launch-template-user-data
   */
  bottlerocketSettings?: string;
  /**
   * Capacity block to launch into (CAPACITY_BLOCK node groups), with the one instance type it
   * reserves: EKS requires the launch template to name the type (and the node group then must not
   * list instanceTypes). Default none.
   * https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  capacityBlock?: { reservationId: string; instanceType: string };
  tags: Tags;
}

/**
 * Launch template shared by every node group: IMDSv2 only with a hop limit of 1 (pods cannot
 * reach the node's credentials), both Bottlerocket volumes gp3 and encrypted with the node-volume
 * key, no SSH key, detailed monitoring. Public IPs are impossible because every workload subnet
 * has mapPublicIpOnLaunch false (a network interface block here would conflict with the security
 * groups EKS attaches to managed nodes).
 * https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
 */
export function hardenedLaunchTemplate(name: string, args: HardenedLaunchTemplateArgs, opts: pulumi.CustomResourceOptions): aws.ec2.LaunchTemplate {
  const volume = (deviceName: string, size: number, perf = { throughputMiBps: DATA_VOLUME_THROUGHPUT_MIBPS, iops: DATA_VOLUME_IOPS }) => ({
    deviceName,
    ebs: {
      volumeSize: size,
      volumeType: "gp3",
      throughput: perf.throughputMiBps,
      iops: perf.iops,
      encrypted: "true",
      kmsKeyId: args.volumeKeyArn,
      deleteOnTermination: "true",
    },
  });
  return new aws.ec2.LaunchTemplate(
    name,
    {
      description: "EKS node: IMDSv2 hop limit 1, encrypted gp3 volumes, no SSH",
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      // Bottlerocket: /dev/xvda holds the OS, /dev/xvdb the data (container images, pod storage).
      blockDeviceMappings: [volume("/dev/xvda", args.osVolumeGiB ?? 4), volume("/dev/xvdb", args.dataVolumeGiB, args.dataVolumePerformance)],
      ...(args.bottlerocketSettings !== undefined ? { userData: Buffer.from(args.bottlerocketSettings, "utf8").toString("base64") } : {}),
      monitoring: { enabled: true },
      ...(args.capacityBlock
        ? {
            instanceType: args.capacityBlock.instanceType,
            instanceMarketOptions: { marketType: "capacity-block" },
            capacityReservationSpecification: { capacityReservationTarget: { capacityReservationId: args.capacityBlock.reservationId } },
          }
        : {}),
      tagSpecifications: [
        { resourceType: "instance", tags: withName(args.tags, name) },
        { resourceType: "volume", tags: withName(args.tags, name) },
      ],
      tags: withName(args.tags, name),
    },
    opts,
  );
}

/** The node role: EC2 may assume it; exactly NODE_MANAGED_POLICIES attached. */
export function nodeRole(name: string, partition: string, tags: Tags, opts: pulumi.CustomResourceOptions): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    {
      description: "EKS managed nodes: join the cluster, pull from ECR, SSM session access",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      tags: withName(tags, name),
    },
    opts,
  );
  for (const policy of NODE_MANAGED_POLICIES) {
    new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` }, { parent: role });
  }
  return role;
}
