// Pure renderers for one model server: Kubernetes object specs and IAM documents. Creates no
// resources and reads nothing, so tests check the exact objects (and validate them against the
// Kubernetes OpenAPI schema) without Pulumi. VllmService (vllm-service.ts) wires them.
import type { PolicyDocument } from "../keys/key-policies";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ModelConfig } from "../../infra/schema";
import { GPU_INSTANCES } from "../cluster/gpu-instances";
import { GPU_TAINT, NODE_GROUP_LABEL } from "../cluster/gpu-node-group";
import { modelPrefix } from "../../infra/naming";
import { SKIP_CREDENTIALS_ANNOTATION } from "../cluster/pod-identity";
import { CACHE_PORT, cacheResourceName } from "./model-cache-manifests";
import { rolloutBudget, type LoadPath, type RolloutBudget } from "./rollout-budget";
import { VLLM_API_KEY_ENV, VLLM_COMMAND, renderVllmArgs, vllmEnv } from "./vllm-args";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;

/** HTTPS port vLLM listens on and the Service exposes. */
export const VLLM_PORT = 8000;
/** uid/gid of the `vllm` user the official image ships (uid 2000, primary group 0). */
export const VLLM_UID = 2000;
export const VLLM_GID = 0;
export const MODELS_ROOT = "/models";
export const TLS_DIR = "/etc/vllm/tls";
/** Where the copy step's script (tools/model-signing/bundle.ts copierBundle()) is mounted from its ConfigMap. */
export const COPIER_DIR = "/opt/model-copy";
export const COPIER_FILE = "copy.js";
/** The model server's init container: the model from the node's cache, verified in one pass. */
export const MODEL_COPY_CONTAINER = "model-copy";
/** Bytes per ranged GET of the fetcher and the copy; memory held is at most concurrency x part. */
export const FETCH_PART_MIB = 16;
/** Ranged GETs the copy keeps in flight to its node's cache (a local hop: a few fill it). */
export const COPY_CONCURRENCY = 8;
/** One core hashes every byte in order; the other parses HTTP and writes. */
export const FETCH_CPU_MILLIS = 2000;
/** Where distroless Node images keep the node binary. */
export const NODE_BINARY = "/nodejs/bin/node";
/**
 * Containers of the model server's pod that must hold no AWS credentials: all of them. The model
 * comes from the node's cache (model-cache-manifests.ts), the only holder of the model's role;
 * the pod's service account has no Pod Identity association, and this annotation keeps the
 * webhook from injecting credentials even if one were added by mistake. vLLM parses untrusted
 * prompts and chat templates.
 */
export const CONTAINERS_WITHOUT_CREDENTIALS = [MODEL_COPY_CONTAINER, "vllm"] as const;
export const SIGNING_KEY_DIR = "/etc/model-signing";
export const SIGNING_KEY_FILE = "public-key.pem";
export const CACHE_ROOT = "/cache";

/** Pods of the platform's front door; the only callers of the inference port. */
export const GATEWAY_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "guardrail-gateway" };
/** The metrics scraper: Prometheus pods in the `monitoring` namespace. */
export const SCRAPER_NAMESPACE_LABELS: Readonly<Record<string, string>> = { "kubernetes.io/metadata.name": "monitoring" };
export const SCRAPER_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "prometheus" };
export { POD_IDENTITY_AGENT_CIDR } from "../cluster/pod-identity";

/** Share of an instance's vCPUs and memory a model server may take, per GPU it uses. */
export const HOST_SHARE = 0.85;

/** vCPUs and memory (GiB) of each GPU instance type, from the EC2 accelerated-computing tables. */
export const INSTANCE_HOST: Readonly<Record<string, { vcpus: number; memoryGiB: number }>> = (() => {
  const sized = (prefix: string, sizes: Record<string, [number, number]>) => Object.entries(sizes).map(([s, [vcpus, memoryGiB]]) => [`${prefix}.${s}`, { vcpus, memoryGiB }] as const);
  const g = (memPerVcpu: number): Record<string, [number, number]> =>
    Object.fromEntries(Object.entries({ xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "16xlarge": 64, "12xlarge": 48, "24xlarge": 96, "48xlarge": 192 }).map(([s, v]) => [s, [v, v * memPerVcpu]]));
  return Object.fromEntries([
    ...sized("g4dn", { xlarge: [4, 16], "2xlarge": [8, 32], "4xlarge": [16, 64], "8xlarge": [32, 128], "16xlarge": [64, 256], "12xlarge": [48, 192], metal: [96, 384] }),
    ...sized("g5", g(4)),
    ...sized("g6", g(4)),
    ...sized("g6e", g(8)),
    ...sized("p4d", { "24xlarge": [96, 1152] }),
    ...sized("p4de", { "24xlarge": [96, 1152] }),
    ...sized("p5", { "4xlarge": [16, 256], "48xlarge": [192, 2048] }),
    ...sized("p5e", { "48xlarge": [192, 2048] }),
    ...sized("p5en", { "48xlarge": [192, 2048] }),
  ]);
})();

