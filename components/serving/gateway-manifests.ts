/**
 * The guardrail gateway's configuration file and Kubernetes objects, rendered by pure functions
 * (no resources) so tests can validate them: the config against the gateway's own schema, the
 * objects against the Kubernetes OpenAPI schema.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../infra/schema";
import { SKIP_CREDENTIALS_ANNOTATION } from "../cluster/pod-identity";
import { GATEWAY_POD_LABELS, POD_IDENTITY_AGENT_CIDR, SCRAPER_NAMESPACE_LABELS, SCRAPER_POD_LABELS, VLLM_PORT, selectorLabels } from "./manifests";
import { replicasHost } from "./replicas";
import { KEDA_NAMESPACE, KEDA_OPERATOR } from "../autoscaling/keda-manifests";

export const GATEWAY_NAME = "guardrail-gateway";
export const GATEWAY_PORT = 8443;
export const GATEWAY_OPS_PORT = 9090;
/** uid/gid of the distroless `nonroot` user the image runs as. */
export const GATEWAY_UID = 65532;
/** Fluent Bit's HTTP server: /api/v1/metrics/prometheus, with its dropped-record counters. */
export const SHIPPER_METRICS_PORT = 2020;
/**
 * Shutdown of a gateway pod: it leaves the Service's endpoints when it starts terminating; the
 * preStop sleep covers the load balancer's health checks noticing (2 × 10 s) and kube-proxy
 * catching up, then the gateway drains in-flight requests (long streams) for up to
 * GATEWAY_DRAIN_SECONDS. The log shipper outlives both, so the last audit lines are sent. The
 * whole stays well inside the 15 minutes EKS allows a pod to leave a node during an update.
 */
export const GATEWAY_PRESTOP_SECONDS = 30;
export const GATEWAY_DRAIN_SECONDS = 300;
export const SHIPPER_FLUSH_GRACE_SECONDS = 15;
export const GATEWAY_TERMINATION_GRACE_SECONDS = GATEWAY_PRESTOP_SECONDS + GATEWAY_DRAIN_SECONDS + SHIPPER_FLUSH_GRACE_SECONDS + 15;
/**
 * Bounds of the log shipper's filesystem buffer per stream, MiB, and its retries. When CloudWatch
 * Logs is unreachable, chunks queue on the pod's `shipper-state` emptyDir (256 MiB); without a
 * bound they would fill it and the kubelet would evict the whole gateway pod. At the bound Fluent
 * Bit discards the oldest chunk, and a chunk that exhausts its retries is dropped: both are
 * counted (fluentbit_output_dropped_records_total, fluentbit_output_retries_failed_total).
 * https://docs.fluentbit.io/manual/administration/buffering-and-storage
 */
export const SHIPPER_BUFFER_MIB = { audit: 160, content: 48 } as const;
export const SHIPPER_STATE_MIB = 256;
export const SHIPPER_RETRY_LIMIT = 15;
export const CONFIG_DIR = "/etc/gateway";
export const PATHS = {
  config: `${CONFIG_DIR}/config/config.yaml`,
  serverTls: `${CONFIG_DIR}/tls`,
  upstreamTls: `${CONFIG_DIR}/upstream`,
  apiKeys: `${CONFIG_DIR}/api-keys`,
  vllmApiKey: `${CONFIG_DIR}/vllm`,
  logs: "/var/log/gateway",
  auditLog: "/var/log/gateway/audit.jsonl",
  contentLog: "/var/log/gateway/content.jsonl",
  shipperConfig: "/fluent-bit/etc",
  shipperState: "/fluent-bit/state",
} as const;

export type GatewaySettings = StackConfig["gateway"];

/**
 * Where the gateway reads a model's vLLM API key: one file per model in the vLLM key Secret
 * (keyed by model name, a DNS label and so a valid Secret key).
 */
export function vllmApiKeyPath(model: string): string {
  return `${PATHS.vllmApiKey}/${model}`;
}

/**
 * Data of the gateway's vLLM key Secret (mounted at PATHS.vllmApiKey): each model's own key under
 * the file name vllmApiKeyPath gives the gateway for that model. Every model must have a key.
 */
