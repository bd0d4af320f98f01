/**
 * The mutation table: one row per security property the components set. For each row, the
 * property is changed to an insecure value on every resource of its type in the synthesized
 * stack (inputs and outputs), the stack is run through the real packs over gRPC, and at least one
 * mandatory policy of each listed pack must fire. A row whose mutation matches nothing fails too,
 * so the table cannot go stale silently.
 *
 * Add a row whenever a component gains a secure default. Stacks: hipaa, soc2 and fedramp-moderate
 * rows run against `prod`, gdpr rows against `prod-eu` (update mode, so values are known).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { editJson } from "../../tools/check/mutate";
import type { Framework } from "../../policy-packs/controls/types";
import { CLUSTER_MUTATION_ROWS, type ClusterMutationRow } from "./mutation-rows-cluster";
import { ACCESS_AUDIT_MUTATION_ROWS } from "./mutation-rows-access-audit";
import { MONITORING_ROWS } from "./mutation-rows-monitoring";
import { MutationBench, mutate, type TargetedMutation } from "./mutation-bench";

type Row = TargetedMutation & { packs: Framework[]; why: string };
const ALL: Framework[] = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];

const S3_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const S3_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const KMS_KEY = "aws:kms/key:Key";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const SUBNET = "aws:ec2/subnet:Subnet";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const TRAIL = "aws:cloudtrail/trail:Trail";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

const withoutSecureTransportDeny = editJson((doc) => ({
  ...doc,
  Statement: (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).filter((s: { Condition?: unknown }) => !JSON.stringify(s.Condition ?? {}).includes("aws:SecureTransport")),
}));

export const ROWS: Row[] = [
  // S3 (ModelStore, audit archive)
  { op: "remove", resourceType: S3_SSE, packs: ALL, why: "bucket without a default-encryption configuration" },
  { op: "set", resourceType: S3_SSE, path: "rules[*].applyServerSideEncryptionByDefault", value: { sseAlgorithm: "AES256" }, packs: ALL, why: "SSE-S3 (AES256) instead of SSE-KMS with a customer-managed key" },
  { op: "remove", resourceType: S3_PAB, packs: ALL, why: "bucket without a public access block" },
  { op: "set", resourceType: S3_PAB, path: "blockPublicAcls", value: false, packs: ALL, why: "public ACLs not blocked" },
  { op: "set", resourceType: S3_PAB, path: "blockPublicPolicy", value: false, packs: ALL, why: "public bucket policies not blocked" },
  { op: "set", resourceType: S3_PAB, path: "ignorePublicAcls", value: false, packs: ALL, why: "public ACLs honoured" },
  { op: "set", resourceType: S3_PAB, path: "restrictPublicBuckets", value: false, packs: ALL, why: "public buckets not restricted" },
  { op: "set", resourceType: S3_VERSIONING, path: "versioningConfiguration.status", value: "Suspended", packs: ALL, why: "versioning suspended" },
  { op: "set", resourceType: S3_OWNERSHIP, path: "rule.objectOwnership", value: "ObjectWriter", packs: ALL, why: "ACLs re-enabled (ObjectWriter)" },
  { op: "set", resourceType: S3_POLICY, path: "policy", value: withoutSecureTransportDeny, packs: ALL, why: "bucket policy without the aws:SecureTransport deny" },
  // KMS (KeyRing)
  { op: "set", resourceType: KMS_KEY, path: "enableKeyRotation", value: false, packs: ALL, why: "key rotation off" },
  // CloudWatch Logs (AuditTrail, flow logs)
  { op: "delete", resourceType: LOG_GROUP, path: "kmsKeyId", packs: ALL, why: "log group not encrypted with a customer-managed key" },
  { op: "set", resourceType: LOG_GROUP, path: "retentionInDays", value: 0, packs: ["gdpr", "soc2"], why: "logs kept forever (content logs must expire)" },
  { op: "set", resourceType: LOG_GROUP, path: "retentionInDays", value: 7, packs: ALL, why: "audit logs kept for a week" },
  // Network (IsolatedVpc)
  { op: "set", resourceType: SUBNET, path: "mapPublicIpOnLaunch", value: true, packs: ALL, why: "subnet hands out public IPs" },
  { op: "set", resourceType: SG, path: "ingress[*].cidrBlocks", value: ["0.0.0.0/0"], packs: ALL, why: "security group open to the internet" },
  { op: "set", resourceType: FLOW_LOG, path: "trafficType", value: "REJECT", packs: ALL, why: "flow logs record rejected traffic only" },
  { op: "remove", resourceType: FLOW_LOG, packs: ALL, why: "VPC without flow logs" },
  { op: "delete", resourceType: ENDPOINT, path: "policy", packs: ALL, why: "VPC endpoint without a policy (full access)" },
  // The account's guards (AccountGuards)
  { op: "remove", resourceType: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", packs: ALL, why: "no account-level S3 public access block while account.guards is create" },
  { op: "set", resourceType: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", path: "blockPublicPolicy", value: false, packs: ALL, why: "the account's public access block lets a bucket policy make a bucket public" },
  { op: "set", resourceType: "aws:ebs/encryptionByDefault:EncryptionByDefault", path: "enabled", value: false, packs: ALL, why: "EBS encryption by default off in the account" },
  { op: "remove", resourceType: "aws:ebs/defaultKmsKey:DefaultKmsKey", packs: ALL, why: "encryption by default with the AWS managed key aws/ebs instead of the stack's key" },
  // The records' second copy (DataBackup)
  { op: "remove", resourceType: "aws:backup/selection:Selection", packs: ALL, why: "the CloudTrail archive and Config's history kept as a single copy (no backup selection)" },
  { op: "remove", resourceType: "aws:backup/vaultLockConfiguration:VaultLockConfiguration", packs: ALL, why: "backup vaults without Vault Lock (recovery points deletable)" },
  // CloudTrail (AuditTrail)
  { op: "set", resourceType: TRAIL, path: "enableLogFileValidation", value: false, packs: ALL, why: "trail without log file validation" },
  { op: "set", resourceType: TRAIL, path: "isMultiRegionTrail", value: false, packs: ALL, why: "trail in one region only" },
];

/** Rows in the shape of mutation-rows-cluster.ts, in this table's shape. */
function toRow(r: ClusterMutationRow): Row {
  const mutation = r.op === "remove" ? { op: "remove" as const, resourceType: r.type } : r.op === "delete" ? { op: "delete" as const, resourceType: r.type, path: r.path } : { op: "set" as const, resourceType: r.type, path: r.path, value: r.value };
  return { ...mutation, packs: r.packs as Framework[], why: r.note, ...(r.name ? { name: r.name } : {}) };
}

