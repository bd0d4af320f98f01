import type { Control } from "./types";
import { asArray, asRecord, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { parsePolicy, serviceWildcards } from "./lib/policy-doc";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POLICY = "aws:iam/policy:Policy";

export const iamPolicyNoWildcardActions: Control = {
  policy: {
    name: "sovereign-llm-iam-policy-no-wildcard-actions",
    description:
      "IAM permission policies the program declares (inline role policies and managed policies) never allow \"*\" actions, NotAction, or a whole service (\"svc:*\") on all resources (\"*\"): permissions are listed.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const p = propsOf(args);
      const documents: { where: string; value: unknown }[] = [];
      if (args.type === ROLE_POLICY || args.type === POLICY) documents.push({ where: "policy", value: p.policy });
      else if (args.type === ROLE) asArray(p.inlinePolicies).forEach((ip, i) => documents.push({ where: `inlinePolicies[${i}]`, value: asRecord(ip).policy }));
      else return;
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
            if (services.length > 0 && s.resources.includes("*")) report(`${where} statement ${id} allows ${services.join(", ")} on every resource ("*")`);
          }
        });
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "List the actions the role needs and scope Resource to the ARNs it acts on.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "AC-3", "AC-2"],
  },
  references: [
    "AWS Config: iam-policy-no-statements-with-admin-access (HIPAA Security, FedRAMP Moderate)",
    "AWS Config: iam-policy-no-statements-with-full-access (HIPAA Security, FedRAMP Moderate)",
    "Related: AWS Config: iam-inline-policy-blocked-kms-actions (forbids named KMS actions on all keys; this control forbids wildcards, not specific KMS actions)",
    "cdk-nag: HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess",
    "cdk-nag: HIPAA.Security-IAMPolicyNoStatementsWithFullAccess",
    "cdk-nag: NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
    "cdk-nag: NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
  ],
  resourceTypes: [ROLE, ROLE_POLICY, POLICY],
};
