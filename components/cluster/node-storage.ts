/**
 * Where a GPU node keeps container images, pod volumes (the model) and caches, chosen per node
 * group, and how fast that is. Pure: the launch template (node-hardening.ts) and the rollout
 * budgets read the plan.
 *
 * - `instance-store`: the instance's local NVMe disks. Bottlerocket (1.22.0 and later) assembles
 *   them (RAID 0, XFS when more than one) and binds containerd's, the kubelet's and the pod logs'
 *   directories onto them with two API calls run as a boot-time bootstrap command, so images and
 *   every emptyDir (the model included) live there. Instance store is encrypted by the Nitro
 *   hardware with a key that never leaves the instance and is gone when it stops; it is not a
 *   customer-managed KMS key, which is why this is chosen per node group, not silently.
 *   https://bottlerocket.dev/en/os/1.57.x/concepts/bootstrap-commands/#configure-ephemeral-disks
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/data-protection.html#encryption-rest
 * - `ebs`: the gp3 data volume, encrypted with the node-volumes key, with throughput and IOPS
 *   provisioned from the largest model on the group so one pass over it takes about
 *   TARGET_PASS_SECONDS, within gp3's limits.
 * - `auto`: instance store when every instance type of the group has enough of it for the largest
 *   model, its image and headroom; otherwise ebs.
 */
import { stringify } from "smol-toml";
import { INSTANCE_IO, nvmeGb } from "./instance-io";

export const NODE_STORAGE_MODES = ["auto", "instance-store", "ebs"] as const;
export type NodeStorageMode = (typeof NODE_STORAGE_MODES)[number];

/** gp3 limits for a launch template's volume (EC2 LaunchTemplateEbsBlockDevice). */
export const GP3 = { baseMiBps: 125, maxMiBps: 1000, baseIops: 3000, maxIops: 16000, mibpsPerIops: 0.25, iopsPerGiB: 500 } as const;
/** One pass over the largest model on a gp3 volume should take about this long. */
export const TARGET_PASS_SECONDS = 60;
/**
 * Sequential throughput assumed per NVMe instance-store device, MiB/s. EC2 publishes instance
 * store IOPS, not sequential rates; these are conservative figures for Nitro SSDs, an assumption
 * to be replaced by a measurement on the target type.
 */
export const NVME_DEVICE_WRITE_MIBPS = 1000;
export const NVME_DEVICE_READ_MIBPS = 2000;
/** Space the vLLM image and caches take beside the model on the node, GiB. */
export const IMAGE_AND_CACHE_GIB = 40;
/**
 * Copies of each model a GPU node holds: the node's model cache (a DaemonSet per model, on every
 * node of the group) and the verified copy in the model server's pod (at most one replica of a
 * model per node).
 */
export const MODEL_COPIES_PER_NODE = 2;

/** Bottlerocket directories bound to the instance store: images, pod volumes, pod logs. */
export const EPHEMERAL_BIND_DIRS = ["/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"] as const;
/** Name of the bootstrap command (`settings.bootstrap-commands.<name>`). */
export const EPHEMERAL_COMMAND = "k8s-ephemeral-storage";

export interface NodeStorageInput {
  groupName: string;
  instanceTypes: readonly string[];
  mode: NodeStorageMode;
  /** The data volume's size, GiB. */
  dataVolumeGiB: number;
  /** The largest model (storageGiB) any model on the group declares; 0 when none. Sizes gp3 throughput. */
  largestModelGiB: number;
  /** All models on the group together, GiB: every one of them may land on the same node. Default largestModelGiB. */
  totalModelGiB?: number;
}

export interface NodeStoragePlan {
  mode: "instance-store" | "ebs";
  dataVolume: { sizeGiB: number; throughputMiBps: number; iops: number };
  /** Where the model is written and read: sustained MiB/s, over the group's slowest instance type. */
  modelWriteMiBps: number;
  modelReadMiBps: number;
  /** Bottlerocket settings (TOML) for the launch template's user data; undefined when none are needed. */
  bottlerocketSettings?: string;
}

const gib = (gb: number) => (gb * 1e9) / 2 ** 30;
/** What one node may have to hold: two copies of every model of the group (its cache's and its server's), the vLLM image and caches, GiB. */
const needGiB = (i: NodeStorageInput) => MODEL_COPIES_PER_NODE * (i.totalModelGiB ?? i.largestModelGiB) + IMAGE_AND_CACHE_GIB;

