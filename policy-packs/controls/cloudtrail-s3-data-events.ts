import type { Control } from "./types";
import { asArray, asRecord, byUrnOf, computedOnlyFrom, configOf, label, nodesOf, ofType, str, tagsOf } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { BUCKET_TYPES } from "./lib/s3";
import { TRAIL } from "./lib/trail";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DEFAULTS = { tagKey: "data-class", tagValues: ["model-artifacts"] };

type Cover = "yes" | "no" | "unknown";

const objectArns = (bucket: string) => ["aws", "aws-us-gov", "aws-cn"].map((partition) => `arn:${partition}:s3:::${bucket}/`);

/**
 * Does the trail log S3 object-level events for `bucketName`? `arnsFromBucket`: the trail's
 * advanced selectors are computed only from this bucket (property dependencies), so a
 * resources.ARN prefix unknown during preview is derived from this bucket's ARN.
 */
function covers(trail: Record<string, unknown>, bucketName: string, arnsFromBucket = false): Cover {
  let unknown = false;
  for (const sel of asArray(trail.advancedEventSelectors).map(asRecord)) {
    const fields = asArray(sel.fieldSelectors).map(asRecord);
    const field = (name: string) => fields.find((f) => f.field === name);
    if (containsUnknown(fields)) {
      // Decidable only when the one unknown part is the ARN prefix and it comes from this bucket.
      const arnField = field("resources.ARN");
      const rest = fields.filter((f) => f !== arnField);
      const category = field("eventCategory");
      const type = field("resources.type");
      const decidable = arnsFromBucket && arnField !== undefined && !containsUnknown(rest) && Object.keys(arnField).every((k) => k === "field" || k === "startsWith" || k === "startsWiths" || k === "equals");
      if (decidable && category && asArray(category.equals).includes("Data") && type && asArray(type.equals).includes("AWS::S3::Object") && !(field("readOnly") && asArray(field("readOnly")!.equals).length > 0)) return "yes";
      if (!decidable) unknown = true;
      continue;
    }
    const category = field("eventCategory");
    if (!category || !asArray(category.equals).includes("Data")) continue;
    const type = field("resources.type");
    if (!type || !asArray(type.equals).includes("AWS::S3::Object")) continue;
    if (field("readOnly") && asArray(field("readOnly")!.equals).length > 0) continue; // only reads or only writes
    const arn = field("resources.ARN");
    if (!arn) return "yes";
    const prefixes = [...asArray(arn.startsWith), ...asArray(arn.startsWiths), ...asArray(arn.equals)].map(String);
    // A prefix covers the bucket only if it is a prefix of every object ARN in it.
    if (prefixes.some((p) => objectArns(bucketName).some((o) => o.startsWith(p)))) return "yes";
  }
  for (const sel of asArray(trail.eventSelectors).map(asRecord)) {
    if (containsUnknown(sel)) {
      unknown = true;
      continue;
    }
    const rw = str(sel.readWriteType) ?? "All";
    if (rw !== "All") continue;
    for (const dr of asArray(sel.dataResources).map(asRecord)) {
      if (dr.type !== "AWS::S3::Object") continue;
      if (asArray(dr.values).map(String).some((v) => /^arn:aws[\w-]*:s3(:::)?$/.test(v) || objectArns(bucketName).includes(v))) return "yes";
    }
  }
  return unknown ? "unknown" : "no";
}

export const cloudtrailS3DataEvents: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-s3-data-events",
    description:
      "Object-level reads and writes of sensitive buckets (by default those tagged data-class: model-artifacts) are recorded by a trail as S3 data events: who downloaded or replaced model weights. Server access logs cannot be used because the bucket is SSE-KMS encrypted.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        tagKey: { type: "string", default: DEFAULTS.tagKey },
        tagValues: { type: "array", items: { type: "string" }, default: DEFAULTS.tagValues },
      },
    },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const byUrn = byUrnOf(all);
      const trails = ofType(all, TRAIL);
      const undecided = new Undecided();
      for (const bucket of ofType(all, ...BUCKET_TYPES)) {
        const tags = tagsOf(bucket.props);
        if (isUnknown(tags)) {
          undecided.note(`${label(bucket)}: tags unknown`);
          continue;
        }
        const value = tags?.[cfg.tagKey];
        if (typeof value !== "string" || !cfg.tagValues.includes(value)) continue;
        const name = str(bucket.props.bucket);
        if (isUnknown(name) || name === undefined) {
          undecided.note(`${label(bucket)}: bucket name unknown`);
          continue;
        }
        const results = trails.map((t) => covers(t.props, name, computedOnlyFrom(t, "advancedEventSelectors", byUrn, BUCKET_TYPES, bucket)));
        if (results.includes("yes")) continue;
        if (results.includes("unknown")) undecided.note(`${label(bucket)}: trail selectors unknown`);
        else report(`S3 bucket "${bucket.name}" (${cfg.tagKey}: ${value}) has no trail recording its object reads and writes as S3 data events`, bucket.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Add to the trail an advanced event selector { eventCategory: Data, resources.type: AWS::S3::Object, resources.ARN startsWith arn:aws:s3:::<bucket>/ } covering reads and writes.",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.authorizationSupervision],
    gdpr: [GDPR.accountability, GDPR.records],
    soc2: [SOC2.monitoring],
    "fedramp-moderate": ["AU-2", "AU-12", "AC-2"],
  },
  references: ["AWS Config: cloudtrail-s3-dataevents-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "Related: AWS Config: s3-bucket-logging-enabled (S3 server access logs, which cannot be delivered to an SSE-KMS bucket; object-level audit comes from the data events this control checks instead)"],
  resourceTypes: [TRAIL, ...BUCKET_TYPES],
};
