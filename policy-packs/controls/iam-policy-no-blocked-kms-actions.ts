import type { Control } from "./types";
import { configOf, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { actionMatches, parsePolicy } from "./lib/policy-doc";
import { identityDocuments, IDENTITY_POLICY_TYPES, ROLE } from "./lib/identity-policies";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

/** AWS Config's default blocked patterns for these rules, as actions a pattern in a policy may grant. */
const DEFAULTS = { blockedActions: ["kms:Decrypt", "kms:ReEncryptFrom"] };

/** A resource element that names every KMS key: "*", or a key ARN whose key id (or region/account) is a wildcard. */
function coversAllKeys(resource: string): boolean {
  if (resource === "*") return true;
  const m = /^arn:[^:]*:kms:([^:]*):([^:]*):(.*)$/.exec(resource);
  if (!m) return false;
  const [, region, account, rest] = m;
  return rest === "*" || rest === "key/*" || region === "*" || account === "*" || region === "" || account === "";
}

export const iamPolicyNoBlockedKmsActions: Control = {
  policy: {
    name: "sovereign-llm-iam-policy-no-blocked-kms-actions",
    description:
      "No IAM permission policy the program declares (inline role, user and group policies, managed policies, a role's inlinePolicies) allows kms:Decrypt or kms:ReEncryptFrom (tunable) on every key (\"*\", or a key ARN with a wildcard key id, region or account): decrypting is granted per key, so a role reads only the data classes it is meant to. Action wildcards that include a blocked action (\"kms:*\", \"kms:De*\", \"*\") count.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { blockedActions: { type: "array", items: { type: "string" }, default: DEFAULTS.blockedActions } } },
    validateResource: (args, report) => {
      const documents = identityDocuments(args.type, propsOf(args));
      if (documents.length === 0) return;
      const { blockedActions } = configOf(args, DEFAULTS);
      const undecided = new Undecided();
      for (const { where, value } of documents) {
        const doc = parsePolicy(value);
        if (isUnknown(doc)) {
          undecided.note(`${where} unknown`);
          continue;
        }
        // An unreadable document is reported by sovereign-llm-iam-policy-no-wildcard-actions.
        if (!doc.ok) continue;
        doc.statements.forEach((s, i) => {
          if (s.effect !== "Allow") return;
          const id = s.sid ? `"${s.sid}"` : `${i + 1}`;
          const granted = blockedActions.filter((a) => actionMatches(s.actions, a));
          const allKeys = s.resources.filter(coversAllKeys);
          if (granted.length > 0 && allKeys.length > 0) report(`${where} statement ${id} allows ${granted.join(", ")} on every KMS key (${allKeys.join(", ")}); name the keys this identity may decrypt with`);
        });
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Scope kms:Decrypt (and kms:ReEncryptFrom) to the ARNs of the keys the identity needs, e.g. the model-artifacts key for a model reader, and add a kms:ViaService condition where only one service should use it.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.encryptionAtRest, HIPAA.accessAuthorization, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.leastPrivilege, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-6", "AC-3", "SC-12"],
  },
  references: [
    "AWS Config: iam-inline-policy-blocked-kms-actions (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: iam-customer-policy-blocked-kms-actions (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
  ],
  resourceTypes: [ROLE, ...IDENTITY_POLICY_TYPES],
};
