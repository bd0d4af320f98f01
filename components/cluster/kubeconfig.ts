import * as pulumi from "@pulumi/pulumi";

/**
 * A kubeconfig that authenticates with `aws eks get-token` (exec credential plugin), so no
 * long-lived token is stored in state; whoever runs Pulumi needs the AWS CLI and a role with an
 * access entry. The endpoint is private unless the stack lists public CIDRs, so in-cluster
 * resources are created from a runner that can reach it (see the README).
 */
/** The kubeconfig cluster entry: the endpoint itself, or a local tunnel that still verifies the endpoint's name. */
export function clusterEntry(endpoint: string, ca: string, tunnelPort?: number): Record<string, string> {
  if (tunnelPort === undefined) return { server: endpoint, "certificate-authority-data": ca };
  return { server: `https://127.0.0.1:${tunnelPort}`, "tls-server-name": new URL(endpoint).hostname, "certificate-authority-data": ca };
}

export function kubeconfigFor(args: {
  clusterName: pulumi.Input<string>;
  endpoint: pulumi.Input<string>;
  certificateAuthority: pulumi.Input<string>;
  region: string;
  /**
   * Local port of a port forward to the private endpoint: the client connects to 127.0.0.1 on it
   * and verifies the server certificate for the endpoint's own name (kubeconfig `tls-server-name`).
   * Default none.
   */
  tunnelPort?: number;
}): pulumi.Output<string> {
  return pulumi.all([args.clusterName, args.endpoint, args.certificateAuthority]).apply(([name, endpoint, ca]) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name, cluster: clusterEntry(endpoint, ca, args.tunnelPort) }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      "current-context": name,
      users: [
        {
          name,
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: "aws",
              args: ["eks", "get-token", "--cluster-name", name, "--region", args.region, "--output", "json"],
              interactiveMode: "Never",
            },
          },
        },
      ],
    }),
  );
}
