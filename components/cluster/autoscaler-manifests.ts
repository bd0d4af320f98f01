/**
 * Cluster Autoscaler objects, rendered by pure functions (no resources). It runs in its own
 * namespace under Pod Security restricted and default-deny networking, with AWS permissions from
 * EKS Pod Identity that can resize only this cluster's node groups.
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PolicyDocument } from "../keys/key-policies";
import { dnsEgressRule } from "./inference-namespace";
import { POD_IDENTITY_AGENT_CIDR } from "./pod-identity";

export const AUTOSCALER_NAME = "cluster-autoscaler";
export const AUTOSCALER_NAMESPACE = "cluster-autoscaler";
export const AUTOSCALER_UID = 65534;
/** Status ConfigMap the autoscaler writes (its --status-config-map-name default). */
export const STATUS_CONFIGMAP = "cluster-autoscaler-status";
const LABELS = { "app.kubernetes.io/name": AUTOSCALER_NAME, "app.kubernetes.io/part-of": "sovereign-llm" };

export function autoscalerLabels(): Record<string, string> {
  return { ...LABELS };
}

/** Read-only discovery (these actions take no resource-level scoping), resize only this cluster's groups. */
export function autoscalerPolicy(clusterName: string, nodeGroupArns: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Discover",
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ],
        Resource: "*",
      },
      // Scale from zero: labels and taints of managed node groups come from EKS.
      { Sid: "DescribeNodeGroups", Effect: "Allow", Action: "eks:DescribeNodegroup", Resource: [...nodeGroupArns] },
      {
        Sid: "ResizeThisClustersGroupsOnly",
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: "*",
        // EKS tags the Auto Scaling groups of managed node groups with the cluster's name.
        Condition: { StringEquals: { "aws:ResourceTag/eks:cluster-name": clusterName } },
      },
    ],
  };
}

export function clusterRoleRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  const read = ["get", "list", "watch"];
  return [
    { apiGroups: [""], resources: ["events", "endpoints"], verbs: ["create", "patch"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
    { apiGroups: [""], resources: ["endpoints"], resourceNames: [AUTOSCALER_NAME], verbs: ["get", "update"] },
    { apiGroups: [""], resources: ["nodes"], verbs: [...read, "update"] },
    { apiGroups: [""], resources: ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"], verbs: read },
    { apiGroups: ["apps"], resources: ["daemonsets", "replicasets", "statefulsets"], verbs: read },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: read },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: read },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"], verbs: read },
    { apiGroups: ["resource.k8s.io"], resources: ["resourceclaims", "resourceslices", "deviceclasses"], verbs: read },
  ];
}

export function namespaceRoleRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: [STATUS_CONFIGMAP], verbs: ["delete", "get", "update", "watch"] },
    // Leader election, in this namespace (the autoscaler takes the lease's namespace from --namespace).
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [AUTOSCALER_NAME], verbs: ["get", "update"] },
  ];
}

export function autoscalerArgs(clusterName: string): string[] {
  return [
    "--cloud-provider=aws",
    `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${clusterName}`,
    "--balance-similar-node-groups=true",
    "--expander=least-waste",
    // GPU nodes are expensive: remove them when idle, but not while a model is loading.
    "--scale-down-unneeded-time=15m",
    "--scale-down-delay-after-add=20m",
    "--skip-nodes-with-system-pods=false",
    // Status ConfigMap and leader-election lease in the autoscaler's own namespace: its default is
    // kube-system, where its Role grants nothing, so it would fail to write them.
    `--namespace=${AUTOSCALER_NAMESPACE}`,
    "--leader-elect-resource-name=cluster-autoscaler",
    "--logtostderr=true",
    "--v=2",
  ];
}

export function renderAutoscalerDeploymentSpec(image: string, clusterName: string, region: string): k8s.types.input.apps.v1.DeploymentSpec {
  return {
    replicas: 1,
    selector: { matchLabels: { "app.kubernetes.io/name": AUTOSCALER_NAME } },
    template: {
      metadata: { labels: autoscalerLabels() },
      spec: {
        serviceAccountName: AUTOSCALER_NAME,
        // It talks to the Kubernetes API, so it needs its token; nothing else in this namespace runs.
        automountServiceAccountToken: true,
        priorityClassName: "system-cluster-critical",
        nodeSelector: { "sovereign-llm/node-group": "system" },
        securityContext: { runAsNonRoot: true, runAsUser: AUTOSCALER_UID, runAsGroup: AUTOSCALER_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: AUTOSCALER_NAME,
            image,
            command: ["./cluster-autoscaler"],
            args: autoscalerArgs(clusterName),
            env: [{ name: "AWS_REGION", value: region }],
            resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: AUTOSCALER_UID,
              runAsGroup: AUTOSCALER_UID,
              allowPrivilegeEscalation: false,
              privileged: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
            livenessProbe: { httpGet: { path: "/health-check", port: 8085 }, periodSeconds: 30 },
          },
        ],
      },
    },
  };
}

export interface AutoscalerEgressInput {
  /** The `kubernetes` service address (first host of the pinned service range). */
  apiServiceAddress: string;
  /** CIDRs of the subnets holding the interface endpoints it calls (autoscaling, ec2, eks, sts). */
  endpointCidrs: readonly string[];
}

/**
 * Egress of the autoscaler: DNS, the Kubernetes API by its service address, the AWS interface
 * endpoints' subnets on 443, and the node's Pod Identity agent. The API is allowed by the service
 * address because the VPC CNI network policy agent evaluates egress before kube-proxy translates
 * the address to the control plane's ENIs: an ipBlock on the VPC CIDR (or on the ENIs) never
 * matches it, and the autoscaler exits on its first failed list.
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
export function renderAutoscalerEgressPolicySpec(input: AutoscalerEgressInput): k8s.types.input.networking.v1.NetworkPolicySpec {
  if (input.endpointCidrs.length === 0) throw new Error("endpointCidrs: the autoscaler needs the AWS endpoints' subnets");
  return {
    podSelector: { matchLabels: { "app.kubernetes.io/name": AUTOSCALER_NAME } },
    policyTypes: ["Egress"],
    egress: [
      dnsEgressRule(),
      { to: [{ ipBlock: { cidr: `${input.apiServiceAddress}/32` } }], ports: [{ protocol: "TCP", port: 443 }] },
      { to: [...new Set(input.endpointCidrs)].sort().map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [{ protocol: "TCP", port: 80 }] },
    ],
  };
}
