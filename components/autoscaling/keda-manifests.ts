/**
 * Pure renderers for the KEDA install (operator and metrics API server) at the pinned release:
 * the objects the release's kustomize base (`config/`) declares, with images from the account's
 * mirror pinned by digest, restricted pod security, and nothing the platform does not use (no
 * admission webhooks, no Prometheus monitors, no cert-manager). Creates no resources.
 *
 * How the pieces talk: the HPA controller asks the API server for external metrics; the API
 * server forwards to the APIService `v1beta1.external.metrics.k8s.io`, i.e. keda-metrics-apiserver
 * (:6443), which asks the operator over gRPC (:9666, mutual TLS with certificates the operator
 * generates and rotates in the Secret `kedaorg-certs`, whose CA it also writes into the
 * APIService). The operator polls each ScaledObject's triggers.
 * https://keda.sh/docs/2.20/operate/cluster/
 */
import type * as k8s from "@pulumi/kubernetes";
import { KEDA_VERSION, kedaOperatorRbac } from "./keda-crds";
import { KEDA_RESTRICT_SECRET_ACCESS, narrowOperatorRules, type PolicyRule } from "./keda-rbac";

export const KEDA_NAMESPACE = "keda";
export const KEDA_OPERATOR = "keda-operator";
export const KEDA_METRICS_SERVER = "keda-metrics-apiserver";
/** gRPC port the metrics API server reads metrics from the operator on. */
export const KEDA_GRPC_PORT = 9666;
/** HTTPS port of the metrics API server (the Service's 443 targets it). */
export const KEDA_METRICS_PORT = 6443;
/** Health port of the operator (controller-runtime's probe endpoint). */
export const KEDA_OPERATOR_HEALTH_PORT = 8081;
/** Secret the operator writes its generated certificates to (KEDA's default name). */
export const KEDA_CERT_SECRET = "kedaorg-certs";
/** uid the KEDA images run as (distroless nonroot). */
export const KEDA_UID = 65532;

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

export interface KedaInput {
  /** ghcr.io/kedacore/keda at KEDA_VERSION, mirrored, pinned by digest. */
  operatorImage: string;
  /** ghcr.io/kedacore/keda-metrics-apiserver at KEDA_VERSION, mirrored, pinned by digest. */
  metricsServerImage: string;
  /** Node selector for both (the system node group). */
  nodeSelector: Record<string, string>;
}

export function kedaLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/version": KEDA_VERSION, "app.kubernetes.io/part-of": "keda-operator", "app.kubernetes.io/managed-by": "sovereign-llm" };
}

function securityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: KEDA_UID,
    runAsGroup: KEDA_UID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function deployment(name: string, container: k8s.types.input.core.v1.Container, volumes: k8s.types.input.core.v1.Volume[], input: KedaInput): Obj {
  const selector = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: KEDA_NAMESPACE, labels: kedaLabels(name) },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...selector, ...kedaLabels(name) } },
        spec: {
          serviceAccountName: KEDA_OPERATOR,
          // Both talk to the Kubernetes API (watches, leader election, the external metrics API).
          automountServiceAccountToken: true,
          priorityClassName: "system-cluster-critical",
          nodeSelector: { "kubernetes.io/os": "linux", ...input.nodeSelector },
          securityContext: { runAsNonRoot: true, runAsUser: KEDA_UID, runAsGroup: KEDA_UID, seccompProfile: { type: "RuntimeDefault" } },
          terminationGracePeriodSeconds: 10,
          containers: [{ ...container, securityContext: securityContext() }],
          volumes,
        },
      },
    },
  };
}

const env = (extra: { name: string; value: string }[] = []) => [
  { name: "WATCH_NAMESPACE", value: "" },
  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  ...extra,
];

