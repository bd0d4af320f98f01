import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { dnsEgressRule, podSecurityLabels } from "../cluster/inference-namespace";
import { kedaCrds } from "./keda-crds";
import { KEDA_NAMESPACE, renderKedaNetworkPolicies, renderKedaObjects, type MetricsSource } from "./keda-manifests";

export interface KedaArgs {
  /** Cluster minor version (Pod Security labels are pinned to it). Required. */
  kubernetesVersion: string;
  /** KEDA operator image from the account's mirror, pinned by digest. Required. */
  operatorImage: string;
  /** KEDA metrics API server image from the account's mirror, pinned by digest. Required. */
  metricsServerImage: string;
  /** Where KEDA runs (the system node group's label). Required. */
  nodeSelector: Record<string, string>;
  /** Where the Kubernetes API answers for pods: the `kubernetes` service address as a /32. Required. */
  apiCidrs: string[];
  /** Subnets the control plane's ENIs live in (it calls the metrics API server from there). Required. */
  controlPlaneCidrs: string[];
  /** What the operator may poll for metrics. Default none. */
  metricsSources?: MetricsSource[];
}

type Obj = ReturnType<typeof renderKedaObjects>[number];

/**
 * KEDA at the pinned release: its CRDs (committed with their source), the operator and the
 * metrics API server in their own restricted, default-deny namespace, images from the account's
 * mirror. ScaledObjects are declared by the workloads they scale, after this.
 */
export class Keda extends pulumi.ComponentResource {
  /** What a ScaledObject must wait for: the CRDs and the operator. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:autoscaling:Keda", name, {}, opts);
    const objects = renderKedaObjects({ operatorImage: args.operatorImage, metricsServerImage: args.metricsServerImage, nodeSelector: args.nodeSelector });
    const policies = renderKedaNetworkPolicies({ apiCidrs: args.apiCidrs, controlPlaneCidrs: args.controlPlaneCidrs, sources: args.metricsSources ?? [], dnsRule: dnsEgressRule() });
    const child = { parent: this };
    const crds = kedaCrds().map((crd) => new k8s.apiextensions.v1.CustomResourceDefinition(`${name}-crd-${crd.metadata.name}`, crd as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs, child));
    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: KEDA_NAMESPACE, labels: { ...podSecurityLabels(args.kubernetesVersion), "app.kubernetes.io/part-of": "sovereign-llm" } } },
      child,
    );
    const inNs = { parent: namespace };
    for (const p of policies) new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${p.metadata.name}`, p as unknown as k8s.networking.v1.NetworkPolicyArgs, inNs);
    const declared: pulumi.Resource[] = [];
    for (const o of objects) {
      const id = `${name}-${o.kind.toLowerCase()}-${o.metadata.namespace === "kube-system" ? "kube-system-" : ""}${o.metadata.name}`;
      const deps = { ...(o.metadata.namespace === KEDA_NAMESPACE ? inNs : child), dependsOn: [...crds, namespace] };
      declared.push(declare(id, o, deps));
    }
    this.ready = [...crds, ...declared.filter((r) => r instanceof k8s.apps.v1.Deployment)];
    this.registerOutputs({});
  }
}

function declare(id: string, o: Obj, opts: pulumi.CustomResourceOptions): pulumi.Resource {
  // The objects are plain Kubernetes manifests (checked against the API's schemas in the tests).
  const args = o as unknown;
  switch (o.kind) {
    case "ServiceAccount":
      return new k8s.core.v1.ServiceAccount(id, args as k8s.core.v1.ServiceAccountArgs, opts);
    case "ClusterRole":
      return new k8s.rbac.v1.ClusterRole(id, args as k8s.rbac.v1.ClusterRoleArgs, opts);
    case "Role":
      return new k8s.rbac.v1.Role(id, args as k8s.rbac.v1.RoleArgs, opts);
    case "ClusterRoleBinding":
      return new k8s.rbac.v1.ClusterRoleBinding(id, args as k8s.rbac.v1.ClusterRoleBindingArgs, opts);
    case "RoleBinding":
      return new k8s.rbac.v1.RoleBinding(id, args as k8s.rbac.v1.RoleBindingArgs, opts);
    case "Deployment":
      return new k8s.apps.v1.Deployment(id, args as k8s.apps.v1.DeploymentArgs, opts);
    case "Service":
      return new k8s.core.v1.Service(id, args as k8s.core.v1.ServiceArgs, opts);
    case "APIService":
      return new k8s.apiregistration.v1.APIService(id, args as k8s.apiregistration.v1.APIServiceArgs, opts);
    default:
      throw new Error(`KEDA install: no resource type for kind ${o.kind}`);
  }
}
