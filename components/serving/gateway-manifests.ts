/**
 * The guardrail gateway's configuration file and Kubernetes objects, rendered by pure functions
 * (no resources) so tests can validate them: the config against the gateway's own schema, the
 * objects against the Kubernetes OpenAPI schema.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../infra/schema";
import { GATEWAY_POD_LABELS, POD_IDENTITY_AGENT_CIDR, SCRAPER_NAMESPACE_LABELS, SCRAPER_POD_LABELS, VLLM_PORT, selectorLabels } from "./manifests";

export const GATEWAY_NAME = "guardrail-gateway";
export const GATEWAY_PORT = 8443;
export const GATEWAY_OPS_PORT = 9090;
/** uid/gid of the distroless `nonroot` user the image runs as. */
export const GATEWAY_UID = 65532;
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
    .map(([id, upstream]) => ({ id, upstream, inputGuard: gateway.inputGuard, routes: ["chat", "completions"] }));
  const rules = gateway.rules
    .map((r) => ({ name: r.name, groups: r.groups, subjects: r.subjects, apiKeys: input.apiKeys ? r.apiKeys : [], models: r.models }))
    // A rule that names only API keys grants nothing when no keys are configured.
    .filter((r) => r.groups.length + r.subjects.length + r.apiKeys.length > 0);
  return {
    server: {
      port: GATEWAY_PORT,
      opsPort: GATEWAY_OPS_PORT,
      tls: { certFile: `${PATHS.serverTls}/tls.crt`, keyFile: `${PATHS.serverTls}/tls.key`, minVersion: "TLSv1.2" },
    },
    upstream: {
      tls: { caFile: `${PATHS.upstreamTls}/ca.crt`, certFile: `${PATHS.upstreamTls}/tls.crt`, keyFile: `${PATHS.upstreamTls}/tls.key` },
      apiKeyFile: `${PATHS.vllmApiKey}/api-key`,
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
        "    Retry_Limit       False",
      ].join("\n"),
    );
  };
  stream("audit", PATHS.auditLog, input.auditLogGroup);
  if (input.contentLogGroup) stream("content", PATHS.contentLog, input.contentLogGroup);
  const service = ["[SERVICE]", "    Flush         5", "    Log_Level     warn", `    storage.path  ${PATHS.shipperState}/buffer`, "    HTTP_Server   Off"].join("\n");
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
    { name: "shipper-state", emptyDir: { sizeLimit: "256Mi" } },
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
      metadata: { labels, annotations: { "sovereign-llm/config-checksum": input.configChecksum } },
      spec: {
        serviceAccountName: input.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // Longer than the gateway's own drain (server.shutdownGraceMs, 20 s).
        terminationGracePeriodSeconds: 30,
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
            volumeMounts: mounts,
          },
          {
            // Ships the audit (and content) files to their CloudWatch log classes.
            name: "log-shipper",
            image: input.shipperImage,
            args: ["-c", `${PATHS.shipperConfig}/fluent-bit.conf`],
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            securityContext: restricted,
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

/** Internal Network Load Balancer in front of the gateway; TLS is terminated by the gateway itself. */
export function renderGatewayService(sourceRanges: readonly string[]): { annotations: Record<string, string>; spec: k8s.types.input.core.v1.ServiceSpec } {
  return {
    annotations: {
      // EKS's cloud controller: an internal NLB (no public address, private subnets only).
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
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
export function renderGatewayNetworkPolicySpec(args: { clientCidrs: readonly string[]; jwksCidrs: readonly string[]; models: readonly string[]; vpcCidr: string }): k8s.types.input.networking.v1.NetworkPolicySpec {
  for (const c of [...args.clientCidrs, ...args.jwksCidrs, args.vpcCidr]) if (c.endsWith("/0")) throw new Error(`gateway NetworkPolicy: ${c} would admit the whole internet`);
  return {
    podSelector: { matchLabels: GATEWAY_POD_LABELS },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      { from: [...new Set(args.clientCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: GATEWAY_PORT }] },
      {
        from: [{ namespaceSelector: { matchLabels: SCRAPER_NAMESPACE_LABELS }, podSelector: { matchLabels: SCRAPER_POD_LABELS } }],
        ports: [{ protocol: "TCP", port: GATEWAY_OPS_PORT }],
      },
    ],
    egress: [
      ...(args.models.length > 0
        ? [{ to: [...args.models].sort().map((m) => ({ podSelector: { matchLabels: selectorLabels(m) } })), ports: [{ protocol: "TCP", port: VLLM_PORT }] }]
        : []),
      ...(args.jwksCidrs.length > 0 ? [{ to: [...new Set(args.jwksCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }] : []),
      // The log shipper: CloudWatch Logs and STS through the VPC's interface endpoints, and its
      // credentials from the EKS Pod Identity agent on the node.
      { to: [{ ipBlock: { cidr: args.vpcCidr } }], ports: [{ protocol: "TCP", port: 443 }] },
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
