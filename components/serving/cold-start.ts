/**
 * How long a new model server takes from "node Ready" to "serving", stage by stage, from the
 * instance's published bandwidths, the chosen node storage and the load path, for the old path
 * (AWS CLI copy, a second full read to verify, vLLM reading a third time, the image pulled after
 * all of that) and the current one (the node's model cache downloads and verifies in one pass
 * while the image is pre-pulled, both from node Ready; the pod copies from the node's cache,
 * verifying again in the same pass, then loads). Pure arithmetic, no resources: the README's table and the fetcher's
 * concurrency come from here. Every figure that is an assumption rather than a published rate is
 * named as one below.
 */
import { INSTANCE_IO } from "../cluster/instance-io";
import { GP3, NVME_DEVICE_READ_MIBPS, NVME_DEVICE_WRITE_MIBPS } from "../cluster/node-storage";

const MiB = 2 ** 20;
const GB = 1e9;

/**
 * Assumptions (not published rates; replace with measurements on the target account):
 * - S3_CONNECTION_BPS: one S3 GET connection sustains about 90 MB/s, so bandwidth needs parallel
 *   ranged GETs (S3's guidance: scale connections horizontally, 8-16 MB ranges).
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance-guidelines.html
 * - NETWORK_EFFICIENCY: share of the NIC's figure a bulk download gets.
 * - HASH_BPS: SHA-256 on one core with the SHA extensions (OpenSSL, which Node's crypto uses);
 *   the fetcher hashes every file on one thread, so this caps it. bench:load measures this
 *   machine's figure.
 * - CLI_BPS: `aws s3 sync` on the one vCPU its container had.
 * - IMAGE: the vLLM image is about 10 GB compressed and 20 GiB unpacked; containerd unpacks
 *   (gunzip) about 300 MiB/s.
 * - ENGINE_START_SECONDS: vLLM after the weights are in GPU memory (compilation, CUDA graphs, warm-up).
 */
export const S3_CONNECTION_BPS = 90e6;
export const NETWORK_EFFICIENCY = 0.8;
export const HASH_BPS = 1.5e9;
export const CLI_BPS = 150 * MiB;
export const IMAGE_COMPRESSED_BYTES = 10e9;
export const IMAGE_UNPACKED_BYTES = 20 * 2 ** 30;
export const UNPACK_BPS = 300 * MiB;
/** Parts of 16 MiB; at most this many in flight (memory held: concurrency x part). */
export const FETCH_PART_BYTES = 16 * MiB;
export const MAX_FETCH_CONCURRENCY = 64;
export const MIN_FETCH_CONCURRENCY = 8;

export interface DiskRates {
  writeBps: number;
  readBps: number;
}

/** Rates of the node storage choice on an instance type: NVMe devices in RAID 0, or a gp3 volume. */
export function diskRates(instanceType: string, storage: { mode: "instance-store" } | { mode: "ebs"; throughputMiBps: number }): DiskRates {
  if (storage.mode === "ebs") return { writeBps: storage.throughputMiBps * MiB, readBps: storage.throughputMiBps * MiB };
  const devices = INSTANCE_IO[instanceType]?.nvme.devices ?? 0;
  if (devices === 0) throw new Error(`${instanceType} has no instance store`);
  return { writeBps: devices * NVME_DEVICE_WRITE_MIBPS * MiB, readBps: devices * NVME_DEVICE_READ_MIBPS * MiB };
}

/** Ranged GETs in flight for the instance's network: enough connections to fill it, within memory bounds. */
export function fetchConcurrency(instanceType: string): number {
  const io = INSTANCE_IO[instanceType];
  if (!io) throw new Error(`no network figure for ${instanceType}`);
  const wanted = Math.ceil(((io.networkGbps * GB) / 8) * NETWORK_EFFICIENCY / S3_CONNECTION_BPS);
  return Math.min(MAX_FETCH_CONCURRENCY, Math.max(MIN_FETCH_CONCURRENCY, wanted));
}

export interface StageTimes {
  /** Seconds the image costs on the critical path (0 when it overlaps the download entirely). */
  image: number;
  /** Seconds from the first byte fetched to a verified model on local disk. */
  downloadVerify: number;
  /** Seconds of the pod's verified copy from the node's cache (0 on the old path, which had none). */
  copy: number;
  /** Seconds to read the weights into GPU memory and start the engine. */
  load: number;
  total: number;
  /** What limits the download stage. */
  downloadLimit: string;
}

export interface ColdStartInput {
  instanceType: string;
  modelBytes: number;
  engineStartSeconds: number;
}

const secs = (bytes: number, bps: number) => bytes / bps;

/**
 * The old path: `aws s3 sync` onto the default gp3 data volume (125 MiB/s), the verifier reading
 * it all again, vLLM reading it a third time; the kubelet pulls the vLLM image only after the
 * init containers finished.
 */
