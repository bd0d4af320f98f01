/**
 * The KEDA ScaledObject of one model server, on queue depth read from the guardrail gateway's
 * `/scaling/<model>` (services/gateway/src/scaling.ts): the gateway reads every replica's
 * `vllm:num_requests_waiting` and `vllm:num_requests_running` over mutual TLS, which neither KEDA
 * nor a scraper without the platform's client certificate could, and adds the requests that found
 * no replica at all, so a model scaled to zero wakes up. Pure: renders objects, creates nothing.
 *
 * Two metrics-api triggers on the same answer (KEDA scales to zero only when every trigger is
 * inactive, and the HPA follows the trigger that asks for the most replicas):
 * - `queue` (waiting + unserved), AverageValue `queueThreshold`: the HPA asks for
 *   ceil(queue / queueThreshold) replicas, i.e. one more replica for every `queueThreshold`
 *   requests waiting.
 * - `active` (waiting + running + unserved), a target so large it never drives scale-out: it keeps
 *   one replica while anything is running, so a busy model with an empty queue is not scaled to
 *   zero, and it is what wakes a model scaled to zero.
 * https://keda.sh/docs/2.20/scalers/metrics-api/ https://keda.sh/docs/2.20/reference/scaledobject-spec/
 */

export interface ModelScalingInput {
  /** The Deployment to scale (`vllm-<model>`). */
  deploymentName: string;
  /** Plain-HTTP URL of the gateway's scaling endpoint for this model (inside the cluster). */
  scalingUrl: string;
  /** 0 lets the model scale to zero when idle. */
  minReplicas: number;
  maxReplicas: number;
  /** Requests waiting per replica before another is added. */
  queueThreshold: number;
  /** Seconds without any request before the last replica is removed (only with minReplicas 0). */
  idleSeconds: number;
  /**
   * Seconds a new replica needs to become Ready (the rollout budget): scale-in waits at least this
   * long after a change, so a replica is never removed while the one it would hand over to loads.
   */
  replicaReadySeconds: number;
}

/** How often KEDA asks the gateway, seconds. */
export const POLLING_SECONDS = 15;
/** A target no queue reaches: the `active` trigger only keeps or wakes one replica. */
export const ACTIVE_ONLY_TARGET = 1_000_000;
/** The HPA's limit on stabilization windows (and the CRD's, after the release's patch). */
const MAX_STABILIZATION_SECONDS = 3600;

export function scaledObjectProblems(i: ModelScalingInput): string[] {
  const p: string[] = [];
  if (!(Number.isInteger(i.minReplicas) && i.minReplicas >= 0)) p.push("minReplicas must be an integer of at least 0");
  if (!(Number.isInteger(i.maxReplicas) && i.maxReplicas >= Math.max(1, i.minReplicas))) p.push("maxReplicas must be an integer of at least max(1, minReplicas)");
  if (!(Number.isInteger(i.queueThreshold) && i.queueThreshold >= 1)) p.push("queueThreshold must be a positive integer");
  if (!(i.idleSeconds >= POLLING_SECONDS)) p.push(`idleSeconds must be at least the polling interval (${POLLING_SECONDS})`);
  if (!/^http:\/\/[a-z0-9.-]+(:\d+)?\/scaling\/[A-Za-z0-9._-]+$/.test(i.scalingUrl)) p.push(`scalingUrl ${i.scalingUrl} must be http://<service>:<port>/scaling/<model>`);
  return p;
}

export function renderScaledObjectSpec(i: ModelScalingInput): Record<string, unknown> {
  const problems = scaledObjectProblems(i);
  if (problems.length > 0) throw new Error(`ScaledObject for ${i.deploymentName}: ${problems.join("; ")}`);
  const trigger = (name: string, valueLocation: string, target: number) => ({
    type: "metrics-api",
    name,
    metricType: "AverageValue",
    metadata: { url: i.scalingUrl, format: "json", valueLocation, targetValue: String(target), activationTargetValue: "0" },
  });
  const scaleDownWindow = Math.min(MAX_STABILIZATION_SECONDS, Math.max(600, i.replicaReadySeconds));
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: i.deploymentName },
    minReplicaCount: i.minReplicas,
    maxReplicaCount: i.maxReplicas,
    pollingInterval: POLLING_SECONDS,
    // From one replica to zero: only after this long with no request at all.
    cooldownPeriod: i.idleSeconds,
    // If the gateway cannot be asked, hold the declared floor (at least one replica) rather than guess.
    fallback: { failureThreshold: 3, replicas: Math.max(1, i.minReplicas) },
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          // Scale out at once, up to two replicas a minute (each needs a GPU node and its load path).
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
          // Scale in one replica at a time, only after the queue has been short for a replica's whole start.
          scaleDown: { stabilizationWindowSeconds: scaleDownWindow, policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] },
        },
      },
    },
    triggers: [trigger("queue", "queue", i.queueThreshold), trigger("active", "active", ACTIVE_ONLY_TARGET)],
  };
}
