import type { Control } from "./types";
import { BUCKET, checkBuckets, type Verdict } from "./lib/s3";
import { actionMatches, isPublicPrincipal, parsePolicy, type Statement } from "./lib/policy-doc";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** Deny, to everyone, all S3 actions when aws:SecureTransport is false. */
function deniesInsecureTransport(s: Statement): boolean {
  if (s.effect !== "Deny" || !isPublicPrincipal(s.principal)) return false;
  if (!actionMatches(s.actions, "s3:GetObject") || !actionMatches(s.actions, "s3:PutObject")) return false;
  for (const [operator, byKey] of Object.entries(s.condition)) {
    if (operator !== "Bool") continue;
    for (const [key, value] of Object.entries(byKey ?? {})) {
      const values = Array.isArray(value) ? value : [value];
      if (key.toLowerCase() === "aws:securetransport" && values.some((v) => String(v) === "false")) return true;
    }
  }
  return false;
}

export const s3BucketTlsOnly: Control = {
  policy: {
    name: "sovereign-llm-s3-bucket-tls-only",
    description: "Every S3 bucket has a bucket policy that denies any request not made over TLS (aws:SecureTransport false), so data never crosses the network in clear text.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkBuckets(
        args,
        report,
        [BUCKET_POLICY],
        (_b, sides): Verdict => {
          let unknown = false;
          for (const side of sides) {
            const doc = parsePolicy(side.props.policy);
            if (isUnknown(doc)) {
              unknown = true;
              continue;
            }
            if (!doc.ok) return { ok: false, reason: `its bucket policy is unreadable: ${doc.reason}` };
            if (doc.statements.some(deniesInsecureTransport)) return { ok: true };
          }
          return unknown ? { unknown: "bucket policy unknown" } : { ok: false, reason: "its bucket policy does not deny requests without TLS (Deny s3:* to * when aws:SecureTransport is false)" };
        },
        "has no bucket policy denying non-TLS requests",
      ),
  },
  severity: "high",
  remediation:
    "Add to the bucket's aws.s3.BucketPolicy a statement { Effect: \"Deny\", Principal: \"*\", Action: \"s3:*\", Resource: [bucketArn, bucketArn/*], Condition: { Bool: { \"aws:SecureTransport\": \"false\" } } }.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.transmissionEncryption, HIPAA.transmissionIntegrity],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.transmission],
    "fedramp-moderate": ["SC-8", "SC-8(1)", "SC-13"],
  },
  references: [
    "AWS Config: s3-bucket-ssl-requests-only (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-S3BucketSSLRequestsOnly",
  ],
  resourceTypes: [BUCKET, BUCKET_POLICY],
};
