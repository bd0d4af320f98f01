import type { Control } from "./types";
import { propsOf } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";
import { NAME_RULES, nameProblem } from "./lib/name-limits";

export const awsResourceNameLimits: Control = {
  policy: {
    name: "sovereign-llm-aws-resource-name-limits",
    description:
      "Every named AWS resource (IAM roles and policies, S3 buckets, log groups, KMS aliases, EKS clusters and node groups, Network Firewall objects, SNS topics, trails, Resolver objects, ...) has a physical name within the service's length and character rules, counting the eight characters Pulumi's auto-naming appends. A name AWS refuses fails the deploy halfway, after other resources exist. Goes beyond the public rule sets, which check deployed resources only.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (!NAME_RULES[args.type]) return;
      const problem = nameProblem(args.type, args.name, propsOf(args), isUnknown);
      if (problem) report(problem);
    },
  },
  severity: "medium",
  remediation: "Shorten the resource's name: for an auto-named resource its logical name (the component's name and role), for an explicit one the name input. Limits are in policy-packs/controls/lib/name-limits.ts with the AWS page for each.",
  frameworks: {
    hipaa: [HIPAA.riskManagement],
    gdpr: [GDPR.testing],
    soc2: [SOC2.change],
    "fedramp-moderate": ["CM-3", "CM-4"],
  },
  references: [],
  resourceTypes: Object.keys(NAME_RULES),
};
