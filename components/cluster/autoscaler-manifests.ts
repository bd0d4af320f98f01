/**
 * Cluster Autoscaler objects, rendered by pure functions (no resources). It runs in its own
 * namespace under Pod Security restricted and default-deny networking, with AWS permissions from
 * EKS Pod Identity that can resize only this cluster's node groups.
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PolicyDocument } from "../keys/key-policies";

export const AUTOSCALER_NAME = "cluster-autoscaler";
export const AUTOSCALER_NAMESPACE = "cluster-autoscaler";
export const AUTOSCALER_UID = 65534;
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
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [AUTOSCALER_NAME], verbs: ["get", "update"] },
  ];
}

export function namespaceRoleRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-autoscaler-status"], verbs: ["delete", "get", "update", "watch"] },
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
