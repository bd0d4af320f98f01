import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { asRecord, bool, configOf, str, tagsOf } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LOCK = ["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"];
const DEFAULTS = { allowedModes: ["COMPLIANCE", "GOVERNANCE"] };
const CONFIG_DELIVERY = "config-delivery";

export const s3BucketObjectLock: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-object-lock",
    description:
      "Every S3 bucket is created with Object Lock enabled and has a default retention rule, so model artifacts and audit archives cannot be deleted or overwritten within the retention period (WORM). The AWS Config delivery bucket (data-class: config-delivery) has Object Lock enabled without a default retention, which AWS Config refuses; Config keeps the configuration history itself.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        allowedModes: { type: "array", items: { type: "string", enum: ["COMPLIANCE", "GOVERNANCE"] }, minItems: 1, default: DEFAULTS.allowedModes },
      },
    },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      checkBuckets(
        args,
        report,
        LOCK,
        (bucket, sides): Verdict => {
          const enabled = bool(bucket.props.objectLockEnabled);
          if (enabled === false || enabled === undefined) return { ok: false, reason: "the bucket is not created with objectLockEnabled: true (it cannot be turned on later without support)" };
          const retention = asRecord(asRecord(sides[0]!.props.rule).defaultRetention);
          const mode = str(retention.mode);
          const days = retention.days;
          const years = retention.years;
          if (isUnknown(mode) || isUnknown(days) || isUnknown(years) || isUnknown(enabled)) return { unknown: "object lock settings unknown" };
          if (mode === undefined) return { ok: false, reason: "object lock configuration has no default retention rule" };
          if (!cfg.allowedModes.includes(mode)) return { ok: false, reason: `object lock default retention mode ${mode} is not one of ${cfg.allowedModes.join(", ")}` };
          if (!((typeof days === "number" && days > 0) || (typeof years === "number" && years > 0))) return { ok: false, reason: "object lock default retention has no positive days or years" };
          return { ok: true };
        },
        "has no BucketObjectLockConfiguration with a default retention rule",
        // AWS Config refuses to deliver to a bucket with a default retention
        // (https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html):
        // its delivery bucket, tagged data-class: config-delivery, only needs Object Lock enabled.
        (bucket) => {
          const tags = tagsOf(bucket.props);
          if (isUnknown(tags) || tags?.["data-class"] !== CONFIG_DELIVERY) return undefined;
          const enabled = bool(bucket.props.objectLockEnabled);
          if (isUnknown(enabled)) return { unknown: "object lock settings unknown" };
          return enabled === true ? { ok: true } : { ok: false, reason: "the AWS Config delivery bucket is not created with objectLockEnabled: true" };
        },
      );
    },
  },
  severity: "high",
  remediation:
    "Create the bucket with objectLockEnabled: true and declare aws.s3.BucketObjectLockConfiguration with rule.defaultRetention { mode: \"COMPLIANCE\", days: <retention> } (storage.modelLockDays / auditLockDays).",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.documentationRetention, HIPAA.backup],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.change, SOC2.recovery],
    "fedramp-moderate": ["AU-9", "AU-11", "SI-7", "CP-9"],
  },
  references: ["AWS Config: s3-bucket-default-lock-enabled (HIPAA Security, FedRAMP Moderate)"],
  resourceTypes: [BUCKET, ...LOCK],
};
