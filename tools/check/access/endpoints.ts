/**
 * Rule `called-apis-have-endpoints`: every AWS API the platform calls from inside the VPC is
 * reachable there, through a VPC endpoint of its service whose policy admits the call. The
 * platform routes nothing to AWS's public endpoints (the egress firewall's allow-list is for
 * the internet; in `egress.mode: none` there is no internet path at all), so a call without an
 * endpoint fails at run time, typically as a time-out long after the deploy succeeded.
 *
 * Two independent sources of "called": the program's table of callers (api-callers.ts, which
 * also covers calls made under AWS-managed policies, such as nodes pulling images), and the IAM
 * actions the program grants to roles used inside the VPC (trusted by EC2 for nodes, or by EKS
 * Pod Identity for pods), so a new permission cannot ship without its endpoint even when the table
 * is not updated. Pure: reads the access model.
 */
import { API_CALLERS, SERVICE_ACTION_PREFIXES, type ApiCaller } from "../../../components/network/api-callers";
import type { AccessModel, EndpointModel, PolicyJson, RoleModel } from "./model";

export const ENDPOINT_RULE = "called-apis-have-endpoints";

/** Service principals whose roles run inside the VPC: nodes (EC2) and pods (EKS Pod Identity). */
export const IN_VPC_PRINCIPALS = ["ec2.amazonaws.com", "pods.eks.amazonaws.com"];

/**
 * AWS-managed policies the program attaches to in-VPC roles, and the API prefixes their published
 * documents grant (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/). A managed
 * policy not listed here is reported: its calls cannot be checked against the endpoints.
 */
export const MANAGED_POLICY_PREFIXES: Record<string, readonly string[]> = {
  AmazonEKSWorkerNodePolicy: ["ec2", "eks", "eks-auth"],
  AmazonEC2ContainerRegistryPullOnly: ["ecr"],
  AmazonEC2ContainerRegistryReadOnly: ["ecr"],
  AmazonSSMManagedInstanceCore: ["ssm", "ssmmessages", "ec2messages"],
  AmazonEKS_CNI_Policy: ["ec2"],
};

export interface EndpointGap {
  rule: typeof ENDPOINT_RULE;
  /** The resource (role or caller) whose call has no way to AWS, as a reader finds it. */
  resource: string;
  message: string;
}

