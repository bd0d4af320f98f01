import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { encryptedLogGroup } from "../audit/log-group";
import { hardenedLaunchTemplate, nodeRole } from "./node-hardening";
import { kubeconfigFor } from "./kubeconfig";
import { podIdentityTrustPolicy } from "./pod-identity";
import { ADDON_VERSIONS, VPC_CNI_NETWORK_POLICY_CONFIGURATION } from "../serving/pins";
import { withName, type Tags } from "../tags";

/**
 * The `kubernetes` service's ClusterIP: the first host of the service range (the API server
 * allocates it so). Pods reach the API through it, and the VPC CNI network policy agent matches
 * egress before kube-proxy translates it to the control-plane ENIs, so an ipBlock for the VPC
 * never matches it: policies must name this address.
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
export function kubernetesServiceAddress(serviceCidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(serviceCidr);
  if (!m) throw new Error(`"${serviceCidr}" is not an IPv4 CIDR`);
  const prefix = Number(m[5]);
  const octets = m.slice(1, 5).map(Number);
  if (prefix > 30 || octets.some((o) => o > 255)) throw new Error(`"${serviceCidr}" is not a usable service range`);
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  const network = value - (value % 2 ** (32 - prefix));
  const first = network + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join(".");
}

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export type AddonKey = "vpcCni" | "coreDns" | "kubeProxy" | "podIdentityAgent" | "metricsServer";
const ADDON_NAMES: Record<AddonKey, string> = {
  vpcCni: "vpc-cni",
  coreDns: "coredns",
  kubeProxy: "kube-proxy",
  podIdentityAgent: "eks-pod-identity-agent",
  // EKS community add-on: resource metrics for the gateway's HorizontalPodAutoscaler.
  metricsServer: "metrics-server",
};

export interface SecureClusterArgs {
  /** Cluster name (fixes the control-plane log group `/aws/eks/<name>/cluster`). Required. */
  clusterName: string;
  /** EKS minor version (`1.35`). Required. */
  version: "1.34" | "1.35";
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** Workload subnets: control-plane ENIs and nodes. Required, one per zone. */
  subnetIds: pulumi.Input<string>[];
  /**
   * Kubernetes service range (`172.20.0.0/16`). Required: pinned so the `kubernetes` service
   * address, its first host, is known to the NetworkPolicies that must allow it.
   */
  serviceCidr: string;
  /**
   * Resources nodes need before they boot besides the add-ons, e.g. the VPC endpoints a private
   * node reaches ECR, STS and EKS through. Default none.
   */
  nodeDependencies?: pulumi.Input<pulumi.Resource>[];
  /** CIDRs that may reach the public endpoint. Default none: private endpoint only. */
  publicAccessCidrs?: string[];
  /** Key for Kubernetes secrets envelope encryption. Required. */
  clusterKeyArn: pulumi.Input<string>;
  /** Key of the control-plane log group. Required. */
  logsKeyArn: pulumi.Input<string>;
  /** Key of node EBS volumes. Required. */
  nodeVolumeKeyArn: pulumi.Input<string>;
  /** Control-plane log retention (audit class), days. Required. */
  logRetentionDays: number;
  /** Roles given cluster admin through access entries. Required, at least one. */
  adminRoleArns: string[];
  /** Roles given read-only (view) access. Default none. */
  readOnlyRoleArns?: string[];
  /** Add-on versions; unset ones come from the pins, else EKS's default for the version. Default {}. */
  addonVersions?: Partial<Record<AddonKey, string>>;
  /** The on-demand system node group. */
  systemNodes: { instanceType: string; minSize: number; desiredSize: number; maxSize: number };
  /** Local port of a port forward to the private API endpoint, used by the Kubernetes provider. Default none: the endpoint itself. */
  apiTunnelPort?: number;
  /** Deletion protection on the cluster. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * A private EKS cluster: no public endpoint unless CIDRs are listed, secrets encrypted with a
 * customer key, all control-plane logs, API authentication with access entries (no
 * creator-admin bootstrap), pinned managed add-ons with network-policy enforcement, Pod
 * Identity for workload credentials, a hardened system node group, and a Kubernetes provider
 * that authenticates with `aws eks get-token`.
 */
export class SecureCluster extends pulumi.ComponentResource {
  public readonly cluster: aws.eks.Cluster;
  public readonly name: pulumi.Output<string>;
  public readonly nodeRole: aws.iam.Role;
  public readonly provider: k8s.Provider;
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly controlPlaneLogGroup: aws.cloudwatch.LogGroup;
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  public readonly addons: Record<AddonKey, aws.eks.Addon>;
  public readonly systemNodeGroup: aws.eks.NodeGroup;
  /**
   * What every node group must wait for: the VPC CNI (no pod network, node NotReady), kube-proxy
   * (no service routing) and the Pod Identity agent (no credentials for the CNI), plus
   * `nodeDependencies`. With bootstrapSelfManagedAddons false nothing else installs them.
   * https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
   */
  public readonly nodePrerequisites: pulumi.Input<pulumi.Resource>[];
  /** The pinned service range and the `kubernetes` service address in it. */
  public readonly serviceCidr: string;
  public readonly apiServiceAddress: string;

