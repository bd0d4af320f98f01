import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface InferenceNamespaceArgs {
  /** Namespace name. Default `inference`. */
  namespace?: string;
  /** Cluster minor version; Pod Security is pinned to it so an upgrade cannot loosen it silently. Required. */
  kubernetesVersion: string;
}

/** Labels that make the API server enforce, warn about and audit Pod Security `restricted`. */
export function podSecurityLabels(version: string): Record<string, string> {
  const v = `v${version}`;
  return {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": v,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": v,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": v,
  };
}

/** Egress to CoreDNS in kube-system, the one allowance every pod behind a default deny needs. */
export function dnsEgressRule(): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/**
 * The namespace model servers run in: Pod Security `restricted` enforced, every pod denied all
 * ingress and egress by default (the VPC CNI enforces NetworkPolicy), and DNS to CoreDNS as the
 * one allowance every pod needs. Workloads add their own narrow policies.
 */
export class InferenceNamespace extends pulumi.ComponentResource {
  public readonly namespace: k8s.core.v1.Namespace;
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: InferenceNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:cluster:InferenceNamespace", name, {}, opts);
    const namespace = args.namespace ?? "inference";
    this.namespace = new k8s.core.v1.Namespace(
      `${name}`,
      { metadata: { name: namespace, labels: { ...podSecurityLabels(args.kubernetesVersion), "app.kubernetes.io/part-of": "sovereign-llm" } } },
      { parent: this },
    );
    this.name = this.namespace.metadata.name;
    const child = { parent: this.namespace };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: { name: "default-deny-all", namespace: this.name },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-allow-dns`,
      {
        metadata: { name: "allow-dns-to-coredns", namespace: this.name },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [dnsEgressRule()],
        },
      },
      child,
    );
    this.registerOutputs({ name: this.name });
  }
}
