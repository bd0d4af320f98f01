import type { Control } from "./types";
import { propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { hasWildcardPrincipal, parsePolicy, principalValues } from "./lib/policy-doc";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ROLE = "aws:iam/role:Role";

export const iamRoleTrustNoWildcard: Control = {
  policy: {
    name: "sovereign-llm-iam-role-trust-no-wildcard",
    description:
      "No IAM role trust policy names a wildcard principal (\"*\", {\"AWS\": \"*\"}, arn:aws:iam::*:...), with or without conditions: who may assume a role is always named. Goes beyond the public rule sets, which only inspect permission policies.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== ROLE) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      const doc = parsePolicy(p.assumeRolePolicy);
      if (isUnknown(doc)) undecided.note("assumeRolePolicy unknown");
      else if (!doc.ok) report(`trust policy is unreadable: ${doc.reason}`);
      else
        doc.statements.forEach((s, i) => {
          if (s.effect !== "Allow") return;
          const id = s.sid ? `"${s.sid}"` : `${i + 1}`;
          if (s.notPrincipal !== undefined) report(`trust policy statement ${id} uses NotPrincipal with Allow: everyone else may assume the role`);
          else if (hasWildcardPrincipal(s.principal)) report(`trust policy statement ${id} lets a wildcard principal assume the role (${principalValues(s.principal).filter((v) => v.includes("*")).join(", ")})`);
        });
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Name the service principal or role ARNs that may assume the role, and pin service principals with aws:SourceAccount / aws:SourceArn conditions.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.workforceSecurity, HIPAA.informationAccess, HIPAA.accessEstablishment],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.accessProvisioning],
    "fedramp-moderate": ["AC-2", "AC-3", "AC-6"],
  },
  references: [],
  resourceTypes: [ROLE],
};
