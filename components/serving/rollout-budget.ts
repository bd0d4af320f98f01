/**
 * How long a model server may take to become ready, derived from the model's size and the load
 * path's throughput, so that probes, the Deployment's progress deadline and Pulumi's timeouts wait
 * as long as a healthy rollout needs and no longer. Pure: no resources, no clock.
 *
 * The load path of the first replica on a fresh node: the node is launched and joins; the node's
 * model cache (a DaemonSet) downloads and verifies the model in one pass (every byte hashed as it
 * arrives and written once) onto the node's model storage, at `fetchMiBps` (the slowest of the
 * network, the fetcher's connections, the storage's write rate and one core's SHA-256 rate), while
 * the pre-pull DaemonSet pulls the vLLM image; the replica's copy step (`model-copy`) then copies
 * the model from the node's cache into the pod, verifying it again in the same pass, at
 * `copyMiBps`; vLLM reads it to load the weights, then starts its engine (compilation, CUDA
 * graphs, warm-up). A later replica on the same node (a restart, a rescheduled pod) finds the
 * cache ready and pays only the copy and the load. Without `fetchMiBps` (the older path: a copy,
 * then a verifying read) the init step is two passes at the volume's throughput, which is why a 70B
 * model took close to an hour on a default gp3 volume.
 */

/** Throughput of the stages the model crosses, MiB/s. */
export interface LoadPath {
  /** Sustained throughput of where the model lands and is read from (gp3 volume or instance store), MiB/s. */
  volumeMiBps: number;
  /** Rate of the one-pass download and verification, MiB/s. Default: two passes at volumeMiBps. */
  fetchMiBps?: number;
  /** The vLLM image is pulled while the model downloads (pre-pull DaemonSet). Default false. */
  imagePrepulled?: boolean;
  /** Rate of the pod's verified copy from the node's model cache, MiB/s. Default: no such step. */
  copyMiBps?: number;
}

export interface RolloutInput {
  /** Size of the model's files, GiB (an upper bound is fine: the model's storageGiB). */
  modelGiB: number;
  /** Minutes vLLM needs after the weights are read (compilation, CUDA graphs, warm-up). */
  engineStartMinutes: number;
  /** Replicas replaced one after another by a rolling update. */
  replicas: number;
  loadPath: LoadPath;
}

export interface RolloutBudget {
  /** One pass over the model at the volume's throughput, seconds. */
  passSeconds: number;
  /** Download and verification by the node's model cache (or the init container without one), seconds. */
  downloadSeconds: number;
  /** The pod's verified copy from the node's cache, seconds (0 without a cache). */
  copySeconds: number;
  /** Download plus copy: what the first pod on a fresh node waits for before vLLM starts, seconds. */
  initSeconds: number;
  /** How long the copy step keeps waiting for its node's cache to be ready, seconds. */
  cacheWaitSeconds: number;
  /** What the startup probe allows: reading the weights plus the engine start, seconds. */
  startupSeconds: number;
  /** A replica on a new node, from Pending to Ready, seconds. */
  podReadySeconds: number;
  /** Deployment.spec.progressDeadlineSeconds: one replica's way to Ready, with margin. */
  progressDeadlineSeconds: number;
  /** Pulumi customTimeouts: create starts every replica at once; update replaces them in turn. */
  createTimeoutMinutes: number;
  updateTimeoutMinutes: number;
}

/** Launching a GPU instance, joining the cluster, the NVIDIA device plugin advertising GPUs. */
export const NODE_PROVISION_SECONDS = 600;
/** The vLLM image unpacked on the data volume, GiB. */
export const VLLM_IMAGE_GIB = 20;
/** A cache pod's own start on a fresh node (a small distroless image, then the signature check). */
export const CACHE_START_SECONDS = 120;
/** Headroom over the computed times: volumes and S3 are not perfectly steady. */
export const MARGIN = 1.25;

/** Why the input cannot be budgeted, or undefined. */
export function rolloutInputProblem(input: RolloutInput): string | undefined {
  if (!(input.modelGiB > 0)) return "modelGiB must be positive";
  if (!(input.loadPath.volumeMiBps > 0)) return "loadPath.volumeMiBps must be positive";
  if (input.loadPath.fetchMiBps !== undefined && !(input.loadPath.fetchMiBps > 0)) return "loadPath.fetchMiBps must be positive";
  if (input.loadPath.copyMiBps !== undefined && !(input.loadPath.copyMiBps > 0)) return "loadPath.copyMiBps must be positive";
  if (!(input.engineStartMinutes >= 0)) return "engineStartMinutes must not be negative";
  if (!(Number.isInteger(input.replicas) && input.replicas >= 1)) return "replicas must be a positive integer";
  return undefined;
}

export function rolloutBudget(input: RolloutInput): RolloutBudget {
  const problem = rolloutInputProblem(input);
  if (problem) throw new Error(`rollout budget: ${problem}`);
  const secondsFor = (gib: number) => Math.ceil((gib * 1024) / input.loadPath.volumeMiBps);
  const passSeconds = secondsFor(input.modelGiB);
  const fetch = input.loadPath.fetchMiBps;
  const downloadSeconds = fetch !== undefined ? Math.ceil((input.modelGiB * 1024) / fetch) : 2 * passSeconds;
  const copy = input.loadPath.copyMiBps;
  const copySeconds = copy !== undefined ? Math.ceil((input.modelGiB * 1024) / copy) : 0;
  const initSeconds = downloadSeconds + copySeconds;
  const startupSeconds = Math.ceil((passSeconds + input.engineStartMinutes * 60) * MARGIN);
  const imageSeconds = secondsFor(VLLM_IMAGE_GIB);
  // The image and the cache's download both start when the node is Ready; the copy follows the download.
  const onPath = (input.loadPath.imagePrepulled ? Math.max(imageSeconds, downloadSeconds) : imageSeconds + downloadSeconds) + copySeconds;
  const podReadySeconds = NODE_PROVISION_SECONDS + onPath + startupSeconds;
  const progressDeadlineSeconds = Math.ceil(podReadySeconds * MARGIN);
  const minutes = (s: number) => Math.ceil(s / 60);
  return {
    passSeconds,
    downloadSeconds,
    copySeconds,
    initSeconds,
    // The cache pod may start a little after the model server (its image pulled, its script loaded).
    cacheWaitSeconds: Math.ceil((downloadSeconds + CACHE_START_SECONDS) * MARGIN),
    startupSeconds,
    podReadySeconds,
    progressDeadlineSeconds,
    createTimeoutMinutes: minutes(progressDeadlineSeconds) + 5,
    updateTimeoutMinutes: minutes(progressDeadlineSeconds * input.replicas) + 5,
  };
}