/** The cluster, node, firewall and Kubernetes rows (mutation-rows-cluster.ts). */
export const CLUSTER_ROWS: Row[] = CLUSTER_MUTATION_ROWS.map(toRow);
/** Identity, audit-trail, network-boundary and RBAC rows (mutation-rows-access-audit.ts). */
export const ACCESS_AUDIT_ROWS: Row[] = ACCESS_AUDIT_MUTATION_ROWS.map(toRow);

export const ALL_ROWS: Row[] = [...ROWS, ...CLUSTER_ROWS, ...ACCESS_AUDIT_ROWS, ...MONITORING_ROWS];

const STACK_FOR: Record<Framework, string> = { hipaa: "prod", soc2: "prod", "fedramp-moderate": "prod", gdpr: "prod-eu" };
const bench = new MutationBench(ALL, (pack) => STACK_FOR[pack as Framework]);

before(() => bench.start());
after(() => bench.stop());

test("baseline: the unmutated stacks pass every pack (so each firing below is the mutation's doing)", async () => {
  const found = await Promise.all(ALL.map(async (name) => (await bench.baseline(name)).map((d) => `${name}/${STACK_FOR[name]}: ${d.policyName} ${d.urn}`)));
  assert.deepEqual(found.flat(), []);
});

test("every cluster row names only known packs and a mutation path", () => {
  for (const r of [...CLUSTER_MUTATION_ROWS, ...ACCESS_AUDIT_MUTATION_ROWS]) {
    assert.ok(r.packs.length > 0 && r.packs.every((p) => (ALL as string[]).includes(p)), `${r.note}: packs ${r.packs.join(", ")}`);
  }
});

function describeRow(row: Row): string {
  const on = row.name ? ` (resources named ${row.name})` : "";
  if (row.op === "remove") return `remove every ${row.resourceType}${on}`;
  return `${row.resourceType}${on} ${row.path} ${row.op === "delete" ? "deleted" : "set insecure"}`;
}

// Rows are independent (each mutates its own copy; every pack serves requests concurrently), so a
// few run at once to overlap the test process's request building with the packs' work.
describe("mutation table", { concurrency: 4 }, () => {
  for (const row of ALL_ROWS) {
    test(`${row.why} (${describeRow(row)}) → mandatory violation in ${row.packs.join(", ")}`, async (t) => {
      const mutated = new Map<string, { synth: ReturnType<typeof mutate>["synth"]; touched: string[] }>();
      for (const stack of new Set(row.packs.map((name) => STACK_FOR[name]))) {
        const m = mutate(bench.synths.get(stack)!, row);
        assert.ok(m.touched.length > 0, `the row matches no ${row.resourceType}${row.name ? ` named ${row.name}` : ""} in stack ${stack}: update or remove it`);
        mutated.set(stack, m);
      }
      // Each pack is its own process, so the packs of a row run in parallel.
      const results = await Promise.all(
        row.packs.map(async (name) => {
          const stack = STACK_FOR[name];
          const m = mutated.get(stack)!;
          return { name, stack, blocking: await bench.blockingFor(name, m.synth, m.touched) };
        }),
      );
      for (const r of results) if (r.blocking.length > 0) t.diagnostic(`${r.name}: ${[...new Set(r.blocking.map((d) => d.policyName))].join(", ")}`);
      const missed = results.filter((r) => r.blocking.length === 0).map((r) => `${r.name} (stack ${r.stack})`);
      assert.deepEqual(missed, [], `no mandatory policy fired in: ${missed.join(", ")}`);
    });
  }
});
