import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ModelConfig } from "../../infra/schema";
import { withName, type Tags } from "../tags";
import { InternalCa, serviceDnsNames } from "./internal-ca";
import { fitAutoName } from "../names";
import { clusterArnOf } from "../cluster/pod-identity";
import { DATA_VOLUME_THROUGHPUT_MIBPS } from "../cluster/node-hardening";
import type { LoadPath } from "./rollout-budget";
import { renderScaledObjectSpec } from "../autoscaling/scaled-object";
import { renderReplicasServiceSpec, replicasServiceName, scalingUrl } from "./replicas";
import {
  PROBE_CERT_FILE,
  PROBE_KEY_FILE,
  SIGNING_KEY_FILE,
  COPIER_FILE,
  FETCH_PART_MIB,
  modelReadPolicy,
  podIdentityTrustPolicy,
  podSizing,
  modelRolloutBudget,
  renderDeploymentSpec,
  renderIngressPolicySpec,
  renderPdbSpec,
  renderServiceSpec,
  selectorLabels,
  vllmLabels,
} from "./manifests";
import {
  CACHE_SCRIPT_FILE,
  cacheLabels,
  cacheResourceName,
  renderCacheDaemonSetSpec,
  renderCacheEgressPolicySpec,
  renderCacheIngressPolicySpec,
  renderCacheServiceSpec,
  renderModelToCachePolicySpec,
} from "./model-cache-manifests";
import { NODE_PROVISION_SECONDS } from "./rollout-budget";

export interface VllmServiceArgs {
  /** The model's validated config entry. Required. */
  model: ModelConfig;
  /** Instance types of the model's node group (sizing). Required. */
  instanceTypes: string[];
  /** Namespace the server runs in (the inference namespace). Required. */
  namespace: pulumi.Input<string>;
  /** EKS cluster name (Pod Identity association). Required. */
  clusterName: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  /** Model store bucket name and ARN. Required. */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** KMS key the model objects are encrypted with. Required. */
  modelsKeyArn: pulumi.Input<string>;
  /** KMS signing key (ECC_NIST_P256); its public key verifies the model. Required. */
  signingKeyArn: pulumi.Input<string>;
  /** Images, pinned by digest (config enforces it). Required. */
  images: { vllm: string; verifier: string };
  /** The stack's internal CA; issues this server's certificate. Required. */
  ca: InternalCa;
  /** API key vLLM requires on /v1 routes (secret). Required. */
  apiKey: pulumi.Input<string>;
  /** The node's model cache as one script (tools/model-signing/bundle.ts cacheBundle()). Required. */
  cacheScript: string;
  /** The model server's copy step as one script (tools/model-signing/bundle.ts copierBundle()). Required. */
  copierScript: string;
  /** CIDRs the model cache may reach on 443: the AWS endpoint subnets. Required. */
  endpointCidrs: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The node group's load path (cold-start.ts loadPathFor: its storage's read rate, the one-pass
   * fetch's rate, the image pre-pulled); sets the probes', the Deployment's and Pulumi's budgets.
   * Default: one pass over the baseline gp3 data volume (125 MiB/s), the image pulled after it.
   */
  loadPath?: LoadPath;
  /** Ranged GETs the model cache keeps in flight to S3. Default 8. */
  fetchConcurrency?: number;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * One model server and its node-local cache: a model cache DaemonSet on the model's node group
 * with the only AWS identity (Pod Identity) that can read this model's prefix, which downloads and
 * verifies the model once per node and serves it read-only behind a node-local Service; a
 * Deployment with no AWS credentials whose init step copies the model from its node's cache,
 * verifying the signature and every digest again in the same pass, before vLLM starts; mutual TLS
 * with certificates from the stack's CA, a ClusterIP Service, NetworkPolicies (the front door and
 * the scraper reach vLLM, vLLM reaches only its cache, the cache only S3 and the Pod Identity
 * agent), a PodDisruptionBudget and, when configured, a KEDA ScaledObject.
 */
