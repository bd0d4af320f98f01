import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { podSecurityLabels } from "./inference-namespace";
import {
  AUTOSCALER_NAME,
  AUTOSCALER_NAMESPACE,
  autoscalerLabels,
  autoscalerPolicy,
  clusterRoleRules,
  namespaceRoleRules,
  renderAutoscalerDeploymentSpec,
  renderAutoscalerEgressPolicySpec,
} from "./autoscaler-manifests";
import { clusterArnOf, podIdentityTrustPolicy } from "./pod-identity";
import { withName, type Tags } from "../tags";

export interface ClusterAutoscalerArgs {
  clusterName: pulumi.Input<string>;
  /** Cluster minor version (Pod Security labels are pinned to it). Required. */
  kubernetesVersion: string;
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  accountId: pulumi.Input<string>;
  /** ARNs of the node groups it may describe (scale from zero). Required. */
  nodeGroupArns: pulumi.Input<string>[];
  /** Image pinned by digest. Required. */
  image: string;
  /** The `kubernetes` service address (SecureCluster.apiServiceAddress). Required. */
  apiServiceAddress: string;
  /** CIDRs of the interface-endpoint subnets (autoscaling, ec2, eks, sts answer there). Required. */
  endpointCidrs: string[];
  /** Base tags of AWS resources. Default none. */
  tags?: Tags;
}

/**
 * Cluster Autoscaler: owns the desired size of every managed node group (which the node groups
 * leave alone after creation), in its own restricted namespace, with a Pod Identity role that
 * can resize only this cluster's groups.
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:cluster:ClusterAutoscaler", name, {}, opts);
    const tags = args.tags ?? {};
    const child = { parent: this };
    const role = new aws.iam.Role(
      `${name}`,
      {
        description: "Cluster Autoscaler (EKS Pod Identity): resize this cluster's node groups",
        assumeRolePolicy: pulumi.all([args.accountId, args.clusterName]).apply(([accountId, cluster]) =>
          JSON.stringify(
            podIdentityTrustPolicy({
              accountId,
              clusterArn: clusterArnOf(args.partition ?? "aws", args.region, accountId, cluster),
              namespace: AUTOSCALER_NAMESPACE,
              serviceAccount: AUTOSCALER_NAME,
            }),
          ),
        ),
        tags: withName(tags, name),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}`,
      {
        role: role.id,
        policy: pulumi.all([args.clusterName, pulumi.all(args.nodeGroupArns)]).apply(([cluster, arns]) => JSON.stringify(autoscalerPolicy(cluster, arns))),
      },
      { parent: role },
    );

    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: AUTOSCALER_NAMESPACE, labels: { ...podSecurityLabels(args.kubernetesVersion), "app.kubernetes.io/part-of": "sovereign-llm" } } },
      child,
    );
    const meta = { name: AUTOSCALER_NAME, namespace: namespace.metadata.name, labels: autoscalerLabels() };
    const nsChild = { parent: namespace };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      { metadata: { name: "default-deny-all", namespace: namespace.metadata.name }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
      nsChild,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { ...meta, name: `${AUTOSCALER_NAME}-egress` },
        spec: renderAutoscalerEgressPolicySpec({ apiServiceAddress: args.apiServiceAddress, endpointCidrs: args.endpointCidrs }),
      },
      nsChild,
    );
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta }, nsChild);
    const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}`, { metadata: { name: AUTOSCALER_NAME, labels: autoscalerLabels() }, rules: clusterRoleRules() }, child);
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}`,
      {
        metadata: { name: AUTOSCALER_NAME, labels: autoscalerLabels() },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: AUTOSCALER_NAME },
        subjects: [{ kind: "ServiceAccount", name: AUTOSCALER_NAME, namespace: AUTOSCALER_NAMESPACE }],
      },
      { parent: clusterRole },
    );
    const nsRole = new k8s.rbac.v1.Role(`${name}`, { metadata: meta, rules: namespaceRoleRules() }, nsChild);
    new k8s.rbac.v1.RoleBinding(
      `${name}`,
      {
        metadata: meta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: AUTOSCALER_NAME },
        subjects: [{ kind: "ServiceAccount", name: AUTOSCALER_NAME, namespace: AUTOSCALER_NAMESPACE }],
      },
      { parent: nsRole },
    );
    const association = new aws.eks.PodIdentityAssociation(
      `${name}`,
      { clusterName: args.clusterName, namespace: AUTOSCALER_NAMESPACE, serviceAccount: AUTOSCALER_NAME, roleArn: role.arn, tags: withName(tags, name) },
      { parent: role, dependsOn: [namespace] },
    );
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}`,
      { metadata: meta, spec: pulumi.output(args.clusterName).apply((cluster) => renderAutoscalerDeploymentSpec(args.image, cluster, args.region)) },
      { parent: namespace, dependsOn: [sa, association] },
    );
    this.registerOutputs({});
  }
}