/** Every object of the install except the CRDs (kedaCrds()), in apply order. */
export function renderKedaObjects(input: KedaInput): Obj[] {
  const rbac = kedaOperatorRbac();
  const sa = { kind: "ServiceAccount", name: KEDA_OPERATOR, namespace: KEDA_NAMESPACE };
  const crb = (name: string, role: string, subject: Record<string, string>): Obj => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: kedaLabels(name) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [subject],
  });
  const certs = { name: "certificates", secret: { secretName: KEDA_CERT_SECRET, defaultMode: 0o440, optional: true } };
  const operator = deployment(
    KEDA_OPERATOR,
    {
      name: KEDA_OPERATOR,
      image: input.operatorImage,
      command: ["/keda"],
      // No admission webhooks are installed, so there is no webhook configuration to patch.
      args: ["--leader-elect", "--zap-log-level=info", "--zap-encoder=json", "--zap-time-encoding=rfc3339", "--enable-cert-rotation=true", "--enable-webhook-patching=false"],
      // Secrets only from its own namespace: the narrowed ClusterRole (keda-rbac.ts) reads none elsewhere.
      env: env([KEDA_RESTRICT_SECRET_ACCESS]),
      ports: [
        { name: "metricsservice", containerPort: KEDA_GRPC_PORT, protocol: "TCP" },
        { name: "health", containerPort: KEDA_OPERATOR_HEALTH_PORT, protocol: "TCP" },
      ],
      resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { cpu: "1", memory: "1000Mi" } },
      livenessProbe: { httpGet: { path: "/healthz", port: KEDA_OPERATOR_HEALTH_PORT }, initialDelaySeconds: 25 },
      readinessProbe: { httpGet: { path: "/readyz", port: KEDA_OPERATOR_HEALTH_PORT }, initialDelaySeconds: 20 },
      volumeMounts: [{ name: "certificates", mountPath: "/certs", readOnly: true }],
    },
    [certs],
    input,
  );
  const metricsServer = deployment(
    KEDA_METRICS_SERVER,
    {
      name: KEDA_METRICS_SERVER,
      image: input.metricsServerImage,
      command: ["/keda-adapter"],
      args: [
        `--secure-port=${KEDA_METRICS_PORT}`,
        "--zap-log-level=error",
        "--client-ca-file=/certs/ca.crt",
        "--tls-cert-file=/certs/tls.crt",
        "--tls-private-key-file=/certs/tls.key",
        "--cert-dir=/certs",
        `--metrics-service-address=${KEDA_OPERATOR}.${KEDA_NAMESPACE}.svc.cluster.local:${KEDA_GRPC_PORT}`,
      ],
      env: env(),
      ports: [{ name: "https", containerPort: KEDA_METRICS_PORT, protocol: "TCP" }],
      resources: { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "1", memory: "1000Mi" } },
      livenessProbe: { httpGet: { scheme: "HTTPS", path: "/healthz", port: KEDA_METRICS_PORT }, initialDelaySeconds: 5 },
      readinessProbe: { httpGet: { scheme: "HTTPS", path: "/readyz", port: KEDA_METRICS_PORT }, initialDelaySeconds: 5 },
      volumeMounts: [
        { name: "temp-vol", mountPath: "/tmp" },
        { name: "certificates", mountPath: "/certs", readOnly: true },
      ],
    },
    [{ name: "temp-vol", emptyDir: { sizeLimit: "64Mi" } }, { ...certs, secret: { ...certs.secret, optional: false } }],
    input,
  );
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: KEDA_OPERATOR, namespace: KEDA_NAMESPACE, labels: kedaLabels(KEDA_OPERATOR) }, automountServiceAccountToken: false },
    {
      ...(rbac.clusterRole as Obj),
      metadata: { name: KEDA_OPERATOR, labels: kedaLabels(KEDA_OPERATOR) },
      rules: narrowOperatorRules((rbac.clusterRole as { rules: PolicyRule[] }).rules),
    },
    { ...(rbac.role as Obj), metadata: { name: KEDA_OPERATOR, namespace: KEDA_NAMESPACE, labels: kedaLabels(KEDA_OPERATOR) } },
    crb(KEDA_OPERATOR, KEDA_OPERATOR, sa),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: KEDA_OPERATOR, namespace: KEDA_NAMESPACE, labels: kedaLabels(KEDA_OPERATOR) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: KEDA_OPERATOR },
      subjects: [sa],
    },
    // The external metrics API: readable by the HPA controller only.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "keda-external-metrics-reader", labels: kedaLabels("keda-external-metrics-reader") },
      rules: [{ apiGroups: ["external.metrics.k8s.io"], resources: ["*"], verbs: ["get", "list", "watch"] }],
    },
    crb("keda-hpa-controller-external-metrics", "keda-external-metrics-reader", { kind: "ServiceAccount", name: "horizontal-pod-autoscaler", namespace: "kube-system" }),
    // An aggregated API server authenticates and authorises its callers through the API server.
    crb("keda-system-auth-delegator", "system:auth-delegator", sa),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "keda-auth-reader", namespace: "kube-system", labels: kedaLabels("keda-auth-reader") },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
      subjects: [sa],
    },
    operator,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: KEDA_OPERATOR, namespace: KEDA_NAMESPACE, labels: kedaLabels(KEDA_OPERATOR) },
      spec: { selector: { app: KEDA_OPERATOR }, ports: [{ name: "metricsservice", port: KEDA_GRPC_PORT, targetPort: KEDA_GRPC_PORT, protocol: "TCP" }] },
    },
    metricsServer,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: KEDA_METRICS_SERVER, namespace: KEDA_NAMESPACE, labels: kedaLabels(KEDA_METRICS_SERVER) },
      spec: { selector: { app: KEDA_METRICS_SERVER }, ports: [{ name: "https", port: 443, targetPort: KEDA_METRICS_PORT, protocol: "TCP" }] },
    },
    {
      apiVersion: "apiregistration.k8s.io/v1",
      kind: "APIService",
      metadata: { name: "v1beta1.external.metrics.k8s.io", labels: kedaLabels("v1beta1.external.metrics.k8s.io") },
      // No caBundle here and never insecureSkipTLSVerify: the operator writes its CA into this
      // object when it generates the certificates (--enable-cert-rotation).
      spec: { service: { name: KEDA_METRICS_SERVER, namespace: KEDA_NAMESPACE, port: 443 }, group: "external.metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100 },
    },
  ];
}

