import type { Control } from "./types";
import { label, nodesOf, ofType, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { BUCKET_TYPES } from "./lib/s3";
import { TRAIL } from "./lib/trail";
import { recordsEvent } from "./lib/trail-events";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

/** The events whose recording this control requires on the archive, in words for the message. */
const REQUIRED = [
  { eventName: "GetObject", readOnly: true, what: "reads (GetObject)" },
  { eventName: "DeleteObject", readOnly: false, what: "deletions (DeleteObject)" },
];

export const cloudtrailAuditArchiveAccess: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-audit-archive-access",
    description:
      "The trail records who reads and who deletes objects in its own archive bucket (S3 data events on the bucket named by s3BucketName): the audit record's own access is audited. Recording the archive's writes in full would log CloudTrail's own deliveries recursively, so writes other than PutObject are enough; Object Lock keeps every delivered version.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const buckets = ofType(all, ...BUCKET_TYPES);
      const undecided = new Undecided();
      for (const trail of ofType(all, TRAIL)) {
        const target = str(trail.props.s3BucketName);
        const deps = trail.propertyDependencies.s3BucketName ?? [];
        const archive = buckets.find((b) => deps.includes(b.urn) || (typeof target === "string" && b.props.bucket === target));
        const name = archive ? str(archive.props.bucket) : target;
        if (isUnknown(name) || name === undefined) {
          undecided.note(`${label(trail)}: archive bucket name unknown`);
          continue;
        }
        // The selectors name the archive by ARN, whose partition is the trail's region's (GovCloud: aws-us-gov).
        const partition = trail.providerRegion?.startsWith("us-gov-") ? "aws-us-gov" : "aws";
        const objectArn = `arn:${partition}:s3:::${name}/AWSLogs/`;
        const missing: string[] = [];
        for (const e of REQUIRED) {
          const answer = recordsEvent(trail.props, { eventName: e.eventName, readOnly: e.readOnly, objectArn });
          if (answer === "unknown") undecided.note(`${label(trail)}: whether its selectors cover the archive's ${e.what} is unknown`);
          else if (answer === "no") missing.push(e.what);
        }
        if (missing.length > 0) report(`trail "${trail.name}" does not record ${missing.join(" or ")} of its own archive bucket ${name}`, trail.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Add advanced event selectors on the archive: { eventCategory: Data, resources.type: AWS::S3::Object, resources.ARN startsWith arn:aws:s3:::<archive>/, readOnly: true } and the same with readOnly: false and eventName notEquals PutObject (AuditTrail declares both).",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.integrity],
    gdpr: [GDPR.accountability],
    soc2: [SOC2.monitoring],
    "fedramp-moderate": ["AU-9", "AU-12", "AU-2"],
  },
  references: [
    "AWS Config: cloudtrail-s3-dataevents-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5; for the audit archive, with sovereign-llm-cloudtrail-s3-data-events for the model store)",
    "Related: AWS Config: s3-bucket-logging-enabled (server access logs of the archive; see the exception in the rule tables)",
  ],
  resourceTypes: [TRAIL, ...BUCKET_TYPES],
};