export function vllmApiKeyFiles(models: readonly string[], keys: Readonly<Record<string, string>>): Record<string, string> {
  // Presence, not value: under Pulumi's mocks a generated key's value is not known.
  const missing = models.filter((m) => !(m in keys));
  if (missing.length > 0) throw new Error(`vLLM API keys: no key for ${missing.join(", ")}; every model server has its own`);
  return Object.fromEntries([...models].sort().map((m) => [vllmApiKeyPath(m).slice(PATHS.vllmApiKey.length + 1), keys[m]!]));
}

export interface GatewayConfigInput {
  gateway: GatewaySettings;
  /** Model name → upstream base URL (https, mutual TLS). */
  upstreams: Record<string, string>;
  /** Whether workload API keys (the secret gatewayApiKeyHashes) are configured. */
  apiKeys: boolean;
  /** Whether the stack keeps content logs (prompts and completions, short retention). */
  contentLogging: boolean;
}

/** The gateway's config.yaml (services/gateway/src/config.ts validates it at start). */
export function renderGatewayConfig(input: GatewayConfigInput): Record<string, unknown> {
  const { gateway } = input;
  const models = Object.entries(input.upstreams)
    .sort(([a], [b]) => a.localeCompare(b))
    // Each model server has its own vLLM API key; the gateway sends each model only its own.
    // replicasHost: every ready replica, for the queue depth the autoscaler reads (/scaling/<id>).
    .map(([id, upstream]) => ({ id, upstream, apiKeyFile: vllmApiKeyPath(id), replicasHost: replicasHost(upstream), inputGuard: gateway.inputGuard, routes: ["chat", "completions"] }));
  const rules = gateway.rules
    .map((r) => ({ name: r.name, groups: r.groups, subjects: r.subjects, apiKeys: input.apiKeys ? r.apiKeys : [], models: r.models }))
    // A rule that names only API keys grants nothing when no keys are configured.
    .filter((r) => r.groups.length + r.subjects.length + r.apiKeys.length > 0);
  return {
    server: {
      port: GATEWAY_PORT,
      // In-flight requests (long streams) finish after SIGTERM, within the pod's grace period.
      shutdownGraceMs: GATEWAY_DRAIN_SECONDS * 1000,
      opsPort: GATEWAY_OPS_PORT,
      tls: { certFile: `${PATHS.serverTls}/tls.crt`, keyFile: `${PATHS.serverTls}/tls.key`, minVersion: "TLSv1.2" },
    },
    upstream: {
      tls: { caFile: `${PATHS.upstreamTls}/ca.crt`, certFile: `${PATHS.upstreamTls}/tls.crt`, keyFile: `${PATHS.upstreamTls}/tls.key` },
    },
    models,
    auth: {
      ...(gateway.oidc
        ? { oidc: { issuer: gateway.oidc.issuer, audience: gateway.oidc.audience, jwksUri: gateway.oidc.jwksUri } }
        : {}),
      ...(input.apiKeys ? { apiKeys: { file: `${PATHS.apiKeys}/api-keys.yaml` } } : {}),
    },
    authorization: { rules },
    outputGuard: { patterns: gateway.redactPatterns.map((p) => ({ name: p.name, regex: p.regex })) },
    // Files, not stdout: the log shipper sidecar sends each to its own log class.
    audit: { sink: "file", path: PATHS.auditLog },
    contentLog: input.contentLogging ? { mode: "file", path: PATHS.contentLog } : { mode: "off" },
  };
}

export interface ShipperConfigInput {
  region: string;
  auditLogGroup: string;
  /** Content log group; only when the stack keeps content logs. */
  contentLogGroup?: string;
}

/**
 * Fluent Bit configuration of the log shipper sidecar: tail the gateway's audit file (and the
 * content file when enabled) and send each to its own CloudWatch log group, the audit class and
 * the short-retention content class. Groups exist already (KMS, retention): never auto-created.
 * Credentials come from EKS Pod Identity (Fluent Bit 4.0+ reads the agent's token file).
 */
