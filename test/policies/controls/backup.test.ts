/**
 * The backup control: in a phi or pii stack every bucket of records has a second copy (an AWS
 * Backup plan, daily, into a locked vault with its own key, or replication); model artifacts are
 * re-published from their signed release and are not judged.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { messages, runControl, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { TAGS } from "./fixtures";
import { atLeastDaily, backupRegulatedData } from "../../../policy-packs/controls/backup-regulated-data";

const BUCKET = "aws:s3/bucket:Bucket";
const KEY = "aws:kms/key:Key";
const VAULT = "aws:backup/vault:Vault";
const LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration";
const PLAN = "aws:backup/plan:Plan";
const SELECTION = "aws:backup/selection:Selection";
const u = urnOf;

function stack(preview = false, classification = "phi"): Fixture[] {
  const tags = { ...TAGS, "data-classification": classification };
  return [
    { type: BUCKET, name: "audit", props: { bucket: "audit-archive", tags: { ...tags, "data-class": "audit" } } },
    { type: BUCKET, name: "models", props: { bucket: "model-store", tags: { ...tags, "data-class": "model-artifacts" } } },
    { type: KEY, name: "vault-key", props: { enableKeyRotation: true, tags } },
    { type: VAULT, name: "vault", props: { name: "records", kmsKeyArn: preview ? UNKNOWN : "arn:aws:kms:us-east-1:111122223333:key/v" }, propertyDependencies: { kmsKeyArn: [u(KEY, "vault-key")] } },
    { type: LOCK, name: "lock", props: { backupVaultName: "records", minRetentionDays: 35, changeableForDays: 3 }, propertyDependencies: { backupVaultName: [u(VAULT, "vault")] } },
    { type: PLAN, name: "plan", props: { name: "records", rules: [{ ruleName: "daily", targetVaultName: preview ? UNKNOWN : "records", schedule: "cron(0 3 ? * * *)", lifecycle: { deleteAfter: 35 } }] }, propertyDependencies: { rules: [u(VAULT, "vault")] } },
    { type: SELECTION, name: "sel", props: { name: "records", planId: preview ? UNKNOWN : "plan-id", iamRoleArn: UNKNOWN, resources: [preview ? UNKNOWN : "arn:aws:s3:::audit-archive"] }, propertyDependencies: { planId: [u(PLAN, "plan")], resources: [u(BUCKET, "audit")] } },
  ];
}
const without = (fx: Fixture[], type: string) => fx.filter((f) => f.type !== type);
const change = (fx: Fixture[], type: string, edit: (f: Fixture) => Fixture) => fx.map((f) => (f.type === type ? edit(f) : f));

describe("regulated data kept as more than one copy", () => {
  test("the records bucket selected daily into a locked vault with its own key: passes, known and in preview; the model store is not judged", async () => {
    for (const preview of [false, true]) assert.deepEqual(messages(await runControl(backupRegulatedData, stack(preview))), []);
  });
  test("no backup selection: the records bucket is a single copy", async () => {
    const out = messages(await runControl(backupRegulatedData, without(stack(), SELECTION)));
    assert.equal(out.length, 1);
    assert.match(out[0]!, /Bucket "audit" \(data-class audit, phi\) is kept as a single copy: no AWS Backup selection or replication covers it/);
  });
  test("a pii stack is judged the same; a confidential one is not", async () => {
    assert.equal(messages(await runControl(backupRegulatedData, without(stack(false, "pii"), SELECTION))).length, 1);
    assert.deepEqual(messages(await runControl(backupRegulatedData, without(stack(false, "confidential"), SELECTION))), []);
  });
  test("a vault without Vault Lock, or without the stack's key, does not count", async () => {
    assert.match(messages(await runControl(backupRegulatedData, without(stack(), LOCK)))[0]!, /has no Vault Lock/);
    const awsKey = change(stack(), VAULT, (f) => ({ ...withProps(f, { kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:alias/aws/backup" }), propertyDependencies: {} }));
    assert.match(messages(await runControl(backupRegulatedData, awsKey))[0]!, /not encrypted with a customer managed key/);
  });
  test("a weekly plan, or recovery points kept under a week, do not count", async () => {
    const weekly = change(stack(), PLAN, (f) => withProps(f, { rules: [{ ruleName: "weekly", targetVaultName: "records", schedule: "cron(0 3 ? * SUN *)", lifecycle: { deleteAfter: 35 } }] }));
    assert.match(messages(await runControl(backupRegulatedData, weekly))[0]!, /runs less than daily/);
    const short = change(stack(), PLAN, (f) => withProps(f, { rules: [{ ruleName: "daily", targetVaultName: "records", schedule: "cron(0 3 ? * * *)", lifecycle: { deleteAfter: 3 } }] }));
    assert.match(messages(await runControl(backupRegulatedData, short))[0]!, /keeps recovery points 3 days/);
  });
  test("replication of the bucket is a second copy too", async () => {
    const replicated = [...without(stack(), SELECTION), { type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig", name: "rep", props: { bucket: "audit-archive", rules: [] } }];
    assert.deepEqual(messages(await runControl(backupRegulatedData, replicated)), []);
  });
  test("schedules: daily or more often", () => {
    assert.ok(atLeastDaily("cron(0 3 ? * * *)"));
    assert.ok(atLeastDaily("cron(0 */6 * * ? *)"));
    assert.ok(atLeastDaily("rate(12 hours)"));
    assert.ok(!atLeastDaily("cron(0 3 ? * MON *)"));
    assert.ok(!atLeastDaily("cron(0 3 1 * ? *)"));
    assert.ok(!atLeastDaily("rate(7 days)"));
  });
});
