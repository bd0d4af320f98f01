/**
 * How long a model server may take to become ready, derived from the model's size and the load
 * path's throughput, so that probes, the Deployment's progress deadline and Pulumi's timeouts wait
 * as long as a healthy rollout needs and no longer. Pure: no resources, no clock.
 *
 * The load path of one replica on a fresh node: the node is launched and joins; the model is
 * downloaded and verified in one pass (`model-fetch`: every byte hashed as it arrives and written
 * once) onto the node's model storage, at `fetchMiBps` (the slowest of the network, the fetcher's
 * connections, the storage's write rate and one core's SHA-256 rate); vLLM reads it to load the
 * weights, then starts its engine (compilation, CUDA graphs, warm-up). The vLLM image is pulled by
 * the pre-pull DaemonSet while the model downloads, so only what the pull takes beyond the download
 * counts. Without `fetchMiBps` (the older path: a copy, then a verifying read) the init step is two
 * passes at the volume's throughput, which is why a 70B model took close to an hour on a default
 * gp3 volume.
 */

/** Throughput of the stages the model crosses, MiB/s. */
export interface LoadPath {
  /** Sustained throughput of where the model lands and is read from (gp3 volume or instance store), MiB/s. */
  volumeMiBps: number;
  /** Rate of the one-pass download and verification, MiB/s. Default: two passes at volumeMiBps. */
  fetchMiBps?: number;
  /** The vLLM image is pulled while the model downloads (pre-pull DaemonSet). Default false. */
  imagePrepulled?: boolean;
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
  /** Download and verification (the init container), seconds. */
  initSeconds: number;
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
/** Headroom over the computed times: volumes and S3 are not perfectly steady. */
export const MARGIN = 1.25;

/** Why the input cannot be budgeted, or undefined. */
export function rolloutInputProblem(input: RolloutInput): string | undefined {
  if (!(input.modelGiB > 0)) return "modelGiB must be positive";
  if (!(input.loadPath.volumeMiBps > 0)) return "loadPath.volumeMiBps must be positive";
  if (input.loadPath.fetchMiBps !== undefined && !(input.loadPath.fetchMiBps > 0)) return "loadPath.fetchMiBps must be positive";
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
  const initSeconds = fetch !== undefined ? Math.ceil((input.modelGiB * 1024) / fetch) : 2 * passSeconds;
  const startupSeconds = Math.ceil((passSeconds + input.engineStartMinutes * 60) * MARGIN);
  const imageSeconds = secondsFor(VLLM_IMAGE_GIB);
  const onPath = input.loadPath.imagePrepulled ? Math.max(imageSeconds, initSeconds) : imageSeconds + initSeconds;
  const podReadySeconds = NODE_PROVISION_SECONDS + onPath + startupSeconds;
  const progressDeadlineSeconds = Math.ceil(podReadySeconds * MARGIN);
  const minutes = (s: number) => Math.ceil(s / 60);
  return {
    passSeconds,
    initSeconds,
    startupSeconds,
    podReadySeconds,
    progressDeadlineSeconds,
    createTimeoutMinutes: minutes(progressDeadlineSeconds) + 5,
    updateTimeoutMinutes: minutes(progressDeadlineSeconds * input.replicas) + 5,
  };
}
