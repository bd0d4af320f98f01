/**
 * The records' second copy: every committed stack backs up the CloudTrail archive and Config's
 * delivery bucket daily into a vault with its own key and Vault Lock (COMPLIANCE in prod), prod
 * also into a vault in us-west-2; the backup role reads those buckets and keys only.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { backupRolePolicy } from "../../../components/storage/backup-policies.js";
import { vaultAccessPolicy, COMPLIANCE_COOLING_OFF_DAYS } from "../../../components/storage/data-backup.js";
import { backupVaultKeyPolicy } from "../../../components/keys/key-policies.js";
import { STACKS, list, ofType, one, policyOf, settingsOf, synthesizeCommitted } from "../../helpers/stacks.js";

describe("the backup role and vault policies", () => {
  const doc = backupRolePolicy([{ bucketArn: "arn:aws:s3:::audit", keyArn: "arn:aws:kms:us-east-1:111122223333:key/a" }, { bucketArn: "arn:aws:s3:::config", keyArn: "arn:aws:kms:us-east-1:111122223333:key/a" }], "us-east-1");
  test("reads only the buckets it backs up, decrypts only with their keys and only through S3", () => {
    const s3 = doc.Statement.filter((s) => list(s.Action).some((a) => a.startsWith("s3:")));
    assert.deepEqual(s3.flatMap((s) => list(s.Resource)), ["arn:aws:s3:::audit", "arn:aws:s3:::config", "arn:aws:s3:::audit/*", "arn:aws:s3:::config/*"]);
    assert.ok(s3.flatMap((s) => list(s.Action)).every((a) => /^s3:(Get|List|PutInventoryConfiguration$)/.test(a)), "reads (and the inventory configuration backups use), never writes or deletes objects");
    const kms = doc.Statement.find((s) => list(s.Action).includes("kms:Decrypt"))!;
    assert.deepEqual(list(kms.Resource), ["arn:aws:kms:us-east-1:111122223333:key/a"]);
    assert.deepEqual(kms.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
  });
  test("the vault key is used by the backup role only, through AWS Backup in the vault's region", () => {
    const key = backupVaultKeyPolicy({ partition: "aws", region: "us-west-2", accountId: "111122223333", adminRoleArns: ["arn:aws:iam::111122223333:role/admin"] }, "arn:aws:iam::111122223333:role/backup");
    const use = key.Statement.filter((s) => s.Sid?.startsWith("BackupRole"));
    assert.equal(use.length, 2);
    for (const s of use) {
      assert.deepEqual(s.Principal, { AWS: "arn:aws:iam::111122223333:role/backup" });
      assert.equal(s.Condition?.StringEquals?.["kms:ViaService"], "backup.us-west-2.amazonaws.com");
    }
  });
  test("nobody but break-glass deletes a recovery point or shortens it", () => {
    assert.deepEqual(vaultAccessPolicy([]).Statement[0]!.Condition, undefined);
    assert.deepEqual(vaultAccessPolicy(["arn:aws:iam::111122223333:role/bg"]).Statement[0]!.Condition, { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/bg"] } });
  });
});

const synth = synthesizeCommitted({ preview: false });

for (const stack of STACKS) {
  test(`${stack}: the CloudTrail archive and Config's history are backed up daily into a locked vault with its own key`, async () => {
    const result = (await synth)[stack];
    const { cfg, region } = await settingsOf(stack);
    const archive = ofType(result, "aws:s3/bucket:Bucket").find((b) => (b.inputs.tags as Record<string, string>)["data-class"] === "audit")!;
    const delivery = ofType(result, "aws:s3/bucket:Bucket").find((b) => (b.inputs.tags as Record<string, string>)["data-class"] === "config-delivery")!;
    const models = ofType(result, "aws:s3/bucket:Bucket").find((b) => (b.inputs.tags as Record<string, string>)["data-class"] === "model-artifacts")!;
    const [selection] = ofType(result, "aws:backup/selection:Selection");
    assert.deepEqual([...(selection!.propertyDependencies.resources ?? [])].sort(), [archive.urn, delivery.urn].sort());
    assert.ok(!(selection!.propertyDependencies.resources ?? []).includes(models.urn));
    const [plan] = ofType(result, "aws:backup/plan:Plan");
    const rule = (plan!.inputs.rules as Record<string, any>[])[0]!;
    assert.equal(rule.lifecycle.deleteAfter, cfg.storage.backup.retentionDays);
    const vaults = ofType(result, "aws:backup/vault:Vault");
    const locks = ofType(result, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
    assert.equal(vaults.length, cfg.storage.backup.copyRegion ? 2 : 1);
    assert.equal(locks.length, vaults.length);
    for (const lock of locks) {
      assert.equal(lock.inputs.minRetentionDays, cfg.storage.backup.retentionDays);
      assert.equal(lock.inputs.changeableForDays, cfg.environment === "prod" ? COMPLIANCE_COOLING_OFF_DAYS : undefined, "COMPLIANCE in prod, GOVERNANCE elsewhere");
    }
    const key = one(result, "aws:kms/key:Key", "-backup-records");
    assert.equal(vaults[0]!.inputs.kmsKeyArn, key.outputs.arn);
    assert.equal(key.inputs.enableKeyRotation, true);
    // KMS refuses a policy naming a role that does not exist yet: the key waits for the backup role.
    const role = one(result, "aws:iam/role:Role", "-backup-role");
    assert.ok(key.dependencies.includes(role.urn), "the vault key waits for the backup role");
    assert.ok(JSON.stringify(policyOf(key)).includes(String(role.outputs.arn)), "the vault key's policy names the backup role");
    if (cfg.storage.backup.copyRegion) {
      const copy = vaults.find((v) => v.inputs.region === cfg.storage.backup.copyRegion)!;
      assert.ok(copy, "the copy vault is in copyRegion");
      assert.deepEqual(rule.copyActions.map((c: { destinationVaultArn: string }) => c.destinationVaultArn), [copy.outputs.arn]);
      assert.equal(one(result, "aws:kms/key:Key", "-backup-records-copy").inputs.region, cfg.storage.backup.copyRegion);
    } else assert.equal(rule.copyActions, undefined);
    // The role reads the two record buckets and nothing else.
    const rolePolicy = policyOf(one(result, "aws:iam/rolePolicy:RolePolicy", "-backup-role"));
    const buckets = rolePolicy.Statement.filter((s) => list(s.Action).includes("s3:ListBucket")).flatMap((s) => list(s.Resource));
    assert.deepEqual(buckets.sort(), [archive.outputs.arn, delivery.outputs.arn].sort());
    assert.equal(region.length > 0, true);
  });
}
