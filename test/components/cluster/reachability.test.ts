/**
 * Who reaches what, computed from every committed stack's rendered NetworkPolicies the way the VPC
 * CNI network policy agent evaluates them (test/helpers/reachability.ts): egress matched before
 * Service translation, pod-selector peers extended to their Services' addresses, ingress at the
 * destination pod.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as ipaddr from "ipaddr.js";
import { plain, type SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { reaches, type Cluster, type Destination, type Pod, type Service } from "../../helpers/reachability.js";
import { kubernetesServiceAddress } from "../../../components/cluster/secure-cluster.js";
import { zonePlan } from "../../../components/network/cidr-plan.js";
import { azIndex } from "../../../infra/regions.js";
import { CACHE_PORT, cacheResourceName } from "../../../components/serving/model-cache-manifests.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
let results: Record<StackName, SynthResult>;
const settings = {} as Record<StackName, Awaited<ReturnType<typeof settingsOf>>>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
  for (const s of STACKS) settings[s] = await settingsOf(s);
});

/** `base` + n as a dotted address. */
function offset(base: string, n: number): string {
  const b = ipaddr.IPv4.parse(base).toByteArray();
  const v = b.reduce((acc, x) => acc * 256 + x, 0) + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
}
const network = (cidr: string) => cidr.split("/")[0]!;

interface Model {
  cluster: Cluster;
  pods: Record<string, Pod>;
  dest: Record<string, Destination>;
  models: string[];
  caches: string[];
}

