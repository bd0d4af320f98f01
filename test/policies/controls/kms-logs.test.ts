import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, type Fixture } from "../harness";
import { ACCOUNT, TAGS, T } from "./fixtures";
import { kmsKeyRotation } from "../../../policy-packs/controls/kms-key-rotation";
import { kmsKeyDeletionWindow } from "../../../policy-packs/controls/kms-key-deletion-window";
import { kmsKeyPolicyNoPublic } from "../../../policy-packs/controls/kms-key-policy-no-public";
import { logsGroupEncrypted } from "../../../policy-packs/controls/logs-group-encrypted";
import { logsRetentionAuditMinimum } from "../../../policy-packs/controls/logs-retention-audit-minimum";
import { logsRetentionContentMaximum } from "../../../policy-packs/controls/logs-retention-content-maximum";

const root = `arn:aws:iam::${ACCOUNT}:root`;
const keyPolicy = (...extra: object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }, ...extra] });
const key = (props: Record<string, unknown> = {}): Fixture => ({
  type: T.key,
  name: "k",
  props: { customerMasterKeySpec: "SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT", enableKeyRotation: true, deletionWindowInDays: 30, policy: keyPolicy(), tags: TAGS, ...props },
});
const group = (props: Record<string, unknown> = {}, tags: Record<string, string> = {}): Fixture => ({
  type: T.logGroup,
  name: "g",
  props: { name: "/x", kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/abc`, retentionInDays: 400, tags: { ...TAGS, ...tags }, ...props },
});

test("KMS: compliant key passes all three", async () => {
  for (const c of [kmsKeyRotation, kmsKeyDeletionWindow, kmsKeyPolicyNoPublic]) assert.deepEqual(messages(await runControl(c, [key()])), [], c.policy.name);
});

test("KMS rotation: off on a symmetric key fires; asymmetric signing key is exempt; unknown is advisory", async () => {
  assert.deepEqual(messages(await runControl(kmsKeyRotation, [key({ enableKeyRotation: false })])), ["symmetric KMS key without automatic rotation: set enableKeyRotation: true"]);
  assert.deepEqual(messages(await runControl(kmsKeyRotation, [key({ enableKeyRotation: undefined })])), ["symmetric KMS key without automatic rotation: set enableKeyRotation: true"]);
  assert.deepEqual(messages(await runControl(kmsKeyRotation, [key({ enableKeyRotation: false, customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" })])), []);
  const u = await runControl(kmsKeyRotation, [key({ enableKeyRotation: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("KMS deletion window: below the default minimum fires; tunable; absent means 30", async () => {
  assert.deepEqual(messages(await runControl(kmsKeyDeletionWindow, [key({ deletionWindowInDays: 7 })])), ["KMS key deletion window is 7 days; it must be at least 30"]);
  assert.deepEqual(messages(await runControl(kmsKeyDeletionWindow, [key({ deletionWindowInDays: 7 })], { minimumDays: 7 })), []);
  assert.deepEqual(messages(await runControl(kmsKeyDeletionWindow, [key({ deletionWindowInDays: undefined })])), []);
  await assert.rejects(runControl(kmsKeyDeletionWindow, [key()], { minimumDays: 3 }), /invalid config/);
});

test("KMS key policy: public principal, kms:* to a non-root principal, NotAction, lockout bypass, bad JSON", async () => {
  const pub = { Sid: "Pub", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
  assert.deepEqual(messages(await runControl(kmsKeyPolicyNoPublic, [key({ policy: keyPolicy(pub) })])), [
    'key policy statement "Pub" allows the public principal "*" without a condition restricting the account, organisation or source',
  ]);
  const pinned = { ...pub, Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } };
  assert.deepEqual(messages(await runControl(kmsKeyPolicyNoPublic, [key({ policy: keyPolicy(pinned) })])), []);
  const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, Action: "kms:*", Resource: "*" };
  assert.match(messages(await runControl(kmsKeyPolicyNoPublic, [key({ policy: keyPolicy(admin) })]))[0]!, /statement "Admin" grants kms:\* to arn:aws:iam::111122223333:role\/admin/);
  const notAction = { Sid: "Na", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, NotAction: "kms:ScheduleKeyDeletion", Resource: "*" };
  assert.match(messages(await runControl(kmsKeyPolicyNoPublic, [key({ policy: keyPolicy(notAction) })]))[0]!, /statement "Na" grants kms:\*/);
  assert.deepEqual(messages(await runControl(kmsKeyPolicyNoPublic, [key({ bypassPolicyLockoutSafetyCheck: true })])), ["bypassPolicyLockoutSafetyCheck is true: the key could become unmanageable; leave it false"]);
  assert.deepEqual(messages(await runControl(kmsKeyPolicyNoPublic, [key({ policy: "nope" })])), ["key policy is unreadable: the policy is not valid JSON"]);
  const u = await runControl(kmsKeyPolicyNoPublic, [key({ policy: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.match(u.advisories[0]!, /key policy unknown/);
});

test("log group encryption: none, alias, unknown", async () => {
  assert.deepEqual(messages(await runControl(logsGroupEncrypted, [group()])), []);
  assert.match(messages(await runControl(logsGroupEncrypted, [group({ kmsKeyId: undefined })]))[0]!, /log group has no kmsKeyId/);
  assert.match(messages(await runControl(logsGroupEncrypted, [group({ kmsKeyId: "alias/aws/logs" })]))[0]!, /is not a KMS key ARN/);
  const u = await runControl(logsGroupEncrypted, [group({ kmsKeyId: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("audit retention: unset, too short, tunable; content groups are not audit groups", async () => {
  assert.deepEqual(messages(await runControl(logsRetentionAuditMinimum, [group()])), []);
  assert.match(messages(await runControl(logsRetentionAuditMinimum, [group({ retentionInDays: undefined })]))[0]!, /no explicit retention/);
  assert.deepEqual(messages(await runControl(logsRetentionAuditMinimum, [group({ retentionInDays: 90 })])), ["audit log group keeps logs 90 days; the minimum is 365"]);
  assert.deepEqual(messages(await runControl(logsRetentionAuditMinimum, [group({ retentionInDays: 90 })], { minimumDays: 90 })), []);
  assert.deepEqual(messages(await runControl(logsRetentionAuditMinimum, [group({ retentionInDays: 7 }, { "log-class": "content" })])), []);
});

test("content retention: too long, never expiring, tunable; audit groups are not content groups", async () => {
  assert.deepEqual(messages(await runControl(logsRetentionContentMaximum, [group({ retentionInDays: 7 }, { "log-class": "content" })])), []);
  assert.deepEqual(messages(await runControl(logsRetentionContentMaximum, [group({ retentionInDays: 90 }, { "log-class": "content" })])), ["content log group keeps prompts/responses 90 days; the maximum is 30"]);
  assert.match(messages(await runControl(logsRetentionContentMaximum, [group({ retentionInDays: undefined }, { "log-class": "content" })]))[0]!, /never expires/);
  assert.deepEqual(messages(await runControl(logsRetentionContentMaximum, [group({ retentionInDays: 90 }, { "log-class": "content" })], { maximumDays: 90 })), []);
  assert.deepEqual(messages(await runControl(logsRetentionContentMaximum, [group({ retentionInDays: 3650 })])), []);
  const u = await runControl(logsRetentionContentMaximum, [group({ retentionInDays: "3eeb2bf0-c639-47a8-9e75-3b44932eb421" }, { "log-class": "content" })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