/** A place the operator may poll metrics from (the gateway's ops port). */
export interface MetricsSource {
  namespace: string;
  podLabels: Record<string, string>;
  port: number;
}

/**
 * The namespace's traffic: everything denied, then only what the install needs. The operator
 * reaches the Kubernetes API (`apiCidrs`: the `kubernetes` service address, matched before the
 * VPC CNI's DNAT) and the metrics sources; the metrics API server reaches the API and the
 * operator's gRPC port; the API server (its ENIs in the cluster's subnets, `controlPlaneCidrs`)
 * reaches the metrics API server.
 */
export function renderKedaNetworkPolicies(input: {
  apiCidrs: readonly string[];
  controlPlaneCidrs: readonly string[];
  sources: readonly MetricsSource[];
  dnsRule: k8s.types.input.networking.v1.NetworkPolicyEgressRule;
}): Obj[] {
  const cidrs = [...new Set(input.apiCidrs)].sort();
  const planes = [...new Set(input.controlPlaneCidrs)].sort();
  if (cidrs.length === 0) throw new Error("renderKedaNetworkPolicies: apiCidrs must name where the Kubernetes API answers");
  if (planes.length === 0) throw new Error("renderKedaNetworkPolicies: controlPlaneCidrs must name where the API server calls from");
  for (const c of [...cidrs, ...planes]) if (c.endsWith("/0")) throw new Error(`renderKedaNetworkPolicies: ${c} would admit everything`);
  const api = { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] };
  const pods = (name: string) => ({ podSelector: { matchLabels: { app: name } } });
  const policy = (name: string, spec: Record<string, unknown>): Obj => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: KEDA_NAMESPACE, labels: kedaLabels(name) },
    spec,
  });
  return [
    policy("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    policy(`${KEDA_OPERATOR}`, {
      ...pods(KEDA_OPERATOR),
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [pods(KEDA_METRICS_SERVER)], ports: [{ protocol: "TCP", port: KEDA_GRPC_PORT }] }],
      egress: [
        input.dnsRule,
        api,
        ...input.sources.map((s) => ({
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.namespace } }, podSelector: { matchLabels: { ...s.podLabels } } }],
          ports: [{ protocol: "TCP", port: s.port }],
        })),
      ],
    }),
    policy(`${KEDA_METRICS_SERVER}`, {
      ...pods(KEDA_METRICS_SERVER),
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: planes.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: KEDA_METRICS_PORT }] }],
      egress: [input.dnsRule, api, { to: [pods(KEDA_OPERATOR)], ports: [{ protocol: "TCP", port: KEDA_GRPC_PORT }] }],
    }),
  ];
}
