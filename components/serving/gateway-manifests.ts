/**
 * The guardrail gateway's configuration file and Kubernetes objects, rendered by pure functions
 * (no resources) so tests can validate them: the config against the gateway's own schema, the
 * objects against the Kubernetes OpenAPI schema.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../infra/schema";
import { GATEWAY_POD_LABELS, SCRAPER_NAMESPACE_LABELS, SCRAPER_POD_LABELS, VLLM_PORT, selectorLabels } from "./manifests";

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
    audit: { sink: "stdout" },
    contentLog: input.contentLogging ? { mode: "file", path: "/var/log/gateway/content.jsonl" } : { mode: "off" },
  };
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
  names: { config: string; serverTls: string; upstreamTls: string; apiKeys: string; vllmApiKey: string };
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
    ...(input.contentLogging ? [{ name: "content-log", emptyDir: { sizeLimit: "1Gi" } }] : []),
  ];
  const mounts = [
    { name: "config", mountPath: `${CONFIG_DIR}/config`, readOnly: true },
    { name: "server-tls", mountPath: PATHS.serverTls, readOnly: true },
    { name: "upstream-tls", mountPath: PATHS.upstreamTls, readOnly: true },
    { name: "vllm-api-key", mountPath: PATHS.vllmApiKey, readOnly: true },
    ...(input.apiKeys ? [{ name: "api-keys", mountPath: PATHS.apiKeys, readOnly: true }] : []),
    { name: "tmp", mountPath: "/tmp" },
    ...(input.contentLogging ? [{ name: "content-log", mountPath: "/var/log/gateway" }] : []),
  ];
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
            securityContext: {
              runAsNonRoot: true,
              runAsUser: GATEWAY_UID,
              runAsGroup: GATEWAY_UID,
              allowPrivilegeEscalation: false,
              privileged: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
            readinessProbe: { httpGet: { path: "/readyz", port: GATEWAY_OPS_PORT }, periodSeconds: 5, failureThreshold: 2 },
            livenessProbe: { httpGet: { path: "/healthz", port: GATEWAY_OPS_PORT }, periodSeconds: 10, failureThreshold: 3 },
            volumeMounts: mounts,
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

/** Ingress from the client networks (and load balancer health checks inside the VPC), metrics from Prometheus; egress to the model servers and the IdP only. */
export function renderGatewayNetworkPolicySpec(args: { clientCidrs: readonly string[]; jwksCidrs: readonly string[]; models: readonly string[] }): k8s.types.input.networking.v1.NetworkPolicySpec {
  for (const c of [...args.clientCidrs, ...args.jwksCidrs]) if (c.endsWith("/0")) throw new Error(`gateway NetworkPolicy: ${c} would admit the whole internet`);
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
