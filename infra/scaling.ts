/**
 * Composition of what makes model servers start fast and scale: the vLLM image pre-pulled on the
 * model node groups, and KEDA (only when a model autoscales) with the gateway's ops port as the
 * one metrics source it may reach. The ScaledObjects themselves belong to the model servers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformSettings } from "./config";
import { Keda } from "../components/autoscaling/keda";
import { PREPULL_NAME, renderPrepullDaemonSetSpec } from "../components/serving/image-prepull";
import { GATEWAY_OPS_PORT } from "../components/serving/gateway-manifests";
import { GATEWAY_POD_LABELS } from "../components/serving/manifests";
import { NODE_GROUP_LABEL } from "../components/cluster/gpu-node-group";

export interface ScalingArgs {
  settings: PlatformSettings;
  prefix: string;
  provider: k8s.Provider;
  /** The inference namespace's name. */
  namespace: pulumi.Input<string>;
  /** Its literal name (NetworkPolicy peers select namespaces by name). */
  namespaceName: string;
  /** Where the Kubernetes API answers for pods (the `kubernetes` service address, /32). */
  apiCidrs: string[];
  /** The cluster's subnets, where the API server's ENIs call aggregated API servers from. */
  controlPlaneCidrs: string[];
  /** What the DaemonSet and KEDA must wait for (the namespace, node groups). */
  dependsOn: pulumi.Resource[];
}

export interface Scaling {
  /** Present when a model autoscales; its ScaledObjects wait for it. */
  keda?: Keda;
}

export function buildScaling(a: ScalingArgs): Scaling {
  const s = a.settings;
  const groups = [...new Set(s.models.map((m) => m.nodeGroup))];
  if (groups.length > 0) {
    new k8s.apps.v1.DaemonSet(
      `${a.prefix}-${PREPULL_NAME}`,
      {
        metadata: {
          name: PREPULL_NAME,
          namespace: a.namespace,
          labels: { "app.kubernetes.io/name": PREPULL_NAME, "app.kubernetes.io/part-of": "sovereign-llm" },
          // Pulumi does not wait for every node's pull: the pods are a cache, not a service, and a
          // 10 GB pull on each GPU node must not hold up (or time out) a deploy.
          annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: renderPrepullDaemonSetSpec(s.serving.vllmImage, groups),
      },
      { provider: a.provider, dependsOn: a.dependsOn },
    );
  }
  const scaled = s.models.some((m) => m.autoscaling.enabled);
  if (!scaled || s.cluster.keda === undefined) return {};
  const keda = new Keda(
    `${a.prefix}-keda`,
    {
      kubernetesVersion: s.cluster.version,
      operatorImage: s.cluster.keda.operatorImage,
      metricsServerImage: s.cluster.keda.metricsServerImage,
      nodeSelector: { [NODE_GROUP_LABEL]: "system" },
      apiCidrs: a.apiCidrs,
      controlPlaneCidrs: a.controlPlaneCidrs,
      metricsSources: [{ namespace: a.namespaceName, podLabels: { ...GATEWAY_POD_LABELS }, port: GATEWAY_OPS_PORT }],
    },
    { provider: a.provider, dependsOn: a.dependsOn },
  );
  return { keda };
}