export function coldStartBefore(i: ColdStartInput): StageTimes {
  const disk = diskRates(i.instanceType, { mode: "ebs", throughputMiBps: GP3.baseMiBps });
  const net = ((INSTANCE_IO[i.instanceType]!.networkGbps * GB) / 8) * NETWORK_EFFICIENCY;
  const copyBps = Math.min(net, CLI_BPS, disk.writeBps);
  const downloadVerify = secs(i.modelBytes, copyBps) + secs(i.modelBytes, disk.readBps);
  const image = Math.max(secs(IMAGE_COMPRESSED_BYTES, net), secs(IMAGE_UNPACKED_BYTES, Math.min(UNPACK_BPS, disk.writeBps)));
  const load = secs(i.modelBytes, disk.readBps) + i.engineStartSeconds;
  return { image, downloadVerify, copy: 0, load, total: image + downloadVerify + load, downloadLimit: copyBps === disk.writeBps ? "gp3 baseline" : copyBps === CLI_BPS ? "AWS CLI on one vCPU" : "network" };
}

/**
 * The current path: one pass, hashing every byte as it arrives (bounded by the network, the
 * fetcher's connections, the local disk's write rate and one core's SHA-256 rate), onto the
 * node storage the group chose; the image is pulled by the pre-pull DaemonSet from the moment
 * the node is Ready, in parallel with the download, so only what it takes beyond the download
 * is on the critical path (both share the NIC; that is counted too).
 */
export type StorageChoice = { mode: "instance-store" } | { mode: "ebs"; throughputMiBps: number };

/** The one-pass fetch's rate on an instance type and storage, bytes/s, and what limits it. */
export function fetchRate(instanceType: string, storage: StorageChoice): { bps: number; limit: string } {
  const disk = diskRates(instanceType, storage);
  const nic = ((INSTANCE_IO[instanceType]!.networkGbps * GB) / 8) * NETWORK_EFFICIENCY;
  const connections = fetchConcurrency(instanceType) * S3_CONNECTION_BPS;
  const limits: [string, number][] = [
    ["network", nic],
    ["S3 connections", connections],
    [storage.mode === "ebs" ? "gp3 throughput" : "instance store", disk.writeBps],
    ["SHA-256 on one core", HASH_BPS],
  ];
  const [limit, bps] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { bps, limit };
}

/**
 * The pod's verified copy from the node's model cache, bytes/s: both ends are on the same node's
 * model storage (the cache reads, the pod writes) and the copy hashes every byte on one core. A
 * gp3 volume's throughput is one budget for reads and writes together, so the copy gets half of it;
 * the instance store's devices read and write at their own rates. The node-local hop (veth) is
 * faster than either.
 */
export function copyRate(instanceType: string, storage: StorageChoice): { bps: number; limit: string } {
  const disk = diskRates(instanceType, storage);
  const diskBps = storage.mode === "ebs" ? disk.readBps / 2 : Math.min(disk.readBps, disk.writeBps);
  return diskBps < HASH_BPS ? { bps: diskBps, limit: storage.mode === "ebs" ? "gp3 throughput (read + write)" : "instance store" } : { bps: HASH_BPS, limit: "SHA-256 on one core" };
}

/**
 * The load path of a node group for the rollout budgets (rollout-budget.ts), over its slowest
 * instance type: where the model is read from, the cache's one-pass fetch rate, the pod's copy
 * rate from the node's cache, the image pre-pulled.
 */
export function loadPathFor(instanceTypes: readonly string[], storage: StorageChoice): { volumeMiBps: number; fetchMiBps: number; copyMiBps: number; imagePrepulled: true } {
  if (instanceTypes.length === 0) throw new Error("loadPathFor: no instance types");
  const read = Math.min(...instanceTypes.map((t) => diskRates(t, storage).readBps));
  const fetch = Math.min(...instanceTypes.map((t) => fetchRate(t, storage).bps));
  const copy = Math.min(...instanceTypes.map((t) => copyRate(t, storage).bps));
  return { volumeMiBps: Math.floor(read / MiB), fetchMiBps: Math.floor(fetch / MiB), copyMiBps: Math.floor(copy / MiB), imagePrepulled: true };
}

export function coldStartAfter(i: ColdStartInput & { storage: StorageChoice }): StageTimes {
  const disk = diskRates(i.instanceType, i.storage);
  const nic = ((INSTANCE_IO[i.instanceType]!.networkGbps * GB) / 8) * NETWORK_EFFICIENCY;
  const { bps, limit } = fetchRate(i.instanceType, i.storage);
  const downloadVerify = secs(i.modelBytes, bps);
  const imageAlone = Math.max(secs(IMAGE_COMPRESSED_BYTES, nic), secs(IMAGE_UNPACKED_BYTES, Math.min(UNPACK_BPS, disk.writeBps)));
  // Both transfers share the NIC: together they take at least their bytes over its rate.
  const together = Math.max(imageAlone, downloadVerify, secs(IMAGE_COMPRESSED_BYTES + i.modelBytes, nic));
  const image = together - downloadVerify;
  const copy = secs(i.modelBytes, copyRate(i.instanceType, i.storage).bps);
  const load = secs(i.modelBytes, disk.readBps) + i.engineStartSeconds;
  return { image, downloadVerify, copy, load, total: together + copy + load, downloadLimit: limit };
}

/** A later pod on a node whose cache is ready (a restart, a rescheduled replica): the copy and the load only. */
export function warmStart(i: ColdStartInput & { storage: StorageChoice }): number {
  const disk = diskRates(i.instanceType, i.storage);
  return secs(i.modelBytes, copyRate(i.instanceType, i.storage).bps) + secs(i.modelBytes, disk.readBps) + i.engineStartSeconds;
}
