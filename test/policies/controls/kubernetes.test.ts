import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, type Fixture } from "../harness";
import { k8sNamespacePssRestricted } from "../../../policy-packs/controls/k8s-namespace-pss-restricted";
import { k8sNamespaceDefaultDeny } from "../../../policy-packs/controls/k8s-namespace-default-deny";
import { k8sWorkloadNonRoot } from "../../../policy-packs/controls/k8s-workload-non-root";
import { k8sWorkloadNoPrivilege } from "../../../policy-packs/controls/k8s-workload-no-privilege";
import { k8sWorkloadSeccomp } from "../../../policy-packs/controls/k8s-workload-seccomp";
import { k8sWorkloadReadOnlyRoot } from "../../../policy-packs/controls/k8s-workload-read-only-root";
import { k8sWorkloadHostIsolation } from "../../../policy-packs/controls/k8s-workload-host-isolation";
import { k8sWorkloadImageDigest } from "../../../policy-packs/controls/k8s-workload-image-digest";
import { k8sWorkloadNoSaToken } from "../../../policy-packs/controls/k8s-workload-no-sa-token";
import { k8sVllmNoTelemetry } from "../../../policy-packs/controls/k8s-vllm-no-telemetry";
import { k8sVllmMtls } from "../../../policy-packs/controls/k8s-vllm-mtls";
import { k8sServiceNotExposed } from "../../../policy-packs/controls/k8s-service-not-exposed";
import { k8sNetworkpolicyNoWorldEgress } from "../../../policy-packs/controls/k8s-networkpolicy-no-world-egress";