/** Why the input cannot be planned, every problem at once ([] when it can). */
export function nodeStorageProblems(i: NodeStorageInput): string[] {
  const p: string[] = [];
  const unknown = i.instanceTypes.filter((t) => INSTANCE_IO[t] === undefined);
  if (unknown.length > 0) p.push(`instanceTypes: no storage and network figures for ${unknown.join(", ")} (add them to components/cluster/instance-io.ts)`);
  if (i.mode === "instance-store") {
    const none = i.instanceTypes.filter((t) => INSTANCE_IO[t] !== undefined && nvmeGb(t) === 0);
    if (none.length > 0) p.push(`storage: "instance-store", but ${none.join(", ")} has no instance store; use "ebs" or an instance type with NVMe instance store`);
    const need = needGiB(i);
    const small = i.instanceTypes.filter((t) => nvmeGb(t) > 0 && gib(nvmeGb(t)) < need);
    if (small.length > 0) p.push(`storage: "instance-store", but ${small.map((t) => `${t} (${Math.floor(gib(nvmeGb(t)))} GiB)`).join(", ")} cannot hold the largest model on "${i.groupName}" with the image and caches (${need} GiB); use "ebs" or larger instances`);
  }
  if (needGiB(i) > i.dataVolumeGiB && i.mode === "ebs") {
    p.push(`dataVolumeGiB: ${i.dataVolumeGiB} GiB cannot hold the models on "${i.groupName}" (${i.totalModelGiB ?? i.largestModelGiB} GiB, twice: the node's model cache and the model server's verified copy) with the image and caches; raise it to at least ${needGiB(i)}`);
  }
  return p;
}

function fitsInstanceStore(i: NodeStorageInput): boolean {
  return i.instanceTypes.length > 0 && i.instanceTypes.every((t) => nvmeGb(t) > 0 && gib(nvmeGb(t)) >= needGiB(i));
}

/** gp3 throughput and IOPS for one pass over `modelGiB` in about TARGET_PASS_SECONDS. */
export function gp3ForModel(modelGiB: number, sizeGiB: number): { throughputMiBps: number; iops: number } {
  const wanted = Math.ceil((modelGiB * 1024) / TARGET_PASS_SECONDS / 25) * 25;
  const throughputMiBps = Math.min(GP3.maxMiBps, Math.max(GP3.baseMiBps, wanted));
  // gp3 allows at most 0.25 MiB/s per provisioned IOPS, and 500 IOPS per GiB of volume.
  const iops = Math.min(GP3.maxIops, sizeGiB * GP3.iopsPerGiB, Math.max(GP3.baseIops, Math.ceil(throughputMiBps / GP3.mibpsPerIops)));
  return { throughputMiBps: Math.min(throughputMiBps, iops * GP3.mibpsPerIops), iops };
}

/** The Bottlerocket TOML that assembles the instance store and binds the runtime's directories to it. */
export function ephemeralStorageSettings(): string {
  return stringify({
    settings: {
      "bootstrap-commands": {
        [EPHEMERAL_COMMAND]: {
          commands: [
            ["apiclient", "ephemeral-storage", "init"],
            ["apiclient", "ephemeral-storage", "bind", "--dirs", ...EPHEMERAL_BIND_DIRS],
          ],
          // Without the binding the model would land on the data volume; better not to join.
          essential: true,
          mode: "always",
        },
      },
    },
  });
}

export function planNodeStorage(i: NodeStorageInput): NodeStoragePlan {
  const problems = nodeStorageProblems(i);
  if (problems.length > 0) throw new Error(`node group ${i.groupName}: ${problems.join("; ")}`);
  const mode = i.mode === "auto" ? (fitsInstanceStore(i) ? "instance-store" : "ebs") : i.mode;
  if (mode === "instance-store") {
    const devices = Math.min(...i.instanceTypes.map((t) => INSTANCE_IO[t]!.nvme.devices));
    return {
      mode,
      // The data volume keeps what Bottlerocket does not bind (host containers, its own state): baseline gp3.
      dataVolume: { sizeGiB: i.dataVolumeGiB, throughputMiBps: GP3.baseMiBps, iops: GP3.baseIops },
      modelWriteMiBps: devices * NVME_DEVICE_WRITE_MIBPS,
      modelReadMiBps: devices * NVME_DEVICE_READ_MIBPS,
      bottlerocketSettings: ephemeralStorageSettings(),
    };
  }
  const gp3 = gp3ForModel(Math.max(i.largestModelGiB, 1), i.dataVolumeGiB);
  return { mode, dataVolume: { sizeGiB: i.dataVolumeGiB, ...gp3 }, modelWriteMiBps: gp3.throughputMiBps, modelReadMiBps: gp3.throughputMiBps };
}
