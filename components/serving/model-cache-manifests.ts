// Pure renderers for a model's node-local cache: a DaemonSet on the model's GPU node group that
// alone holds the model's AWS credentials, downloads and verifies the model once per node (and
// again only when the signed version changes) and serves the verified files read-only; a Service
// that routes a model server only to the cache on its own node; NetworkPolicies that let the
// cache reach S3 and the Pod Identity agent, and nothing but that model's servers reach the cache.
// Creates no resources (VllmService wires them), so tests check the exact objects.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { GPU_TAINT, NODE_GROUP_LABEL } from "../cluster/gpu-node-group";
import { POD_IDENTITY_AGENT_CIDR } from "../cluster/pod-identity";
import { modelPrefix } from "../../infra/naming";

/** Port the cache serves on (plain HTTP inside the node; see cache-server.ts for why). */
export const CACHE_PORT = 8080;
/** Where the cache script (tools/model-signing/bundle.ts cacheBundle()) is mounted from its ConfigMap. */
export const CACHE_SCRIPT_DIR = "/opt/model-cache";
export const CACHE_SCRIPT_FILE = "cache.js";
/** The cache's own copy of the model (an emptyDir on the node's model storage). */
export const CACHE_STORE = "/cache-store";
/** Minutes between the cache's checks of the signed version in S3 (one listing and one small GET). */
export const CACHE_RECHECK_MINUTES = 10;
/** Where distroless Node images keep the node binary. */
const NODE_BINARY = "/nodejs/bin/node";
/** The distroless image's unprivileged user (`nonroot`). */
export const CACHE_UID = 65532;

/** Kubernetes name of a model's cache DaemonSet, Service, ServiceAccount and policies. */
export function cacheResourceName(model: string): string {
  return `model-cache-${model}`;
}

export function cacheSelectorLabels(model: string): Record<string, string> {
  return { "app.kubernetes.io/name": "model-cache", "app.kubernetes.io/instance": model };
}

export function cacheLabels(model: string): Record<string, string> {
  return { ...cacheSelectorLabels(model), "app.kubernetes.io/component": "model-cache", "app.kubernetes.io/part-of": "sovereign-llm" };
}

/** `http://model-cache-<model>.<namespace>.svc:8080/`: where a model server's copy step reads. */
export function cacheUrl(model: string, namespace: string): string {
  return `http://${cacheResourceName(model)}.${namespace}.svc:${CACHE_PORT}/`;
}

export interface CacheDaemonSetInput {
  model: { name: string; nodeGroup: string; storageGiB: number; expectedDigest?: string };
  /** The distroless Node image (the same as the model servers' copy step). */
  image: string;
  /** Model store bucket name; reaches the command through `$(MODEL_BUCKET)`. */
  bucket: pulumi.Input<string>;
  region: string;
  /** Ranged GETs in flight (cold-start.ts fetchConcurrency of the group's slowest type). */
  fetchConcurrency: number;
  /** MiB per ranged GET. */
  partMiB: number;
  /** ConfigMaps holding the cache script and the signing public key. */
  scriptConfigMapName: string;
  signingKeyConfigMapName: string;
  signingKeyFile: string;
}

/** Memory of the cache: the parts it may hold (concurrency x part) and the runtime's own. */
export function cacheMemoryMiB(concurrency: number, partMiB: number): number {
  return concurrency * partMiB + 512;
}
/**
 * CPU: the DaemonSet's pod sits beside the model servers for the node's life, so it requests
 * little and may burst to two cores while it downloads (one hashes every byte in order, the other
 * parses HTTP and writes) and while it serves a copy.
 */
export const CACHE_CPU_REQUEST_MILLIS = 250;
export const CACHE_CPU_LIMIT_MILLIS = 2000;

