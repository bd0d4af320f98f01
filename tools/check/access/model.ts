/**
 * The platform's access model, read from an offline synthesis in update mode (identifiers and
 * ARNs known, in the shapes AWS assigns them): every policy document the program declares (role
 * trust and inline policies, customer-managed policies, bucket, key, topic and VPC endpoint
 * policies) and the resources flows are simulated against. Pure: reads registrations, declares
 * nothing.
 */
import { plain, UNKNOWN, type Registration, type SynthResult } from "../synth";

/** An IAM policy document as JSON (the shape AWS and the simulator take). */
export type PolicyJson = { Version?: string; Statement: Record<string, unknown>[] | Record<string, unknown> };

export type PolicyKind = "trust" | "identity" | "bucket" | "key" | "endpoint" | "topic";

export interface DeclaredPolicy {
  kind: PolicyKind;
  /** `<resource type> <logical name>`, as a reader finds it in the program. */
  label: string;
  urn: string;
  document: PolicyJson;
}

export interface RoleModel {
  urn: string;
  logicalName: string;
  name: string;
  arn: string;
  trust?: PolicyJson;
  /** Inline and customer-managed policies the program attaches. */
  policies: { name: string; document: PolicyJson }[];
  /** AWS-managed policies attached by ARN: their text is AWS's, not evaluated offline. */
  managedPolicyArns: string[];
}

export interface EndpointModel {
  urn: string;
  logicalName: string;
  id: string;
  /** Short service name: `s3`, `kms`, `ecr.api`, ... */
  service: string;
  type: "Gateway" | "Interface";
  policy?: PolicyJson;
}