/** Everything one model server's objects are rendered from; all values already validated. */
export interface VllmManifestInput {
  /** Kubernetes name of the Deployment, Service, ServiceAccount, policies (`vllm-<model>`). */
  resourceName: string;
  model: ModelConfig;
  /** Instance types of the model's node group; sizing uses the smallest share among them. */
  instanceTypes: readonly string[];
  /** vLLM, and the distroless Node image the copy step runs on. */
  images: { vllm: string; verifier: string };
  /** A service account with no Pod Identity association (the pod holds no AWS credentials). */
  serviceAccountName: string;
  /** Secret `kubernetes.io/tls` with tls.crt, tls.key and ca.crt. */
  tlsSecretName: string;
  /** Secret holding the API key under `apiKeySecretKey`. */
  apiKeySecretName: string;
  apiKeySecretKey: string;
  /** ConfigMap holding the copy step's script (COPIER_FILE). */
  copierConfigMapName: string;
  signingKeyConfigMapName: string;
  /** Annotations on the pod template. Default none. */
  podAnnotations?: Record<string, pulumi.Input<string>>;
  /** Throughput of the load path (the node's model storage, the cache, the copy); sets probe and rollout budgets. */
  loadPath: LoadPath;
}

/** Where the copy step reads: the model's cache Service (same namespace), which routes to this node's cache only. */
export function nodeCacheUrl(model: string): string {
  return `http://${cacheResourceName(model)}:${CACHE_PORT}/`;
}

/** The rollout budget of one model server (rollout-budget.ts), from its config and load path. */
export function modelRolloutBudget(model: ModelConfig, loadPath: LoadPath): RolloutBudget {
  return rolloutBudget({
    modelGiB: model.storageGiB,
    engineStartMinutes: model.startupMinutes,
    replicas: model.autoscaling.enabled ? model.autoscaling.maxReplicas : model.replicas,
    loadPath,
  });
}

