import type { Control } from "./types";
import { checkTrail, TRAIL } from "./lib/trail";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const cloudtrailLogFileValidation: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-log-file-validation",
    description: "The trail writes signed digest files, so tampering with or deleting delivered log files is detectable.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkTrail(args, report, (p, u) => {
        const v = bool(p.enableLogFileValidation);
        if (isUnknown(v)) return void u.note("enableLogFileValidation unknown");
        return v === true ? undefined : "trail log file validation is off (enableLogFileValidation: true)";
      }),
  },
  severity: "high",
  remediation: "Set enableLogFileValidation: true on the aws.cloudtrail.Trail.",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.integrityMechanism],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.monitoring],
    "fedramp-moderate": ["AU-9", "SI-7", "SI-7(1)"],
  },
  references: ["AWS Config: cloud-trail-log-file-validation-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-CloudTrailLogFileValidationEnabled", "cdk-nag: NIST.800.53.R5-CloudTrailLogFileValidationEnabled"],
  resourceTypes: [TRAIL],
};
