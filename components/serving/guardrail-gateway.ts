import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import type { InternalCa, IssuedCertificate } from "./internal-ca";
import {
  GATEWAY_NAME,
  GATEWAY_OPS_PORT,
  gatewayLabels,
  renderApiKeysFile,
  vllmApiKeyFiles,
  renderGatewayConfig,
  renderGatewayDeploymentSpec,
  renderGatewayNetworkPolicySpec,
  renderGatewayService,
  renderShipperConfig,
  type GatewaySettings,
} from "./gateway-manifests";
import { GATEWAY_POD_LABELS, podIdentityTrustPolicy } from "./manifests";
import { clusterArnOf } from "../cluster/pod-identity";
import { GATEWAY_OPS_SERVICE } from "./replicas";

export interface GuardrailGatewayArgs {
  /** Stack settings under `sovereign-llm:gateway`. Required. */
  gateway: GatewaySettings;
  /** Namespace (the inference namespace). Required. */
  namespace: pulumi.Input<string>;
  /** CIDRs of the interface-endpoint subnets (CloudWatch Logs for the log shipper). Required. */
  endpointCidrs: string[];
  /** Model name → upstream URL of its vLLM service. Required, at least one. */
  upstreams: Record<string, pulumi.Input<string>>;
  /** The platform's internal CA: issues the gateway's server certificate. Required. */
  ca: InternalCa;
  /** The client certificate the gateway presents to vLLM (mutual TLS). Required. */
  upstreamClient: IssuedCertificate;
  /**
   * Each model server's vLLM API key (secret), model name → key, sent only to that model as
   * defence in depth. Required: one for every model in `upstreams`.
   */
  vllmApiKeys: Record<string, pulumi.Input<string>>;
  /** Workload API keys, name → hex SHA-256 (secret config gatewayApiKeyHashes). Default none. */
  apiKeyHashes?: pulumi.Output<Record<string, string>>;
  /** Keep prompts and completions in the content log class. Default false. */
  contentLogging?: boolean;
  /** EKS cluster (for the log shipper's Pod Identity association). Required. */
  clusterName: pulumi.Input<string>;
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  accountId: pulumi.Input<string>;
  /** Audit-class log group of the gateway (name). Required. */
  auditLogGroupName: string;
  /** Content-class log group (name); required when contentLogging. */
  contentLogGroupName?: string;
  /** Fluent Bit image (digest) that ships the logs. Required. */
  logShipperImage: string;
  /** Base tags of AWS resources. Default none. */
  tags?: Record<string, string>;
}

/**
 * The guardrail gateway (services/gateway) as the only way in to the models: Deployment under
 * Pod Security restricted with a read-only root, HPA, PodDisruptionBudget, an internal NLB with
 * TLS terminated by the gateway (certificate from the internal CA), and a NetworkPolicy that
 * admits only the client networks and lets the gateway reach only the model servers and the IdP.
 */
