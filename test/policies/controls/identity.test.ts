import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, type Fixture } from "../harness";
import { T, TAGS } from "./fixtures";
import { iamPolicyNoBlockedKmsActions } from "../../../policy-packs/controls/iam-policy-no-blocked-kms-actions";
import { iamNoAdminManagedPolicy } from "../../../policy-packs/controls/iam-no-admin-managed-policy";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/4bb2d926-79f6-46bd-ac84-fd6aa9e6b29a";
const doc = (Action: unknown, Resource: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", Action, Resource }] });
const inline = (policy: unknown): Fixture => ({ type: T.rolePolicy, name: "p", props: { role: "r", policy } });
const attachment = (policyArn: unknown): Fixture => ({ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "a", props: { role: "cluster", policyArn } });

test("blocked KMS actions: kms:Decrypt on one key passes; kms:Decrypt, kms:ReEncryptFrom or a pattern covering them on every key fires", async () => {
  assert.deepEqual(messages(await runControl(iamPolicyNoBlockedKmsActions, [inline(doc(["kms:Decrypt"], KEY))])), []);
  assert.deepEqual(messages(await runControl(iamPolicyNoBlockedKmsActions, [inline(doc(["kms:Encrypt", "kms:GenerateDataKey"], "*"))])), []);
  const fires: [unknown, unknown][] = [
    [["kms:Decrypt"], "*"],
    ["kms:ReEncryptFrom", "*"],
    [["kms:De*"], "*"],
    ["kms:*", "arn:aws:kms:us-east-1:111122223333:key/*"],
    [["kms:Decrypt"], "arn:aws:kms:*:111122223333:key/4bb2d926"],
  ];
  for (const [action, resource] of fires) {
    const m = messages(await runControl(iamPolicyNoBlockedKmsActions, [inline(doc(action, resource))]));
    assert.equal(m.length, 1, `${JSON.stringify(action)} on ${JSON.stringify(resource)}`);
    assert.match(m[0]!, /statement "S" allows kms:Decrypt|statement "S" allows kms:ReEncryptFrom/);
  }
  const role: Fixture = { type: T.role, name: "r", props: { assumeRolePolicy: "{}", inlinePolicies: [{ name: "x", policy: doc("kms:Decrypt", "*") }], tags: TAGS } };
  assert.match(messages(await runControl(iamPolicyNoBlockedKmsActions, [role]))[0]!, /^inlinePolicies\[0\] statement "S" allows kms:Decrypt on every KMS key/);
  const deny = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }] });
  assert.deepEqual(messages(await runControl(iamPolicyNoBlockedKmsActions, [inline(deny)])), []);
  const tuned = await runControl(iamPolicyNoBlockedKmsActions, [inline(doc("kms:GenerateDataKey", "*"))], { blockedActions: ["kms:GenerateDataKey"] });
  assert.equal(messages(tuned).length, 1);
  const u = await runControl(iamPolicyNoBlockedKmsActions, [inline(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("administrative managed policies: service policies pass; AdministratorAccess by attachment, role list or exclusive list fires; customer policies of the same name do not", async () => {
  assert.deepEqual(messages(await runControl(iamNoAdminManagedPolicy, [attachment("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")])), []);
  assert.match(messages(await runControl(iamNoAdminManagedPolicy, [attachment("arn:aws:iam::aws:policy/AdministratorAccess")]))[0]!, /attaches arn:aws:iam::aws:policy\/AdministratorAccess, which grants administration/);
  assert.equal(messages(await runControl(iamNoAdminManagedPolicy, [attachment("arn:aws-us-gov:iam::aws:policy/job-function/PowerUserAccess")])).length, 1);
  const role: Fixture = { type: T.role, name: "r", props: { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/IAMFullAccess"], tags: TAGS } };
  assert.equal(messages(await runControl(iamNoAdminManagedPolicy, [role])).length, 1);
  const exclusive: Fixture = { type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", name: "x", props: { roleName: "r", policyArns: ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", "arn:aws:iam::aws:policy/AdministratorAccess"] } };
  assert.equal(messages(await runControl(iamNoAdminManagedPolicy, [exclusive])).length, 1);
  assert.deepEqual(messages(await runControl(iamNoAdminManagedPolicy, [attachment("arn:aws:iam::111122223333:policy/AdministratorAccess")])), []);
  assert.deepEqual(messages(await runControl(iamNoAdminManagedPolicy, [attachment("arn:aws:iam::aws:policy/ReadOnlyAccess")], { blockedPolicies: ["AdministratorAccess"] })), []);
  const u = await runControl(iamNoAdminManagedPolicy, [attachment(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
