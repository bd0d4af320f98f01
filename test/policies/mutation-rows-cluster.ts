/**
 * Mutation rows for the cluster, node, egress-firewall and Kubernetes workload controls: one row
 * per secure property the components set. Each row changes `path` to the insecure `value` on every
 * resource of `type` in the synthesized stack; at least one mandatory policy of each pack in
 * `packs` must then fire (mutations.test.ts runs them). Paths use the mutation helper's syntax
 * (`a.b[0].c`, `[*]` for every element).
 */
export interface ClusterMutationRow {
  type: string;
  path: string;
  value: unknown;
  packs: string[];
  note: string;
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
const ROUTE = "aws:ec2/route:Route";

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
  { type: FIREWALL_LOGGING, path: "loggingConfiguration.logDestinationConfigs", value: [], packs: ALL, note: "firewall ALERT and FLOW logs off" },
  { type: FIREWALL, path: "deleteProtection", value: false, packs: NO_GDPR, note: "prod firewall can be deleted in one step" },
  { type: FIREWALL, path: "firewallPolicyChangeProtection", value: false, packs: NO_GDPR, note: "prod firewall policy can be swapped in one step" },
  { type: ROUTE, path: "natGatewayId", value: "nat-bypass", packs: ALL, note: "workload default route straight to a NAT gateway, bypassing the firewall" },
];