const K = {
  ns: "kubernetes:core/v1:Namespace",
  deploy: "kubernetes:apps/v1:Deployment",
  sts: "kubernetes:apps/v1:StatefulSet",
  ds: "kubernetes:apps/v1:DaemonSet",
  job: "kubernetes:batch/v1:Job",
  cron: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  np: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  svc: "kubernetes:core/v1:Service",
} as const;
const D = (n: string) => `sha256:${n.repeat(64)}`;
const VLLM_IMAGE = `111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm-openai@${D("a")}`;
const secure = () => ({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } as { drop: string[]; add?: string[] } });
const vllmContainer = () => ({
  name: "vllm",
  image: VLLM_IMAGE,
  command: ["vllm", "serve"],
  args: ["/models/m", "--no-enable-log-requests", "--ssl-keyfile", "/tls/tls.key", "--ssl-certfile", "/tls/tls.crt", "--ssl-ca-certs", "/tls/ca.crt", "--ssl-cert-reqs", "2"],
  env: [
    { name: "VLLM_NO_USAGE_STATS", value: "1" },
    { name: "DO_NOT_TRACK", value: "1" },
    { name: "HF_HUB_OFFLINE", value: "1" },
    { name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "k", key: "api-key" } } },
  ],
  ports: [{ containerPort: 8000, name: "https" }],
  securityContext: secure(),
});
const podSpec = () => ({
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true, runAsUser: 2000, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
  initContainers: [{ name: "model-sync", image: `aws-cli@${D("b")}`, securityContext: secure() }],
  containers: [vllmContainer()],
  volumes: [{ name: "tmp", emptyDir: {} }],
});
const deployment = (change: (spec: ReturnType<typeof podSpec>) => void = () => {}): Fixture => {
  const spec = podSpec();
  change(spec);
  return { type: K.deploy, name: "vllm", props: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "vllm", namespace: "inference" }, spec: { selector: { matchLabels: { app: "vllm" } }, template: { metadata: { labels: { app: "vllm" } }, spec } } } };
};
const namespace = (labels: Record<string, unknown> = { "pod-security.kubernetes.io/enforce": "restricted" }, name = "inference"): Fixture => ({ type: K.ns, name: `ns-${name}`, props: { metadata: { name, labels } } });
const np = (name: string, spec: Record<string, unknown>, ns = "inference"): Fixture => ({ type: K.np, name, props: { metadata: { name, namespace: ns }, spec } });
const cluster = (): Fixture[] => [
  namespace(),
  np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
  np("dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ port: 53, protocol: "UDP" }] }] }),
  np("vllm-egress", { podSelector: { matchLabels: { app: "vllm" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.30.0.0/16" } }], ports: [{ port: 443 }] }] }),
  deployment(),
  { type: K.svc, name: "vllm", props: { metadata: { name: "vllm", namespace: "inference" }, spec: { type: "ClusterIP", ports: [{ port: 8000 }] } } },
];
const workloadControls = [k8sWorkloadNonRoot, k8sWorkloadNoPrivilege, k8sWorkloadSeccomp, k8sWorkloadReadOnlyRoot, k8sWorkloadHostIsolation, k8sWorkloadImageDigest, k8sWorkloadNoSaToken, k8sVllmNoTelemetry, k8sVllmMtls];
const all = [...workloadControls, k8sNamespacePssRestricted, k8sNamespaceDefaultDeny, k8sServiceNotExposed, k8sNetworkpolicyNoWorldEgress];
const run = async (c: (typeof all)[number], fx: Fixture[], cfg?: Record<string, unknown>) => messages(await runControl(c, fx, cfg));

test("a restricted namespace with a hardened vLLM deployment passes every Kubernetes control", async () => {
  for (const c of all) {
    const out = await runControl(c, cluster());
    assert.deepEqual(messages(out), [], c.policy.name);
    assert.deepEqual(out.advisories, [], c.policy.name);
  }
});

test("every workload kind is read: StatefulSet, DaemonSet, Job, CronJob, Pod", async () => {
  const spec = podSpec();
  spec.securityContext.runAsNonRoot = false;
  const meta = { name: "w", namespace: "inference" };
  const kinds: Fixture[] = [
    { type: K.sts, name: "s", props: { metadata: meta, spec: { template: { spec } } } },
    { type: K.ds, name: "d", props: { metadata: meta, spec: { template: { spec } } } },
    { type: K.job, name: "j", props: { metadata: meta, spec: { template: { spec } } } },
    { type: K.cron, name: "c", props: { metadata: meta, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec } } } } } },
    { type: K.pod, name: "p", props: { metadata: meta, spec } },
  ];
  for (const f of kinds) assert.equal((await run(k8sWorkloadNonRoot, [f])).length, 2, f.type);
});

test("non-root: runAsNonRoot unset or false, uid 0 on a container overriding the pod", async () => {
  assert.deepEqual(await run(k8sWorkloadNonRoot, [deployment((s) => delete (s.securityContext as Partial<typeof s.securityContext>).runAsNonRoot)]), [
    'init container "model-sync": runAsNonRoot is not true: set securityContext.runAsNonRoot: true (pod or container)',
    'container "vllm": runAsNonRoot is not true: set securityContext.runAsNonRoot: true (pod or container)',
  ]);
  assert.deepEqual(await run(k8sWorkloadNonRoot, [deployment((s) => Object.assign(s.containers[0]!.securityContext, { runAsUser: 0 }))]), ['container "vllm": runAsUser is 0 (root): run as the image\'s unprivileged user (vLLM: 2000)']);
});

test("no privilege: escalation allowed, privileged, capabilities not dropped, extra capability added; NET_BIND_SERVICE may be added", async () => {
  const sc = (patch: Record<string, unknown>) => deployment((s) => Object.assign(s.containers[0]!.securityContext, patch));
  assert.deepEqual(await run(k8sWorkloadNoPrivilege, [sc({ allowPrivilegeEscalation: true })]), ['container "vllm": allowPrivilegeEscalation is not false: set securityContext.allowPrivilegeEscalation: false']);
  assert.deepEqual(await run(k8sWorkloadNoPrivilege, [sc({ privileged: true })]), ['container "vllm": runs privileged: remove securityContext.privileged']);
  assert.deepEqual(await run(k8sWorkloadNoPrivilege, [sc({ capabilities: { drop: ["NET_RAW"] } })]), ['container "vllm": capabilities are not all dropped: set securityContext.capabilities.drop: ["ALL"]']);
  assert.deepEqual(await run(k8sWorkloadNoPrivilege, [sc({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] } })]), ['container "vllm": adds capabilities SYS_ADMIN: only NET_BIND_SERVICE may be added']);
  const init = deployment((s) => delete (s.initContainers[0]!.securityContext as Partial<ReturnType<typeof secure>>).allowPrivilegeEscalation);
  assert.match((await run(k8sWorkloadNoPrivilege, [init]))[0]!, /^init container "model-sync": allowPrivilegeEscalation/);
});

test("seccomp: unset, Unconfined on a container", async () => {
  assert.match((await run(k8sWorkloadSeccomp, [deployment((s) => delete (s.securityContext as Partial<typeof s.securityContext>).seccompProfile)]))[0]!, /seccomp profile is unset/);
  assert.deepEqual(await run(k8sWorkloadSeccomp, [deployment((s) => Object.assign(s.containers[0]!.securityContext, { seccompProfile: { type: "Unconfined" } }))]), ['container "vllm": seccomp profile is Unconfined: set securityContext.seccompProfile.type: RuntimeDefault']);
});

