/**
 * Mutation rows for identity permissions, bucket lifecycles, the audit trail's coverage, the
 * network boundary's routes, endpoints and flow-log destination, and Kubernetes RBAC, in the shape
 * of mutation-rows-cluster.ts (mutations.test.ts runs them).
 */
import type { ClusterMutationRow } from "./mutation-rows-cluster";

const ALL = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const TRAIL = "aws:cloudtrail/trail:Trail";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const NACL = "aws:ec2/networkAcl:NetworkAcl";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const CLUSTER_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
/** The model servers' read-model inline policies (VllmService). */
const READ_MODEL = /-read-model$/;

/** Edits the statements of a JSON policy string. */
const statements = (fn: (s: Record<string, unknown>) => Record<string, unknown>) => (old: unknown) => {
  if (typeof old !== "string") return old;
  const doc = JSON.parse(old) as { Statement: Record<string, unknown>[] };
  return JSON.stringify({ ...doc, Statement: doc.Statement.map(fn) });
};
const internetRoute = [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0123456789abcdef0" }];

export const ACCESS_AUDIT_MUTATION_ROWS: ClusterMutationRow[] = [
  // Identity permissions (VllmService's read-model policy, SecureCluster's cluster role)
  { type: ROLE_POLICY, name: READ_MODEL, path: "policy", value: statements((s) => (s.Sid === "DecryptModelObjectsThroughS3" ? { ...s, Resource: "*", Condition: undefined } : s)), packs: ALL, note: "model reader may kms:Decrypt with every key in the account" },
  { type: ROLE_POLICY, name: READ_MODEL, path: "policy", value: statements((s) => (s.Sid === "ReadModelObjects" ? { ...s, Action: "s3:*" } : s)), packs: ALL, note: "model reader gets s3:* on its model prefix (delete and overwrite included)" },
  { type: ATTACHMENT, name: /-eks-cluster-AmazonEKSClusterPolicy$/, path: "policyArn", value: "arn:aws:iam::aws:policy/AdministratorAccess", packs: ALL, note: "EKS cluster role gets AdministratorAccess" },
  // SecureBucket (ModelStore, audit archive)
  { type: LIFECYCLE, path: "rules", value: (old: unknown) => (Array.isArray(old) ? old.filter((r: { id?: string }) => r?.id !== "expire-noncurrent-versions") : old), packs: ALL, note: "old model versions and deleted objects never expire" },
  { op: "remove", type: LIFECYCLE, path: "", value: undefined, packs: ALL, note: "buckets without a lifecycle configuration" },
  // AuditTrail
  { type: TRAIL, path: "advancedEventSelectors", value: (old: unknown) => (Array.isArray(old) ? old.filter((s: { name?: string }) => s?.name !== "Management events") : old), packs: ALL, note: "trail records data events but no management events" },
  { type: TRAIL, path: "advancedEventSelectors[0].fieldSelectors", value: (old: unknown) => [...(Array.isArray(old) ? old : []), { field: "readOnly", equals: ["false"] }], packs: ALL, note: "trail records management writes only (reads of keys and secrets unrecorded)" },
  { type: TRAIL, path: "advancedEventSelectors", value: (old: unknown) => (Array.isArray(old) ? old.filter((s: { name?: string }) => !String(s?.name).startsWith("Audit archive")) : old), packs: ALL, note: "reads and deletions of the audit archive unrecorded" },
  { type: TRAIL, path: "advancedEventSelectors", value: (old: unknown) => (Array.isArray(old) ? old.filter((s: { name?: string }) => s?.name !== "Audit archive deletions and lock changes") : old), packs: ALL, note: "deletions in the audit archive unrecorded" },
  // IsolatedVpc
  { type: FLOW_LOG, path: "logDestination", value: "arn:aws:logs:us-east-1:444455556666:log-group:/central/flow-logs", packs: ALL, note: "flow logs delivered to a log group the platform does not own" },
  { type: ROUTE_TABLE, name: /-endpoints-[a-z0-9]+$/, path: "routes", value: internetRoute, packs: ALL, note: "internet-gateway route in the endpoint subnets' route tables" },
  { type: ROUTE_TABLE, name: /-firewall-[a-z0-9]+$/, path: "routes", value: internetRoute, packs: ALL, note: "internet-gateway route in the firewall subnets' route tables (traffic leaves around the NAT and its logs)" },
  { type: "aws:sns/topic:Topic", path: "kmsMasterKeyId", op: "delete", value: undefined, packs: ALL, note: "the alarm topic is not encrypted with a customer-managed key" },
  { type: "aws:ecr/repository:Repository", path: "imageTagMutability", value: "MUTABLE", packs: ALL, note: "ECR repositories accept moved tags" },
  { op: "remove", type: "aws:ecr/lifecyclePolicy:LifecyclePolicy", path: "", value: undefined, packs: ALL, note: "ECR repositories without lifecycle policies" },
  { type: NACL, path: "ingress", value: (old: unknown) => (Array.isArray(old) ? old.filter((r: { action?: string }) => r?.action !== "deny") : old), packs: ALL, note: "the subnets' ACL loses its RDP deny: internet replies on 1024-65535 admit port 3389" },
  { op: "remove", type: ENDPOINT, path: "", value: undefined, packs: ALL, note: "VPC without endpoints (AWS calls fail or leave the VPC)" },
  { type: LOG_GROUP, name: /-(net-flow-logs|egress-(alert|flow)|dns-queries)$/, path: "retentionInDays", value: 2192, packs: ["gdpr"], note: "flow, firewall and DNS query logs (IP addresses) kept six years under GDPR" },
  // Probes (VllmService, GuardrailGateway)
  { type: DEPLOYMENT, name: /-gateway$/, path: "spec.template.spec.containers[1].livenessProbe", op: "delete", value: undefined, packs: ALL, note: "audit log shipper never restarted when it hangs" },
  { type: DEPLOYMENT, name: /-vllm-/, path: "spec.template.spec.containers[0].readinessProbe", op: "delete", value: undefined, packs: ALL, note: "model server sent traffic before the model is loaded" },
  // ClusterAutoscaler's RBAC
  { type: CLUSTER_ROLE, path: "rules[0].verbs", value: ["*"], packs: ALL, note: "autoscaler ClusterRole with every verb" },
  { type: CLUSTER_ROLE, path: "rules[4].resources", value: ["*"], packs: ALL, note: "autoscaler ClusterRole on every resource" },
  { type: CLUSTER_BINDING, path: "roleRef.name", value: "cluster-admin", packs: ALL, note: "autoscaler service account bound to cluster-admin" },
  { type: ROLE_BINDING, path: "roleRef", value: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" }, packs: ALL, note: "autoscaler namespace binding to the built-in admin role" },
];
