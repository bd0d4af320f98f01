/**
 * How long a model server may take to become ready, derived from the model's size and the load
 * path's throughput, so that probes, the Deployment's progress deadline and Pulumi's timeouts wait
 * as long as a healthy rollout needs and no longer. Pure: no resources, no clock.
 *
 * The load path of one replica on a fresh node: the node is launched and joins; the vLLM image is
 * pulled and unpacked onto the data volume; `model-sync` writes the model from S3 onto the same
 * volume; `model-verify` reads it back to check the signature; vLLM reads it a third time to load
 * the weights, then starts its engine (compilation, CUDA graphs, warm-up). The three passes over
 * the model are bound by the data volume's sustained throughput (gp3: 125 MiB/s unless raised),
 * which is why a 70B model (about 140 GiB) takes close to an hour on a default volume.
 */

/** Throughput of the stages the model crosses, MiB/s. */
export interface LoadPath {
  /** Sustained throughput of the node's data volume (gp3 baseline 125). */
  volumeMiBps: number;
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
  /** Copy and verification (the init containers), seconds. */
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
  if (!(input.engineStartMinutes >= 0)) return "engineStartMinutes must not be negative";
  if (!(Number.isInteger(input.replicas) && input.replicas >= 1)) return "replicas must be a positive integer";
  return undefined;
}

export function rolloutBudget(input: RolloutInput): RolloutBudget {
  const problem = rolloutInputProblem(input);
  if (problem) throw new Error(`rollout budget: ${problem}`);
  const secondsFor = (gib: number) => Math.ceil((gib * 1024) / input.loadPath.volumeMiBps);
  const passSeconds = secondsFor(input.modelGiB);
  const initSeconds = 2 * passSeconds;
  const startupSeconds = Math.ceil((passSeconds + input.engineStartMinutes * 60) * MARGIN);
  const podReadySeconds = NODE_PROVISION_SECONDS + secondsFor(VLLM_IMAGE_GIB) + initSeconds + startupSeconds;
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