test("read-only root filesystem", async () => {
  assert.match((await run(k8sWorkloadReadOnlyRoot, [deployment((s) => Object.assign(s.containers[0]!.securityContext, { readOnlyRootFilesystem: false }))]))[0]!, /^container "vllm": root filesystem is writable/);
});

test("host isolation: hostNetwork, hostPID, hostIPC, hostPath, hostPort", async () => {
  const out = await run(k8sWorkloadHostIsolation, [deployment((s) => Object.assign(s, { hostNetwork: true, hostPID: true, hostIPC: true, volumes: [{ name: "root", hostPath: { path: "/" } }] }))]);
  assert.deepEqual(out, ["pod sets hostNetwork: true; remove it", "pod sets hostPID: true; remove it", "pod sets hostIPC: true; remove it", 'volume "root" is a hostPath (/): use an emptyDir or a CSI volume']);
  assert.deepEqual(await run(k8sWorkloadHostIsolation, [deployment((s) => (s.containers[0]!.ports = [{ containerPort: 8000, hostPort: 8000 } as never]))]), ['container "vllm": binds hostPort 8000: expose the port through a ClusterIP Service']);
});

test("image digest: a tag, a tag on an init container, a short digest", async () => {
  assert.deepEqual(await run(k8sWorkloadImageDigest, [deployment((s) => (s.containers[0]!.image = "vllm/vllm-openai:v0.32.0"))]), ['container "vllm": image vllm/vllm-openai:v0.32.0 is not pinned by digest: use <repository>@sha256:<digest>']);
  assert.match((await run(k8sWorkloadImageDigest, [deployment((s) => (s.initContainers[0]!.image = "amazon/aws-cli:latest"))]))[0]!, /^init container "model-sync": image amazon\/aws-cli:latest/);
  assert.equal((await run(k8sWorkloadImageDigest, [deployment((s) => (s.containers[0]!.image = "repo@sha256:abc"))])).length, 1);
});

test("service-account token: unset (defaults to mounted) and true", async () => {
  assert.deepEqual(await run(k8sWorkloadNoSaToken, [deployment((s) => delete (s as Partial<typeof s>).automountServiceAccountToken)]), ["pod mounts a service-account token: set automountServiceAccountToken: false on the pod spec"]);
  assert.equal((await run(k8sWorkloadNoSaToken, [deployment((s) => (s.automountServiceAccountToken = true as never))])).length, 1);
});

test("service-account token: only the listed controllers are exempt, by namespace and account", async () => {
  const controller = (namespace: string, account: string): Fixture => {
    const d = deployment((s) => Object.assign(s, { automountServiceAccountToken: true, serviceAccountName: account }));
    (d.props as { metadata: { namespace: string } }).metadata.namespace = namespace;
    return d;
  };
  assert.deepEqual(await run(k8sWorkloadNoSaToken, [controller("cluster-autoscaler", "cluster-autoscaler")]), []);
  assert.equal((await run(k8sWorkloadNoSaToken, [controller("inference", "cluster-autoscaler")])).length, 1, "same account name elsewhere is not exempt");
  assert.equal((await run(k8sWorkloadNoSaToken, [controller("cluster-autoscaler", "other")])).length, 1, "another account in that namespace is not exempt");
  assert.deepEqual(await run(k8sWorkloadNoSaToken, [controller("keda", "keda-operator")]), [], "KEDA's operator and metrics API server call the API");
  assert.equal((await run(k8sWorkloadNoSaToken, [controller("inference", "keda-operator")])).length, 1);
});

test("vLLM telemetry: each variable missing or wrong, request logging on; non-vLLM containers are not checked", async () => {
  const env = (f: (e: { name: string; value?: string }[]) => void) => deployment((s) => f(s.containers[0]!.env as { name: string; value?: string }[]));
  assert.deepEqual(await run(k8sVllmNoTelemetry, [env((e) => e.splice(0, 1))]), ['container "vllm": VLLM_NO_USAGE_STATS is unset: set env VLLM_NO_USAGE_STATS=1']);
  assert.deepEqual(await run(k8sVllmNoTelemetry, [env((e) => (e[1]!.value = "0"))]), ['container "vllm": DO_NOT_TRACK is "0": set env DO_NOT_TRACK=1']);
  assert.deepEqual(await run(k8sVllmNoTelemetry, [env((e) => e.splice(2, 1))]), ['container "vllm": HF_HUB_OFFLINE is unset: set env HF_HUB_OFFLINE=1']);
  assert.deepEqual(await run(k8sVllmNoTelemetry, [deployment((s) => s.containers[0]!.args.push("--enable-log-requests"))]), ['container "vllm": --enable-log-requests writes prompts or outputs to the container log: remove it']);
  assert.deepEqual(await run(k8sVllmNoTelemetry, [deployment((s) => (s.containers[0]!.image = `other/server@${D("c")}`, (s.containers[0]!.env = [])))]), []);
});

