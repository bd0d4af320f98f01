import type { Control } from "./types";
import { propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { parsePolicy, serviceWildcards } from "./lib/policy-doc";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";
import { identityDocuments, IDENTITY_POLICY_TYPES, ROLE } from "./lib/identity-policies";

export const iamPolicyNoWildcardActions: Control = {
  policy: {
    name: "sovereign-llm-iam-policy-no-wildcard-actions",
    description:
      "IAM permission policies the program declares (inline role, user and group policies, managed policies, a role's inlinePolicies) never allow \"*\" actions, NotAction, or every action of a service (\"svc:*\", on any resource: full access to one bucket is still full access): permissions are listed.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const documents = identityDocuments(args.type, propsOf(args));
      if (documents.length === 0) return;
      const undecided = new Undecided();
      for (const { where, value } of documents) {
        const doc = parsePolicy(value);
        if (isUnknown(doc)) {
          undecided.note(`${where} unknown`);
          continue;
        }
        if (!doc.ok) {
          report(`${where} is unreadable: ${doc.reason}`);
          continue;
        }
        doc.statements.forEach((s, i) => {
          if (s.effect !== "Allow") return;
          const id = s.sid ? `"${s.sid}"` : `${i + 1}`;
          if (s.notActions.length > 0) report(`${where} statement ${id} allows NotAction: everything except a list is granted`);
          if (s.actions.includes("*") || s.actions.includes("*:*")) report(`${where} statement ${id} allows every action ("*")`);
          else {
            const services = serviceWildcards(s.actions);
            const on = s.resources.includes("*") ? 'every resource ("*")' : s.resources.join(", ");
            if (services.length > 0) report(`${where} statement ${id} allows ${services.join(", ")} (every action of the service) on ${on}`);
          }
        });
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "List the actions the role needs (s3:GetObject, not s3:*) and scope Resource to the ARNs it acts on.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.informationAccess, HIPAA.authorizationSupervision],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "AC-3", "AC-2"],
  },
  references: [
    "AWS Config: iam-policy-no-statements-with-admin-access (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: iam-policy-no-statements-with-full-access (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "Related: AWS Config: iam-inline-policy-blocked-kms-actions (forbids named KMS actions on all keys; this control forbids wildcards, not specific KMS actions)",
    "cdk-nag: HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess",
    "cdk-nag: HIPAA.Security-IAMPolicyNoStatementsWithFullAccess",
    "cdk-nag: NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
    "cdk-nag: NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
  ],
  resourceTypes: [ROLE, ...IDENTITY_POLICY_TYPES],
};
