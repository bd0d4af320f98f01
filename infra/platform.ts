/**
 * Composition: turns validated settings into the platform's components. Declares nothing until
 * the settings have passed validation (config.ts throws first).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { PlatformSettings } from "./config";
import * as naming from "./naming";
import { KeyRing } from "../components/keys/key-ring";
import { AccountGuards } from "../components/account/account-guards";
import { IsolatedVpc } from "../components/network/isolated-vpc";
import { ModelStore } from "../components/storage/model-store";
import { DataBackup } from "../components/storage/data-backup";
import { AuditTrail } from "../components/audit/audit-trail";
import { PlatformMonitoring } from "../components/monitoring/platform-monitoring";
import { ThreatDetection } from "../components/monitoring/threat-detection";
import { FindingsPipeline, severitiesFrom } from "../components/monitoring/findings";
import { ConfigCompliance } from "../components/monitoring/config-compliance";
import { ImageSupplyChain, ownRepository } from "../components/registry/image-supply-chain";
import { BUILTIN_REDACTIONS } from "../components/monitoring/signals";
import { EgressFirewall } from "../components/network/egress-firewall";
import { DnsFirewall } from "../components/network/dns-firewall";
import { OnPremisesDns } from "../components/network/on-premises-dns";
import { PrivateHostname } from "../components/network/private-hostname";
import { SecureCluster } from "../components/cluster/secure-cluster";
import { GpuNodeGroup } from "../components/cluster/gpu-node-group";
import { InferenceNamespace } from "../components/cluster/inference-namespace";
import { ClusterAutoscaler } from "../components/cluster/cluster-autoscaler";
import type { Tags } from "../components/tags";
// --- serving ---
import * as random from "@pulumi/random";
import { InternalCa } from "../components/serving/internal-ca";
import { VllmService } from "../components/serving/vllm-service";
import { GuardrailGateway } from "../components/serving/guardrail-gateway";
import { NAMESPACE } from "./config";
import { buildScaling } from "./scaling";
import { planNodeStorage, type NodeStoragePlan } from "../components/cluster/node-storage";
import { fetchConcurrency, loadPathFor } from "../components/serving/cold-start";
import { nodeStorageInput } from "./rules";
import { cacheBundle, copierBundle } from "../tools/model-signing/bundle";
// --- end serving ---

export function baseTags(s: PlatformSettings): Tags {
  return {
    project: s.project,
    stack: s.stack,
    environment: s.environment,
    "data-classification": s.dataClassification,
    owner: s.owner,
  };
}

/**
 * Nodes call AWS (registration, image pulls, Pod Identity) as soon as they boot; in a stack
 * without an internet path those calls work only once the VPC endpoints exist. A component's
 * dependsOn does not reach its children, so every EKS node group declared under the component
 * (the cluster's system group, each GPU group) gets the dependency itself.
 */
export function nodeGroupsWaitFor(resources: pulumi.Resource[]): pulumi.ResourceTransformation {
  return (args) =>
    args.type === "aws:eks/nodeGroup:NodeGroup" ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: resources }) } : undefined;
}

