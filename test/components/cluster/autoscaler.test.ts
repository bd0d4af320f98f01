/** Cluster Autoscaler: least-privilege AWS role, narrow RBAC, restricted pod in its own default-deny namespace. */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { plain, type SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { autoscalerArgs, autoscalerPolicy, clusterRoleRules, namespaceRoleRules, renderAutoscalerEgressPolicySpec } from "../../../components/cluster/autoscaler-manifests.js";
import { kubernetesServiceAddress } from "../../../components/cluster/secure-cluster.js";
import { settingsOf } from "../../helpers/stacks.js";
import { zonePlan } from "../../../components/network/cidr-plan.js";
import { azIndex } from "../../../infra/regions.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
let results: Record<StackName, SynthResult>;
const settings = {} as Record<StackName, Awaited<ReturnType<typeof settingsOf>>>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
  for (const s of STACKS) settings[s] = await settingsOf(s);
});

describe("cluster autoscaler", () => {
  test("AWS policy: describe actions only on *, resize only groups tagged with this cluster, no wildcard actions", () => {
    const doc = autoscalerPolicy("sovereign-llm-prod", ["arn:aws:eks:us-east-1:1:nodegroup/c/g/x"]);
    for (const st of doc.Statement) for (const a of [st.Action].flat()) assert.doesNotMatch(a, /\*/);
    const writes = doc.Statement.filter((st) => [st.Action].flat().some((a) => !/:(Describe|Get)/.test(a)));
    assert.deepEqual(writes.map((st) => st.Sid), ["ResizeThisClustersGroupsOnly"]);
    assert.deepEqual(writes[0].Condition, { StringEquals: { "aws:ResourceTag/eks:cluster-name": "sovereign-llm-prod" } });
  });

  test("discovers node groups by the cluster's auto-discovery tags", () => {
    assert.ok(autoscalerArgs("c1").includes("--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/c1"));
  });

  test("status ConfigMap and leader lease live in its own namespace, where its Role allows them", () => {
    assert.ok(autoscalerArgs("c1").includes("--namespace=cluster-autoscaler"), "default is kube-system, where it may write nothing");
    const ns = namespaceRoleRules();
    assert.ok(ns.some((r) => (r.resources as string[]).includes("configmaps") && (r.resourceNames as string[] | undefined)?.includes("cluster-autoscaler-status")));
    assert.ok(ns.some((r) => (r.resources as string[]).includes("leases")));
    assert.ok(!clusterRoleRules().some((r) => (r.resources as string[]).includes("leases")), "no cluster-wide lease rights");
  });

  test("egress: the API by the kubernetes service address, the endpoint subnets, the Pod Identity agent, DNS; nothing else", () => {
    const np = JSON.parse(JSON.stringify(renderAutoscalerEgressPolicySpec({ apiServiceAddress: "172.20.0.1", endpointCidrs: ["10.30.241.0/24", "10.30.240.0/24"] })));
    const peers = np.egress.flatMap((r: Json) => r.to.map((t: Json) => t.ipBlock?.cidr ?? "dns"));
    assert.deepEqual(peers, ["dns", "172.20.0.1/32", "10.30.240.0/24", "10.30.241.0/24", "169.254.170.23/32"]);
    assert.throws(() => renderAutoscalerEgressPolicySpec({ apiServiceAddress: "172.20.0.1", endpointCidrs: [] }), /endpointCidrs/);
  });

  test("RBAC: no wildcard verbs or resources, no secrets", () => {
    for (const rule of clusterRoleRules()) {
      assert.ok(!(rule.verbs as string[]).includes("*"));
      assert.ok(!(rule.resources as string[]).includes("*"));
      assert.ok(!(rule.resources as string[]).includes("secrets"));
    }
  });

  for (const stack of STACKS) {
    test(`${stack}: restricted namespace with default deny, Pod Identity, restricted pod, policy scoped to the cluster`, () => {
      const r = results[stack];
      const ns = ofType(r, "kubernetes:core/v1:Namespace").map((x) => plain(x.inputs) as Json).find((n) => n.metadata.name === "cluster-autoscaler");
      assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
      const deny = ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((x) => plain(x.inputs) as Json).find((p) => p.metadata.name === "default-deny-all" && p.metadata.namespace === "cluster-autoscaler");
      assert.deepEqual(deny.spec.policyTypes, ["Ingress", "Egress"]);
      const assoc = ofType(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((x) => plain(x.inputs) as Json).find((a) => a.serviceAccount === "cluster-autoscaler");
      assert.equal(assoc.namespace, "cluster-autoscaler");
      const [policy] = ofType(r, "aws:iam/rolePolicy:RolePolicy").filter((x) => x.name.endsWith("-autoscaler"));
      const doc = JSON.parse((plain(policy.inputs) as Json).policy);
      const resize = doc.Statement.find((st: Json) => st.Sid === "ResizeThisClustersGroupsOnly");
      assert.equal(resize.Condition.StringEquals["aws:ResourceTag/eks:cluster-name"], `sovereign-llm-${stack}`);
      const describe = doc.Statement.find((st: Json) => st.Sid === "DescribeNodeGroups");
      assert.equal(describe.Resource.length, 1 + ofType(r, "aws:eks/nodeGroup:NodeGroup").length - 1, "every node group, by ARN");
      const [dep] = ofType(r, "kubernetes:apps/v1:Deployment").filter((x) => x.name.endsWith("-autoscaler"));
      const c = (plain(dep.inputs) as Json).spec.template.spec.containers[0];
      assert.match(c.image, /@sha256:[0-9a-f]{64}$/);
      // Egress as rendered: the API service address of the pinned range and the endpoint subnets
      // (never the VPC CIDR, which would not match the service address and holds every pod).
      const egress = ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((x) => plain(x.inputs) as Json).find((p) => p.metadata.name === "cluster-autoscaler-egress");
      const cidrs: string[] = egress.spec.egress.flatMap((rule: Json) => rule.to.map((t: Json) => t.ipBlock?.cidr)).filter(Boolean);
      const { cfg } = settings[stack];
      assert.ok(cidrs.includes(`${kubernetesServiceAddress(cfg.cluster.serviceCidr)}/32`));
      const endpointSubnets = cfg.network.availabilityZones.map((az) => zonePlan(cfg.network.cidr, cfg.network.workloadSubnetPrefix, azIndex(az)).endpoints).sort();
      assert.deepEqual(cidrs.filter((x) => x !== "169.254.170.23/32" && !x.startsWith("172.20.")), endpointSubnets);
      assert.ok(!cidrs.includes(cfg.network.cidr));
      const trust = JSON.parse((plain(ofType(r, "aws:iam/role:Role").find((x) => x.name.endsWith("-autoscaler"))!.inputs) as Json).assumeRolePolicy);
      assert.equal(trust.Statement[0].Condition.StringEquals["aws:RequestTag/kubernetes-namespace"], "cluster-autoscaler");
      assert.equal(trust.Statement[0].Condition.StringEquals["aws:RequestTag/kubernetes-service-account"], "cluster-autoscaler");
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    });
  }
});