test("vLLM mTLS: no client certificates required, no CA, no TLS at all, equals-form accepted", async () => {
  const args = (f: (a: string[]) => string[]) => deployment((s) => (s.containers[0]!.args = f(s.containers[0]!.args)));
  assert.deepEqual(await run(k8sVllmMtls, [args((a) => a.map((x) => (x === "2" ? "0" : x)))]), ['container "vllm": --ssl-cert-reqs is 0: set --ssl-cert-reqs 2 to require client certificates']);
  assert.deepEqual(await run(k8sVllmMtls, [args((a) => a.slice(0, a.indexOf("--ssl-ca-certs")).concat(["--ssl-cert-reqs", "2"]))]), ['container "vllm": no --ssl-ca-certs: pass the platform CA so client certificates can be verified']);
  assert.equal((await run(k8sVllmMtls, [args(() => ["/models/m"])])).length, 4);
  assert.deepEqual(await run(k8sVllmMtls, [args(() => ["/models/m", "--ssl-keyfile=/k", "--ssl-certfile=/c", "--ssl-ca-certs=/ca", "--ssl-cert-reqs=2"])]), []);
});

test("vLLM mTLS: a container that only holds the image (sleep infinity, no ports) serves nothing; anything more is a server", async () => {
  const hold = (f: (c: Record<string, unknown>) => void) =>
    deployment((s) => {
      const c = s.containers[0]! as unknown as Record<string, unknown>;
      c.command = ["sleep", "infinity"];
      c.args = [];
      delete c.ports;
      f(c);
    });
  assert.deepEqual(await run(k8sVllmMtls, [hold(() => {})]), []);
  assert.equal((await run(k8sVllmMtls, [hold((c) => (c.args = ["&&", "vllm", "serve"]))])).length, 4, "extra arguments make it a server to check");
  assert.equal((await run(k8sVllmMtls, [hold((c) => (c.ports = [{ containerPort: 8000 }]))])).length, 4, "a declared port makes it a server to check");
  assert.equal((await run(k8sVllmMtls, [hold((c) => (c.command = ["sh", "-c", "sleep infinity"]))])).length, 4);
});

test("unknown values in preview are advisory, never violations", async () => {
  for (const [c, f] of [
    [k8sWorkloadImageDigest, deployment((s) => (s.containers[0]!.image = UNKNOWN))],
    [k8sVllmMtls, deployment((s) => (s.containers[0]!.args = [UNKNOWN]))],
    [k8sWorkloadNonRoot, deployment((s) => (s.securityContext = UNKNOWN as never))],
    [k8sWorkloadNoSaToken, { ...deployment(), props: { ...deployment().props, spec: UNKNOWN } }],
  ] as const) {
    const out = await runControl(c, [f]);
    assert.deepEqual(out.violations, [], c.policy.name);
    assert.equal(out.advisories.length, 1, c.policy.name);
  }
  const out = await runControl(k8sNamespaceDefaultDeny, [...cluster().filter((f) => f.name !== "default-deny"), np("default-deny", UNKNOWN as never)]);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});

test("namespace Pod Security: baseline, missing label; system namespaces exempt (tunable)", async () => {
  assert.deepEqual(await run(k8sNamespacePssRestricted, [namespace({ "pod-security.kubernetes.io/enforce": "baseline" })]), ["namespace inference enforces Pod Security baseline: label it pod-security.kubernetes.io/enforce: restricted"]);
  assert.deepEqual(await run(k8sNamespacePssRestricted, [namespace({ "pod-security.kubernetes.io/warn": "restricted" })]), ["namespace inference enforces Pod Security nothing: label it pod-security.kubernetes.io/enforce: restricted"]);
  assert.deepEqual(await run(k8sNamespacePssRestricted, [namespace({}, "kube-system")]), []);
  assert.equal((await run(k8sNamespacePssRestricted, [namespace({}, "kube-system")], { exemptNamespaces: [] })).length, 1);
});