export function renderCacheDaemonSetSpec(input: CacheDaemonSetInput): k8s.types.input.apps.v1.DaemonSetSpec {
  const { model } = input;
  const memory = `${cacheMemoryMiB(input.fetchConcurrency, input.partMiB)}Mi`;
  const container: k8s.types.input.core.v1.Container = {
    name: "model-cache",
    image: input.image,
    // Distroless Node images have no shell and `node` only at /nodejs/bin/node.
    command: [
      NODE_BINARY, `${CACHE_SCRIPT_DIR}/${CACHE_SCRIPT_FILE}`,
      `s3://$(MODEL_BUCKET)/${modelPrefix(model.name)}`, CACHE_STORE,
      "--public-key", `/etc/model-signing/${input.signingKeyFile}`,
      "--expect-name", model.name,
      ...(model.expectedDigest !== undefined ? ["--expect-digest", model.expectedDigest] : []),
      "--credentials", "container",
      "--region", input.region,
      "--concurrency", String(input.fetchConcurrency),
      "--part-mib", String(input.partMiB),
      "--port", String(CACHE_PORT),
      "--recheck-minutes", String(CACHE_RECHECK_MINUTES),
    ],
    env: [
      { name: "MODEL_BUCKET", value: input.bucket },
      { name: "AWS_REGION", value: input.region },
      // Never the node's instance profile (the cache asks only the container endpoint anyway).
      { name: "AWS_EC2_METADATA_DISABLED", value: "true" },
      { name: "HOME", value: "/tmp" },
    ],
    ports: [{ name: "cache", containerPort: CACHE_PORT, protocol: "TCP" }],
    // Ready = a verified copy is served. The kubelet's probe comes from the node's address, which
    // the VPC CNI network policy agent always admits (https://github.com/aws/aws-network-policy-agent/pull/65).
    readinessProbe: { httpGet: { path: "/ready", port: CACHE_PORT, scheme: "HTTP" }, periodSeconds: 5, failureThreshold: 2, successThreshold: 1, timeoutSeconds: 3 },
    // Alive while it accepts connections: the server listens from the start, through a download
    // that may take minutes, so liveness never restarts a cache that is busy downloading.
    livenessProbe: { tcpSocket: { port: CACHE_PORT }, periodSeconds: 20, failureThreshold: 6, successThreshold: 1, timeoutSeconds: 5 },
    resources: {
      requests: { cpu: `${CACHE_CPU_REQUEST_MILLIS}m`, memory },
      limits: { cpu: `${CACHE_CPU_LIMIT_MILLIS}m`, memory },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: CACHE_UID,
      runAsGroup: CACHE_UID,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: "store", mountPath: CACHE_STORE },
      { name: "tmp", mountPath: "/tmp" },
      { name: "script", mountPath: CACHE_SCRIPT_DIR, readOnly: true },
      { name: "signing-key", mountPath: "/etc/model-signing", readOnly: true },
    ],
  };
  return {
    selector: { matchLabels: cacheSelectorLabels(model.name) },
    // Running model servers hold their own verified copies, so replacing every node's cache at
    // once costs nothing that serves; the rollout then waits for one download, not one per node.
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
    template: {
      metadata: { labels: cacheLabels(model.name) },
      spec: {
        serviceAccountName: cacheResourceName(model.name),
        // The Kubernetes API is never called; EKS Pod Identity mounts its own token volume.
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 10,
        securityContext: { runAsNonRoot: true, runAsUser: CACHE_UID, runAsGroup: CACHE_UID, fsGroup: CACHE_UID, seccompProfile: { type: "RuntimeDefault" } },
        // The model's node group only, as its servers: eager, so the download starts when the
        // node is Ready, beside the vLLM image pre-pull, not when the first server is scheduled.
        nodeSelector: { [NODE_GROUP_LABEL]: model.nodeGroup },
        tolerations: [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: "NoSchedule" }],
        containers: [container],
        volumes: [
          // On the node's model storage (instance store or the provisioned data volume).
          { name: "store", emptyDir: { sizeLimit: `${model.storageGiB}Gi` } },
          { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
          { name: "script", configMap: { name: input.scriptConfigMapName, defaultMode: 0o444 } },
          { name: "signing-key", configMap: { name: input.signingKeyConfigMapName, defaultMode: 0o444 } },
        ],
      },
    },
  };
}

/**
 * The cache's Service. internalTrafficPolicy Local: a model server's connection goes only to the
 * cache on its own node (never across the network), and is dropped if that node has none ready,
 * which the copy step waits out. https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/
 * The target port is a number, not the port's name: the VPC CNI policy controller resolves the
 * Service port of an egress rule from it (see renderModelToCachePolicySpec).
 */
export function renderCacheServiceSpec(model: string): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    internalTrafficPolicy: "Local",
    selector: cacheSelectorLabels(model),
    ports: [{ name: "http", port: CACHE_PORT, targetPort: CACHE_PORT, protocol: "TCP", appProtocol: "http" }],
  };
}

/** Ingress to the cache: only this model's servers, only on the cache port. */
export function renderCacheIngressPolicySpec(model: string, modelServerLabels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: cacheSelectorLabels(model) },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { ...modelServerLabels } } }], ports: [{ protocol: "TCP", port: CACHE_PORT }] }],
  };
}

/**
 * Egress of the cache: HTTPS to the AWS endpoints' subnets (S3's interface endpoint answers there
 * with private DNS) and HTTP to the node's Pod Identity agent; DNS is allowed namespace-wide.
 * NetworkPolicy cannot name an endpoint, so `endpointCidrs` are the endpoint subnets' CIDRs:
 * never the VPC CIDR, which holds every node and pod. The endpoint and bucket policies still decide
 * what those packets reach. With no CIDR the HTTPS rule is left out rather than rendered without
 * `to` (which would mean "anywhere"): the download then fails closed.
 */
export function renderCacheEgressPolicySpec(model: string, endpointCidrs: readonly string[]): k8s.types.input.networking.v1.NetworkPolicySpec {
  const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [];
  const cidrs = [...new Set(endpointCidrs)].sort();
  for (const c of cidrs) {
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c) || c.endsWith("/0")) throw new Error(`endpointCidrs: "${c}" must be an IPv4 CIDR narrower than /0`);
  }
  if (cidrs.length > 0) egress.push({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] });
  egress.push({ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [{ protocol: "TCP", port: 80 }] });
  return { podSelector: { matchLabels: cacheSelectorLabels(model) }, policyTypes: ["Egress"], egress };
}

/**
 * Egress of a model server: its model's cache on the cache port, nothing else (DNS is allowed
 * namespace-wide). The peer is a pod selector equal to the cache Service's selector: the VPC CNI
 * agent filters egress before the Service address is translated, and its controller adds a
 * Service's ClusterIP to the rule only when the rule's pod selector matches the Service's own
 * selector (getMatchingServiceClusterIPs in
 * https://github.com/aws/amazon-network-policy-controller-k8s/blob/main/pkg/resolvers/endpoints.go).
 * The selector names no label the model server carries, which the controller mishandles
 * (https://github.com/aws/amazon-network-policy-controller-k8s/issues/236).
 */
export function renderModelToCachePolicySpec(model: string, modelServerLabels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: { ...modelServerLabels } },
    policyTypes: ["Egress"],
    egress: [{ to: [{ podSelector: { matchLabels: cacheSelectorLabels(model) } }], ports: [{ protocol: "TCP", port: CACHE_PORT }] }],
  };
}