export function renderShipperConfig(input: ShipperConfigInput): string {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const stream = (tag: string, path: string, group: string) => {
    inputs.push(
      [
        "[INPUT]",
        "    Name              tail",
        `    Tag               ${tag}`,
        `    Path              ${path}`,
        `    DB                ${PATHS.shipperState}/${tag}.db`,
        "    Read_from_Head    true",
        "    Rotate_Wait       30",
        "    Refresh_Interval  5",
        "    storage.type      filesystem",
      ].join("\n"),
    );
    outputs.push(
      [
        "[OUTPUT]",
        "    Name              cloudwatch_logs",
        `    Match             ${tag}`,
        `    region            ${input.region}`,
        `    log_group_name    ${group}`,
        `    log_stream_name   \${POD_NAME}-${tag}`,
        "    log_key           log",
        "    auto_create_group Off",
        // Bounded: a CloudWatch outage cannot fill the pod's volume (see SHIPPER_BUFFER_MIB).
        `    Retry_Limit       ${SHIPPER_RETRY_LIMIT}`,
        `    storage.total_limit_size ${SHIPPER_BUFFER_MIB[tag as keyof typeof SHIPPER_BUFFER_MIB]}M`,
      ].join("\n"),
    );
  };
  stream("audit", PATHS.auditLog, input.auditLogGroup);
  if (input.contentLogGroup) stream("content", PATHS.contentLog, input.contentLogGroup);
  const service = [
    "[SERVICE]",
    "    Flush         5",
    `    Grace         ${SHIPPER_FLUSH_GRACE_SECONDS}`,
    "    Log_Level     warn",
    `    storage.path  ${PATHS.shipperState}/buffer`,
    "    storage.max_chunks_up 32",
    "    storage.backlog.mem_limit 8M",
    // Metrics for the scraper: what was dropped or failed is counted, not silent.
    "    HTTP_Server   On",
    "    HTTP_Listen   0.0.0.0",
    `    HTTP_Port     ${SHIPPER_METRICS_PORT}`,
  ].join("\n");
  return [service, ...inputs, ...outputs].join("\n\n") + "\n";
}

export function gatewayLabels(): Record<string, string> {
  return { ...GATEWAY_POD_LABELS, "app.kubernetes.io/component": "front-door", "app.kubernetes.io/part-of": "sovereign-llm" };
}

export interface GatewayPodInput {
  image: string;
  /** Checksum of config and certificates: a change rolls the pods. An Output nested here keeps the rest of the spec known at preview. */
  configChecksum: pulumi.Input<string>;
  apiKeys: boolean;
  contentLogging: boolean;
  serviceAccountName: string;
  /** Fluent Bit image (digest) of the log shipper sidecar. */
  shipperImage: string;
  names: { config: string; serverTls: string; upstreamTls: string; apiKeys: string; vllmApiKey: string; shipperConfig: string };
}