export function selectorLabels(model: string): Record<string, string> {
  return { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": model };
}

export function vllmLabels(model: string): Record<string, string> {
  return { ...selectorLabels(model), "app.kubernetes.io/component": "model-server", "app.kubernetes.io/part-of": "sovereign-llm" };
}

export interface PodSizing {
  /** CPU request = limit, millicores. */
  cpuMillis: number;
  /** Memory request = limit, MiB; includes the memory-backed /dev/shm, which the pod's cgroup is charged for. */
  memoryMiB: number;
  /** Size of the memory-backed /dev/shm, MiB. */
  shmMiB: number;
  gpus: number;
  /** CPU of the verifier init container, millicores, and the hashing threads it runs. */
  verifierCpuMillis: number;
  verifierWorkers: number;
}

/**
 * Sizing from the node group: per GPU, the instance's vCPUs and memory divided by its GPU count,
 * times the GPUs per replica, times HOST_SHARE (the rest is left for the kubelet, system reserve
 * and the node's daemons), taking the smallest result over the group's instance types so a
 * replica fits on every one of them. Requests equal limits (Guaranteed QoS: no CPU throttling
 * surprises, evicted last). /dev/shm: 8 GiB per GPU with tensor parallelism (NCCL and PyTorch
 * exchange through it), 2 GiB without; never more than a quarter of the memory limit.
 */
export function podSizing(model: Pick<ModelConfig, "gpusPerReplica">, instanceTypes: readonly string[]): PodSizing {
  const shares = instanceTypes.map((t) => {
    const host = INSTANCE_HOST[t];
    const gpu = GPU_INSTANCES[t];
    if (!host || !gpu) throw new Error(`no host size known for instance type ${t}; add it to INSTANCE_HOST`);
    return { cpu: (host.vcpus * 1000) / gpu.gpus, mem: (host.memoryGiB * 1024) / gpu.gpus };
  });
  if (shares.length === 0) throw new Error("instanceTypes: list at least one instance type");
  const gpus = model.gpusPerReplica;
  const cpuMillis = Math.floor(Math.min(...shares.map((s) => s.cpu)) * gpus * HOST_SHARE);
  const memoryMiB = Math.floor(Math.min(...shares.map((s) => s.mem)) * gpus * HOST_SHARE);
  const shmMiB = Math.min((gpus > 1 ? 8 * gpus : 2) * 1024, Math.floor(memoryMiB / 4));
  const verifierWorkers = Math.max(1, Math.min(8, Math.floor(cpuMillis / 1000)));
  return { cpuMillis, memoryMiB, shmMiB, gpus, verifierCpuMillis: verifierWorkers * 1000, verifierWorkers };
}

/**
 * Probe timing: the startup probe's failureThreshold × periodSeconds is the load budget (reading
 * the weights at the volume's throughput plus the engine start, see rollout-budget.ts).
 */
export const PROBE_PERIOD_SECONDS = 10;

/** Memory of the fetch step: the parts it may hold (concurrency x part) and the runtime's own. */
export function fetchMemoryMiB(concurrency: number): number {
  return concurrency * FETCH_PART_MIB + 512;
}
export function startupFailureThreshold(startupSeconds: number): number {
  return Math.ceil(startupSeconds / PROBE_PERIOD_SECONDS);
}

/**
 * The readiness and startup probe command. Kubelet's httpGet probes cannot present a client
 * certificate, and vLLM requires one (`--ssl-cert-reqs 2`), so an HTTPS httpGet probe would
 * always fail. The probe runs the image's own Python instead, presents the pod's probe client
 * certificate (client-auth only: the server certificate is server-auth only), verifies the server
 * against the CA, and fails on anything but 200 from /health (503 when the engine died).
 * Hostname checking is off only because it dials 127.0.0.1; the chain is still verified.
 */
export function healthProbeCommand(): string[] {
  const py = [
    "import ssl, sys, urllib.request",
    `ctx = ssl.create_default_context(cafile='${TLS_DIR}/ca.crt')`,
    "ctx.check_hostname = False",
    `ctx.load_cert_chain('${TLS_DIR}/${PROBE_CERT_FILE}', '${TLS_DIR}/${PROBE_KEY_FILE}')`,
    `sys.exit(0 if urllib.request.urlopen('https://127.0.0.1:${VLLM_PORT}/health', context=ctx, timeout=${PROBE_TIMEOUT_SECONDS - 1}).status == 200 else 1)`,
  ].join("\n");
  return ["python3", "-c", py];
}

/** Files of the probe's client certificate in the TLS Secret (next to tls.crt, tls.key, ca.crt). */
export const PROBE_CERT_FILE = "probe.crt";
export const PROBE_KEY_FILE = "probe.key";
/** A loaded server answers /health in milliseconds; 10 s tolerates a saturated event loop. */
export const PROBE_TIMEOUT_SECONDS = 10;

function probe(periodSeconds: number, failureThreshold: number): Probe {
  return { exec: { command: healthProbeCommand() }, periodSeconds, failureThreshold, timeoutSeconds: PROBE_TIMEOUT_SECONDS, successThreshold: 1 };
}

/**
 * Liveness: can the server still accept a connection on its port. A busy server (a saturated
 * engine, long prefills) still accepts, so liveness never restarts a healthy server under load;
 * readiness (/health) takes it out of the Service meanwhile. A dead engine makes vLLM's API server
 * exit (its launcher shuts the server down on an engine error), which restarts the container
 * without any probe. https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/launcher.py
 */
export const LIVENESS_PROBE: Probe = { tcpSocket: { port: VLLM_PORT }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6, successThreshold: 1 };

/**
 * Shutdown: the pod leaves the Service's endpoints when it starts terminating; the preStop sleep
 * lets kube-proxy on every node and the gateway's connection pool catch up before vLLM gets
 * SIGTERM, then vLLM drains in-flight requests (long streams) for up to DRAIN_SECONDS. The grace
 * period covers both with a margin and stays well inside the 15 minutes EKS allows a pod to leave
 * a node during a node-group update.
 * https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html
 */
export const PRESTOP_SECONDS = 15;
export const DRAIN_SECONDS = 600;
export const TERMINATION_GRACE_SECONDS = PRESTOP_SECONDS + DRAIN_SECONDS + 30;
/** EKS's limit for pods to leave a node during a managed node-group update. */
export const EKS_POD_EVICTION_LIMIT_SECONDS = 15 * 60;

/** Container-level restricted settings (Pod Security `restricted` checks each container). */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: VLLM_UID,
    runAsGroup: VLLM_GID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Cache locations pointed at the writable `cache` emptyDir (the root filesystem is read-only). */
export function cacheEnv(): Record<string, string> {
  return {
    HOME: CACHE_ROOT,
    XDG_CACHE_HOME: `${CACHE_ROOT}/xdg`,
    XDG_CONFIG_HOME: `${CACHE_ROOT}/config`,
    VLLM_CACHE_ROOT: `${CACHE_ROOT}/vllm`,
    VLLM_CONFIG_ROOT: `${CACHE_ROOT}/vllm-config`,
    HF_HOME: `${CACHE_ROOT}/huggingface`,
    TRITON_CACHE_DIR: `${CACHE_ROOT}/triton`,
    TORCHINDUCTOR_CACHE_DIR: `${CACHE_ROOT}/torchinductor`,
    CUDA_CACHE_PATH: `${CACHE_ROOT}/nv`,
    TMPDIR: "/tmp",
  };
}

const envList = (env: Record<string, string>) => Object.entries(env).map(([name, value]) => ({ name, value }));

/** The vLLM server's arguments for this model: local verified copy, TLS files from the Secret. */
export function serverArgs(model: ModelConfig): string[] {
  return renderVllmArgs({
    modelDir: `${MODELS_ROOT}/${model.name}`,
    servedModelName: model.name,
    tensorParallelSize: model.gpusPerReplica,
    gpuMemoryUtilization: model.gpuMemoryUtilization,
    maxModelLen: model.maxModelLen,
    prefixCaching: model.prefixCaching,
    port: VLLM_PORT,
    tls: { certFile: `${TLS_DIR}/tls.crt`, keyFile: `${TLS_DIR}/tls.key`, caFile: `${TLS_DIR}/ca.crt` },
    shutdownTimeoutSeconds: DRAIN_SECONDS,
  });
}

export function renderPodSpec(input: VllmManifestInput): PodSpec {
  const { model } = input;
  const size = podSizing(model, input.instanceTypes);
  const modelDir = `${MODELS_ROOT}/${model.name}`;
  const ro = (name: string, mountPath: string) => ({ name, mountPath, readOnly: true });
  // The model comes from the node's model cache (model-cache-manifests.ts), which alone holds AWS
  // credentials: this pod has none (no Pod Identity association, no token, no AWS environment).
  // The cache is not trusted either: the copy runs the same one-pass verifier as the cache's
  // download (tools/model-signing/fetch.ts): the signature checked with the public key from this
  // pod's own ConfigMap, the listing against the signed statement (no extra, missing or changed
  // file, safetensors only), every byte hashed as it arrives, memory bounded by the part window,
  // and the directory appears under its name only when all of it verified, so vLLM never opens
  // a byte the copy did not check. A restarted copy re-hashes what it staged from local disk and
  // fetches the rest; only this container writes the models emptyDir (vLLM mounts it read-only).
  const copy: Container = {
    name: MODEL_COPY_CONTAINER,
    image: input.images.verifier,
    // Distroless Node images have no `node` on a PATH (no shell either): the binary is at
    // /nodejs/bin/node. https://github.com/GoogleContainerTools/distroless/blob/main/nodejs/README.md
    command: [
      NODE_BINARY, `${COPIER_DIR}/${COPIER_FILE}`,
      nodeCacheUrl(model.name), modelDir,
      "--public-key", `${SIGNING_KEY_DIR}/${SIGNING_KEY_FILE}`,
      "--expect-name", model.name,
      // A pinned version refuses every other signed version (an older one put back included).
      ...(model.expectedDigest !== undefined ? ["--expect-digest", model.expectedDigest] : []),
      "--concurrency", String(COPY_CONCURRENCY),
      "--part-mib", String(FETCH_PART_MIB),
      // The first pod on a new node starts while its node's cache is still downloading.
      "--wait-seconds", String(modelRolloutBudget(model, input.loadPath).cacheWaitSeconds),
    ],
    env: envList({ HOME: "/tmp" }),
    resources: {
      requests: { cpu: `${FETCH_CPU_MILLIS}m`, memory: `${fetchMemoryMiB(COPY_CONCURRENCY)}Mi` },
      limits: { cpu: `${FETCH_CPU_MILLIS}m`, memory: `${fetchMemoryMiB(COPY_CONCURRENCY)}Mi` },
    },
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: "models", mountPath: MODELS_ROOT }, ro("copier", COPIER_DIR), ro("signing-key", SIGNING_KEY_DIR), { name: "tmp", mountPath: "/tmp" }],
  };
  const server: Container = {
    name: "vllm",
    image: input.images.vllm,
    command: [...VLLM_COMMAND],
    args: serverArgs(model),
    env: [
      ...envList({ ...vllmEnv(), ...cacheEnv() }),
      { name: VLLM_API_KEY_ENV, valueFrom: { secretKeyRef: { name: input.apiKeySecretName, key: input.apiKeySecretKey } } },
    ],
    ports: [{ name: "https", containerPort: VLLM_PORT, protocol: "TCP" }],
    resources: {
      requests: { cpu: `${size.cpuMillis}m`, memory: `${size.memoryMiB}Mi`, "nvidia.com/gpu": String(size.gpus) },
      limits: { cpu: `${size.cpuMillis}m`, memory: `${size.memoryMiB}Mi`, "nvidia.com/gpu": String(size.gpus) },
    },
    startupProbe: probe(PROBE_PERIOD_SECONDS, startupFailureThreshold(modelRolloutBudget(model, input.loadPath).startupSeconds)),
    readinessProbe: probe(PROBE_PERIOD_SECONDS, 3),
    livenessProbe: LIVENESS_PROBE,
    lifecycle: { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
    securityContext: containerSecurityContext(),
    volumeMounts: [
      ro("models", MODELS_ROOT),
      ro("tls", TLS_DIR),
      { name: "tmp", mountPath: "/tmp" },
      { name: "cache", mountPath: CACHE_ROOT },
      { name: "dshm", mountPath: "/dev/shm" },
    ],
  };
  return {
    serviceAccountName: input.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: { runAsNonRoot: true, runAsUser: VLLM_UID, runAsGroup: VLLM_GID, seccompProfile: { type: "RuntimeDefault" } },
    initContainers: [copy],
    containers: [server],
    nodeSelector: { [NODE_GROUP_LABEL]: model.nodeGroup },
    tolerations: [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: "NoSchedule" }],
    // Never two replicas of one model on a node: draining a node (an EKS AMI update, a repair)
    // then evicts at most one replica of each model, which the PodDisruptionBudget admits at once,
    // and losing a node never takes a model's whole capacity. The surge replica of a rolling update
    // goes to another node too (configuration requires room for it at maxSize).
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels(model.name) } }],
      },
    },
    topologySpreadConstraints: [
      {
        // ScheduleAnyway: GPU groups are small and capacity blocks sit in one zone; a hard
        // constraint would leave replicas Pending rather than serve from fewer zones.
        topologyKey: "topology.kubernetes.io/zone",
        maxSkew: 1,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selectorLabels(model.name) },
      },
    ],
    volumes: [
      { name: "models", emptyDir: { sizeLimit: `${model.storageGiB}Gi` } },
      { name: "tmp", emptyDir: { sizeLimit: "4Gi" } },
      { name: "cache", emptyDir: { sizeLimit: "20Gi" } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${size.shmMiB}Mi` } },
      // 0440 root:root: readable by the vllm user through its primary group 0, by nobody else.
      { name: "tls", secret: { secretName: input.tlsSecretName, defaultMode: 0o440 } },
      { name: "copier", configMap: { name: input.copierConfigMapName, defaultMode: 0o444 } },
      { name: "signing-key", configMap: { name: input.signingKeyConfigMapName, defaultMode: 0o444 } },
    ],
  };
}

/** Annotation the Cluster Autoscaler reads before evicting a pod to remove its node. */
export const SAFE_TO_EVICT_ANNOTATION = "cluster-autoscaler.kubernetes.io/safe-to-evict";

/**
 * The Deployment spec. No `replicas` when autoscaling is on, so KEDA's HPA owns the count and
 * an update does not reset it. Rolling updates surge one replica and never take one down before
 * its replacement is Ready, so serving capacity never drops below what the stack declares; the
 * configuration guarantees the node group can hold the surge replica at its maximum size (the
 * autoscaler adds the node). progressDeadlineSeconds covers one replica's whole load path.
 */
export function renderDeploymentSpec(input: VllmManifestInput): k8s.types.input.apps.v1.DeploymentSpec {
  const { model } = input;
  return {
    ...(model.autoscaling.enabled ? {} : { replicas: model.replicas }),
    selector: { matchLabels: selectorLabels(model.name) },
    revisionHistoryLimit: 5,
    // One replica's way to Ready on a new node: provisioning, image, copy, verify, load, start.
    progressDeadlineSeconds: modelRolloutBudget(model, input.loadPath).progressDeadlineSeconds,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: {
        labels: vllmLabels(model.name),
        annotations: {
          "kubectl.kubernetes.io/default-container": "vllm",
          // No container of this pod gets AWS credentials, even if a role were associated by mistake.
          [SKIP_CREDENTIALS_ANNOTATION]: CONTAINERS_WITHOUT_CREDENTIALS.join(","),
          // The Cluster Autoscaler must not evict a model server to pack nodes: moving it costs a
          // whole load path (copy, verify, load) of lost capacity.
          // https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#what-types-of-pods-can-prevent-ca-from-removing-a-node
          [SAFE_TO_EVICT_ANNOTATION]: "false",
          ...(input.podAnnotations ?? {}),
        },
      },
      spec: renderPodSpec(input),
    },
  };
}

export function renderServiceSpec(model: string): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: selectorLabels(model),
    ports: [{ name: "https", port: VLLM_PORT, targetPort: "https", protocol: "TCP", appProtocol: "https" }],
  };
}

/**
 * Voluntary disruptions (node drains, autoscaler scale-down) take at most one ready replica at a
 * time, and never the only one: a single-replica model gets minAvailable 1, so a drain waits for
 * an operator instead of taking the model offline (maxUnavailable 1 would allow exactly that).
 * Pods that are not Ready may always be evicted, so a stuck pod never blocks a node update. A
 * model allowed to scale to zero promises no replica while idle, so its one replica may be drained
 * (the next request wakes it on another node).
 */
export function renderPdbSpec(model: ModelConfig): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  const minimum = model.autoscaling.enabled ? model.autoscaling.minReplicas : model.replicas;
  const budget = minimum === 1 ? { minAvailable: 1 } : { maxUnavailable: 1 };
  return { ...budget, selector: { matchLabels: selectorLabels(model.name) }, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

/** Ingress to the serving port only from the front door and from the metrics scraper. */
export function renderIngressPolicySpec(model: string): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: selectorLabels(model) },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          { podSelector: { matchLabels: { ...GATEWAY_POD_LABELS } } },
          { namespaceSelector: { matchLabels: { ...SCRAPER_NAMESPACE_LABELS } }, podSelector: { matchLabels: { ...SCRAPER_POD_LABELS } } },
        ],
        ports: [{ protocol: "TCP", port: VLLM_PORT }],
      },
    ],
  };
}

// ---- IAM documents -------------------------------------------------------------------------

export type { PolicyDocument } from "../keys/key-policies";

export { podIdentityTrustPolicy } from "../cluster/pod-identity";

/**
 * The model cache's role (model-cache-manifests.ts): read one model's prefix and nothing else: list only under `models/<model>/`, get only objects
 * there, decrypt with the models key only through S3 in this region and only for this bucket
 * (the bucket ARN is the encryption context with S3 Bucket Keys, the object ARN without).
 */
export function modelReadPolicy(args: { bucketArn: string; model: string; modelsKeyArn: string; region: string }): PolicyDocument {
  const prefix = modelPrefix(args.model);
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListModelPrefix", Effect: "Allow", Action: ["s3:ListBucket"], Resource: args.bucketArn, Condition: { StringLike: { "s3:prefix": `${prefix}*` } } },
      { Sid: "ReadModelObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${args.bucketArn}/${prefix}*` },
      {
        Sid: "DecryptModelObjectsThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: args.modelsKeyArn,
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${args.region}.amazonaws.com` },
          StringLike: { "kms:EncryptionContext:aws:s3:arn": [args.bucketArn, `${args.bucketArn}/${prefix}*`] },
        },
      },
    ],
  };
}
