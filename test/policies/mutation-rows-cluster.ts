/**
 * Mutation rows for the cluster, node, egress-firewall and Kubernetes workload controls: one row
 * per secure property the components set. Each row changes `path` to the insecure `value` on every
 * resource of `type` in the synthesized stack; at least one mandatory policy of each pack in
 * `packs` must then fire (mutations.test.ts runs them). Paths use the mutation helper's syntax
 * (`a.b[0].c`, `[*]` for every element); `value` may be a function of the old value. `name`, when
 * given, limits the row to resources whose name matches it (e.g. only the guardrail gateway's
 * Deployment), so a row guards that component's setting even where another component's would fire.
 */
export interface ClusterMutationRow {
  type: string;
  path: string;
  value: unknown;
  packs: string[];
  note: string;
  /** "delete" removes the property instead of setting it; "remove" drops every resource of `type` (then `path` and `value` are ignored). */
  op?: "set" | "delete" | "remove";
  /** Only resources whose name matches (all resources of `type` when absent). */
  name?: RegExp;
}

const ALL = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];
const NO_GDPR = ["hipaa", "soc2", "fedramp-moderate"];

const CLUSTER = "aws:eks/cluster:Cluster";
const ADDON = "aws:eks/addon:Addon";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const FIREWALL_POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy";
const FIREWALL_LOGGING = "aws:networkfirewall/loggingConfiguration:LoggingConfiguration";
const RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup";
const ROUTE = "aws:ec2/route:Route";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SERVICE = "kubernetes:core/v1:Service";
const POD = "spec.template.spec";
const VLLM = `${POD}.containers[0]`;
/** The vLLM model Deployments (VllmService) and the guardrail gateway Deployment/Service (GuardrailGateway). */
const VLLM_NAME = /-vllm-/;
const GATEWAY_NAME = /-gateway(-lb)?$/;
/** The Cluster Autoscaler's Deployment, namespace, role policy and its namespace's NetworkPolicies. */
const AUTOSCALER_NAME = /-autoscaler(-ns|-default-deny|-egress)?$/;
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const SC = "securityContext";

/** Edits one environment variable of every container (absent `value` removes the variable). */
const envVar = (name: string, value?: string) => (old: unknown) =>
  Array.isArray(old) ? old.flatMap((e: { name?: string }) => (e?.name !== name ? [e] : value === undefined ? [] : [{ name, value }])) : old;
/** Removes a flag and its value from an argument list. */
const withoutFlag = (flag: string) => (old: unknown) => (Array.isArray(old) ? old.filter((a, i) => a !== flag && old[i - 1] !== flag) : old);
/** Sets a flag's value in an argument list. */
const flagValue = (flag: string, value: string) => (old: unknown) => (Array.isArray(old) ? old.map((a, i) => (old[i - 1] === flag ? value : a)) : old);

