/**
 * One request, evaluated as AWS would: the caller's identity policies, the resource's policy
 * (bucket, key or role trust policy), the policy of the VPC endpoint the request passes, in one
 * account or across accounts, by @cloud-copilot/iam-simulate. The request context carries the
 * global keys AWS sets on every request (TLS, principal, resource account, source endpoint), which
 * the engine does not fill in itself.
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { AccessModel, EndpointModel, PolicyJson, RoleModel } from "./model";

/**
 * Who makes a request. A platform role is evaluated with the policies the program attaches to it;
 * a role outside the program (admins, auditors, another account's role) with an identity policy
 * allowing everything, so the answer is the most the platform's resource policies let it do.
 */
export type Principal =
  | { kind: "role"; role: RoleModel }
  | { kind: "external"; arn: string; label: string }
  | { kind: "service"; service: string };

export interface AccessRequest {
  /** What the request is, in the caller's terms (`UploadPart`, `Decrypt through S3`). */
  label: string;
  principal: Principal;
  action: string;
  resource: string;
  /** Account owning the resource. Default: the account in the ARN, else the stack's. */
  resourceAccount?: string;
  /** Request-specific context keys (headers, encryption context, source ARN). */
  context?: Record<string, string | string[]>;
  /** The VPC endpoint the request travels through, if any. */
  through?: EndpointModel;
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";

export interface RequestResult {
  label: string;
  principal: string;
  action: string;
  resource: string;
  through?: string;
  decision: Decision;
  /** The statements that decided it, or the validation error. */
  why: string;
}

export const ALLOW_EVERYTHING: PolicyJson = { Version: "2012-10-17", Statement: [{ Sid: "AssumedUnrestrictedIdentity", Effect: "Allow", Action: "*", Resource: "*" }] };

export function principalName(p: Principal): string {
  if (p.kind === "role") return p.role.arn;
  if (p.kind === "external") return p.arn;
  return p.service;
}

export function principalLabel(p: Principal): string {
  if (p.kind === "role") return p.role.logicalName;
  if (p.kind === "external") return p.label;
  return p.service;
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/** The resource policy AWS would consult for this request, if the resource has one. */
export function resourcePolicyFor(model: AccessModel, action: string, resource: string): { name: string; policy: PolicyJson } | undefined {
  const service = action.split(":")[0].toLowerCase();
  if (service === "s3") {
    const bucketArn = resource.replace(/^(arn:[^:]+:s3:::[^/]+).*$/, "$1");
    const policy = model.bucketPolicies.get(bucketArn);
    return policy ? { name: `bucket policy of ${bucketArn}`, policy } : undefined;
  }
  if (service === "kms") {
    const policy = model.keyPolicies.get(resource);
    return policy ? { name: `key policy of ${resource}`, policy } : undefined;
  }
  if (service === "sts") {
    const role = model.roles.find((r) => r.arn === resource);
    return role?.trust ? { name: `trust policy of ${role.logicalName}`, policy: role.trust } : undefined;
  }
  return undefined;
}

function baseContext(model: AccessModel, req: AccessRequest, resourceAccount: string): Record<string, string | string[]> {
  const ctx: Record<string, string | string[]> = { "aws:SecureTransport": "true", "aws:ResourceAccount": resourceAccount, "aws:RequestedRegion": model.region };
  const p = req.principal;
  if (p.kind === "service") {
    ctx["aws:PrincipalIsAWSService"] = "true";
    ctx["aws:PrincipalServiceName"] = p.service;
  } else {
    const arn = principalName(p);
    ctx["aws:PrincipalArn"] = arn;
    ctx["aws:PrincipalAccount"] = accountOf(arn) ?? "";
    ctx["aws:PrincipalType"] = "AssumedRole";
    ctx["aws:PrincipalIsAWSService"] = "false";
  }
  const service = req.action.split(":")[0].toLowerCase();
  if (service === "s3") {
    ctx["s3:TlsVersion"] = "1.3";
    ctx["s3:authType"] = "REST-HEADER";
    ctx["s3:signatureversion"] = "AWS4-HMAC-SHA256";
  }
  if (service === "kms" && p.kind !== "service") ctx["kms:CallerAccount"] = accountOf(principalName(p)) ?? "";
  if (req.through) ctx["aws:SourceVpce"] = req.through.id;
  return { ...ctx, ...(req.context ?? {}) };
}

/**
 * iam-simulate 0.1.173 keeps a request's context keys only when the catalogue lists them, and
 * matches the catalogue's variable keys only where the variable follows a slash
 * (`aws:RequestTag/${TagKey}`): `kms:EncryptionContext:${EncryptionContextKey}` keys are dropped,
 * so every encryption-context condition would fail as if the key were absent. Both sides (the
 * request's context and the policies' conditions) are therefore renamed to a slash-variable
 * global key of the same type (a single-valued string), which the engine keeps and evaluates with
 * the same operators. Nothing else about the policies changes.
 */
const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:(.+)$/i;
const aliasKey = (key: string): string => {
  const m = ENCRYPTION_CONTEXT.exec(key);
  return m ? `aws:RequestTag/kms-encryption-context/${m[1]}` : key;
};

function aliasContext(ctx: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(ctx).map(([k, v]) => [aliasKey(k), v]));
}

export function aliasPolicy(policy: PolicyJson): PolicyJson {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return {
    ...policy,
    Statement: statements.map((st) => {
      const condition = st.Condition as Record<string, Record<string, unknown>> | undefined;
      if (!condition) return st;
      return { ...st, Condition: Object.fromEntries(Object.entries(condition).map(([op, block]) => [op, Object.fromEntries(Object.entries(block).map(([k, v]) => [aliasKey(k), v]))])) };
    }),
  };
}

interface Analysed {
  statement: { sid(): string | undefined; index(): number };
  policyId: string;
}

function describe(list: Analysed[] | undefined, where: string): string[] {
  return (list ?? []).map((s) => `${where}${s.policyId ? ` ${s.policyId}` : ""}#${s.statement.sid() ?? `statement ${s.statement.index() + 1}`}`);
}

export async function simulate(model: AccessModel, req: AccessRequest): Promise<RequestResult> {
  const resourceAccount = req.resourceAccount ?? accountOf(req.resource) ?? model.accountId;
  const p = req.principal;
  const identityPolicies = p.kind === "role" ? p.role.policies.map((x) => ({ name: x.name, policy: aliasPolicy(x.document) })) : p.kind === "external" ? [{ name: "assumed-unrestricted", policy: ALLOW_EVERYTHING }] : [];
  const resource = resourcePolicyFor(model, req.action, req.resource);
  const simulation: Simulation = {
    request: { principal: principalName(p), action: req.action, resource: { resource: req.resource, accountId: resourceAccount }, contextVariables: aliasContext(baseContext(model, req, resourceAccount)) },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resource ? aliasPolicy(resource.policy) : undefined,
    vpcEndpointPolicies: req.through?.policy ? [{ name: `endpoint ${req.through.logicalName}`, policy: aliasPolicy(req.through.policy) }] : undefined,
    additionalSettings: req.action.toLowerCase().startsWith("s3:") ? { s3: { blockPublicAccess: true } } : undefined,
  };
  const base = { label: req.label, principal: principalLabel(p), action: req.action, resource: req.resource, through: req.through?.logicalName };
  if (!req.resource) return { ...base, decision: "Error", why: "the resource is not known in this stack" };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") {
    const detail = Object.entries(result.errors)
      .filter(([k]) => k !== "message")
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join("; ");
    return { ...base, decision: "Error", why: `the simulator refused the request: ${result.errors.message}${detail ? ` (${detail})` : ""}` };
  }
  const analysis = result.resultType === "single" ? result.result.analysis : result.results[0]?.analysis;
  const decision = result.overallResult;
  if (!analysis) return { ...base, decision, why: "no resource matched" };
  let why: string;
  if (decision === "Allowed") {
    why = `allowed by ${[...describe(analysis.identityAnalysis?.allowStatements, "identity"), ...describe(analysis.resourceAnalysis?.allowStatements, "resource policy")].join(", ") || "the account's implicit trust"}`;
  } else {
    const denies = [
      ...describe(analysis.identityAnalysis?.denyStatements, "identity"),
      ...describe(analysis.resourceAnalysis?.denyStatements, "resource policy"),
      ...describe(analysis.endpointAnalysis?.denyStatements, "endpoint policy"),
    ];
    const blocked = analysis.blockedBy?.length ? `blocked by ${analysis.blockedBy.join(", ")}` : "";
    const noAllow: string[] = [];
    if (p.kind !== "service" && analysis.identityAnalysis?.result !== "Allowed") noAllow.push("identity policies");
    if (analysis.endpointAnalysis && analysis.endpointAnalysis.result !== "Allowed") noAllow.push(`endpoint policy (${req.through?.logicalName})`);
    if (analysis.resourceAnalysis && !["Allowed", "AllowedForAccount", "NotApplicable"].includes(analysis.resourceAnalysis.result)) noAllow.push(resource?.name ?? "resource policy");
    why = [denies.length ? `denied by ${denies.join(", ")}` : "", blocked, noAllow.length ? `no statement allows it in: ${noAllow.join(", ")}` : ""].filter(Boolean).join("; ") || "implicitly denied";
  }
  return { ...base, decision, why };
}
