/**
 * The access matrix of a stack, as data: every flow of flows.ts simulated, the questions an
 * auditor asks ("who can read the weights, who can decrypt each key, who can change the trail")
 * answered for every principal the platform knows of, and every action checked against the
 * catalogue. `check` fails on a flow that does not hold; the evidence report prints it.
 */
import { unknownActions, type UnknownAction } from "./catalogue";
import { endpointGaps, type EndpointGap } from "./endpoints";
import { accessFlows, foreignAccount, modelPrefix, type Flow } from "./flows";
import { endpointFor, type AccessModel } from "./model";
import { simulate, type AccessRequest, type Principal, type RequestResult } from "./simulate";

export interface FlowResult {
  id: string;
  title: string;
  expect: "allow" | "deny";
  resource: string;
  passed: boolean;
  /** One line saying what went wrong (a request of an allowed flow refused, one of a denied flow allowed). */
  failure?: string;
  requests: RequestResult[];
}

export interface QuestionRow {
  principal: string;
  /** The request, in the caller's terms (`GetObject from outside the VPC, signed in with MFA`). */
  label: string;
  /** How the principal's own permissions were taken: the program's policies, or unrestricted. */
  basis: "declared policies" | "unrestricted identity (outside the program)";
  action: string;
  resource: string;
  through?: string;
  decision: RequestResult["decision"];
  why: string;
}

export interface Question {
  question: string;
  rows: QuestionRow[];
}

export interface AccessMatrix {
  schema: "sovereign-llm/access/v1";
  stack: string;
  accountId: string;
  assumptions: string[];
  flows: FlowResult[];
  questions: Question[];
  unknownActions: UnknownAction[];
  /** Calls the platform makes from inside the VPC that no VPC endpoint carries (rule called-apis-have-endpoints). */
  endpointGaps: EndpointGap[];
  /** Roles with AWS-managed policies, whose text is AWS's and not evaluated offline. */
  managedPolicies: { role: string; policyArns: string[] }[];
  problems: string[];
  passed: boolean;
}

export const ASSUMPTIONS = [
  "Requests are simulated with @cloud-copilot/iam-simulate against the policies the program declares, with the identifiers an offline synthesis assigns (the shapes AWS uses).",
  "Roles the program does not create (admins, read-only roles, any other role of the account, a role of another account) are given an identity policy allowing everything: the answer is the most the platform's own resource, key, trust and endpoint policies let them do.",
  "No service control or resource control policies are assumed: an organisation's SCPs and RCPs can only narrow these answers.",
  "S3 Object Lock, which refuses deleting or overwriting locked object versions whatever the policies say, is not part of the simulation.",
];

async function evaluateFlow(model: AccessModel, flow: Flow): Promise<FlowResult> {
  const base = { id: flow.id, title: flow.title, expect: flow.expect, resource: flow.resource };
  if (flow.missing) return { ...base, passed: false, failure: `cannot be simulated: ${flow.missing}`, requests: [] };
  const requests = await Promise.all(flow.requests.map((r) => simulate(model, r)));
  const errors = requests.filter((r) => r.decision === "Error");
  let failure: string | undefined;
  if (errors.length > 0) failure = `${errors[0].label}: ${errors[0].why}`;
  else if (flow.expect === "allow") {
    const refused = requests.find((r) => r.decision !== "Allowed");
    if (refused) failure = `${refused.label} (${refused.action} on ${refused.resource}${refused.through ? ` through ${refused.through}` : ""}) is ${refused.decision === "ExplicitlyDenied" ? "explicitly denied" : "not allowed"}: ${refused.why}`;
  } else {
    const allowed = requests.find((r) => r.decision === "Allowed");
    if (allowed) failure = `${allowed.label} (${allowed.action} on ${allowed.resource}${allowed.through ? ` through ${allowed.through}` : ""}) is allowed: ${allowed.why}`;
  }
  return { ...base, passed: failure === undefined, failure, requests };
}

/** The principals an auditor asks about: the platform's roles, the configured admins and readers, and strangers. */
function candidates(model: AccessModel): Principal[] {
  const ext = (arn: string, label: string): Principal => ({ kind: "external", arn, label });
  return [
    ...model.roles.map((role): Principal => ({ kind: "role", role })),
    ...model.adminRoleArns.map((a) => ext(a, `admin ${a.split("/").pop()}`)),
    ...model.readOnlyRoleArns.map((a) => ext(a, `read-only ${a.split("/").pop()}`)),
    ext(`arn:${model.partition}:iam::${model.accountId}:role/any-other-role`, "any other role of the account"),
    ext(`arn:${model.partition}:iam::${foreignAccount(model)}:role/any-role`, `a role of another account (${foreignAccount(model)})`),
  ];
}

async function ask(model: AccessModel, question: string, requests: AccessRequest[]): Promise<Question> {
  const results = await Promise.all(requests.map((r) => simulate(model, r)));
  return {
    question,
    rows: results.map((res, i) => ({
      principal: res.principal,
      label: res.label,
      basis: requests[i].principal.kind === "role" ? "declared policies" : "unrestricted identity (outside the program)",
      action: res.action,
      resource: res.resource,
      through: res.through,
      decision: res.decision,
      why: res.why,
    })),
  };
}

