import type { Control } from "./types";
import { checkTrail, TRAIL } from "./lib/trail";
import { str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const cloudtrailEncrypted: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-encrypted",
    description: "The trail encrypts its log files with a customer-managed KMS key (SSE-KMS), not only the bucket default.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkTrail(args, report, (p, u) => {
        const key = str(p.kmsKeyId);
        if (isUnknown(key)) return void u.note("kmsKeyId unknown");
        if (!key) return "trail has no kmsKeyId: log files are not encrypted with a customer-managed key";
        if (/alias\/aws\//.test(key)) return `trail kmsKeyId ${key} is an AWS-managed key`;
        return undefined;
      }),
  },
  severity: "high",
  remediation: "Set kmsKeyId on the aws.cloudtrail.Trail to the audit key, whose policy lets cloudtrail.amazonaws.com GenerateDataKey* for this trail.",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest, HIPAA.transmissionEncryption],
    gdpr: [GDPR.encryption],
    soc2: [SOC2.logicalAccess, SOC2.confidentialInfo],
    "fedramp-moderate": ["AU-9", "SC-28", "SC-28(1)"],
  },
  references: ["AWS Config: cloud-trail-encryption-enabled (HIPAA Security, FedRAMP Moderate)", "cdk-nag: HIPAA.Security-CloudTrailEncryptionEnabled", "cdk-nag: NIST.800.53.R5-CloudTrailEncryptionEnabled"],
  resourceTypes: [TRAIL],
};
