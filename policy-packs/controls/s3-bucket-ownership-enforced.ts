import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { asRecord, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";

export const s3BucketOwnershipEnforced: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-ownership-enforced",
    description: "Every S3 bucket has ownership controls set to BucketOwnerEnforced, which disables ACLs: access is decided by IAM and the bucket policy alone.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        [OWNERSHIP],
        (_b, sides): Verdict => {
          const value = str(asRecord(sides[0]!.props.rule).objectOwnership);
          if (isUnknown(value)) return { unknown: "objectOwnership unknown" };
          return value === "BucketOwnerEnforced" ? { ok: true } : { ok: false, reason: `object ownership is ${value ?? "unset"}, not BucketOwnerEnforced (ACLs stay enabled)` };
        },
        "has no BucketOwnershipControls (objectOwnership BucketOwnerEnforced)",
      ),
  },
  severity: "medium",
  remediation: "Declare aws.s3.BucketOwnershipControls for the bucket with rule.objectOwnership = \"BucketOwnerEnforced\" and remove any BucketAcl.",
  frameworks: {
    hipaa: [HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess],
    "fedramp-moderate": ["AC-3", "AC-6"],
  },
  references: ["AWS Config: s3-bucket-acl-prohibited (HIPAA Security)"],
  resourceTypes: [BUCKET, OWNERSHIP],
};
