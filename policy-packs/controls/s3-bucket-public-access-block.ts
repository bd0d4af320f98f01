import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { bool } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3BucketPublicAccessBlock: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-public-access-block",
    description: "Every S3 bucket has a public access block with all four settings on, so neither an ACL nor a bucket policy can make it public.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        [PAB],
        (_b, sides): Verdict => {
          const side = sides[0]!;
          const off = FLAGS.filter((f) => bool(side.props[f]) !== true && !isUnknown(side.props[f]));
          if (off.length > 0) return { ok: false, reason: `public access block leaves ${off.join(", ")} off` };
          const unknown = FLAGS.filter((f) => isUnknown(side.props[f]));
          return unknown.length > 0 ? { unknown: `public access block ${unknown.join(", ")} unknown` } : { ok: true };
        },
        "has no BucketPublicAccessBlock (all four settings true)",
      ),
  },
  severity: "critical",
  remediation: "Declare aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessEstablishment, HIPAA.workforceSecurity, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.logicalAccess, SOC2.boundary],
    "fedramp-moderate": ["AC-3", "AC-4", "SC-7"],
  },
  references: [
    "AWS Config: s3-bucket-level-public-access-prohibited (FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: s3-bucket-public-read-prohibited (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: s3-bucket-public-write-prohibited (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-S3BucketLevelPublicAccessProhibited",
    "cdk-nag: NIST.800.53.R5-S3BucketLevelPublicAccessProhibited",
  ],
  resourceTypes: [BUCKET, PAB],
};
