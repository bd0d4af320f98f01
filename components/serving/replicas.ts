/**
 * How the gateway finds every replica of a model server (to read each one's queue for the
 * autoscaler) and how KEDA finds the gateway. Pure.
 *
 * The model's ClusterIP Service balances connections over its replicas, so asking it for
 * /metrics reaches one replica at a time. A headless Service (clusterIP None) publishes one DNS
 * record per ready replica instead; the gateway dials each address with the certificate checked
 * against the ClusterIP Service's name (the name the replicas' certificates carry).
 */
import type * as k8s from "@pulumi/kubernetes";
import { VLLM_PORT, selectorLabels } from "./manifests";
import { GATEWAY_OPS_PORT } from "./gateway-manifests";

/** `vllm-<model>-replicas`: the headless Service of a model server (`vllm-<model>`). */
export function replicasServiceName(resourceName: string): string {
  return `${resourceName}-replicas`;
}

/** The DNS name of the replicas, from the model server's upstream URL (`https://vllm-<model>.<ns>.svc:8000`). */
export function replicasHost(upstreamUrl: string): string {
  const host = new URL(upstreamUrl).hostname;
  const [service, ...rest] = host.split(".");
  if (!service || rest.length === 0) throw new Error(`replicasHost: ${upstreamUrl} is not a Service URL (<service>.<namespace>.svc)`);
  return [replicasServiceName(service), ...rest].join(".");
}

export function renderReplicasServiceSpec(model: string): k8s.types.input.core.v1.ServiceSpec {
  return {
    clusterIP: "None",
    // Only replicas that are Ready: one still loading has no queue to report.
    publishNotReadyAddresses: false,
    selector: selectorLabels(model),
    ports: [{ name: "https", port: VLLM_PORT, targetPort: VLLM_PORT, protocol: "TCP" }],
  };
}

/** `guardrail-gateway-ops`: a ClusterIP Service in front of the gateways' plain-HTTP ops port. */
export const GATEWAY_OPS_SERVICE = "guardrail-gateway-ops";

/** Where KEDA asks the gateway for one model's demand. */
export function scalingUrl(namespace: string, model: string): string {
  return `http://${GATEWAY_OPS_SERVICE}.${namespace}.svc.cluster.local:${GATEWAY_OPS_PORT}/scaling/${model}`;
}