test("default deny: missing, ingress only, a selector that is not {}, rules inside; namespaces without workloads are not checked", async () => {
  const without = (name: string) => cluster().filter((f) => f.name !== name);
  assert.deepEqual(await run(k8sNamespaceDefaultDeny, without("default-deny")), ['namespace inference (workload "vllm") has no default-deny Ingress or Egress NetworkPolicy: add podSelector {} with policyTypes ["Ingress", "Egress"] and no rules']);
  assert.match((await run(k8sNamespaceDefaultDeny, [...without("default-deny"), np("deny-in", { podSelector: {} })]))[0]!, /no default-deny Egress NetworkPolicy/);
  assert.equal((await run(k8sNamespaceDefaultDeny, [...without("default-deny"), np("d", { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] })])).length, 1);
  assert.equal((await run(k8sNamespaceDefaultDeny, [...without("default-deny"), np("d", { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] })])).length, 1);
  assert.deepEqual(await run(k8sNamespaceDefaultDeny, [...without("default-deny"), np("in", { podSelector: {}, policyTypes: ["Ingress"] }), np("out", { podSelector: {}, policyTypes: ["Egress"] })]), [], "two policies do");
  const elsewhere = cluster().map((f) => (f.name === "default-deny" ? np("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, "other") : f));
  assert.equal((await run(k8sNamespaceDefaultDeny, elsewhere)).length, 1);
  assert.deepEqual(await run(k8sNamespaceDefaultDeny, [namespace()]), []);
});

test("services: NodePort, internet-facing LoadBalancer; an internal LoadBalancer passes", async () => {
  const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>): Fixture => ({ type: K.svc, name: "s", props: { metadata: { name: "s", namespace: "inference", ...(annotations ? { annotations } : {}) }, spec } });
  assert.deepEqual(await run(k8sServiceNotExposed, [svc({ type: "NodePort" })]), ["Service of type NodePort opens a port on every node: use ClusterIP"]);
  assert.match((await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer" })]))[0]!, /internet-facing by default/);
  assert.equal((await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" })])).length, 1);
  assert.deepEqual(await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" })]), []);
  assert.deepEqual(await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer" }, { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" })]), []);
});

test("service not exposed: externalIPs, conflicting scheme annotations and world source ranges fire; unknown ranges are not evaluable", async () => {
  const svc = (spec: Record<string, unknown>, annotations?: Record<string, string>): Fixture => ({ type: K.svc, name: "s", props: { metadata: { name: "s", namespace: "inference", ...(annotations ? { annotations } : {}) }, spec } });
  const internal = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
  assert.match((await run(k8sServiceNotExposed, [svc({ type: "ClusterIP", externalIPs: ["203.0.113.10"] })]))[0]!, /externalIPs \(203\.0\.113\.10\)/);
  assert.match((await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer" }, { ...internal, "service.beta.kubernetes.io/aws-load-balancer-internal": "false" })]))[0]!, /conflicting scheme annotations/);
  assert.match((await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/16", "0.0.0.0/0"] }, internal)]))[0]!, /any source address \(loadBalancerSourceRanges 0\.0\.0\.0\/0\)/);
  assert.deepEqual(await run(k8sServiceNotExposed, [svc({ type: "LoadBalancer", loadBalancerSourceRanges: ["10.30.0.0/16"] }, internal)]), []);
  const unknown = await runControl(k8sServiceNotExposed, [svc({ type: "LoadBalancer", loadBalancerSourceRanges: [UNKNOWN] }, internal)]);
  assert.deepEqual(unknown.violations, []);
  assert.match(unknown.advisories[0]!, /loadBalancerSourceRanges unknown/);
});

test("no world egress: 0.0.0.0/0 and ::/0 ipBlocks, a rule without destinations; namespaces not restricted are not checked", async () => {
  const open = (egress: unknown[]) => [...cluster(), np("open", { podSelector: { matchLabels: { app: "vllm" } }, policyTypes: ["Egress"], egress })];
  assert.deepEqual(await run(k8sNetworkpolicyNoWorldEgress, open([{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }])), ["NetworkPolicy inference/open: egress to ipBlock 0.0.0.0/0 opens the internet; allow only the VPC CIDR or endpoint addresses"]);
  assert.match((await run(k8sNetworkpolicyNoWorldEgress, open([{ to: [{ ipBlock: { cidr: "::/0" } }] }])))[0]!, /ipBlock ::\/0/);
  assert.deepEqual(await run(k8sNetworkpolicyNoWorldEgress, open([{ ports: [{ port: 443 }] }])), ["NetworkPolicy inference/open: egress rule 0 has no destinations, which allows every address including the internet; name the peers or ipBlocks"]);
  const relaxed = open([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]).map((f) => (f.type === K.ns ? namespace({ "pod-security.kubernetes.io/enforce": "baseline" }) : f));
  assert.deepEqual(await run(k8sNetworkpolicyNoWorldEgress, relaxed), []);
});