/** The Deployment spec: Pod Security restricted, read-only root, spread across zones. */
export function renderGatewayDeploymentSpec(input: GatewayPodInput, replicas: number): k8s.types.input.apps.v1.DeploymentSpec {
  const secretVolume = (name: string, secretName: string) => ({ name, secret: { secretName, defaultMode: 0o440 } });
  const volumes = [
    { name: "config", configMap: { name: input.names.config } },
    secretVolume("server-tls", input.names.serverTls),
    secretVolume("upstream-tls", input.names.upstreamTls),
    secretVolume("vllm-api-key", input.names.vllmApiKey),
    ...(input.apiKeys ? [secretVolume("api-keys", input.names.apiKeys)] : []),
    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    // Audit (and content) files: two rotations of 64 MiB each per stream fit.
    { name: "logs", emptyDir: { sizeLimit: "512Mi" } },
    { name: "shipper-config", configMap: { name: input.names.shipperConfig } },
    { name: "shipper-state", emptyDir: { sizeLimit: `${SHIPPER_STATE_MIB}Mi` } },
  ];
  const mounts = [
    { name: "config", mountPath: `${CONFIG_DIR}/config`, readOnly: true },
    { name: "server-tls", mountPath: PATHS.serverTls, readOnly: true },
    { name: "upstream-tls", mountPath: PATHS.upstreamTls, readOnly: true },
    { name: "vllm-api-key", mountPath: PATHS.vllmApiKey, readOnly: true },
    ...(input.apiKeys ? [{ name: "api-keys", mountPath: PATHS.apiKeys, readOnly: true }] : []),
    { name: "tmp", mountPath: "/tmp" },
    { name: "logs", mountPath: PATHS.logs },
  ];
  const restricted = {
    runAsNonRoot: true,
    runAsUser: GATEWAY_UID,
    runAsGroup: GATEWAY_UID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" as const },
  };
  const labels = gatewayLabels();
  return {
    replicas,
    selector: { matchLabels: GATEWAY_POD_LABELS },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: {
        labels,
        annotations: {
          "sovereign-llm/config-checksum": input.configChecksum,
          // The Pod Identity role is the log shipper's: the gateway container (which parses
          // requests from callers) gets no AWS credentials at all.
          [SKIP_CREDENTIALS_ANNOTATION]: "gateway",
        },
      },
      spec: {
        serviceAccountName: input.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // preStop, the gateway's drain (server.shutdownGraceMs) and the shipper's last flush.
        terminationGracePeriodSeconds: GATEWAY_TERMINATION_GRACE_SECONDS,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: GATEWAY_UID,
          runAsGroup: GATEWAY_UID,
          fsGroup: GATEWAY_UID,
          seccompProfile: { type: "RuntimeDefault" },
        },
        nodeSelector: { "sovereign-llm/node-group": "system" },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: GATEWAY_POD_LABELS } },
        ],
        containers: [
          {
            name: "gateway",
            image: input.image,
            args: [PATHS.config],
            ports: [
              { name: "https", containerPort: GATEWAY_PORT, protocol: "TCP" },
              { name: "ops", containerPort: GATEWAY_OPS_PORT, protocol: "TCP" },
            ],
            env: [{ name: "NODE_OPTIONS", value: "--max-old-space-size=384" }],
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            securityContext: restricted,
            readinessProbe: { httpGet: { path: "/readyz", port: GATEWAY_OPS_PORT }, periodSeconds: 5, failureThreshold: 2 },
            livenessProbe: { httpGet: { path: "/healthz", port: GATEWAY_OPS_PORT }, periodSeconds: 10, failureThreshold: 3 },
            lifecycle: { preStop: { sleep: { seconds: GATEWAY_PRESTOP_SECONDS } } },
            volumeMounts: mounts,
          },
          {
            // Ships the audit (and content) files to their CloudWatch log classes.
            name: "log-shipper",
            image: input.shipperImage,
            args: ["-c", `${PATHS.shipperConfig}/fluent-bit.conf`],
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            ports: [{ name: "shipper-metrics", containerPort: SHIPPER_METRICS_PORT, protocol: "TCP" }],
            // Fluent Bit's HTTP server answers /api/v1/uptime while the process runs: a hung shipper
            // is restarted (its filesystem buffer keeps what it had not sent), and while it is not
            // ready the gateway replica takes no traffic, so no request goes unrecorded.
            // https://docs.fluentbit.io/manual/administration/monitoring
            livenessProbe: { httpGet: { path: "/api/v1/uptime", port: SHIPPER_METRICS_PORT }, periodSeconds: 15, failureThreshold: 4 },
            readinessProbe: { httpGet: { path: "/api/v1/uptime", port: SHIPPER_METRICS_PORT }, periodSeconds: 10, failureThreshold: 2 },
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            securityContext: restricted,
            // Keeps shipping until the gateway has drained and written its last audit lines.
            lifecycle: { preStop: { sleep: { seconds: GATEWAY_PRESTOP_SECONDS + GATEWAY_DRAIN_SECONDS } } },
            volumeMounts: [
              { name: "logs", mountPath: PATHS.logs, readOnly: true },
              { name: "shipper-config", mountPath: PATHS.shipperConfig, readOnly: true },
              { name: "shipper-state", mountPath: PATHS.shipperState },
            ],
          },
        ],
        volumes,
      },
    },
  };
}

/**
 * Internal Network Load Balancer in front of the gateway; TLS is terminated by the gateway itself.
 * Made by the service controller EKS runs (cloud-provider-aws), not the AWS Load Balancer
 * Controller: nothing more to install, mirror and patch, and no in-cluster controller holding an
 * IAM role that can create load balancers and edit security groups (README, "The gateway's load
 * balancer"). Its targets are nodes: only system nodes are registered (target-node-labels; the
 * gateway runs only there), and with externalTrafficPolicy Local only nodes running a gateway pod
 * pass the health check and kube-proxy sends traffic only to the gateway pods on that node, with
 * the client's address kept. loadBalancerSourceRanges limits the node security group rules to the
 * client networks, and the gateway's NetworkPolicy admits only them.
 * https://github.com/kubernetes/cloud-provider-aws/blob/master/docs/service_controller.md
 */
