import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { asRecord, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const VERSIONING = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];

export const s3BucketVersioning: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-versioning",
    description: "Every S3 bucket has versioning Enabled, so an overwritten or deleted model file or audit record can be recovered (and Object Lock can apply).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        VERSIONING,
        (_b, sides): Verdict => {
          const status = str(asRecord(sides[0]!.props.versioningConfiguration).status);
          if (isUnknown(status)) return { unknown: "versioning status unknown" };
          return status === "Enabled" ? { ok: true } : { ok: false, reason: `versioning is ${status ?? "unset"}, not Enabled` };
        },
        "has no BucketVersioning with status Enabled",
      ),
  },
  severity: "high",
  remediation: "Declare aws.s3.BucketVersioning for the bucket with versioningConfiguration.status = \"Enabled\".",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.backup, HIPAA.contingencyPlan, HIPAA.disasterRecovery, HIPAA.integrityMechanism],
    gdpr: [GDPR.restore, GDPR.integrityConfidentiality],
    soc2: [SOC2.recovery, SOC2.change],
    "fedramp-moderate": ["CP-9", "SI-7", "AU-9", "CP-10"],
  },
  references: [
    "AWS Config: s3-bucket-versioning-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-S3BucketVersioningEnabled",
    "cdk-nag: NIST.800.53.R5-S3BucketVersioningEnabled",
  ],
  resourceTypes: [BUCKET, ...VERSIONING],
};
