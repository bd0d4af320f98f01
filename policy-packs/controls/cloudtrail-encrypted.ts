import type { Control } from "./types";
import { checkTrails, TRAIL } from "./lib/trail";
import { computedOnlyFrom, KMS_KEY_TYPES, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const cloudtrailEncrypted: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-encrypted",
    description:
      "The trail encrypts its log files with a customer-managed KMS key (SSE-KMS), not only the bucket default. A key ARN not known until deployment passes when it is computed only from KMS keys declared in the program (property dependencies).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkTrails(args, report, ({ props: p, trail, byUrn, note }) => {
        const key = str(p.kmsKeyId);
        if (isUnknown(key)) {
          // The ARN of a customer-managed key this program declares, whatever its value will be.
          if (!computedOnlyFrom(trail, "kmsKeyId", byUrn, KMS_KEY_TYPES)) note("kmsKeyId unknown");
          return undefined;
        }
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
  references: ["AWS Config: cloud-trail-encryption-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-CloudTrailEncryptionEnabled", "cdk-nag: NIST.800.53.R5-CloudTrailEncryptionEnabled"],
  resourceTypes: [TRAIL],
};