export function renderGatewayService(clientCidrs: readonly string[]): { annotations: Record<string, string>; spec: k8s.types.input.core.v1.ServiceSpec } {
  if (clientCidrs.length === 0) throw new Error("gateway Service: list the client networks that may reach the load balancer");
  const sourceRanges = [...new Set(clientCidrs)].sort();
  return {
    annotations: {
      // EKS's cloud controller: an internal NLB (no public address, private subnets only).
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      "service.beta.kubernetes.io/aws-load-balancer-target-node-labels": "sovereign-llm/node-group=system",
      // The same for the AWS Load Balancer Controller, if the cluster runs it.
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    },
    spec: {
      type: "LoadBalancer",
      selector: GATEWAY_POD_LABELS,
      // Keeps client addresses, so the NetworkPolicy can admit only the client networks.
      externalTrafficPolicy: "Local",
      loadBalancerSourceRanges: [...sourceRanges],
      ports: [{ name: "https", port: 443, targetPort: GATEWAY_PORT, protocol: "TCP" }],
    },
  };
}

/** Ingress from the client networks (and load balancer health checks inside the VPC), metrics from Prometheus; egress to the model servers, the IdP, and (log shipper) the VPC's AWS endpoints only. */
export function renderGatewayNetworkPolicySpec(args: { clientCidrs: readonly string[]; jwksCidrs: readonly string[]; models: readonly string[]; endpointCidrs: readonly string[] }): k8s.types.input.networking.v1.NetworkPolicySpec {
  for (const c of [...args.clientCidrs, ...args.jwksCidrs, ...args.endpointCidrs]) if (c.endsWith("/0")) throw new Error(`gateway NetworkPolicy: ${c} would admit the whole internet`);
  if (args.endpointCidrs.length === 0) throw new Error("gateway NetworkPolicy: endpointCidrs must name the interface endpoints' subnets (the log shipper writes to CloudWatch Logs through them)");
  return {
    podSelector: { matchLabels: GATEWAY_POD_LABELS },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [...new Set(args.clientCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: GATEWAY_PORT }] },
      {
        from: [
          { namespaceSelector: { matchLabels: SCRAPER_NAMESPACE_LABELS }, podSelector: { matchLabels: SCRAPER_POD_LABELS } },
          // KEDA's operator reads each model's demand from /scaling/<model> (counts only).
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": KEDA_NAMESPACE } }, podSelector: { matchLabels: { app: KEDA_OPERATOR } } },
        ],
        ports: [
          { protocol: "TCP", port: GATEWAY_OPS_PORT },
          { protocol: "TCP", port: SHIPPER_METRICS_PORT },
        ],
      },
    ],
    egress: [
      ...(args.models.length > 0
        ? [{ to: [...args.models].sort().map((m) => ({ podSelector: { matchLabels: selectorLabels(m) } })), ports: [{ protocol: "TCP", port: VLLM_PORT }] }]
        : []),
      ...(args.jwksCidrs.length > 0 ? [{ to: [...new Set(args.jwksCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }] : []),
      // The log shipper: CloudWatch Logs through the interface endpoints' subnets (not the VPC
      // CIDR, which holds every pod), and its credentials from the node's Pod Identity agent.
      { to: [...new Set(args.endpointCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [{ protocol: "TCP", port: 80 }] },
    ],
  };
}

/** api-keys.yaml for the gateway: [{name, sha256}] from the secret map name → hex SHA-256. */
export function renderApiKeysFile(hashes: Record<string, string>): string {
  const entries = Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b));
  for (const [name, hash] of entries) {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`gatewayApiKeyHashes.${name}: must be the hex SHA-256 of the key (64 lower-case hex digits)`);
  }
  return JSON.stringify(entries.map(([name, sha256]) => ({ name, sha256 })), null, 2) + "\n";
}
