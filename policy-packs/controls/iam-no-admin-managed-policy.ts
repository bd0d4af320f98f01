import type { Control } from "./types";
import { asArray, configOf, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ROLE = "aws:iam/role:Role";
const USER = "aws:iam/user:User";
const GROUP = "aws:iam/group:Group";
/** Attachment types and the input that names the managed policy. */
const ATTACHMENTS = [
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/policyAttachment:PolicyAttachment",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
];
const EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";
const DEFAULTS = { blockedPolicies: ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"] };

/** The AWS-managed policy an ARN names (arn:aws:iam::aws:policy/job-function/X → X), or undefined for a customer policy. */
function awsManagedName(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? m[1] : undefined;
}

export const iamNoAdminManagedPolicy: Control = {
  policy: {
    name: "sovereign-llm-iam-no-admin-managed-policy",
    description:
      "No role, user or group the program declares has an AWS-managed policy that grants administration (AdministratorAccess, PowerUserAccess, IAMFullAccess; tunable): not by managedPolicyArns, an attachment resource, or an exclusive attachment list. Platform roles get listed permissions; administrators are the organisation's own roles, outside this stack.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { blockedPolicies: { type: "array", items: { type: "string" }, default: DEFAULTS.blockedPolicies } } },
    validateResource: (args, report) => {
      const p = propsOf(args);
      let arns: unknown;
      if (args.type === ROLE || args.type === USER || args.type === GROUP) arns = p.managedPolicyArns;
      else if (ATTACHMENTS.includes(args.type)) arns = p.policyArn;
      else if (args.type === EXCLUSIVE) arns = p.policyArns;
      else return;
      const { blockedPolicies } = configOf(args, DEFAULTS);
      const undecided = new Undecided();
      if (isUnknown(arns)) undecided.note("policy ARNs unknown");
      else
        for (const arn of asArray(arns)) {
          if (isUnknown(arn)) undecided.note("a policy ARN is unknown");
          else if (typeof arn === "string") {
            const name = awsManagedName(arn);
            if (name !== undefined && blockedPolicies.includes(name)) report(`attaches ${arn}, which grants administration; give the identity a policy listing what it needs`);
          }
        }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Remove the administrative managed policy; attach the service's scoped managed policy (e.g. AmazonEKSClusterPolicy for the cluster role) or an inline policy that lists actions and resources.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.workforceSecurity, HIPAA.workforceClearance, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess, SOC2.accessProvisioning],
    "fedramp-moderate": ["AC-6", "AC-6(10)", "AC-2", "AC-3"],
  },
  references: [
    "AWS Config: iam-policy-blacklisted-check (default blocked policy AdministratorAccess)",
    "Related: AWS Config: iam-policy-no-statements-with-admin-access (customer policies only; AWS-managed AdministratorAccess is caught here instead)",
  ],
  resourceTypes: [ROLE, USER, GROUP, ...ATTACHMENTS, EXCLUSIVE],
};
