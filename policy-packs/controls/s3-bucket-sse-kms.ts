import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { asArray, asRecord, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SSE_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];

export const s3BucketSseKms: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-sse-kms",
    description:
      "Every S3 bucket has a server-side encryption configuration whose default is SSE-KMS with a customer-managed key (not SSE-S3, not the AWS-managed aws/s3 key), so key use is logged and revocable.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        SSE_TYPES,
        (_bucket, sides): Verdict => {
          let pending: string | undefined;
          for (const side of sides) {
            for (const rule of asArray(side.props.rules)) {
              const byDefault = asRecord(asRecord(rule).applyServerSideEncryptionByDefault);
              const algorithm = str(byDefault.sseAlgorithm);
              const key = str(byDefault.kmsMasterKeyId);
              if (isUnknown(algorithm)) {
                pending = "its SSE algorithm is unknown";
                continue;
              }
              if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") return { ok: false, reason: `default encryption is ${algorithm ?? "unset"}, not SSE-KMS (aws:kms)` };
              if (key === undefined || key === "") return { ok: false, reason: "SSE-KMS without kmsMasterKeyId uses the AWS-managed aws/s3 key; name a customer-managed key" };
              if (isUnknown(key)) return { ok: true }; // a key computed by the program: customer-managed by construction
              if (/(^|:)alias\/aws\//.test(key)) return { ok: false, reason: `kmsMasterKeyId ${key} is an AWS-managed key; use a customer-managed key` };
              return { ok: true };
            }
          }
          return pending ? { unknown: pending } : { ok: false, reason: "its encryption configuration has no default encryption rule" };
        },
        "has no BucketServerSideEncryptionConfiguration (SSE-KMS with a customer-managed key)",
      ),
  },
  severity: "high",
  remediation:
    "Declare aws.s3.BucketServerSideEncryptionConfiguration for the bucket with rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: <customer-managed key ARN> } and bucketKeyEnabled: true (SecureBucket does this).",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest, HIPAA.transmissionEncryption],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.confidentialInfo],
    "fedramp-moderate": ["SC-28", "SC-28(1)", "SC-12", "SC-13", "CP-9(8)"],
  },
  references: [
    "AWS Config: s3-bucket-server-side-encryption-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: s3-default-encryption-kms (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-S3DefaultEncryptionKMS",
        "cdk-nag: NIST.800.53.R5-S3DefaultEncryptionKMS",
      ],
  resourceTypes: [BUCKET, ...SSE_TYPES],
};
