import type { Control } from "./types";
import { checkTrail, TRAIL } from "./lib/trail";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const cloudtrailMultiRegion: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-multi-region",
    description: "The trail records every region and global services, and logging is on: activity in a region the platform does not use is exactly what an auditor wants to see.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkTrail(args, report, (p, u) => {
        const multi = bool(p.isMultiRegionTrail);
        const global = bool(p.includeGlobalServiceEvents);
        const logging = bool(p.enableLogging);
        if (isUnknown(multi) || isUnknown(global) || isUnknown(logging)) return void u.note("trail flags unknown");
        if (multi !== true) return "trail is not multi-region (isMultiRegionTrail: true)";
        if (global === false) return "trail excludes global service events (IAM, STS)";
        if (logging === false) return "trail logging is turned off (enableLogging: false)";
        return undefined;
      }),
  },
  severity: "high",
  remediation: "Set isMultiRegionTrail: true, includeGlobalServiceEvents: true and enableLogging: true on the aws.cloudtrail.Trail.",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview],
    gdpr: [GDPR.accountability],
    soc2: [SOC2.monitoring],
    "fedramp-moderate": ["AU-2", "AU-12", "AU-3"],
  },
  references: ["AWS Config: multi-region-cloudtrail-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "AWS Config: cloudtrail-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)"],
  resourceTypes: [TRAIL],
};