function statements(doc: PolicyJson): Record<string, unknown>[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** Whether a role's trust policy lets an in-VPC service principal assume it. */
export function isInVpcRole(role: RoleModel): boolean {
  if (!role.trust) return false;
  return statements(role.trust).some((s) => {
    if (s.Effect !== "Allow") return false;
    const principal = s.Principal as Record<string, unknown> | string | undefined;
    if (!principal || typeof principal === "string") return false;
    return list(principal.Service).some((p) => IN_VPC_PRINCIPALS.includes(p));
  });
}

/**
 * Whether a statement allows only calls another AWS service makes on the caller's behalf
 * (`kms:ViaService`, `aws:CalledVia`): S3 calls KMS for a pod reading an SSE-KMS object, so the
 * pod itself calls no KMS API and needs no KMS endpoint.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
function onlyViaAnotherService(s: Record<string, unknown>): boolean {
  const condition = (s.Condition ?? {}) as Record<string, Record<string, unknown>>;
  return Object.values(condition).some((block) => Object.keys(block).some((k) => ["kms:viaservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast"].includes(k.toLowerCase())));
}

/** The actions a role's own policies allow (action patterns as written), and the prefixes of its managed policies. */
function grants(role: RoleModel): { actions: string[]; managed: { arn: string; prefixes?: readonly string[] }[] } {
  const actions = role.policies.flatMap((p) => statements(p.document).filter((s) => s.Effect === "Allow" && !onlyViaAnotherService(s)).flatMap((s) => list(s.Action)));
  const managed = role.managedPolicyArns.map((arn) => ({ arn, prefixes: MANAGED_POLICY_PREFIXES[arn.split("/").pop() ?? ""] }));
  return { actions: [...new Set(actions)], managed };
}

/** Whether an endpoint's policy has an Allow statement covering the action (conditions narrow to the account, which in-VPC roles are in). */
function endpointAdmits(endpoint: EndpointModel, action: string): boolean {
  if (!endpoint.policy) return true; // no policy: the default allows everything (another control refuses that)
  return statements(endpoint.policy).some((s) => s.Effect === "Allow" && list(s.Action).some((a) => a === "*" || glob(a).test(action)));
}

function endpointsFor(model: AccessModel, service: string): EndpointModel[] {
  return model.endpoints.filter((e) => e.service === service);
}

function servicesOfPrefix(prefix: string): string[] {
  return Object.entries(SERVICE_ACTION_PREFIXES)
    .filter(([, prefixes]) => prefixes.includes(prefix))
    .map(([service]) => service);
}

/**
 * Every call the platform makes from inside the VPC that no endpoint carries. `callers` defaults
 * to the program's table; tests pass their own.
 */
export function endpointGaps(model: AccessModel, callers: Record<string, ApiCaller> = API_CALLERS): EndpointGap[] {
  const gaps: EndpointGap[] = [];
  const endpointName = (service: string) => `com.amazonaws.${model.region}.${service}`;
  const gap = (resource: string, message: string) => gaps.push({ rule: ENDPOINT_RULE, resource, message });

  for (const [id, caller] of Object.entries(callers)) {
    for (const service of caller.services) {
      if (endpointsFor(model, service).length === 0) {
        gap(`caller ${id} (${caller.description})`, `calls ${service}, but the VPC has no ${endpointName(service)} endpoint, so the call cannot leave the VPC; add the endpoint (IsolatedVpc derives them from API_CALLERS)`);
      }
    }
  }

  for (const role of model.roles.filter(isInVpcRole)) {
    const where = `role ${role.logicalName} (aws:iam/role:Role)`;
    const { actions, managed } = grants(role);
    const checks: { action: string; prefix: string; source: string }[] = [
      ...actions.filter((a) => a !== "*").map((a) => ({ action: a, prefix: a.split(":")[0].toLowerCase(), source: `is granted ${a}` })),
      ...managed.flatMap((m) => (m.prefixes ?? []).map((prefix) => ({ action: `${prefix}:*`, prefix, source: `carries ${m.arn.split("/").pop()}, which grants ${prefix}:*` }))),
    ];
    if (actions.includes("*")) gap(where, "is granted every action (*), so the APIs it calls cannot be known or given endpoints; grant the actions it needs");
    for (const m of managed.filter((x) => !x.prefixes)) {
      gap(where, `carries the managed policy ${m.arn}, whose APIs are not known offline; add its action prefixes to MANAGED_POLICY_PREFIXES (tools/check/access/endpoints.ts) so their endpoints are checked`);
    }
    for (const c of checks) {
      const services = servicesOfPrefix(c.prefix);
      if (services.length === 0) {
        gap(where, `${c.source}, an API the platform has no VPC endpoint for, so the call cannot leave the VPC; add the service to API_CALLERS and INTERFACE_ENDPOINTS (components/network), or drop the permission`);
        continue;
      }
      const found = services.flatMap((s) => endpointsFor(model, s));
      if (found.length === 0) {
        gap(where, `${c.source}, but the VPC has no ${services.map(endpointName).join(" or ")} endpoint, so the call cannot leave the VPC; add the service to the caller's entry in API_CALLERS`);
        continue;
      }
      const refusing = found.filter((e) => !endpointAdmits(e, c.action));
      if (refusing.length === found.length) {
        gap(where, `${c.source}, but the policy of ${refusing.map((e) => `endpoint ${e.logicalName}`).join(" and ")} admits no ${c.action} call; widen the endpoint policy (endpoint-policies.ts) to the actions the platform calls`);
      }
    }
  }
  return gaps;
}