  constructor(name: string, args: SecureClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:cluster:SecureCluster", name, {}, opts);
    const partition = args.partition ?? "aws";
    const publicAccessCidrs = args.publicAccessCidrs ?? [];
    const readOnlyRoleArns = args.readOnlyRoleArns ?? [];
    const tags = args.tags ?? {};
    const protect = args.protect ?? false;
    const problems: string[] = [];
    if (args.adminRoleArns.length === 0) problems.push("adminRoleArns: name at least one admin role");
    if (publicAccessCidrs.some((c) => c.endsWith("/0"))) problems.push("publicAccessCidrs: 0.0.0.0/0 would open the API to the internet");
    if (args.subnetIds.length < 2) problems.push("subnetIds: EKS needs subnets in at least two zones");
    let apiServiceAddress = "";
    try {
      apiServiceAddress = kubernetesServiceAddress(args.serviceCidr);
    } catch (err) {
      problems.push(`serviceCidr: ${(err as Error).message}`);
    }
    if (problems.length > 0) throw new Error(`SecureCluster ${name}: ${problems.join("; ")}`);

    const clusterRole = new aws.iam.Role(
      `${name}-cluster`,
      {
        description: "EKS control plane",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
        }),
        tags: withName(tags, `${name}-cluster`),
      },
      { parent: this },
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster-AmazonEKSClusterPolicy`,
      { role: clusterRole.name, policyArn: `arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy` },
      { parent: clusterRole },
    );
    // Envelope encryption of secrets: https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
    const kmsPolicy = new aws.iam.RolePolicy(
      `${name}-cluster-secrets-key`,
      {
        role: clusterRole.id,
        policy: pulumi.output(args.clusterKeyArn).apply((keyArn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants"], Resource: keyArn }],
          }),
        ),
      },
      { parent: clusterRole },
    );

    // EKS attaches its own cluster security group; this one only adds HTTPS to the private
    // endpoint from inside the VPC (deploy runners, in-VPC operators).
    const apiSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-api`,
      {
        vpcId: args.vpcId,
        description: "EKS API private endpoint: HTTPS from the VPC only",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.vpcCidr], description: "Kubernetes API from the VPC" }],
        egress: [],
        tags: withName(tags, `${name}-api`),
      },
      { parent: this },
    );

    this.controlPlaneLogGroup = encryptedLogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${args.clusterName}/cluster`, kmsKeyArn: args.logsKeyArn, retentionInDays: args.logRetentionDays, logClass: "audit", tags },
      { parent: this },
    );

    const publicEndpoint = publicAccessCidrs.length > 0;
    this.cluster = new aws.eks.Cluster(
      `${name}`,
      {
        name: args.clusterName,
        version: args.version,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: args.subnetIds,
          securityGroupIds: [apiSecurityGroup.id],
          endpointPrivateAccess: true,
          endpointPublicAccess: publicEndpoint,
          // AWS defaults an enabled public endpoint to 0.0.0.0/0; never leave it to the default.
          ...(publicEndpoint ? { publicAccessCidrs } : {}),
        },
        encryptionConfig: { provider: { keyArn: args.clusterKeyArn }, resources: ["secrets"] },
        enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
        // Add-ons are declared below at pinned versions instead of EKS's unmanaged defaults.
        bootstrapSelfManagedAddons: false,
        // Pinned rather than left to EKS (which picks 10.100.0.0/16 or 172.20.0.0/16 from the VPC
        // range): NetworkPolicies must name the `kubernetes` service address.
        kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: args.serviceCidr },
        upgradePolicy: { supportType: "STANDARD" },
        deletionProtection: protect,
        tags: withName(tags, args.clusterName),
      },
      { parent: this, dependsOn: [this.controlPlaneLogGroup, clusterPolicy, kmsPolicy] },
    );
    this.name = this.cluster.name;
    this.serviceCidr = args.serviceCidr;
    this.apiServiceAddress = apiServiceAddress;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId);

    // Access entries, named by role name so reordering the config never replaces one.
    const grant = (roleArn: string, policy: string, kind: string) => {
      const roleName = roleArn.split("/").pop()!;
      const entry = new aws.eks.AccessEntry(
        `${name}-${kind}-${roleName}`,
        { clusterName: this.cluster.name, principalArn: roleArn, type: "STANDARD", tags: withName(tags, `${name}-${kind}-${roleName}`) },
        { parent: this.cluster },
      );
      new aws.eks.AccessPolicyAssociation(
        `${name}-${kind}-${roleName}`,
        { clusterName: this.cluster.name, principalArn: roleArn, policyArn: `arn:${partition}:eks::aws:cluster-access-policy/${policy}`, accessScope: { type: "cluster" } },
        { parent: entry },
      );
    };
    for (const arn of args.adminRoleArns) grant(arn, "AmazonEKSClusterAdminPolicy", "admin");
    for (const arn of readOnlyRoleArns) grant(arn, "AmazonEKSViewPolicy", "view");

    this.nodeRole = nodeRole(`${name}-node`, partition, tags, { parent: this });
    // VPC CNI credentials through Pod Identity, not the node role; only kube-system/aws-node of
    // this cluster may assume the role (account and cluster read from the cluster's ARN).
    const cniRole = new aws.iam.Role(
      `${name}-vpc-cni`,
      {
        description: "VPC CNI (aws-node) through EKS Pod Identity",
        assumeRolePolicy: this.cluster.arn.apply((clusterArn) =>
          JSON.stringify(podIdentityTrustPolicy({ accountId: clusterArn.split(":")[4], clusterArn, namespace: "kube-system", serviceAccount: "aws-node" })),
        ),
        tags: withName(tags, `${name}-vpc-cni`),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(`${name}-vpc-cni-AmazonEKS_CNI_Policy`, { role: cniRole.name, policyArn: `arn:${partition}:iam::aws:policy/AmazonEKS_CNI_Policy` }, { parent: cniRole });

    const pinned: Partial<Record<AddonKey, string | null>> = ADDON_VERSIONS[args.version];
    const versionOf = (key: AddonKey): pulumi.Input<string> =>
      args.addonVersions?.[key] ??
      pinned[key] ??
      aws.eks.getAddonVersionOutput({ addonName: ADDON_NAMES[key], kubernetesVersion: args.version }, { parent: this }).version;
    const addon = (key: AddonKey, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
      new aws.eks.Addon(
        `${name}-${ADDON_NAMES[key]}`,
        {
          clusterName: this.cluster.name,
          addonName: ADDON_NAMES[key],
          addonVersion: versionOf(key),
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
          tags: withName(tags, `${name}-${ADDON_NAMES[key]}`),
          ...extra,
        },
        { parent: this.cluster, dependsOn },
      );
    const podIdentityAgent = addon("podIdentityAgent", {}, []);
    const vpcCni = addon(
      "vpcCni",
      {
        configurationValues: JSON.stringify(VPC_CNI_NETWORK_POLICY_CONFIGURATION),
        podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: "aws-node" }],
      },
      [podIdentityAgent],
    );
    const kubeProxy = addon("kubeProxy", {}, []);
    this.nodePrerequisites = [vpcCni, kubeProxy, podIdentityAgent, ...(args.nodeDependencies ?? [])];
    const systemTemplate = hardenedLaunchTemplate(`${name}-system`, { volumeKeyArn: args.nodeVolumeKeyArn, dataVolumeGiB: 50, tags }, { parent: this });
    const systemNodes = (this.systemNodeGroup = new aws.eks.NodeGroup(
      `${name}-system`,
      {
        clusterName: this.cluster.name,
        nodeGroupName: "system",
        nodeRoleArn: this.nodeRole.arn,
        subnetIds: args.subnetIds,
        amiType: "BOTTLEROCKET_x86_64",
        capacityType: "ON_DEMAND",
        instanceTypes: [args.systemNodes.instanceType],
        scalingConfig: { minSize: args.systemNodes.minSize, desiredSize: args.systemNodes.desiredSize, maxSize: args.systemNodes.maxSize },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: systemTemplate.id, version: pulumi.interpolate`${systemTemplate.latestVersion}` },
        labels: { "sovereign-llm/node-group": "system" },
        tags: withName(tags, `${name}-system`),
      },
      { parent: this.cluster, ignoreChanges: ["scalingConfig.desiredSize"], dependsOn: this.nodePrerequisites },
    ));

    const coreDns = addon("coreDns", {}, [systemNodes, vpcCni]);
    const metricsServer = addon("metricsServer", {}, [systemNodes, vpcCni]);
    this.addons = { vpcCni, coreDns, kubeProxy, podIdentityAgent, metricsServer };

    this.kubeconfig = kubeconfigFor({
      clusterName: this.cluster.name,
      endpoint: this.cluster.endpoint,
      certificateAuthority: this.cluster.certificateAuthority.apply((ca) => ca.data),
      region: args.region,
      tunnelPort: args.apiTunnelPort,
    });
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: false },
      { parent: this, dependsOn: [coreDns, vpcCni] },
    );
    this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
  }
}
