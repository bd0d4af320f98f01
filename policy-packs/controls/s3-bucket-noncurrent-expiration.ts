import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { asArray, asRecord } from "./lib/resources";
import { containsUnknown, isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LIFECYCLE = ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"];

/** A rule applies to the whole bucket when it has no filter, an empty one, or an empty prefix. */
function wholeBucket(rule: Record<string, unknown>): boolean {
  const filter = rule.filter;
  if (filter === undefined || filter === null) return rule.prefix === undefined || rule.prefix === "";
  const f = asRecord(filter);
  const keys = Object.keys(f).filter((k) => f[k] !== undefined && f[k] !== null);
  return keys.length === 0 || (keys.length === 1 && keys[0] === "prefix" && f.prefix === "");
}

export const s3BucketNoncurrentExpiration: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-noncurrent-expiration",
    description:
      "Every S3 bucket (all are versioned) has an enabled lifecycle rule over the whole bucket that expires noncurrent versions after a set number of days: replaced model weights and deleted objects do not stay forever. Object Lock still keeps each version for its retention period; expiry only removes what is no longer locked.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        LIFECYCLE,
        (_b, sides): Verdict => {
          let unknown = false;
          for (const side of sides) {
            const rules = side.props.rules;
            if (isUnknown(rules) || containsUnknown(rules)) {
              unknown = true;
              continue;
            }
            for (const rule of asArray(rules).map(asRecord)) {
              if (rule.status !== "Enabled" || !wholeBucket(rule)) continue;
              const days = asRecord(rule.noncurrentVersionExpiration).noncurrentDays;
              if (typeof days === "number" && days > 0) return { ok: true };
            }
          }
          return unknown ? { unknown: "lifecycle rules unknown" } : { ok: false, reason: "no enabled lifecycle rule over the whole bucket expires noncurrent versions (noncurrentVersionExpiration.noncurrentDays)" };
        },
        "has no lifecycle configuration, so noncurrent versions are kept forever",
      ),
  },
  severity: "medium",
  remediation: "Add a lifecycle rule { status: Enabled, filter: {}, noncurrentVersionExpiration: { noncurrentDays: <the Object Lock retention> } } (SecureBucket does, from its lock period).",
  frameworks: {
    hipaa: [HIPAA.documentationRetention],
    gdpr: [GDPR.storageLimitation, GDPR.minimisation],
    soc2: [SOC2.disposal, SOC2.confidentialInfo],
    "fedramp-moderate": ["SI-12", "CM-8"],
  },
  references: [
    "AWS Config: s3-version-lifecycle-policy-check (HIPAA Security, NIST 800-53 rev 5)",
    "AWS Config: s3-lifecycle-policy-check (Self-Hosted AI/ML Security Governance)",
  ],
  resourceTypes: [BUCKET, ...LIFECYCLE],
};