function modelOf(stack: StackName): Model {
  const r = results[stack];
  const { cfg } = settings[stack];
  const zones = cfg.network.availabilityZones.map((az) => zonePlan(cfg.network.cidr, cfg.network.workloadSubnetPrefix, azIndex(az)));
  const workload = network(zones[0]!.workload);
  let podIp = 20;
  const pods: Record<string, Pod> = {};
  const deployments = ofType(r, "kubernetes:apps/v1:Deployment").map((d) => plain(d.inputs) as Json);
  const portsOf = (template: Json): Record<string, number> => {
    const ports: Record<string, number> = {};
    for (const c of template.spec.containers) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    return ports;
  };
  // One replica of each Deployment on node "a"; each DaemonSet's pod on two nodes, "a" and "b".
  for (const d of deployments) {
    const template = d.spec.template;
    pods[d.metadata.name] = { name: d.metadata.name, namespace: d.metadata.namespace, labels: template.metadata.labels, ip: offset(workload, podIp++), ports: portsOf(template), node: "a" };
  }
  for (const d of ofType(r, "kubernetes:apps/v1:DaemonSet").map((x) => plain(x.inputs) as Json)) {
    for (const node of ["a", "b"]) {
      pods[`${d.metadata.name}@${node}`] = { name: `${d.metadata.name}-${node}`, namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels, ip: offset(workload, podIp++), ports: portsOf(d.spec.template), node };
    }
  }
  pods.coredns = { name: "coredns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: offset(workload, podIp++) };
  pods.prometheus = { name: "prometheus", namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" }, ip: offset(workload, podIp++) };
  // Anything else someone runs in the inference namespace, and in another namespace.
  pods.intruder = { name: "debug", namespace: "inference", labels: { app: "debug" }, ip: offset(workload, podIp++) };
  pods.other = { name: "other", namespace: "default", labels: { app: "other" }, ip: offset(workload, podIp++) };

  const serviceBase = network(cfg.cluster.serviceCidr);
  const apiEni = offset(workload, 5);
  const services: Service[] = [
    { name: "kubernetes", namespace: "default", clusterIp: kubernetesServiceAddress(cfg.cluster.serviceCidr), ports: [{ port: 443, targetPort: 443 }], endpoints: [apiEni] },
    { name: "kube-dns", namespace: "kube-system", clusterIp: offset(serviceBase, 10), selector: { "k8s-app": "kube-dns" }, ports: [{ port: 53, targetPort: 53, protocol: "UDP" }, { port: 53, targetPort: 53 }] },
  ];
  let svcIp = 100;
  for (const s of ofType(r, "kubernetes:core/v1:Service").map((x) => plain(x.inputs) as Json)) {
    services.push({ name: s.metadata.name, namespace: s.metadata.namespace, clusterIp: offset(serviceBase, svcIp++), selector: s.spec.selector, ports: s.spec.ports, internalTrafficPolicy: s.spec.internalTrafficPolicy });
  }
  const policies = ofType(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((x) => plain(x.inputs) as Json).map((p) => ({ namespace: p.metadata.namespace, spec: p.spec }));
  const namespaces: Record<string, Record<string, string>> = {};
  for (const n of ofType(r, "kubernetes:core/v1:Namespace").map((x) => plain(x.inputs) as Json)) namespaces[n.metadata.name] = n.metadata.labels ?? {};

  const models = cfg.models.map((m) => `vllm-${m.name}`);
  const caches = cfg.models.map((m) => cacheResourceName(m.name));
  const svc = (name: string) => services.find((s) => s.name === name)!;
  const dest: Record<string, Destination> = {
    "kubernetes API (service address)": { ip: svc("kubernetes").clusterIp, port: 443 },
    "kubernetes API (control-plane ENI)": { ip: apiEni, port: 443 },
    "DNS (kube-dns service)": { ip: svc("kube-dns").clusterIp, port: 53, protocol: "UDP" },
    "AWS interface endpoints": { ip: offset(network(zones[0]!.endpoints), 10), port: 443 },
    "AWS interface endpoints (another zone)": { ip: offset(network(zones[zones.length - 1]!.endpoints), 10), port: 443 },
    "Pod Identity agent": { ip: "169.254.170.23", port: 80 },
    "instance metadata": { ip: "169.254.169.254", port: 80 },
    "a node's kubelet": { ip: offset(workload, 4), port: 10250 },
    "a node on 443": { ip: offset(workload, 4), port: 443 },
    "the internet": { ip: "52.216.0.10", port: 443 },
    "the gateway Service": { ip: svc("guardrail-gateway").clusterIp, port: 443 },
    "the gateway pod": { ip: pods["guardrail-gateway"]!.ip, port: 8443 },
    "an unrelated pod": { ip: pods.other!.ip, port: 8080 },
  };
  for (const m of models) {
    dest[`model ${m} (Service)`] = { ip: svc(m).clusterIp, port: 8000 };
    dest[`model ${m} (pod)`] = { ip: pods[m]!.ip, port: 8000 };
  }
  for (const c of caches) {
    dest[`cache ${c} (Service)`] = { ip: svc(c).clusterIp, port: CACHE_PORT };
    dest[`cache ${c} (pod on node a)`] = { ip: pods[`${c}@a`]!.ip, port: CACHE_PORT };
    dest[`cache ${c} (pod on node b)`] = { ip: pods[`${c}@b`]!.ip, port: CACHE_PORT };
  }
  for (const c of cfg.gateway.oidc?.jwksCidrs ?? []) dest[`JWKS network ${c}`] = { ip: offset(network(c), 10), port: 443 };
  return { cluster: { pods: Object.values(pods), services, policies, namespaces }, pods, dest, models, caches };
}

const reachable = (m: Model, pod: string) => Object.entries(m.dest).filter(([, d]) => reaches(m.cluster, m.pods[pod]!, d)).map(([k]) => k).sort();

for (const stack of STACKS) {
  describe(`reachability: ${stack}`, () => {
    it("the Cluster Autoscaler reaches the API by its service address, DNS, the AWS endpoints and its credentials; nothing else", () => {
      const m = modelOf(stack);
      assert.deepEqual(reachable(m, "cluster-autoscaler"), ["AWS interface endpoints", "AWS interface endpoints (another zone)", "DNS (kube-dns service)", "Pod Identity agent", "kubernetes API (service address)"]);
    });

    it("a model server reaches DNS and its own model's cache, nothing else: no AWS endpoint, no Pod Identity agent, no metadata", () => {
      const m = modelOf(stack);
      m.models.forEach((model, i) => {
        const cache = m.caches[i]!;
        // Through the Service only its own node's cache answers (Local); a cache pod on another
        // node is reachable by its address too: the same verified bytes, never trusted by the copy.
        assert.deepEqual(reachable(m, model), ["DNS (kube-dns service)", `cache ${cache} (Service)`, `cache ${cache} (pod on node a)`, `cache ${cache} (pod on node b)`].sort(), model);
      });
    });

    it("a model cache reaches DNS, the AWS endpoints and the Pod Identity agent; nothing else", () => {
      const m = modelOf(stack);
      for (const cache of m.caches) {
        for (const node of ["a", "b"]) {
          assert.deepEqual(reachable(m, `${cache}@${node}`), ["AWS interface endpoints", "AWS interface endpoints (another zone)", "DNS (kube-dns service)", "Pod Identity agent"], `${cache}@${node}`);
        }
      }
    });

    it("a model's cache admits only that model's servers: other models, the gateway, the scraper and other pods cannot reach it", () => {
      const m = modelOf(stack);
      m.caches.forEach((cache, i) => {
        for (const where of ["(Service)", "(pod on node a)", "(pod on node b)"]) {
          const d = m.dest[`cache ${cache} ${where}`]!;
          assert.ok(reaches(m.cluster, m.pods[m.models[i]!]!, d), `${m.models[i]} reaches ${cache} ${where}`);
          for (const other of ["intruder", "other", "prometheus", "guardrail-gateway", "cluster-autoscaler", ...m.models.filter((x) => x !== m.models[i]), ...m.caches.filter((x) => x !== cache).map((x) => `${x}@a`)]) {
            assert.ok(!reaches(m.cluster, m.pods[other]!, d), `${other} must not reach ${cache} ${where}`);
          }
        }
      });
    });

    it("the gateway reaches the models, the JWKS networks, the AWS endpoints (log shipper) and DNS; not the API, not the internet", () => {
      const m = modelOf(stack);
      const { cfg } = settings[stack];
      const expected = [
        "AWS interface endpoints",
        "AWS interface endpoints (another zone)",
        "DNS (kube-dns service)",
        "Pod Identity agent",
        ...m.models.flatMap((x) => [`model ${x} (Service)`, `model ${x} (pod)`]),
        ...(cfg.gateway.oidc?.jwksCidrs ?? []).map((c) => `JWKS network ${c}`),
      ].sort();
      assert.deepEqual(reachable(m, "guardrail-gateway"), expected);
    });

    it("model servers admit only the gateway and the metrics scraper; other pods in the namespace reach nothing but DNS", () => {
      const m = modelOf(stack);
      for (const model of m.models) {
        const d = m.dest[`model ${model} (Service)`]!;
        assert.ok(reaches(m.cluster, m.pods["guardrail-gateway"]!, d));
        assert.ok(reaches(m.cluster, m.pods.prometheus!, d));
        for (const other of ["intruder", "other", "cluster-autoscaler", ...m.models.filter((x) => x !== model)]) assert.ok(!reaches(m.cluster, m.pods[other]!, d), `${other} must not reach ${model}`);
      }
      assert.deepEqual(reachable(m, "intruder"), ["DNS (kube-dns service)"]);
    });

    it("the gateway's pods admit only the declared client networks (and the scraper on the ops port)", () => {
      const m = modelOf(stack);
      const { cfg } = settings[stack];
      const gateway = m.pods["guardrail-gateway"]!;
      // Callers outside the cluster: a client network address, and any other VPC address.
      const from = (ip: string): Pod => ({ name: `client-${ip}`, namespace: "external", labels: {}, ip });
      for (const c of cfg.gateway.clientCidrs) assert.ok(reaches(m.cluster, from(offset(network(c), 7)), { ip: gateway.ip, port: 8443 }), c);
      assert.ok(!reaches(m.cluster, from(offset(network(cfg.network.cidr), 4000)), { ip: gateway.ip, port: 8443 }), "a VPC address outside the client networks");
      assert.ok(!reaches(m.cluster, m.pods.intruder!, { ip: gateway.ip, port: 8443 }));
      assert.ok(reaches(m.cluster, m.pods.prometheus!, { ip: gateway.ip, port: 9090 }));
    });
  });
}

describe("the evaluator itself", () => {
  it("a pod-selector peer covers a Service's address only when the Service's own selector satisfies it (the controller compares selectors)", () => {
    const client: Pod = { name: "c", namespace: "n", labels: { app: "client" }, ip: "10.0.0.5", node: "a" };
    const server: Pod = { name: "s", namespace: "n", labels: { app: "server", tier: "x" }, ip: "10.0.0.6", node: "a" };
    const egress = (matchLabels: Record<string, string>) => ({ namespace: "n", spec: { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels } }], ports: [{ protocol: "TCP", port: 80 }] }] } });
    const cluster: Cluster = { pods: [client, server], services: [{ name: "s", namespace: "n", clusterIp: "172.20.0.50", selector: { app: "server" }, ports: [{ port: 8080, targetPort: 80 }] }], policies: [egress({ app: "server" })], namespaces: {} };
    assert.equal(reaches(cluster, client, { ip: "172.20.0.50", port: 8080 }), true);
    // The rule selects the same pod by a label the Service's selector does not carry: the pod's
    // address is allowed, the Service's is not.
    cluster.policies = [egress({ app: "server", tier: "x" })];
    assert.equal(reaches(cluster, client, { ip: "10.0.0.6", port: 80 }), true);
    assert.equal(reaches(cluster, client, { ip: "172.20.0.50", port: 8080 }), false);
  });

  it("a Service with internalTrafficPolicy Local reaches only a backing pod on the sender's node", () => {
    const client: Pod = { name: "c", namespace: "n", labels: {}, ip: "10.0.0.5", node: "a" };
    const remote: Pod = { name: "s", namespace: "n", labels: { app: "server" }, ip: "10.0.0.6", node: "b" };
    const cluster: Cluster = { pods: [client, remote], services: [{ name: "s", namespace: "n", clusterIp: "172.20.0.50", selector: { app: "server" }, ports: [{ port: 80, targetPort: 80 }], internalTrafficPolicy: "Local" }], policies: [], namespaces: {} };
    assert.equal(reaches(cluster, client, { ip: "172.20.0.50", port: 80 }), false);
    cluster.pods.push({ ...remote, name: "s-a", ip: "10.0.0.7", node: "a" });
    assert.equal(reaches(cluster, client, { ip: "172.20.0.50", port: 80 }), true);
  });

  it("an ipBlock on the VPC CIDR does not match a Service address (evaluated before translation)", () => {
    const pod: Pod = { name: "p", namespace: "n", labels: { a: "b" }, ip: "10.0.0.5" };
    const cluster: Cluster = {
      pods: [pod],
      services: [{ name: "kubernetes", namespace: "default", clusterIp: "172.20.0.1", ports: [{ port: 443, targetPort: 443 }], endpoints: ["10.0.0.200"] }],
      policies: [{ namespace: "n", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] }] } }],
      namespaces: {},
    };
    assert.equal(reaches(cluster, pod, { ip: "172.20.0.1", port: 443 }), false);
    assert.equal(reaches(cluster, pod, { ip: "10.0.0.200", port: 443 }), true);
    cluster.policies[0]!.spec.egress[0].to.push({ ipBlock: { cidr: "172.20.0.1/32" } });
    assert.equal(reaches(cluster, pod, { ip: "172.20.0.1", port: 443 }), true);
  });
});
