import type { Control } from "./types";
import { asArray, asRecord, configOf, label, nodesOf, ofType, refersTo, type Link, type Node } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment";
const INLINE = "aws:iam/rolePolicy:RolePolicy";
const DEFAULTS = { allowedManagedPolicies: ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"] };

function roleName(role: Node): string {
  const n = role.props.name;
  return typeof n === "string" ? n : role.name;
}

/** Does the node group's nodeRoleArn name this role? Dependencies first, then the ARN's last segment. */
function usesRole(group: Node, role: Node): Link {
  const link = refersTo(group, "nodeRoleArn", role, [role.props.arn]);
  if (link !== "no") return link;
  const arn = group.props.nodeRoleArn;
  return typeof arn === "string" && arn.endsWith(`/${roleName(role)}`) ? "yes" : "no";
}

/** Does the attachment's `prop` (a role name, or a list of them) refer to the role? */
function attachedTo(side: Node, prop: string, role: Node): Link {
  return refersTo(side, prop, role, [roleName(role), role.props.id, role.props.arn]);
}

/** The managed policy's name from its ARN: arn:aws:iam::aws:policy/service-role/X → X. */
function policyName(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

export const iamNodeRoleLeastPrivilege: Control = {
  policy: {
    name: "sovereign-llm-iam-node-role-least-privilege",
    description:
      "The IAM role of EKS node groups carries only the managed policies nodes need (AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryPullOnly, AmazonSSMManagedInstanceCore; tunable) and no inline policies. Anything more is shared by every pod on the node that reaches it, so workload permissions belong to Pod Identity roles instead.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedManagedPolicies: { type: "array", items: { type: "string" }, default: DEFAULTS.allowedManagedPolicies } } },
    validateStack: (args, report) => {
      const { allowedManagedPolicies } = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const groups = ofType(all, NODE_GROUP);
      const undecided = new Undecided();
      for (const role of ofType(all, ROLE)) {
        const uses = groups.map((g) => usesRole(g, role));
        if (!uses.includes("yes")) {
          if (uses.includes("unknown")) undecided.note(`${label(role)}: whether a node group uses it is unknown`);
          continue;
        }
        const extra: string[] = [];
        const inline: string[] = [];
        const check = (arn: unknown, where: string) => {
          if (isUnknown(arn)) undecided.note(`${label(role)}: a policy ARN is unknown (${where})`);
          else if (typeof arn === "string" && !allowedManagedPolicies.includes(policyName(arn))) extra.push(arn);
        };
        // Inline on the role itself.
        if (isUnknown(role.props.managedPolicyArns)) undecided.note(`${label(role)}: managedPolicyArns unknown`);
        else for (const arn of asArray(role.props.managedPolicyArns)) check(arn, "managedPolicyArns");
        if (isUnknown(role.props.inlinePolicies)) undecided.note(`${label(role)}: inlinePolicies unknown`);
        else for (const p of asArray(role.props.inlinePolicies)) inline.push(typeof asRecord(p).name === "string" ? String(asRecord(p).name) : "(inline)");
        // Separate resources.
        for (const a of ofType(all, ATTACHMENT)) {
          const link = attachedTo(a, "role", role);
          if (link === "unknown") undecided.note(`${label(a)}: role unknown`);
          else if (link === "yes") check(a.props.policyArn, a.name);
        }
        for (const a of ofType(all, POLICY_ATTACHMENT)) {
          const link = attachedTo(a, "roles", role);
          if (link === "unknown" || (link === "no" && containsUnknown(a.props.roles))) undecided.note(`${label(a)}: roles unknown`);
          else if (link === "yes") check(a.props.policyArn, a.name);
        }
        for (const p of ofType(all, INLINE)) {
          const link = attachedTo(p, "role", role);
          if (link === "unknown") undecided.note(`${label(p)}: role unknown`);
          else if (link === "yes") inline.push(p.name);
        }
        for (const arn of extra) report(`node role "${role.name}" has managed policy ${arn}; nodes may only have ${allowedManagedPolicies.join(", ")}: give workloads a Pod Identity role instead`, role.urn);
        for (const name of inline) report(`node role "${role.name}" has inline policy ${name}; node roles take no inline policies: give workloads a Pod Identity role instead`, role.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Attach only AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryPullOnly and AmazonSSMManagedInstanceCore to the node role; move any other permission to a Pod Identity association for the workload's service account.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "AC-6(1)", "AC-3", "AC-2"],
  },
  references: [
    "Related: AWS Config: iam-no-inline-policy-check (every IAM user, group and role; this control covers node roles only)",
    "Related: cdk-nag: HIPAA.Security-IAMNoInlinePolicy, NIST.800.53.R5-IAMNoInlinePolicy (every identity; node roles only here)",
    "Related: AWS Config: iam-policy-blacklisted-check (a deny-list of managed policies; this control allows a short list instead)",
  ],
  resourceTypes: [NODE_GROUP, ROLE, ATTACHMENT, POLICY_ATTACHMENT, INLINE],
};