export const CLUSTER_MUTATION_ROWS: ClusterMutationRow[] = [
  // SecureCluster
  { type: CLUSTER, path: "vpcConfig.endpointPrivateAccess", value: false, packs: ALL, note: "private API endpoint off" },
  { type: CLUSTER, path: "vpcConfig.endpointPublicAccess", value: true, packs: ALL, note: "public API endpoint on with no CIDRs (EKS opens it to 0.0.0.0/0)" },
  { type: CLUSTER, path: "encryptionConfig.resources", value: [], packs: ALL, note: "Kubernetes Secrets not envelope-encrypted" },
  { type: CLUSTER, path: "encryptionConfig.provider.keyArn", value: "", packs: ALL, note: "secrets encryption without a customer-managed key" },
  { type: CLUSTER, path: "enabledClusterLogTypes", value: ["api"], packs: ALL, note: "audit, authenticator, controllerManager and scheduler logs off" },
  { type: CLUSTER, path: "accessConfig.authenticationMode", value: "API_AND_CONFIG_MAP", packs: ALL, note: "aws-auth ConfigMap accepted alongside access entries" },
  { type: CLUSTER, path: "accessConfig.bootstrapClusterCreatorAdminPermissions", value: true, packs: ALL, note: "cluster creator gets permanent cluster-admin" },
  { type: CLUSTER, path: "version", value: "1.28", packs: NO_GDPR, note: "Kubernetes version out of standard support" },
  { type: ADDON, path: "configurationValues", value: "{\"enableNetworkPolicy\":\"false\"}", packs: ALL, note: "vpc-cni does not enforce NetworkPolicies" },
  { type: ADDON, path: "addonVersion", value: "", packs: NO_GDPR, note: "managed add-on version not pinned" },
  // Node groups and launch templates (SecureCluster system nodes, GpuNodeGroup)
  { type: LAUNCH_TEMPLATE, path: "metadataOptions.httpTokens", value: "optional", packs: ALL, note: "IMDSv1 allowed on nodes" },
  { type: LAUNCH_TEMPLATE, path: "metadataOptions.httpPutResponseHopLimit", value: 2, packs: ALL, note: "pods can reach the node's instance credentials (hop limit 2)" },
  { type: LAUNCH_TEMPLATE, path: "blockDeviceMappings[*].ebs.encrypted", value: "false", packs: ALL, note: "node volumes unencrypted" },
  { type: LAUNCH_TEMPLATE, path: "blockDeviceMappings[*].ebs.kmsKeyId", value: "", packs: ALL, note: "node volumes encrypted with the AWS-managed key, not the node-volume key" },
  { type: LAUNCH_TEMPLATE, path: "keyName", value: "ops-ssh", packs: ALL, note: "SSH key pair on nodes" },
  { type: NODE_GROUP, path: "remoteAccess", value: { ec2SshKey: "ops-ssh" }, packs: ALL, note: "node group opens SSH (remoteAccess)" },
  { type: NODE_GROUP, path: "instanceTypes", value: ["t3.large"], packs: NO_GDPR, note: "instance type outside the allowed families" },
  { type: ATTACHMENT, path: "policyArn", value: "arn:aws:iam::aws:policy/AdministratorAccess", packs: ALL, note: "node role (and every role with attachments) gets AdministratorAccess" },
  // EgressFirewall
  { type: FIREWALL_POLICY, path: "firewallPolicy.statefulDefaultActions", value: ["aws:alert_established"], packs: ALL, note: "firewall alerts on but passes unmatched traffic" },
  { type: FIREWALL_POLICY, path: "firewallPolicy.statefulEngineOptions.ruleOrder", value: "DEFAULT_ACTION_ORDER", packs: ALL, note: "stateful rules not in strict order (default actions ignored)" },
  { type: FIREWALL_POLICY, path: "firewallPolicy.statelessDefaultActions", value: ["aws:pass"], packs: ALL, note: "stateless default passes packets around the stateful engine" },
  { type: FIREWALL_POLICY, path: "firewallPolicy.statelessFragmentDefaultActions", value: ["aws:pass"], packs: ALL, note: "fragments pass around the stateful engine" },
  { type: FIREWALL_POLICY, path: "firewallPolicy.statefulRuleGroupReferences", value: [], packs: ALL, note: "firewall policy with no rule group (baseline and allow-list gone, default actions only)" },
  { type: FIREWALL_POLICY, path: "firewallPolicy.statefulRuleGroupReferences", value: (old: unknown) => (Array.isArray(old) ? old.filter((r: { priority?: number }) => r?.priority !== 10) : old), packs: ALL, note: "egress baseline rule group (no UDP, no ICMP, TCP 80/443 only) left out of the firewall policy" },
  { type: RULE_GROUP, name: /-baseline$/, path: "ruleGroup.rulesSource.rulesString", value: "", packs: ALL, note: "egress baseline rule group emptied of its rules" },
  { type: FIREWALL_LOGGING, path: "loggingConfiguration.logDestinationConfigs", value: [], packs: ALL, note: "firewall ALERT and FLOW logs off" },
  { type: FIREWALL, path: "deleteProtection", value: false, packs: NO_GDPR, note: "prod firewall can be deleted in one step" },
  { type: FIREWALL, path: "firewallPolicyChangeProtection", value: false, packs: NO_GDPR, note: "prod firewall policy can be swapped in one step" },
  { type: ROUTE, path: "natGatewayId", value: "nat-bypass", packs: ALL, note: "workload default route straight to a NAT gateway, bypassing the firewall" },
  // Kubernetes baseline (InferenceNamespace) and VllmService
  { type: NAMESPACE, path: "metadata.labels", value: { "app.kubernetes.io/part-of": "sovereign-llm" }, packs: ALL, note: "namespace without Pod Security restricted enforcement" },
  { type: NETWORK_POLICY, path: "spec.policyTypes", value: ["Ingress"], packs: ALL, note: "no default-deny egress (every policy only governs ingress)" },
  { type: NETWORK_POLICY, path: "spec.egress[*].to", value: [{ ipBlock: { cidr: "0.0.0.0/0" } }], packs: ALL, note: "pods in the restricted namespace may reach the internet" },
  { type: SERVICE, path: "spec.type", value: "NodePort", packs: ALL, note: "model service exposed on every node" },
  { type: SERVICE, path: "spec.type", value: "LoadBalancer", packs: ALL, note: "model service behind an internet-facing load balancer" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.runAsNonRoot`, value: false, packs: ALL, note: "containers may run as root (the container setting overrides the pod's)" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.runAsUser`, value: 0, packs: ALL, note: "containers run as uid 0" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.allowPrivilegeEscalation`, value: true, packs: ALL, note: "privilege escalation allowed" },
  { type: DEPLOYMENT, path: `${POD}.initContainers[*].securityContext.privileged`, value: true, packs: ALL, note: "privileged init containers" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.capabilities.drop`, value: [], packs: ALL, note: "default capabilities kept" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.seccompProfile.type`, value: "Unconfined", packs: NO_GDPR, note: "no seccomp filter" },
  { type: DEPLOYMENT, path: `${POD}.containers[*].securityContext.readOnlyRootFilesystem`, value: false, packs: NO_GDPR, note: "writable root filesystem" },
  { type: DEPLOYMENT, path: `${POD}.hostNetwork`, value: true, packs: ALL, note: "pods on the node's network namespace" },
  { type: DEPLOYMENT, path: `${POD}.volumes[0].hostPath`, value: { path: "/" }, packs: ALL, note: "node filesystem mounted into the pod" },
  { type: DEPLOYMENT, path: `${VLLM}.image`, value: "vllm/vllm-openai:latest", packs: ALL, note: "vLLM image by tag, not digest" },
  { type: DEPLOYMENT, path: `${POD}.initContainers[*].image`, value: "amazon/aws-cli:latest", packs: ALL, note: "init container images by tag" },
  { type: DEPLOYMENT, path: `${POD}.automountServiceAccountToken`, value: true, packs: ALL, note: "service-account token mounted into model pods" },
  { type: DEPLOYMENT, path: `${VLLM}.env`, value: [], packs: ALL, note: "vLLM usage statistics and hub access on (VLLM_NO_USAGE_STATS, DO_NOT_TRACK, HF_HUB_OFFLINE unset)" },
  { type: DEPLOYMENT, path: `${VLLM}.args`, value: (old: unknown) => [...(Array.isArray(old) ? old : []), "--enable-log-requests"], packs: ALL, note: "vLLM request logging on" },
  { type: DEPLOYMENT, path: `${VLLM}.args`, value: (old: unknown) => (Array.isArray(old) ? old.map((a, i) => (old[i - 1] === "--ssl-cert-reqs" ? "0" : a)) : old), packs: ALL, note: "vLLM accepts clients without a certificate (--ssl-cert-reqs 0)" },
  // VllmService, per property, on the model Deployments only
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.readOnlyRootFilesystem`, value: false, packs: NO_GDPR, note: "vLLM container with a writable root filesystem" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.initContainers[*].${SC}.readOnlyRootFilesystem`, value: false, packs: NO_GDPR, note: "model sync/verify init containers with a writable root filesystem" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.allowPrivilegeEscalation`, value: true, packs: ALL, note: "vLLM container may gain privileges (setuid)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.initContainers[*].${SC}.allowPrivilegeEscalation`, value: true, packs: ALL, note: "init containers may gain privileges (setuid)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.capabilities.add`, value: ["SYS_ADMIN"], packs: ALL, note: "vLLM container adds CAP_SYS_ADMIN" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.capabilities.add`, value: ["NET_RAW"], packs: ALL, note: "vLLM container adds CAP_NET_RAW (raw sockets)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.capabilities.drop`, value: ["NET_RAW"], packs: ALL, note: "vLLM container drops one capability instead of ALL" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.initContainers[*].${SC}.capabilities`, value: {}, packs: ALL, note: "init containers keep the default capabilities" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.initContainers[0].image`, value: "public.ecr.aws/docker/library/node:20-alpine", packs: ALL, note: "the model-copy init container's image by tag (the one that copies and checks the weights' signatures)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.initContainers[0].image`, value: "gcr.io/distroless/nodejs24-debian12@sha256:abc", packs: ALL, note: "model-copy init container's image with a malformed digest" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.env`, value: envVar("VLLM_NO_USAGE_STATS"), packs: ALL, note: "VLLM_NO_USAGE_STATS unset (usage statistics sent to the vendor)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.env`, value: envVar("VLLM_NO_USAGE_STATS", "0"), packs: ALL, note: "VLLM_NO_USAGE_STATS=0" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.env`, value: envVar("DO_NOT_TRACK"), packs: ALL, note: "DO_NOT_TRACK unset" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.env`, value: envVar("HF_HUB_OFFLINE"), packs: ALL, note: "HF_HUB_OFFLINE unset (vLLM may reach a model hub)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.args`, value: withoutFlag("--ssl-cert-reqs"), packs: ALL, note: "--ssl-cert-reqs dropped (the default, 0, does not ask clients for a certificate)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.args`, value: flagValue("--ssl-cert-reqs", "1"), packs: ALL, note: "--ssl-cert-reqs 1 (a client certificate is optional)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.args`, value: withoutFlag("--ssl-ca-certs"), packs: ALL, note: "no CA to verify client certificates against (--ssl-ca-certs dropped)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.args`, value: withoutFlag("--ssl-certfile"), packs: ALL, note: "vLLM serves plain HTTP (--ssl-certfile dropped)" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${POD}.automountServiceAccountToken`, value: true, packs: ALL, note: "service-account token mounted into the vLLM pods" },
  { type: DEPLOYMENT, name: VLLM_NAME, path: `${VLLM}.${SC}.runAsUser`, value: 0, packs: ALL, note: "vLLM container runs as root (the image's default)" },
  { type: SERVICE, name: VLLM_NAME, path: "spec.type", value: "LoadBalancer", packs: ALL, note: "model service behind a load balancer (reachable around the gateway)" },
  { type: SERVICE, name: VLLM_NAME, path: "spec.externalIPs", value: ["203.0.113.10"], packs: ALL, note: "model service bound to an external IP" },
  // GuardrailGateway, per property, on the gateway Deployment and Service only
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.readOnlyRootFilesystem`, value: false, packs: NO_GDPR, note: "gateway container with a writable root filesystem" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.allowPrivilegeEscalation`, value: true, packs: ALL, note: "gateway container may gain privileges (setuid)" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.capabilities.add`, value: ["NET_ADMIN"], packs: ALL, note: "gateway container adds CAP_NET_ADMIN" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.capabilities.drop`, value: [], packs: ALL, note: "gateway container keeps the default capabilities" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].image`, value: "777788889999.dkr.ecr.us-east-1.amazonaws.com/sovereign-llm/guardrail-gateway:latest", packs: ALL, note: "gateway image by tag, not digest" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.automountServiceAccountToken`, value: true, packs: ALL, note: "service-account token mounted into the gateway pods" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.automountServiceAccountToken`, op: "delete", value: undefined, packs: ALL, note: "gateway pods do not opt out of the service-account token (automountServiceAccountToken unset)" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.runAsNonRoot`, value: false, packs: ALL, note: "gateway container may run as root (the container setting overrides the pod's)" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.privileged`, value: true, packs: ALL, note: "privileged gateway container" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[*].${SC}.seccompProfile.type`, value: "Unconfined", packs: NO_GDPR, note: "gateway without a seccomp filter" },
  { type: SERVICE, name: GATEWAY_NAME, path: "spec.type", value: "NodePort", packs: ALL, note: "gateway Service on a node port of every node" },
  { type: SERVICE, name: GATEWAY_NAME, path: "metadata.annotations", value: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" }, packs: ALL, note: "gateway load balancer without the internal scheme (internet-facing)" },
  { type: SERVICE, name: GATEWAY_NAME, path: "metadata.annotations", value: (old: unknown) => ({ ...(old as object), "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing", "service.beta.kubernetes.io/aws-load-balancer-internal": "false" }), packs: ALL, note: "gateway load balancer internet-facing" },
  { type: SERVICE, name: GATEWAY_NAME, path: "spec.loadBalancerSourceRanges", value: ["0.0.0.0/0"], packs: ALL, note: "gateway load balancer accepts any source address" },
  // GuardrailGateway's log shipper sidecar (second container)
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[1].${SC}.readOnlyRootFilesystem`, value: false, packs: NO_GDPR, note: "log shipper with a writable root filesystem" },
  { type: DEPLOYMENT, name: GATEWAY_NAME, path: `${POD}.containers[1].image`, value: "fluent/fluent-bit:latest", packs: ALL, note: "log shipper image by tag" },
  // ClusterAutoscaler
  { type: DEPLOYMENT, name: AUTOSCALER_NAME, path: `${POD}.containers[0].${SC}.allowPrivilegeEscalation`, value: true, packs: ALL, note: "autoscaler container may gain privileges" },
  { type: DEPLOYMENT, name: AUTOSCALER_NAME, path: `${POD}.containers[0].image`, value: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0", packs: ALL, note: "autoscaler image by tag" },
  { type: NAMESPACE, name: AUTOSCALER_NAME, path: "metadata.labels", value: {}, packs: ALL, note: "autoscaler namespace without Pod Security restricted" },
  { type: NETWORK_POLICY, name: AUTOSCALER_NAME, path: "spec.egress", value: [{}], packs: ALL, note: "autoscaler egress open to every address" },
  {
    type: ROLE_POLICY,
    name: AUTOSCALER_NAME,
    path: "policy",
    value: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "autoscaling:*", Resource: "*" }] }),
    packs: ALL,
    note: "autoscaler role may do anything to any Auto Scaling group",
  },
];