export class GuardrailGateway extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly serverCertificate: IssuedCertificate;

  constructor(name: string, args: GuardrailGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:serving:GuardrailGateway", name, {}, opts);
    const g = args.gateway;
    const contentLogging = args.contentLogging ?? false;
    const apiKeys = args.apiKeyHashes !== undefined;
    const problems: string[] = [];
    if (Object.keys(args.upstreams).length === 0) problems.push("upstreams: no model to front");
    const keyless = Object.keys(args.upstreams).filter((m) => args.vllmApiKeys[m] === undefined);
    if (keyless.length > 0) problems.push(`vllmApiKeys: no key for ${keyless.join(", ")}; give every model server its own`);
    if (!g.oidc && !apiKeys) problems.push("authentication: configure gateway.oidc or the secret gatewayApiKeyHashes");
    if (g.minReplicas > g.maxReplicas) problems.push("minReplicas must not exceed maxReplicas");
    if (g.clientCidrs.length === 0) problems.push("gateway.clientCidrs: list the networks that may call the gateway");
    if (contentLogging && !args.contentLogGroupName) problems.push("contentLogGroupName: required when content logging is on");
    if (problems.length > 0) throw new Error(`GuardrailGateway ${name}: ${problems.join("; ")}`);

    const child = { parent: this };
    const meta = (suffix: string) => ({ name: `${GATEWAY_NAME}${suffix}`, namespace: args.namespace, labels: gatewayLabels() });
    const serviceDns = pulumi.output(args.namespace).apply((ns) => [`${GATEWAY_NAME}.${ns}.svc`, `${GATEWAY_NAME}.${ns}.svc.cluster.local`]);
    this.serverCertificate = args.ca.issue(`${name}-server`, { commonName: g.hostname, usage: "server", dnsNames: serviceDns.apply((d) => [g.hostname, ...d]) }, this);

    const config = pulumi.all(args.upstreams).apply((upstreams) =>
      stringify(renderGatewayConfig({ gateway: g, upstreams: upstreams as Record<string, string>, apiKeys, contentLogging })),
    );
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta("-config"), data: { "config.yaml": config } }, child);
    const tlsSecret = (suffix: string, cert: IssuedCertificate) =>
      new k8s.core.v1.Secret(
        `${name}${suffix}`,
        {
          metadata: meta(suffix),
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": cert.certPem, "tls.key": pulumi.secret(cert.keyPem), "ca.crt": args.ca.certPem },
        },
        child,
      );
    const serverTls = tlsSecret("-tls", this.serverCertificate);
    const upstreamTls = tlsSecret("-upstream", args.upstreamClient);
    const vllmKey = new k8s.core.v1.Secret(
      `${name}-vllm-api-key`,
      {
        metadata: meta("-vllm-api-key"),
        type: "Opaque",
        stringData: pulumi.secret(pulumi.all(args.vllmApiKeys).apply((keys) => vllmApiKeyFiles(Object.keys(args.upstreams), keys))),
      },
      child,
    );
    const apiKeySecret = args.apiKeyHashes
      ? new k8s.core.v1.Secret(
          `${name}-api-keys`,
          { metadata: meta("-api-keys"), type: "Opaque", stringData: { "api-keys.yaml": pulumi.secret(args.apiKeyHashes.apply(renderApiKeysFile)) } },
          child,
        )
      : undefined;
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(""), automountServiceAccountToken: false }, child);

    // The log shipper's AWS identity: write to the gateway's log groups, nothing else.
    const partition = args.partition ?? "aws";
    const groups = [args.auditLogGroupName, ...(contentLogging && args.contentLogGroupName ? [args.contentLogGroupName] : [])];
    const shipperRole = new aws.iam.Role(
      `${name}-log-shipper`,
      {
        description: "Guardrail gateway log shipper (EKS Pod Identity): audit and content log groups only",
        assumeRolePolicy: pulumi.all([args.accountId, args.clusterName, args.namespace]).apply(([accountId, cluster, ns]) =>
          JSON.stringify(podIdentityTrustPolicy({ accountId, clusterArn: clusterArnOf(partition, args.region, accountId, cluster), namespace: ns, serviceAccount: GATEWAY_NAME })),
        ),
        tags: { ...(args.tags ?? {}), Name: `${name}-log-shipper` },
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-log-shipper`,
      {
        role: shipperRole.id,
        policy: pulumi.output(args.accountId).apply((accountId) => {
          const arns = groups.map((group) => `arn:${partition}:logs:${args.region}:${accountId}:log-group:${group}`);
          return JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:DescribeLogStreams"], Resource: arns.map((a) => `${a}:*`) },
              { Effect: "Allow", Action: "logs:PutLogEvents", Resource: arns.map((a) => `${a}:log-stream:*`) },
            ],
          });
        }),
      },
      { parent: shipperRole },
    );
    const podIdentity = new aws.eks.PodIdentityAssociation(
      `${name}-log-shipper`,
      { clusterName: args.clusterName, namespace: args.namespace, serviceAccount: GATEWAY_NAME, roleArn: shipperRole.arn, tags: { ...(args.tags ?? {}), Name: `${name}-log-shipper` } },
      { parent: shipperRole },
    );
    const shipperConfig = new k8s.core.v1.ConfigMap(
      `${name}-log-shipper`,
      {
        metadata: meta("-log-shipper"),
        data: {
          "fluent-bit.conf": renderShipperConfig({
            region: args.region,
            auditLogGroup: args.auditLogGroupName,
            contentLogGroup: contentLogging ? args.contentLogGroupName : undefined,
          }),
        },
      },
      child,
    );

    // A new config or certificate rolls the pods (mounted files would change under a running process otherwise).
    const checksum = pulumi
      .all([config, this.serverCertificate.certPem, args.upstreamClient.certPem, args.ca.certPem])
      .apply((parts) => createHash("sha256").update(parts.map((p) => p ?? "").join("\n")).digest("hex"));
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}`,
      {
        metadata: meta(""),
        spec: renderGatewayDeploymentSpec(
            {
              image: g.image,
              configChecksum: checksum,
              apiKeys,
              contentLogging,
              serviceAccountName: GATEWAY_NAME,
              shipperImage: args.logShipperImage,
              names: {
                config: `${GATEWAY_NAME}-config`,
                serverTls: `${GATEWAY_NAME}-tls`,
                upstreamTls: `${GATEWAY_NAME}-upstream`,
                apiKeys: `${GATEWAY_NAME}-api-keys`,
                vllmApiKey: `${GATEWAY_NAME}-vllm-api-key`,
                shipperConfig: `${GATEWAY_NAME}-log-shipper`,
              },
            },
            g.minReplicas,
          ),
      },
      // The HPA owns the replica count after creation.
      // Pod Identity injects credentials when a pod is admitted, so the association comes first.
      { parent: this, dependsOn: [configMap, shipperConfig, serverTls, upstreamTls, vllmKey, serviceAccount, podIdentity, ...(apiKeySecret ? [apiKeySecret] : [])], ignoreChanges: ["spec.replicas"] },
    );
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta(""),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: GATEWAY_NAME },
          minReplicas: g.minReplicas,
          maxReplicas: g.maxReplicas,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
      },
      { parent: this.deployment },
    );
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(""), spec: { maxUnavailable: 1, selector: { matchLabels: GATEWAY_POD_LABELS } } }, { parent: this.deployment });

    // Only the declared client networks: not the VPC CIDR, which holds every node and pod.
    const clientCidrs = [...g.clientCidrs];
    const service = renderGatewayService(clientCidrs);
    this.service = new k8s.core.v1.Service(`${name}-lb`, { metadata: { ...meta(""), annotations: service.annotations }, spec: service.spec }, child);
    // The ops port inside the cluster: KEDA reads /scaling/<model> here (never through the load balancer).
    new k8s.core.v1.Service(
      `${name}-ops`,
      {
        metadata: { ...meta(""), name: GATEWAY_OPS_SERVICE },
        spec: { selector: { ...GATEWAY_POD_LABELS }, ports: [{ name: "ops", port: GATEWAY_OPS_PORT, targetPort: GATEWAY_OPS_PORT, protocol: "TCP" }] },
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-netpol`,
      { metadata: meta(""), spec: renderGatewayNetworkPolicySpec({ clientCidrs, jwksCidrs: g.oidc?.jwksCidrs ?? [], models: Object.keys(args.upstreams), endpointCidrs: args.endpointCidrs }) },
      child,
    );
    this.registerOutputs({ hostname: g.hostname });
  }
}
