import * as pulumi from "@pulumi/pulumi";

/**
 * A kubeconfig that authenticates with `aws eks get-token` (exec credential plugin), so no
 * long-lived token is stored in state; whoever runs Pulumi needs the AWS CLI and a role with an
 * access entry. The endpoint is private unless the stack lists public CIDRs, so in-cluster
 * resources are created from a runner that can reach it (see the README).
 */
export function kubeconfigFor(args: {
  clusterName: pulumi.Input<string>;
  endpoint: pulumi.Input<string>;
  certificateAuthority: pulumi.Input<string>;
  region: string;
}): pulumi.Output<string> {
  return pulumi.all([args.clusterName, args.endpoint, args.certificateAuthority]).apply(([name, endpoint, ca]) =>
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name, cluster: { server: endpoint, "certificate-authority-data": ca } }],
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
