import type { Control } from "./types";
import { asArray, asRecord, configOf, label, nodesOf, ofType, str } from "./lib/resources";
import { allowedRegions, placement } from "./lib/regions";
import { BUCKET_TYPES } from "./lib/s3";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const REPLICATION = ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"];
const DEFAULTS = { allowedRegions: [] as string[] };

export const s3ReplicationResidency: Control = {
  policy: {
    name: "sovereign-llm-s3-replication-residency",
    description:
      "S3 replication only targets buckets this stack declares in an allowed region: a destination outside the stack cannot be shown to stay within the residency regions. Goes beyond the public rule sets, which ask for replication but not where it goes.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedRegions: { type: "array", items: { type: "string" }, default: DEFAULTS.allowedRegions } } },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const { regions, source } = allowedRegions(cfg.allowedRegions, all);
      const buckets = ofType(all, ...BUCKET_TYPES);
      const undecided = new Undecided();
      for (const rep of ofType(all, ...REPLICATION)) {
        const rules = rep.props.rules;
        if (isUnknown(rules)) {
          undecided.note(`${label(rep)}: rules unknown`);
          continue;
        }
        for (const rule of asArray(rules).map(asRecord)) {
          const dest = str(asRecord(rule.destination).bucket);
          if (isUnknown(dest)) {
            // Known in preview only through the dependency on the destination bucket.
            const deps = (rep.propertyDependencies.rules ?? []).map((u) => buckets.find((b) => b.urn === u)).filter((b) => b !== undefined);
            const outside = deps.filter((b) => placement(b) !== undefined && !regions.includes(placement(b)!));
            for (const b of outside) report(`${label(rep)} replicates to bucket "${b.name}" in ${placement(b)}, outside ${source}: ${regions.join(", ")}`, rep.urn);
            if (outside.length === 0) undecided.note(`${label(rep)}: destination bucket unknown`);
            continue;
          }
          if (!dest) continue;
          const target = buckets.find((b) => [b.props.arn, `arn:aws:s3:::${String(b.props.bucket)}`, b.props.bucket].includes(dest) || (rep.propertyDependencies.rules ?? []).includes(b.urn) && dest.endsWith(`:::${String(b.props.bucket)}`));
          if (!target) {
            report(`${label(rep)} replicates to ${dest}, a bucket this stack does not declare: its region cannot be shown to be in ${regions.join(", ") || "the allow-list"}`, rep.urn);
            continue;
          }
          const where = placement(target);
          if (where && regions.length > 0 && !regions.includes(where)) report(`${label(rep)} replicates to bucket "${target.name}" in ${where}, outside ${source}: ${regions.join(", ")}`, rep.urn);
        }
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Replicate only to a bucket declared in this stack in one of the residency regions (set its region input or provider accordingly), or remove the replication configuration.",
  frameworks: {
    gdpr: [GDPR.transfers],
    hipaa: [HIPAA.backup, HIPAA.contingencyPlan, HIPAA.disasterRecovery],
    soc2: [SOC2.confidentialInfo, SOC2.recovery],
    "fedramp-moderate": ["CP-9", "SA-9(5)", "CP-6", "CP-6(1)", "CP-10"],
  },
  references: ["AWS Config: s3-bucket-replication-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5) — replication is allowed, but only inside the residency regions", "cdk-nag: HIPAA.Security-S3BucketReplicationEnabled"],
  resourceTypes: [...REPLICATION, ...BUCKET_TYPES],
};