export function buildPlatform(s: PlatformSettings) {
  const tags = baseTags(s);
  const prefix = naming.stackPrefix(s.project, s.stack);
  const logPrefix = naming.logGroupPrefix(s.project, s.stack);
  const cluster = naming.clusterName(s.project, s.stack);
  const trail = naming.trailName(s.project, s.stack);
  const accountId = aws.getCallerIdentityOutput().accountId;
  const lockMode: "COMPLIANCE" | "GOVERNANCE" = s.environment === "prod" ? "COMPLIANCE" : "GOVERNANCE";

  const keys = new KeyRing(`${prefix}-keys`, {
    aliasPrefix: `${s.project}/${s.stack}`,
    partition: s.partition,
    region: s.region,
    accountId,
    adminRoleArns: s.access.adminRoleArns,
    readOnlyRoleArns: s.access.readOnlyRoleArns,
    breakGlassRoleArns: s.access.breakGlassRoleArns,
    logGroupPrefixes: [logPrefix, `/aws/eks/${cluster}/`],
    trailName: trail,
    protect: s.protect,
    tags,
  });

  // The account's own guards: no bucket of the account can be made public, no volume written in clear.
  const accountGuards = new AccountGuards(`${prefix}-account`, {
    strategy: s.account.guards,
    aliasPrefix: `${s.project}/${s.stack}`,
    partition: s.partition,
    region: s.region,
    accountId,
    adminRoleArns: s.access.adminRoleArns,
    protect: s.protect,
    tags,
  });

  const network = new IsolatedVpc(`${prefix}-net`, {
    cidr: s.network.cidr,
    availabilityZones: s.network.availabilityZones,
    region: s.region,
    partition: s.partition,
    accountId,
    workloadSubnetPrefix: s.network.workloadSubnetPrefix,
    egressMode: s.egress.mode,
    clusterName: cluster,
    // The model store is the only bucket workloads reach (model sync reads it); named here
    // because the store itself is declared after the endpoints its policy names.
    onPremises: s.network.onPremises && { transitGatewayId: s.network.onPremises.transitGatewayId, cidrs: s.network.onPremises.cidrs },
    endpointBuckets: [{ arn: accountId.apply((id) => `arn:${s.partition}:s3:::${naming.modelBucketName(s.project, s.stack, id, s.region)}`), access: "read" }],
    logsKeyArn: keys.arns.logs,
    logGroupPrefix: logPrefix,
    flowLogRetentionDays: s.networkRetentionDays,
    tags,
  });

  const models = new ModelStore(`${prefix}-models`, {
    bucketName: accountId.apply((id) => naming.modelBucketName(s.project, s.stack, id, s.region)),
    modelsKeyArn: keys.arns.models,
    s3EndpointIds: [network.s3Endpoint.id, network.s3InterfaceEndpoint.id],
    adminRoleArns: s.access.adminRoleArns,
    lockMode,
    lockDays: s.storage.modelLockDays,
    partition: s.partition,
    protect: s.protect,
    tags,
  });

  const audit = new AuditTrail(`${prefix}-audit`, {
    trailName: trail,
    bucketName: accountId.apply((id) => naming.auditBucketName(s.project, s.stack, id, s.region)),
    region: s.region,
    partition: s.partition,
    accountId,
    auditKeyArn: keys.arns.audit,
    logsKeyArn: keys.arns.logs,
    logGroupPrefix: logPrefix,
    dataEventBucketArns: [models.arn],
    auditRetentionDays: s.logging.auditRetentionDays,
    lock: { mode: lockMode, days: s.storage.auditLockDays },
    content: { mode: s.logging.content, retentionDays: s.logging.contentRetentionDays },
    alarmEmails: s.logging.alarmEmails,
    protect: s.protect,
    tags,
  });

  const firewall = new EgressFirewall(`${prefix}-egress`, {
    vpcId: network.vpcId,
    vpcCidr: s.network.cidr,
    zones: Object.values(network.zones),
    egressMode: s.egress.mode,
    allowedDomains: s.egress.allowedDomains,
    logsKeyArn: keys.arns.logs,
    logGroupPrefix: logPrefix,
    logRetentionDays: s.networkRetentionDays,
    protect: s.protect,
    tags,
  });

  // Where the AWS interface endpoints (S3 included, with private DNS) answer: pods that call AWS
  // may reach these subnets, not the whole VPC CIDR, which holds every node and pod.
  const endpointCidrs = Object.values(network.zones)
    .map((z) => z.plan.endpoints)
    .sort();

  // DNS: the organisation's domains forwarded over the transit gateway; every query filtered
  // (AWS names, the egress allow-list and those domains resolve, nothing else) and logged.
  const onPrem = s.network.onPremises;
  const onPremisesDns =
    onPrem && onPrem.dnsDomains.length > 0
      ? new OnPremisesDns(
          `${prefix}-onprem-dns`,
          { vpcId: network.vpcId, subnetIds: Object.values(network.zones).map((z) => z.endpointSubnet.id), domains: onPrem.dnsDomains, resolverIps: onPrem.dnsResolvers, tags },
          { dependsOn: network.transitGatewayAttachment ? [network.transitGatewayAttachment] : [] },
        )
      : undefined;
  const dnsFirewall = new DnsFirewall(`${prefix}-dns`, {
    vpcId: network.vpcId,
    region: s.region,
    accountId,
    partition: s.partition,
    // gateway.hostname is answered by the stack's own private hosted zone (below); DNS Firewall
    // filters queries to private zones as well, so it must be allowed like any other name.
    allowedDomains: [...s.egress.allowedDomains, ...(onPrem?.dnsDomains ?? []).flatMap((d) => [d, `*.${d}`]), s.gateway.hostname],
    logsKeyArn: keys.arns.logs,
    logGroupPrefix: logPrefix,
    // Query logs carry the querying address of every pod and node: network records, like flow logs.
    logRetentionDays: s.networkRetentionDays,
    alarmTopicArn: audit.alarmTopic.arn,
    protect: s.protect,
    tags,
  });

  const eks = new SecureCluster(
    `${prefix}-eks`,
    {
      clusterName: cluster,
      version: s.cluster.version,
      region: s.region,
      partition: s.partition,
      vpcId: network.vpcId,
      vpcCidr: s.network.cidr,
      subnetIds: network.workloadSubnetIds,
      serviceCidr: s.cluster.serviceCidr,
      publicAccessCidrs: s.cluster.publicAccessCidrs,
      clusterKeyArn: keys.arns.cluster,
      logsKeyArn: keys.arns.logs,
      nodeVolumeKeyArn: keys.arns.nodeVolumes,
      logRetentionDays: s.logging.auditRetentionDays,
      adminRoleArns: s.access.adminRoleArns,
      readOnlyRoleArns: s.access.readOnlyRoleArns,
      addonVersions: s.cluster.addonVersions,
      systemNodes: s.cluster.systemNodes,
      apiTunnelPort: s.deploy.apiTunnelPort,
      protect: s.protect,
      tags,
    },
    { transformations: [nodeGroupsWaitFor(network.endpointsReady)] },
  );

  // Where each GPU group keeps images and models (instance store or provisioned gp3), validated by
  // the config rules already; the launch templates and the model servers' budgets follow it.
  const storagePlans: Record<string, NodeStoragePlan> = Object.fromEntries(s.gpuNodeGroups.map((g) => [g.name, planNodeStorage(nodeStorageInput(s, g))]));
  const gpuNodeGroups = Object.fromEntries(
    s.gpuNodeGroups.map((g) => [
      g.name,
      new GpuNodeGroup(
        `${prefix}-gpu-${g.name}`,
        {
          groupName: g.name,
          clusterName: eks.name,
          nodeRoleArn: eks.nodeRole.arn,
          subnetIdsByZone: Object.fromEntries(Object.values(network.zones).map((z) => [z.az, z.workloadSubnet.id])),
          instanceTypes: g.instanceTypes,
          capacityType: g.capacityType,
          capacityReservationId: g.capacityReservationId,
          capacityReservationZone: g.capacityReservationZone,
          minSize: g.minSize,
          maxSize: g.maxSize,
          desiredSize: g.desiredSize,
          dataVolumeGiB: g.dataVolumeGiB,
          storage: storagePlans[g.name],
          volumeKeyArn: keys.arns.nodeVolumes,
          nodePrerequisites: eks.nodePrerequisites,
          tags,
        },
        { transformations: [nodeGroupsWaitFor(network.endpointsReady)] },
      ),
    ]),
  );

  // The Kubernetes layer: declared once something can reach the API endpoint (deploy.kubernetesLayer).
  const kubernetes = s.deploy.kubernetesLayer === "applied";
  const autoscaler = !kubernetes ? undefined : new ClusterAutoscaler(
    `${prefix}-autoscaler`,
    {
      clusterName: eks.name,
      kubernetesVersion: s.cluster.version,
      region: s.region,
      accountId,
      nodeGroupArns: [eks.systemNodeGroup.arn, ...Object.values(gpuNodeGroups).map((g) => g.nodeGroup.arn)],
      image: s.cluster.autoscalerImage,
      partition: s.partition,
      apiServiceAddress: eks.apiServiceAddress,
      endpointCidrs,
      tags,
    },
    { provider: eks.provider },
  );

  const inference = kubernetes ? new InferenceNamespace(`${prefix}-inference`, { namespace: "inference", kubernetesVersion: s.cluster.version }, { provider: eks.provider }) : undefined;
  // The vLLM image pre-pulled on the model node groups; KEDA when a model autoscales.
  const scaling = inference
    ? buildScaling({
        settings: s,
        prefix,
        provider: eks.provider,
        namespace: inference.name,
        namespaceName: "inference",
        apiCidrs: [`${eks.apiServiceAddress}/32`],
        controlPlaneCidrs: Object.values(network.zones).map((z) => z.plan.workload).sort(),
        dependsOn: [inference],
      })
    : {};

  // --- serving: one internal CA per stack, one VllmService and API key per model ---
  const ca = new InternalCa(`${prefix}-ca`, { commonName: `${prefix} internal CA` });
  // The front door's client certificate (exported as secret outputs for the gateway).
  const gatewayClient = ca.issue(`${prefix}-gateway-client`, { commonName: "guardrail-gateway", usage: "client" });
  // The metrics scraper must present a client certificate too: vLLM requires one on every route.
  const metricsClient = ca.issue(`${prefix}-metrics-client`, { commonName: "metrics-scraper", usage: "client" });
  // One vLLM API key per model server: a key read from one model's Secret opens that model only.
  const vllmApiKeys = Object.fromEntries(s.models.map((m) => [m.name, new random.RandomPassword(`${prefix}-vllm-api-key-${m.name}`, { length: 48, special: false }).result]));
  // The node's model cache (holds the model's credentials) and the model server's copy step (holds none).
  const cacheScript = s.models.length > 0 ? cacheBundle() : "";
  const copierScript = s.models.length > 0 ? copierBundle() : "";
  /** The group's load path (budgets) and fetch concurrency, over its slowest instance type. */
  const loadOf = (group: string) => {
    const g = s.gpuNodeGroups.find((x) => x.name === group)!;
    const plan = storagePlans[group]!;
    const storage = plan.mode === "instance-store" ? ({ mode: "instance-store" } as const) : ({ mode: "ebs", throughputMiBps: plan.dataVolume.throughputMiBps } as const);
    return { loadPath: loadPathFor(g.instanceTypes, storage), fetchConcurrency: Math.min(...g.instanceTypes.map(fetchConcurrency)) };
  };
  const vllm = Object.fromEntries(
    (inference ? s.models : []).map((m) => [
      m.name,
      new VllmService(
        `${prefix}-vllm-${m.name}`,
        {
          model: m,
          instanceTypes: s.gpuNodeGroups.find((g) => g.name === m.nodeGroup)?.instanceTypes ?? [],
          namespace: inference!.name,
          clusterName: eks.name,
          accountId,
          region: s.region,
          partition: s.partition,
          bucketName: models.name,
          bucketArn: models.arn,
          modelsKeyArn: keys.arns.models,
          signingKeyArn: keys.arns.signing,
          images: { vllm: s.serving.vllmImage, verifier: s.serving.verifierImage },
          ca,
          apiKey: vllmApiKeys[m.name]!,
          cacheScript,
          copierScript,
          ...loadOf(m.nodeGroup),
          endpointCidrs,
          tags,
        },
        // A model's ScaledObject needs KEDA's CRDs and operator first.
        { provider: eks.provider, dependsOn: [inference, gpuNodeGroups[m.nodeGroup], scaling.keda].filter((r): r is NonNullable<typeof r> => r !== undefined) },
      ),
    ]),
  );
  // --- end serving ---

  const gateway =
    inference && s.models.length > 0
      ? new GuardrailGateway(
          `${prefix}-gateway`,
          {
            gateway: s.gateway,
            namespace: inference.name,
            endpointCidrs,
            upstreams: Object.fromEntries(Object.entries(vllm).map(([model, svc]) => [model, svc.url])),
            ca,
            upstreamClient: gatewayClient,
            vllmApiKeys: Object.fromEntries(Object.keys(vllm).map((model) => [model, vllmApiKeys[model]!])),
            apiKeyHashes: s.gatewayApiKeys ? new pulumi.Config(NAMESPACE).requireSecretObject<Record<string, string>>("gatewayApiKeyHashes") : undefined,
            contentLogging: s.logging.content === "enabled",
            clusterName: eks.name,
            region: s.region,
            partition: s.partition,
            accountId,
            auditLogGroupName: `${logPrefix}audit/gateway`,
            contentLogGroupName: s.logging.content === "enabled" ? `${logPrefix}content/inference` : undefined,
            logShipperImage: s.serving.logShipperImage,
            tags,
          },
          { provider: eks.provider, dependsOn: [inference, audit, ...Object.values(vllm)] },
        )
      : undefined;

  // gateway.hostname resolves to the gateway's internal load balancer: inside the VPC through a
  // private hosted zone, from the organisation's network through a Resolver inbound endpoint its
  // DNS forwards the name to. The record waits for the load balancer (the Kubernetes layer).
  const gatewayLoadBalancer = gateway ? gateway.service.status.apply((st) => st?.loadBalancer?.ingress?.[0]?.hostname ?? "") : undefined;
  const gatewayName = new PrivateHostname(`${prefix}-gateway-dns`, {
    hostname: s.gateway.hostname,
    vpcId: network.vpcId,
    target: gatewayLoadBalancer && { dnsName: gatewayLoadBalancer, zoneId: aws.lb.getHostedZoneIdOutput({ loadBalancerType: "network", region: s.region }).id },
    inbound: onPrem && {
      subnetIds: Object.values(network.zones).map((z) => z.endpointSubnet.id),
      forwarderCidrs: onPrem.dnsResolvers.length > 0 ? onPrem.dnsResolvers.map((ip) => `${ip}/32`) : onPrem.cidrs,
    },
    tags,
  });

  // Watched after deploy: every alarm notifies the audit trail's alarm topic.
  const monitoring = new PlatformMonitoring(`${prefix}-monitoring`, {
    metricNamespace: `SovereignLLM/${s.stack}`,
    dashboardName: prefix,
    region: s.region,
    alarmTopicArn: audit.alarmTopic.arn,
    logGroups: {
      "gateway-audit": audit.gatewayAuditLogGroup.name,
      "firewall-alert": firewall.alertLogGroup.name,
      "eks-control-plane": eks.controlPlaneLogGroup.name,
      cloudtrail: audit.auditLogGroup.name,
    },
    models: s.models.map((m) => m.name),
    noEgress: s.egress.mode === "none",
    // Model files are read by the model servers; admins publish them.
    modelStore: { bucketName: models.name, readerRoleArns: [...Object.values(vllm).map((v) => v.role.arn), ...s.access.adminRoleArns] },
    thresholds: s.monitoring.thresholds,
    redactionKinds: [...BUILTIN_REDACTIONS, ...s.gateway.redactPatterns.map((p) => p.name)],
    tags,
  });

  // Threats and drift the packs cannot see: made by hand in the console, or at run time.
  const detection = new ThreatDetection(`${prefix}-detection`, {
    region: s.region,
    partition: s.partition,
    guardDuty: s.detection.guardDuty,
    securityHub: s.detection.securityHub,
    accessAnalyzerName: `${prefix}-access`,
    tags,
  });

  // Hand changes the packs cannot see: AWS Config records the platform's resource types and
  // evaluates managed rules; non-compliance reaches the findings pipeline.
  const config = new ConfigCompliance(`${prefix}-config`, {
    strategy: s.detection.config,
    region: s.region,
    partition: s.partition,
    accountId,
    namePrefix: prefix,
    bucketName: accountId.apply((id) => naming.configBucketName(s.project, s.stack, id, s.region)),
    kmsKeyArn: keys.arns.audit,
    auditRetentionDays: s.logging.auditRetentionDays,
    auditLogGroupNames: [`${logPrefix}audit/cloudtrail`, `${logPrefix}audit/gateway`, `${logPrefix}findings`],
    organizationRecorderName: s.detection.configRecorderName,
    protect: s.protect,
    tags,
  });

  // The records kept as a second copy outside their buckets: the CloudTrail archive and Config's
  // history (both audit class). The model store is not: its weights hold no personal data and
  // are re-published from the signed release, under its own Object Lock.
  const backup = new DataBackup(`${prefix}-backup`, {
    namePrefix: prefix,
    aliasPrefix: `${s.project}/${s.stack}`,
    partition: s.partition,
    region: s.region,
    accountId,
    adminRoleArns: s.access.adminRoleArns,
    breakGlassRoleArns: s.access.breakGlassRoleArns,
    sources: [{ bucketArn: audit.archive.arn, keyArn: keys.arns.audit }, ...(config.deliveryBucketArn ? [{ bucketArn: config.deliveryBucketArn, keyArn: keys.arns.audit }] : [])],
    retentionDays: s.storage.backup.retentionDays,
    lockMode,
    copyRegion: s.storage.backup.copyRegion,
    protect: s.protect,
    tags,
  });

  // Findings that must reach a person: high-severity GuardDuty findings, image vulnerabilities,
  // Config rules turning NON_COMPLIANT.
  const findings = new FindingsPipeline(`${prefix}-findings`, {
    region: s.region,
    partition: s.partition,
    accountId,
    logGroupName: `${logPrefix}findings`,
    logsKeyArn: keys.arns.logs,
    retentionDays: s.logging.auditRetentionDays,
    alarmTopicArn: audit.alarmTopic.arn,
    metricNamespace: `SovereignLLM/${s.stack}`,
    guardDutyMinSeverity: s.detection.guardDutyMinSeverity,
    inspectorSeverities: severitiesFrom(s.detection.inspectorMinSeverity),
    configRulePrefix: config.rulePrefix,
    protect: s.protect,
    tags,
  });

  // The registry the stack's images come from, scanned continuously by Inspector.
  const images = [s.serving.vllmImage, s.serving.verifierImage, s.serving.logShipperImage, s.gateway.image, s.cluster.autoscalerImage, ...(s.cluster.keda ? [s.cluster.keda.operatorImage, s.cluster.keda.metricsServerImage] : [])];
  const supplyChain = new ImageSupplyChain(`${prefix}-images`, {
    accountId,
    repositories: images.map((i) => ownRepository(i, s.region)).filter((r): r is string => r !== undefined),
    scanning: s.detection.inspector,
    tags,
  });

  return {
    keys,
    accountGuards,
    network,
    models,
    audit,
    firewall,
    dnsFirewall,
    onPremisesDns,
    gatewayName,
    eks,
    gpuNodeGroups,
    inference,
    autoscaler,
    ca,
    vllm,
    gateway,
    monitoring,
    detection,
    config,
    backup,
    findings,
    supplyChain,
    outputs: {
      imageRepositories: pulumi.all(supplyChain.repositoryUrls),
      detection: pulumi.all([detection.summary, config.summary]).apply(([d, c]) => ({ ...d, config: c })),
      accountGuards: accountGuards.summary,
      dashboardName: monitoring.dashboard.dashboardName,
      gatewayHostname: s.gateway.hostname,
      // The internal load balancer's DNS name (EKS's cloud controller creates it for the gateway's
      // Service): point gateway.hostname at it.
      gatewayLoadBalancer: gatewayLoadBalancer ?? "",
      // The private hosted zone of gateway.hostname, and where the organisation's DNS forwards it.
      gatewayZoneId: gatewayName.zone.zoneId,
      gatewayResolverAddresses: gatewayName.resolverAddresses,
      kubernetesLayer: s.deploy.kubernetesLayer,
      clusterName: eks.name,
      kubeconfig: pulumi.secret(eks.kubeconfig),
      region: s.region,
      vpcId: network.vpcId,
      workloadSubnetIds: pulumi.all(network.workloadSubnetIds),
      modelBucket: models.name,
      auditBucket: audit.archive.name,
      trailArn: audit.trail.arn,
      keyArns: pulumi.all(keys.arns),
      // --- serving ---
      internalCaCertificate: pulumi.secret(ca.certPem),
      gatewayClientCertificate: pulumi.secret(gatewayClient.certPem),
      gatewayClientKey: pulumi.secret(gatewayClient.keyPem),
      metricsClientCertificate: pulumi.secret(metricsClient.certPem),
      metricsClientKey: pulumi.secret(metricsClient.keyPem),
      vllmApiKeys: pulumi.secret(pulumi.all(vllmApiKeys)),
      modelEndpoints: pulumi.all(Object.fromEntries(Object.entries(vllm).map(([k, v]) => [k, v.url]))),
      // The signed version each model is pinned to (null: any version signed with the stack's key).
      modelExpectedDigests: Object.fromEntries(s.models.map((m) => [m.name, m.expectedDigest ?? null])),
      // --- end serving ---
    },
  };
}
