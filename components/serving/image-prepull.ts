/**
 * A DaemonSet that pulls the vLLM image onto every GPU node of the groups that serve models, as
 * soon as the node is Ready, and keeps it there. Pure renderer: creates nothing.
 *
 * Why a pre-pull DaemonSet rather than the alternatives:
 * - The kubelet pulls a container's image only when that container is about to start, and a
 *   pod's main container starts only after its init containers: without pre-pulling, the ~10 GB
 *   vLLM image is pulled after the model was downloaded and verified, adding the whole pull to
 *   every cold start. Pulled by this DaemonSet, it comes down while the model does (Bottlerocket's
 *   kubelet pulls images in parallel: serializeImagePulls is false), and a running pod that uses
 *   the image keeps the kubelet's image garbage collection from removing it.
 * - A data-volume snapshot with the image baked in needs a build pipeline per image release, is
 *   lazily loaded from S3 on first read unless Fast Snapshot Restore is paid for per zone, and
 *   cannot serve nodes whose images live on the instance store.
 * - SOCI parallel pull (Bottlerocket's soci snapshotter, 1.44 and later) makes each pull faster
 *   but still starts it only after the init containers; it can be added to this, not replace it.
 *
 * The pod does nothing: the image's own `sleep`, no GPU (none requested, and NVIDIA_VISIBLE_DEVICES
 * void), no credentials, no service account token, restricted security context, and the
 * namespace's default-deny network policy applies.
 */
import type * as k8s from "@pulumi/kubernetes";
import { GPU_TAINT, NODE_GROUP_LABEL } from "../cluster/gpu-node-group";
import { vllmEnv } from "./vllm-args";

export const PREPULL_NAME = "vllm-image-prepull";
const UID = 2000;

export function renderPrepullDaemonSetSpec(image: string, nodeGroups: readonly string[]): k8s.types.input.apps.v1.DaemonSetSpec {
  if (nodeGroups.length === 0) throw new Error("renderPrepullDaemonSetSpec: no node groups to pre-pull on");
  const labels = { "app.kubernetes.io/name": PREPULL_NAME, "app.kubernetes.io/part-of": "sovereign-llm" };
  return {
    selector: { matchLabels: { "app.kubernetes.io/name": PREPULL_NAME } },
    // A new image is pulled on every node at once: the pods hold nothing that serves traffic.
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 5,
        securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_GROUP_LABEL, operator: "In", values: [...new Set(nodeGroups)].sort() }] }],
            },
          },
        },
        tolerations: [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: "NoSchedule" }],
        containers: [
          {
            name: "hold",
            image,
            command: ["sleep", "infinity"],
            // The image's own entrypoint never runs; its offline and no-telemetry settings are set anyway.
            env: [{ name: "NVIDIA_VISIBLE_DEVICES", value: "void" }, ...Object.entries(vllmEnv()).map(([name, value]) => ({ name, value }))],
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "10m", memory: "16Mi" } },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: UID,
              runAsGroup: 0,
              allowPrivilegeEscalation: false,
              privileged: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
          },
        ],
      },
    },
  };
}
