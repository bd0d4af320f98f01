/**
 * The first deploy of a private-endpoint stack: `deploy.kubernetesLayer: deferred` declares the
 * AWS layer only (nothing can reach the API before the nodes exist), `applied` adds the
 * Kubernetes layer, and `deploy.apiTunnelPort` points the Kubernetes provider at a local port
 * forward while TLS still verifies the endpoint's own name.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ofType, synthesizeMany, yamlConfig } from "../../helpers/stacks";
import { STACKS_DIR, stackFileFromConfig } from "../../../tools/check/stack-file";
import { plain, type SynthResult } from "../../../tools/check/synth";
import { clusterEntry } from "../../../components/cluster/kubeconfig";

function prodWith(deploy: Record<string, unknown>) {
  const config = yamlConfig("prod");
  config["sovereign-llm:deploy"] = deploy;
  return stackFileFromConfig("prod", config, join(STACKS_DIR, "Pulumi.prod.yaml"));
}

let deferred: SynthResult;
let tunnelled: SynthResult;
before(async () => {
  ({ deferred, tunnelled } = await synthesizeMany({ deferred: prodWith({ kubernetesLayer: "deferred" }), tunnelled: prodWith({ kubernetesLayer: "applied", apiTunnelPort: 8443 }) }, { preview: false }));
});

test("a tunnel connects to 127.0.0.1 and verifies the endpoint's own name; no tunnel connects to the endpoint", () => {
  const endpoint = "https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com";
  assert.deepEqual(clusterEntry(endpoint, "Q0E=", 8443), { server: "https://127.0.0.1:8443", "tls-server-name": "0123456789abcdef.gr7.us-east-1.eks.amazonaws.com", "certificate-authority-data": "Q0E=" });
  assert.deepEqual(clusterEntry(endpoint, "Q0E="), { server: endpoint, "certificate-authority-data": "Q0E=" });
});

test("deferred: the AWS layer only, no Kubernetes object and no workload role", () => {
  const types = new Set(deferred.registrations.map((r) => r.type));
  const k8s = deferred.registrations.filter((r) => r.type.startsWith("kubernetes:"));
  assert.deepEqual(k8s.map((r) => `${r.type} ${r.name}`), []);
  for (const t of ["aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:cloudtrail/trail:Trail", "aws:ec2/vpcEndpoint:VpcEndpoint"]) assert.ok(types.has(t), `the AWS layer declares ${t}`);
  assert.equal(ofType(deferred, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((r) => String(plain(r.inputs.namespace)) !== "kube-system").length, 0, "no workload Pod Identity association");
  for (const c of ["sovereign-llm:serving:VllmService", "sovereign-llm:cluster:ClusterAutoscaler", "sovereign-llm:serving:GuardrailGateway", "sovereign-llm:cluster:InferenceNamespace"]) assert.ok(!types.has(c), `${c} waits for the Kubernetes layer`);
  assert.equal(deferred.stackOutputs.kubernetesLayer, "deferred");
});

test("applied with a tunnel: the whole platform, and the Kubernetes provider's kubeconfig points at the tunnel", () => {
  assert.ok(tunnelled.registrations.some((r) => r.type === "sovereign-llm:serving:VllmService"));
  assert.ok(tunnelled.registrations.length > deferred.registrations.length);
  const provider = ofType(tunnelled, "pulumi:providers:kubernetes");
  assert.equal(provider.length, 1);
  const kubeconfig = JSON.parse(String(plain(provider[0].inputs.kubeconfig))) as { clusters: { cluster: Record<string, string> }[] };
  const cluster = ofType(tunnelled, "aws:eks/cluster:Cluster")[0];
  assert.equal(kubeconfig.clusters[0].cluster.server, "https://127.0.0.1:8443");
  assert.equal(kubeconfig.clusters[0].cluster["tls-server-name"], new URL(String(cluster.outputs.endpoint)).hostname);
});
