/**
 * NetworkPolicy reachability as the VPC CNI network policy agent evaluates it, computed from the
 * rendered policies (no cluster needed):
 *
 * - Egress is matched on the destination the pod sends to, before kube-proxy translates a Service
 *   address: an ipBlock matches a ClusterIP only if the ClusterIP itself is inside it (an ipBlock
 *   on the VPC CIDR never covers the `kubernetes` service address).
 * - A podSelector/namespaceSelector peer matches the selected pods' addresses and, because the
 *   policy controller adds them, the ClusterIPs of the Services (in the peer's namespaces) whose own
 *   `spec.selector`, read as a label set, satisfies the peer's pod selector, on the Service port
 *   whose target port the rule allows. A Service whose selector does not satisfy the peer is not
 *   added even when every pod behind it is selected: the controller compares selectors, not pods
 *   (getMatchingServiceClusterIPs in
 *   https://github.com/aws/amazon-network-policy-controller-k8s/blob/main/pkg/resolvers/endpoints.go,
 *   "limited to tracking the services where the service.spec.Selector matches the pod selector").
 * - A Service with internalTrafficPolicy Local delivers only to backing pods on the sender's node
 *   (https://kubernetes.io/docs/concepts/services-networking/service-traffic-policy/).
 * - Ingress is matched at the destination pod on the source pod's address (after translation).
 * - A pod no policy selects for a direction is open in that direction; one that is selected is
 *   allowed only what some selecting policy's rule allows.
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
import * as ipaddr from "ipaddr.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  /** Named container ports (name → number), for rules and Services that use port names. */
  ports?: Record<string, number>;
  /** The node it runs on (for Services with internalTrafficPolicy Local). */
  node?: string;
}

export interface Service {
  name: string;
  namespace: string;
  clusterIp: string;
  /** Pods it selects (undefined: a selector-less Service such as `kubernetes`). */
  selector?: Record<string, string>;
  ports: { port: number; targetPort: number | string; protocol?: string }[];
  /** Addresses behind a selector-less Service (the control plane's ENIs for `kubernetes`). */
  endpoints?: string[];
  /** "Local": only backing pods on the sender's node receive. Default "Cluster". */
  internalTrafficPolicy?: "Cluster" | "Local";
}

export interface Policy {
  namespace: string;
  spec: Json;
}

export interface Cluster {
  pods: Pod[];
  services: Service[];
  policies: Policy[];
  /** Labels of each namespace (kubernetes.io/metadata.name is added automatically). */
  namespaces: Record<string, Record<string, string>>;
}

export interface Destination {
  /** An address (a ClusterIP, a pod IP, or anything outside the cluster). */
  ip: string;
  port: number;
  protocol?: "TCP" | "UDP";
}

const matchLabels = (selector: Json, labels: Record<string, string>): boolean => {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
};

const inCidr = (ip: string, cidr: string): boolean => {
  const [net, bits] = ipaddr.IPv4.parseCIDR(cidr);
  return ipaddr.IPv4.parse(ip).match(net, bits);
};

function namespaceLabels(c: Cluster, ns: string): Record<string, string> {
  return { ...(c.namespaces[ns] ?? {}), "kubernetes.io/metadata.name": ns };
}

/** Pods a peer (without ipBlock) selects, seen from a policy in namespace `policyNs`. */
function peerPods(c: Cluster, peer: Json, policyNs: string): Pod[] {
  return c.pods.filter((p) => {
    if (peer.namespaceSelector) {
      if (!matchLabels(peer.namespaceSelector, namespaceLabels(c, p.namespace))) return false;
    } else if (p.namespace !== policyNs) return false;
    return peer.podSelector ? matchLabels(peer.podSelector, p.labels) : true;
  });
}

const portNumber = (pod: Pod | undefined, port: number | string): number | undefined => (typeof port === "number" ? port : pod?.ports?.[port]);

function rulePortAllows(rule: Json, port: number, protocol: string, pod?: Pod): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p: Json) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const n = portNumber(pod, p.port);
    if (n === undefined) return false;
    return p.endPort ? port >= n && port <= p.endPort : port === n;
  });
}

function selects(policy: Policy, pod: Pod, direction: "Ingress" | "Egress"): boolean {
  if (policy.namespace !== pod.namespace) return false;
  const types: string[] = policy.spec.policyTypes ?? (direction === "Ingress" ? ["Ingress"] : []);
  return types.includes(direction) && matchLabels(policy.spec.podSelector, pod.labels);
}