async function questions(model: AccessModel): Promise<Question[]> {
  const who = candidates(model);
  const s3 = endpointFor(model, "s3", "Interface");
  const out: Question[] = [];
  for (const m of model.models) {
    const object = `${model.modelBucket.arn}/${modelPrefix(m)}model.sig`;
    out.push(
      await ask(
        model,
        `Who can read the weights of ${m}?`,
        who.flatMap((principal) => [
          ...(s3 ? [{ label: "GetObject through the S3 endpoint", principal, action: "s3:GetObject", resource: object, resourceAccount: model.accountId, through: s3 }] : []),
          { label: "GetObject from outside the VPC", principal, action: "s3:GetObject", resource: object, resourceAccount: model.accountId },
          { label: "GetObject from outside the VPC, signed in with MFA", principal, action: "s3:GetObject", resource: object, resourceAccount: model.accountId, context: { "aws:MultiFactorAuthPresent": "true" } },
        ]),
      ),
    );
  }
  for (const [purpose, key] of Object.entries(model.keys)) {
    if (purpose === "signing") continue; // an asymmetric signing key decrypts nothing
    const bucket = purpose === "models" ? model.modelBucket.arn : purpose === "audit" ? model.auditBucket.arn : undefined;
    out.push(
      await ask(
        model,
        `Who can decrypt with the ${purpose} key?`,
        who.flatMap((principal) => [
          { label: "Decrypt", principal, action: "kms:Decrypt", resource: key, context: purpose === "audit" ? { "kms:EncryptionContext:aws:cloudtrail:arn": model.trailArn } : undefined },
          ...(bucket
            ? [{ label: "Decrypt through S3", principal, action: "kms:Decrypt", resource: key, context: { "kms:ViaService": `s3.${model.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": bucket, ...(purpose === "audit" ? { "kms:EncryptionContext:aws:cloudtrail:arn": model.trailArn } : {}) } }]
            : []),
        ]),
      ),
    );
  }
  const trailChanges: { action: string; resource: string }[] = [
    ...["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"].map((action) => ({ action, resource: model.trailArn })),
    ...["s3:PutBucketPolicy", "s3:DeleteObject", "s3:PutLifecycleConfiguration"].map((action) => ({ action, resource: action === "s3:DeleteObject" ? `${model.auditBucket.arn}/AWSLogs/${model.accountId}/example.json.gz` : model.auditBucket.arn })),
    ...["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"].map((action) => ({ action, resource: model.keys.audit })),
  ].filter((c) => c.resource);
  out.push(await ask(model, "Who can change the trail (stop or alter it, remove archived files, or make the audit key unusable)?", who.flatMap((principal) => trailChanges.map((c) => ({ label: c.action, principal, action: c.action, resource: c.resource, resourceAccount: model.accountId })))));
  return out;
}

export async function accessMatrix(model: AccessModel): Promise<AccessMatrix> {
  // Without the platform's trail, buckets, keys and account (a program that is not the
  // platform), there is nothing to simulate flows against: the problems say what is missing.
  const complete = model.trailArn !== "" && model.accountId !== "" && model.modelBucket.arn !== "" && model.auditBucket.arn !== "" && ["models", "audit", "logs"].every((k) => model.keys[k]);
  const flows = complete ? await Promise.all(accessFlows(model).map((f) => evaluateFlow(model, f))) : [];
  const unknown = await unknownActions(model.declared);
  const asked = complete ? await questions(model) : [];
  const gaps = endpointGaps(model);
  return {
    schema: "sovereign-llm/access/v1",
    stack: model.stack,
    accountId: model.accountId,
    assumptions: ASSUMPTIONS,
    flows,
    questions: asked,
    unknownActions: unknown,
    endpointGaps: gaps,
    managedPolicies: model.roles.filter((r) => r.managedPolicyArns.length > 0).map((r) => ({ role: r.logicalName, policyArns: r.managedPolicyArns })),
    problems: complete ? model.problems : [...model.problems, "the program does not declare the platform's trail, model store, archive and keys, so no flow was simulated"],
    passed: complete && flows.every((f) => f.passed) && unknown.length === 0 && gaps.length === 0 && model.problems.length === 0,
  };
}

/** The lines `check` prints: one per failure, naming the flow (or policy) and the resource. */
export function matrixFailures(m: AccessMatrix): string[] {
  return [
    ...m.flows.filter((f) => !f.passed).map((f) => `flow ${f.id} (must be ${f.expect === "allow" ? "allowed" : "denied"}: ${f.title}) on ${f.resource}: ${f.failure}`),
    ...m.unknownActions.map((u) => `policy ${u.policy} (${u.statement}): action "${u.action}" ${u.reason}`),
    ...m.endpointGaps.map((g) => `rule ${g.rule}: ${g.resource} ${g.message}`),
    ...m.problems.map((p) => `access model: ${p}`),
  ];
}
