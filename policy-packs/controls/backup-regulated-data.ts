import type { Control } from "./types";
import { asArray, asRecord, KMS_KEY_TYPES, label, nodesOf, ofType, refersTo, str, tagsOf, type Node } from "./lib/resources";
import { BUCKET_TYPES, bucketValues } from "./lib/s3";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SELECTION = "aws:backup/selection:Selection";
const PLAN = "aws:backup/plan:Plan";
const VAULT = "aws:backup/vault:Vault";
const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** Classifications whose stacks must keep their records as more than one copy. */
const REGULATED = ["phi", "pii"];
/** Buckets whose content is reproducible from outside the stack (signed model releases), not records. */
const REPRODUCIBLE = ["model-artifacts"];
const MIN_RETENTION_DAYS = 7;

type Link = "yes" | "no" | "unknown";
const worst = (links: Link[]): Link => (links.includes("yes") ? "yes" : links.includes("unknown") ? "unknown" : "no");

/** Whether a cron or rate schedule of AWS Backup runs at least once a day. */
export function atLeastDaily(schedule: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (rate) return rate[2]!.startsWith("day") ? Number(rate[1]) <= 1 : true;
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(schedule);
  if (!cron) return false;
  const [, , , dom, month, dow] = cron;
  return ["*", "?"].includes(dom!) && month === "*" && ["*", "?"].includes(dow!);
}

/** What keeps a second copy of `bucket`, or why the copy it has does not count. */
function copyOf(bucket: Node, all: Node[], undecided: Undecided): string | undefined {
  const replicated = worst(ofType(all, REPLICATION).map((r) => refersTo(r, "bucket", bucket, bucketValues(bucket))));
  if (replicated === "yes") return undefined;
  const problems: string[] = [];
  let covered: Link = replicated;
  for (const sel of ofType(all, SELECTION)) {
    const link = refersTo(sel, "resources", bucket, [...bucketValues(bucket), `arn:aws:s3:::${String(bucket.props.bucket)}`]);
    if (link === "no") continue;
    if (link === "unknown") {
      covered = covered === "yes" ? "yes" : "unknown";
      continue;
    }
    const plans = ofType(all, PLAN).filter((p) => refersTo(sel, "planId", p, [p.props.id]) !== "no");
    for (const plan of plans) {
      const rules = plan.props.rules;
      if (isUnknown(rules)) {
        undecided.note(`${label(plan)}: rules unknown`);
        covered = "yes";
        continue;
      }
      for (const rule of asArray(rules).map(asRecord)) {
        const schedule = str(rule.schedule);
        const days = asRecord(rule.lifecycle).deleteAfter;
        if (typeof schedule === "string" && !atLeastDaily(schedule)) {
          problems.push(`${label(plan)} rule ${String(rule.ruleName)} runs less than daily (${schedule})`);
          continue;
        }
        if (typeof days === "number" && days < MIN_RETENTION_DAYS) {
          problems.push(`${label(plan)} rule ${String(rule.ruleName)} keeps recovery points ${days} days (at least ${MIN_RETENTION_DAYS})`);
          continue;
        }
        const target = rule.targetVaultName;
        const vaults = ofType(all, VAULT).filter((v) => (typeof target === "string" ? target === v.props.name : (plan.propertyDependencies.rules ?? []).includes(v.urn)));
        if (vaults.length === 0) {
          if (isUnknown(target)) {
            undecided.note(`${label(plan)}: target vault unknown`);
            covered = "yes";
          } else problems.push(`${label(plan)} backs up into a vault this stack does not declare (${String(target)}): its lock and key cannot be shown`);
          continue;
        }
        for (const vault of vaults) {
          const keys = ofType(all, ...KMS_KEY_TYPES);
          const keyLink = worst(keys.map((k) => refersTo(vault, "kmsKeyArn", k, [k.props.arn])));
          if (keyLink === "no") problems.push(`${label(vault)} is not encrypted with a customer managed key this stack declares`);
          const locked = worst(ofType(all, LOCK).map((l) => refersTo(l, "backupVaultName", vault, [vault.props.name])));
          if (locked === "no") problems.push(`${label(vault)} has no Vault Lock: its recovery points can be deleted or shortened`);
          if (keyLink !== "no" && locked !== "no") covered = "yes";
        }
      }
    }
  }
  if (covered === "yes") return undefined;
  if (covered === "unknown") {
    undecided.note(`${label(bucket)}: backup selection unknown`);
    return undefined;
  }
  return problems.length > 0 ? problems.join("; ") : "no AWS Backup selection or replication covers it";
}

export const backupRegulatedData: Control = {
  policy: {
    name: "sovereign-llm-backup-regulated-data",
    description:
      "In a stack that processes personal or health data (buckets tagged data-classification phi or pii), every bucket of records is kept as a second copy outside itself: selected by an AWS Backup plan that runs at least daily and keeps recovery points at least 7 days in a vault the stack declares, encrypted with its own customer managed key and under Vault Lock, or replicated (where to is sovereign-llm-s3-replication-residency's concern). Buckets tagged data-class model-artifacts hold signed model releases that are re-published from their source, not records.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      for (const bucket of ofType(all, ...BUCKET_TYPES)) {
        const tags = tagsOf(bucket.props);
        if (isUnknown(tags) || !tags) continue;
        if (!REGULATED.includes(String(tags["data-classification"]))) continue;
        if (REPRODUCIBLE.includes(String(tags["data-class"]))) continue;
        const problem = copyOf(bucket, all, undecided);
        if (problem) report(`${label(bucket)} (data-class ${String(tags["data-class"] ?? "unset")}, ${String(tags["data-classification"])}) is kept as a single copy: ${problem}`, bucket.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Keep DataBackup in the program (infra/platform.ts) with the bucket among its sources (storage.backup sets retention and an optional copy region inside the residency), or replicate the bucket to one the stack declares in a residency region.",
  frameworks: {
    hipaa: [HIPAA.contingencyPlan, HIPAA.backup, HIPAA.disasterRecovery],
    gdpr: [GDPR.restore, GDPR.confidentialityResilience],
    soc2: [SOC2.recovery],
    "fedramp-moderate": ["CP-9", "CP-9(8)", "CP-10"],
  },
  references: [
    "AWS Config: backup-plan-min-frequency-and-min-retention-check (HIPAA Security, FedRAMP Moderate) — daily, with the retention the stack sets (at least 7 days; 35 by default, the rule's default)",
    "AWS Config: backup-recovery-point-encrypted (HIPAA Security) — with a customer managed key the stack declares",
    "Related: AWS Config: backup-recovery-point-manual-deletion-disabled (the vault access policy; this control requires Vault Lock instead)",
    "Related: AWS Config: s3-bucket-replication-enabled (replication is one way to satisfy this control; sovereign-llm-s3-replication-residency keeps it in the residency)",
  ],
  resourceTypes: [...BUCKET_TYPES, SELECTION, PLAN, VAULT, LOCK, REPLICATION, ...KMS_KEY_TYPES],
};