/** Whether `src` may send to `dst` (before any translation), by its egress policies. */
export function egressAllows(c: Cluster, src: Pod, dst: Destination): boolean {
  const protocol = dst.protocol ?? "TCP";
  const selecting = c.policies.filter((p) => selects(p, src, "Egress"));
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec.egress ?? []).some((rule: Json) => {
      const peers: Json[] = rule.to ?? [];
      const matchesPeer = (peer: Json): boolean => {
        if (peer.ipBlock) {
          if (!inCidr(dst.ip, peer.ipBlock.cidr)) return false;
          if ((peer.ipBlock.except ?? []).some((e: string) => inCidr(dst.ip, e))) return false;
          return rulePortAllows(rule, dst.port, protocol);
        }
        const pods = peerPods(c, peer, policy.namespace);
        // The pod itself.
        const pod = pods.find((p) => p.ip === dst.ip);
        if (pod) return rulePortAllows(rule, dst.port, protocol, pod);
        // A Service in the peer's namespaces whose own selector satisfies the peer's pod selector:
        // its ClusterIP on a port whose target the rule allows.
        const svc = c.services.find((s) => s.clusterIp === dst.ip);
        if (!svc?.selector) return false;
        const inNamespace = peer.namespaceSelector ? matchLabels(peer.namespaceSelector, namespaceLabels(c, svc.namespace)) : svc.namespace === policy.namespace;
        if (!inNamespace || !matchLabels(peer.podSelector, svc.selector)) return false;
        const backing = c.pods.filter((p) => p.namespace === svc.namespace && matchLabels({ matchLabels: svc.selector }, p.labels));
        const sp = svc.ports.find((p) => p.port === dst.port && (p.protocol ?? "TCP") === protocol);
        if (!sp) return false;
        return backing.some((p) => {
          const target = portNumber(p, sp.targetPort);
          return target !== undefined && rulePortAllows(rule, target, protocol, p);
        });
      };
      return peers.length === 0 ? rulePortAllows(rule, dst.port, protocol) : peers.some(matchesPeer);
    }),
  );
}

/** Whether `dst` admits traffic from `src` on `port`, by its ingress policies. */
export function ingressAllows(c: Cluster, src: { ip: string; pod?: Pod }, dst: Pod, port: number, protocol = "TCP"): boolean {
  const selecting = c.policies.filter((p) => selects(p, dst, "Ingress"));
  if (selecting.length === 0) return true;
  return selecting.some((policy) =>
    (policy.spec.ingress ?? []).some((rule: Json) => {
      if (!rulePortAllows(rule, port, protocol, dst)) return false;
      const peers: Json[] = rule.from ?? [];
      if (peers.length === 0) return true;
      return peers.some((peer: Json) => {
        if (peer.ipBlock) return inCidr(src.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e: string) => inCidr(src.ip, e));
        return src.pod !== undefined && peerPods(c, peer, policy.namespace).some((p) => p.name === src.pod!.name && p.namespace === src.pod!.namespace);
      });
    }),
  );
}

/**
 * Whether `src` reaches `dst` end to end: its egress allows the destination as sent, then the
 * traffic lands on the pod behind it (a Service is translated to its backing pods; a
 * selector-less Service to its endpoints), whose ingress must admit the source.
 */
export function reaches(c: Cluster, src: Pod, dst: Destination): boolean {
  if (!egressAllows(c, src, dst)) return false;
  const protocol = dst.protocol ?? "TCP";
  const svc = c.services.find((s) => s.clusterIp === dst.ip);
  if (svc) {
    const sp = svc.ports.find((p) => p.port === dst.port && (p.protocol ?? "TCP") === protocol);
    if (!sp) return false;
    if (!svc.selector) return (svc.endpoints ?? []).length > 0;
    const backing = c.pods.filter(
      (p) => p.namespace === svc.namespace && matchLabels({ matchLabels: svc.selector }, p.labels) && (svc.internalTrafficPolicy !== "Local" || (p.node !== undefined && p.node === src.node)),
    );
    return backing.some((p) => {
      const target = portNumber(p, sp.targetPort);
      return target !== undefined && ingressAllows(c, { ip: src.ip, pod: src }, p, target, protocol);
    });
  }
  const pod = c.pods.find((p) => p.ip === dst.ip);
  if (pod) return ingressAllows(c, { ip: src.ip, pod: src }, pod, dst.port, protocol);
  return true; // outside the cluster: only egress decides
}
