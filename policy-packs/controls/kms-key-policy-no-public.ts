import type { Control } from "./types";
import { bool, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { actionMatches, hasRestrictingCondition, isPublicPrincipal, parsePolicy, principalValues } from "./lib/policy-doc";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const KEY = "aws:kms/key:Key";
const ROOT = /^(arn:aws[\w-]*:iam::\d{12}:root|\d{12})$/;

export const kmsKeyPolicyNoPublic: Control = {
  policy: {
    name: "sovereign-llm-kms-key-policy-no-public",
    description:
      "KMS key policies grant nothing to the public principal \"*\" unless a condition pins the caller to an account, organisation or source; `kms:*` is granted only to the account root (which delegates to IAM); and the policy lockout safety check is never bypassed.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== KEY) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      const bypass = bool(p.bypassPolicyLockoutSafetyCheck);
      if (bypass === true) report("bypassPolicyLockoutSafetyCheck is true: the key could become unmanageable; leave it false");
      if (p.policy === undefined) return undecided.finish(); // AWS default key policy: account root only
      const doc = parsePolicy(p.policy);
      if (isUnknown(doc)) undecided.note("key policy unknown");
      else if (!doc.ok) report(`key policy is unreadable: ${doc.reason}`);
      else {
        doc.statements.forEach((s, i) => {
          if (s.effect !== "Allow") return;
          const id = s.sid ? `statement "${s.sid}"` : `statement ${i + 1}`;
          if (isPublicPrincipal(s.principal) && !hasRestrictingCondition(s)) report(`key policy ${id} allows the public principal "*" without a condition restricting the account, organisation or source`);
          const wide = s.actions.some((a) => a === "*" || a.toLowerCase() === "kms:*") || s.notActions.length > 0;
          if (wide) {
            const principals = principalValues(s.principal);
            if (principals.length === 0 || !principals.every((v) => ROOT.test(v))) report(`key policy ${id} grants kms:* to ${principals.join(", ") || "an unnamed principal"}; only the account root may hold kms:*`);
          }
          if (actionMatches(s.actions, "kms:PutKeyPolicy") && isPublicPrincipal(s.principal)) report(`key policy ${id} lets the public principal change the key policy`);
        });
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation:
    "In the key policy, replace Principal \"*\" with named principals or add conditions such as aws:PrincipalAccount / kms:CallerAccount / aws:SourceArn; grant kms:* only to arn:aws:iam::<account>:root and list explicit actions for administrators and services.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.encryptionAtRest, HIPAA.accessAuthorization, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality, GDPR.encryption],
    soc2: [SOC2.logicalAccess, SOC2.leastPrivilege],
    "fedramp-moderate": ["AC-3", "AC-6", "SC-12"],
  },
  references: [
    "Related: AWS Config: iam-customer-policy-blocked-kms-actions (the same concern for identity policies; not checked here)",
    "Beyond the public lists for key policies: AWS Config and cdk-nag do not inspect KMS key policies",
  ],
  resourceTypes: [KEY],
};