export class VllmService extends pulumi.ComponentResource {
  /** The model cache's role: reads this model's prefix. */
  public readonly role: aws.iam.Role;
  /** The model cache's Pod Identity association (the model server's service account has none). */
  public readonly podIdentity: aws.eks.PodIdentityAssociation;
  public readonly cache: k8s.apps.v1.DaemonSet;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  /** `https://vllm-<model>.<namespace>.svc:8000`: where the front door sends requests. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: VllmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:serving:VllmService", name, {}, opts);
    const model = args.model;
    const loadPath: LoadPath = args.loadPath ?? { volumeMiBps: DATA_VOLUME_THROUGHPUT_MIBPS, fetchMiBps: DATA_VOLUME_THROUGHPUT_MIBPS };
    const fetchConcurrency = args.fetchConcurrency ?? 8;
    const tags = args.tags ?? {};
    const resourceName = `vllm-${model.name}`;
    const cacheName = cacheResourceName(model.name);
    // Validate before declaring anything: sizing throws on unknown instance types.
    podSizing(model, args.instanceTypes);
    const namespace = pulumi.output(args.namespace);
    const labels = vllmLabels(model.name);
    const meta = (suffix = "") => ({ name: `${resourceName}${suffix}`, namespace, labels });
    const cacheMeta = (suffix = "") => ({ name: `${cacheName}${suffix}`, namespace, labels: cacheLabels(model.name) });

    // --- AWS identity: the model cache's, and only the cache's ---------------------------------
    this.role = new aws.iam.Role(
      // IAM role names are limited to 64 characters; a long stack and model name would not fit.
      fitAutoName(`${name}-role`, 64),
      {
        description: `model cache ${model.name}: read models/${model.name}/ through EKS Pod Identity`,
        assumeRolePolicy: pulumi.all([args.accountId, args.clusterName, namespace]).apply(([accountId, cluster, ns]) =>
          JSON.stringify(
            podIdentityTrustPolicy({ accountId, clusterArn: clusterArnOf(args.partition ?? "aws", args.region, accountId, cluster), namespace: ns, serviceAccount: cacheName }),
          ),
        ),
        tags: withName(tags, `${name}-role`),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-read-model`,
      {
        role: this.role.name,
        policy: pulumi
          .all([args.bucketArn, args.modelsKeyArn])
          .apply(([bucketArn, modelsKeyArn]) => JSON.stringify(modelReadPolicy({ bucketArn, modelsKeyArn, model: model.name, region: args.region }))),
      },
      { parent: this.role },
    );
    // The model server's service account: no Pod Identity association, no token.
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(), automountServiceAccountToken: false }, { parent: this });
    const cacheServiceAccount = new k8s.core.v1.ServiceAccount(`${name}-cache-sa`, { metadata: cacheMeta(), automountServiceAccountToken: false }, { parent: this });
    // EKS injects Pod Identity credentials when a pod is admitted, so the association must exist
    // before the first cache pod: the DaemonSet depends on it. The injected token is its own
    // projected volume (eks-pod-identity-token), independent of automountServiceAccountToken.
    this.podIdentity = new aws.eks.PodIdentityAssociation(
      `${name}-pod-identity`,
      { clusterName: args.clusterName, namespace, serviceAccount: cacheServiceAccount.metadata.name, roleArn: this.role.arn, tags: withName(tags, `${name}-pod-identity`) },
      { parent: this },
    );

    // --- Configuration delivered to the pods ----------------------------------------------------
    const copierMap = new k8s.core.v1.ConfigMap(`${name}-copier`, { metadata: meta("-copier"), data: { [COPIER_FILE]: args.copierScript } }, { parent: this });
    const cacheScriptMap = new k8s.core.v1.ConfigMap(`${name}-cache-script`, { metadata: cacheMeta("-script"), data: { [CACHE_SCRIPT_FILE]: args.cacheScript } }, { parent: this });
    const publicKeyPem = aws.kms.getPublicKeyOutput({ keyId: args.signingKeyArn }, { parent: this }).publicKeyPem;
    const signingKeyMap = new k8s.core.v1.ConfigMap(`${name}-signing-key`, { metadata: meta("-signing-key"), data: { [SIGNING_KEY_FILE]: publicKeyPem } }, { parent: this });
    const apiKeySecret = new k8s.core.v1.Secret(
      `${name}-api-key`,
      { metadata: meta("-api-key"), type: "Opaque", stringData: { "api-key": pulumi.secret(args.apiKey) } },
      { parent: this },
    );

    // --- Certificates -------------------------------------------------------------------------
    // The server certificate is for server auth only, with the Service's names. The exec probes
    // (kubelet's httpGet probes cannot present a certificate, and vLLM requires one) present a
    // separate client-auth-only certificate that lives only in this pod's Secret.
    const dnsNames = namespace.apply((ns) => serviceDnsNames(resourceName, ns));
    const serverCert = args.ca.issue(`${name}-tls`, { commonName: resourceName, dnsNames, usage: "server" }, this);
    const probeCert = args.ca.issue(`${name}-probe`, { commonName: `${resourceName}-probe`, usage: "client" }, this);
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-tls`,
      {
        metadata: meta("-tls"),
        type: "kubernetes.io/tls",
        stringData: {
          "tls.crt": serverCert.certPem,
          "tls.key": serverCert.keyPem,
          "ca.crt": args.ca.certPem,
          [PROBE_CERT_FILE]: probeCert.certPem,
          [PROBE_KEY_FILE]: probeCert.keyPem,
        },
      },
      { parent: this },
    );

    // --- The node-local model cache -----------------------------------------------------------
    // Rendered directly (no apply): only the bucket is an Output, nested where it is used, so a
    // preview still shows every other field of the pod.
    const budget = modelRolloutBudget(model, loadPath);
    const cacheMinutes = Math.ceil((NODE_PROVISION_SECONDS + budget.cacheWaitSeconds) / 60) + 5;
    this.cache = new k8s.apps.v1.DaemonSet(
      `${name}-cache`,
      {
        metadata: cacheMeta(),
        spec: renderCacheDaemonSetSpec({
          model,
          image: args.images.verifier,
          bucket: args.bucketName,
          region: args.region,
          fetchConcurrency,
          partMiB: FETCH_PART_MIB,
          scriptConfigMapName: `${cacheName}-script`,
          signingKeyConfigMapName: `${resourceName}-signing-key`,
          signingKeyFile: SIGNING_KEY_FILE,
        }),
      },
      // Pulumi waits until every node of the group serves a verified copy (or a download fails), as long as one download takes.
      { parent: this, dependsOn: [this.podIdentity, cacheServiceAccount, cacheScriptMap, signingKeyMap], customTimeouts: { create: `${cacheMinutes}m`, update: `${cacheMinutes}m` } },
    );
    const cacheService = new k8s.core.v1.Service(`${name}-cache-svc`, { metadata: cacheMeta(), spec: renderCacheServiceSpec(model.name) }, { parent: this });
    new k8s.networking.v1.NetworkPolicy(`${name}-cache-ingress`, { metadata: cacheMeta("-ingress"), spec: renderCacheIngressPolicySpec(model.name, selectorLabels(model.name)) }, { parent: this });
    new k8s.networking.v1.NetworkPolicy(
      `${name}-cache-egress`,
      { metadata: cacheMeta("-egress"), spec: pulumi.output(args.endpointCidrs).apply((cidrs) => renderCacheEgressPolicySpec(model.name, (cidrs ?? []).filter((c): c is string => typeof c === "string"))) },
      { parent: this },
    );

    // --- Workload ----------------------------------------------------------------------------- No certificate checksum on the pod
    // template: a renewal updates the Secret, the kubelet updates the mounted files and vLLM
    // reloads them (--enable-ssl-refresh), so renewing certificates restarts no model server
    // (a checksum would roll every model at once, each through its whole load path).
    const spec = renderDeploymentSpec({
      resourceName,
      model,
      instanceTypes: args.instanceTypes,
      images: args.images,
      serviceAccountName: resourceName,
      tlsSecretName: `${resourceName}-tls`,
      apiKeySecretName: `${resourceName}-api-key`,
      apiKeySecretKey: "api-key",
      copierConfigMapName: `${resourceName}-copier`,
      signingKeyConfigMapName: `${resourceName}-signing-key`,
      loadPath,
    });
    // Pulumi waits for the rollout as long as the model's load path needs, and no longer.
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}`,
      { metadata: meta(), spec },
      {
        parent: this,
        // Not on the cache DaemonSet: the pods start beside the download and their copy waits for it.
        dependsOn: [serviceAccount, cacheService, copierMap, signingKeyMap, apiKeySecret, tlsSecret],
        customTimeouts: { create: `${budget.createTimeoutMinutes}m`, update: `${budget.updateTimeoutMinutes}m` },
      },
    );
    this.service = new k8s.core.v1.Service(`${name}-svc`, { metadata: meta(), spec: renderServiceSpec(model.name) }, { parent: this });
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(), spec: renderPdbSpec(model) }, { parent: this });
    new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, { metadata: meta("-ingress"), spec: renderIngressPolicySpec(model.name) }, { parent: this });
    // vLLM and its copy step reach their model's cache and DNS, nothing else: no AWS endpoint, no Pod Identity agent.
    new k8s.networking.v1.NetworkPolicy(`${name}-egress`, { metadata: meta("-egress"), spec: renderModelToCachePolicySpec(model.name, selectorLabels(model.name)) }, { parent: this });
    // Every ready replica in DNS, for the gateway to read each one's queue.
    new k8s.core.v1.Service(`${name}-replicas`, { metadata: { ...meta(), name: replicasServiceName(resourceName) }, spec: renderReplicasServiceSpec(model.name) }, { parent: this });
    if (model.autoscaling.enabled) {
      // KEDA (installed by the platform when a model autoscales) polls the gateway for this
      // model's queue; the platform orders this component after KEDA's CRDs and operator.
      const a = model.autoscaling;
      new k8s.apiextensions.CustomResource(
        `${name}-scaler`,
        {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: meta(),
          spec: namespace.apply((ns) =>
            renderScaledObjectSpec({
              deploymentName: resourceName,
              scalingUrl: scalingUrl(ns, model.name),
              minReplicas: a.minReplicas,
              maxReplicas: a.maxReplicas,
              queueThreshold: a.queueThreshold,
              idleSeconds: a.idleMinutes * 60,
              replicaReadySeconds: budget.podReadySeconds,
            }),
          ),
        },
        { parent: this, dependsOn: [this.deployment] },
      );
    }
    this.url = pulumi.interpolate`https://${resourceName}.${namespace}.svc:8000`;
    this.registerOutputs({ url: this.url, roleArn: this.role.arn, cache: this.cache.metadata.name });
  }
}