export interface PodIdentity {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

export interface AccessModel {
  stack: string;
  accountId: string;
  region: string;
  partition: string;
  clusterName: string;
  clusterArn: string;
  trailArn: string;
  modelBucket: { name: string; arn: string };
  auditBucket: { name: string; arn: string };
  /** Key purpose (`models`, `logs`, `audit`, ...) → key ARN. */
  keys: Record<string, string>;
  /** Model names served by the stack. */
  models: string[];
  roles: RoleModel[];
  bucketPolicies: Map<string, PolicyJson>;
  keyPolicies: Map<string, PolicyJson>;
  endpoints: EndpointModel[];
  podIdentities: PodIdentity[];
  nodeGroupArns: string[];
  /** Log groups encrypted with a key: name, ARN and the key they name. */
  logGroups: { name: string; arn: string; kmsKeyId: string }[];
  /** Roles the stack config names as administrators / read-only (they live outside the program). */
  adminRoleArns: string[];
  readOnlyRoleArns: string[];
  /** Every policy document the program declares, for the action catalogue. */
  declared: DeclaredPolicy[];
  /** Anything that kept the model from being read completely (an unknown value, a bad document). */
  problems: string[];
}

const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucket: "aws:s3/bucket:Bucket",
  key: "aws:kms/key:Key",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  cluster: "aws:eks/cluster:Cluster",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Reads the account's settings of the stack from the stack config (`sovereign-llm:access`). */
function accessConfig(config: Record<string, string>): { adminRoleArns: string[]; readOnlyRoleArns: string[] } {
  try {
    const access = JSON.parse(config["sovereign-llm:access"] ?? "{}") as { adminRoleArns?: string[]; readOnlyRoleArns?: string[] };
    return { adminRoleArns: access.adminRoleArns ?? [], readOnlyRoleArns: access.readOnlyRoleArns ?? [] };
  } catch {
    return { adminRoleArns: [], readOnlyRoleArns: [] };
  }
}

/**
 * Builds the model. `config` is the stack file's config in CLI form (for the admin and read-only
 * roles, which the program names but does not create).
 */
export function readAccessModel(synth: SynthResult, config: Record<string, string>): AccessModel {
  if (synth.preview) throw new Error("the access model needs an update-mode synthesis (identifiers known); this one is a preview");
  const problems: string[] = [];
  const declared: DeclaredPolicy[] = [];
  const regs = synth.registrations;
  const ofType = (t: string) => regs.filter((r) => r.type === t);
  const inputs = (r: Registration) => plain(r.inputs) as Record<string, unknown>;
  const outputs = (r: Registration) => plain(r.outputs) as Record<string, unknown>;
  const label = (r: Registration) => `${r.type.split(":").pop()} ${r.name}`;

  const parse = (r: Registration, field: string, kind: PolicyKind): PolicyJson | undefined => {
    const raw = inputs(r)[field];
    if (raw === undefined || raw === null || raw === "") return undefined;
    if (containsUnknown(raw)) {
      problems.push(`${label(r)}: ${field} is not known offline, so its access cannot be proven`);
      return undefined;
    }
    try {
      const doc = (typeof raw === "string" ? JSON.parse(raw) : raw) as PolicyJson;
      declared.push({ kind, label: label(r), urn: r.urn, document: doc });
      return doc;
    } catch (err) {
      problems.push(`${label(r)}: ${field} is not valid JSON (${(err as Error).message})`);
      return undefined;
    }
  };

  const out = plain(synth.stackOutputs) as Record<string, unknown>;
  const { adminRoleArns, readOnlyRoleArns } = accessConfig(config);

  // Roles: by id and by name, since role policies refer to either.
  const roles: RoleModel[] = [];
  const roleByRef = new Map<string, RoleModel>();
  for (const r of ofType(T.role)) {
    const o = outputs(r);
    const role: RoleModel = { urn: r.urn, logicalName: r.name, name: str(o.name) || r.name, arn: str(o.arn), trust: parse(r, "assumeRolePolicy", "trust"), policies: [], managedPolicyArns: [] };
    roles.push(role);
    for (const ref of [r.id, role.name, role.arn]) if (ref) roleByRef.set(ref, role);
  }
  for (const r of ofType(T.rolePolicy)) {
    const i = inputs(r);
    const doc = parse(r, "policy", "identity");
    const role = roleByRef.get(str(i.role));
    if (!role) problems.push(`${label(r)}: names role "${str(i.role)}", which the program does not declare`);
    else if (doc) role.policies.push({ name: r.name, document: doc });
  }
  const managed = new Map<string, { name: string; document?: PolicyJson }>();
  for (const r of ofType(T.policy)) managed.set(str(outputs(r).arn), { name: r.name, document: parse(r, "policy", "identity") });
  for (const r of ofType(T.attachment)) {
    const i = inputs(r);
    const role = roleByRef.get(str(i.role));
    const policyArn = str(i.policyArn);
    if (!role) {
      problems.push(`${label(r)}: names role "${str(i.role)}", which the program does not declare`);
      continue;
    }
    const own = managed.get(policyArn);
    if (own?.document) role.policies.push({ name: own.name, document: own.document });
    else role.managedPolicyArns.push(policyArn);
  }

  // Buckets: policies keyed by bucket ARN.
  const bucketArnById = new Map<string, string>();
  for (const r of ofType(T.bucket)) {
    const o = outputs(r);
    bucketArnById.set(r.id, str(o.arn));
    bucketArnById.set(str(o.bucket), str(o.arn));
  }
  const bucketPolicies = new Map<string, PolicyJson>();
  for (const r of ofType(T.bucketPolicy)) {
    const doc = parse(r, "policy", "bucket");
    const arn = bucketArnById.get(str(inputs(r).bucket));
    if (doc && arn) bucketPolicies.set(arn, doc);
  }

  const keyPolicies = new Map<string, PolicyJson>();
  for (const r of ofType(T.key)) {
    const doc = parse(r, "policy", "key");
    if (doc) keyPolicies.set(str(outputs(r).arn), doc);
  }
  for (const r of ofType(T.topicPolicy)) parse(r, "policy", "topic");

  const endpoints: EndpointModel[] = ofType(T.endpoint).map((r) => {
    const i = inputs(r);
    const service = str(i.serviceName).replace(/^com\.amazonaws\.[a-z0-9-]+\./, "");
    return { urn: r.urn, logicalName: r.name, id: r.id, service, type: str(i.vpcEndpointType) === "Gateway" ? "Gateway" : "Interface", policy: parse(r, "policy", "endpoint") };
  });

  const podIdentities: PodIdentity[] = ofType(T.podIdentity).map((r) => {
    const i = inputs(r);
    return { namespace: str(i.namespace), serviceAccount: str(i.serviceAccount), roleArn: str(i.roleArn) };
  });

  const cluster = ofType(T.cluster)[0];
  const keys = (out.keyArns ?? {}) as Record<string, string>;
  const logGroups = ofType(T.logGroup)
    .map((r) => ({ name: str(inputs(r).name), arn: str(outputs(r).arn), kmsKeyId: str(inputs(r).kmsKeyId) }))
    .filter((g) => g.kmsKeyId !== "");
  const modelBucketName = str(out.modelBucket);
  const auditBucketName = str(out.auditBucket);
  const arnOfBucket = (name: string) => bucketArnById.get(name) ?? "";
  const trailArn = str(out.trailArn);
  const accountId = /^arn:[^:]+:cloudtrail:[^:]+:(\d{12}):/.exec(trailArn)?.[1] ?? "";
  const region = str(out.region);
  const partition = /^arn:([^:]+):/.exec(trailArn)?.[1] ?? "aws";
  for (const [what, value] of Object.entries({ trailArn, accountId, region, modelBucket: modelBucketName, auditBucket: auditBucketName })) {
    if (!value) problems.push(`stack output or value "${what}" is missing, so flows that need it cannot be simulated`);
  }

  return {
    stack: synth.stack,
    accountId,
    region,
    partition,
    clusterName: str(out.clusterName),
    clusterArn: cluster ? str(outputs(cluster).arn) : "",
    trailArn,
    modelBucket: { name: modelBucketName, arn: arnOfBucket(modelBucketName) },
    auditBucket: { name: auditBucketName, arn: arnOfBucket(auditBucketName) },
    keys,
    models: Object.keys((out.modelEndpoints ?? {}) as Record<string, unknown>).sort(),
    roles,
    bucketPolicies,
    keyPolicies,
    endpoints,
    podIdentities,
    nodeGroupArns: ofType(T.nodeGroup).map((r) => str(outputs(r).arn)),
    logGroups,
    adminRoleArns,
    readOnlyRoleArns,
    declared,
    problems,
  };
}

/** The role a Kubernetes service account gets through Pod Identity, if any. */
export function podRole(model: AccessModel, namespace: string, serviceAccount: string): RoleModel | undefined {
  const assoc = model.podIdentities.find((p) => p.namespace === namespace && p.serviceAccount === serviceAccount);
  return assoc ? model.roles.find((r) => r.arn === assoc.roleArn) : undefined;
}

/** The stack's endpoint for a service (`s3` prefers the interface endpoint, which pods use through private DNS). */
export function endpointFor(model: AccessModel, service: string, type?: "Gateway" | "Interface"): EndpointModel | undefined {
  const candidates = model.endpoints.filter((e) => e.service === service && (type === undefined || e.type === type));
  return candidates.find((e) => e.type === "Interface") ?? candidates[0];
}
