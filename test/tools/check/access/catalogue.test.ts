/**
 * Every action of every declared policy exists in AWS's catalogue: a misspelt action, an unknown
 * service, or a wildcard matching nothing is reported naming the policy, the statement and the
 * action. The committed stacks' policies all pass (matrix.test.ts asserts no failures at all).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { unknownActions } from "../../../../tools/check/access/catalogue";
import type { DeclaredPolicy } from "../../../../tools/check/access/model";

const policy = (label: string, statements: Record<string, unknown>[]): DeclaredPolicy => ({ kind: "identity", label, urn: `urn:pulumi:test::p::aws:iam/rolePolicy:RolePolicy::${label}`, document: { Version: "2012-10-17", Statement: statements } });

test("real actions, wildcards that match, and Action '*' pass", async () => {
  const found = await unknownActions([
    policy("ok", [
      { Sid: "A", Effect: "Allow", Action: ["s3:GetObject", "kms:Decrypt", "eks-auth:AssumeRoleForPodIdentity", "autoscaling:SetDesiredCapacity"], Resource: "*" },
      { Sid: "B", Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Describe*", "logs:Put*"], Resource: "*" },
      { Sid: "C", Effect: "Deny", NotAction: "sts:AssumeRole", Resource: "*" },
      { Sid: "D", Effect: "Allow", Action: "*", Resource: "*" },
    ]),
  ]);
  assert.deepEqual(found, []);
});

test("a misspelt action is reported with the policy, the statement and the action", async () => {
  const found = await unknownActions([policy("RolePolicy vllm-read-model", [{ Sid: "ReadModelObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjcet"], Resource: "*" }])]);
  assert.deepEqual(
    found.map(({ policy, statement, action, reason }) => ({ policy, statement, action, reason })),
    [{ policy: "RolePolicy vllm-read-model", statement: "ReadModelObjects", action: "s3:GetObjcet", reason: "is not a s3 action" }],
  );
});

test("an unknown service, a wildcard matching nothing, and a malformed action are each reported", async () => {
  const found = await unknownActions([
    policy("p", [
      { Effect: "Allow", Action: "s4:GetObject", Resource: "*" },
      { Effect: "Allow", Action: "kms:Frobnicate*", Resource: "*" },
      { Effect: "Allow", Action: "GetObject", Resource: "*" },
    ]),
  ]);
  assert.deepEqual(
    found.map((f) => `${f.statement}: ${f.action} ${f.reason}`),
    ['statement 1: s4:GetObject names service "s4", which AWS does not have', "statement 2: kms:Frobnicate* matches no kms action", "statement 3: GetObject is not of the form service:Action"],
  );
});

test("a statement written as an object rather than a list is read too", async () => {
  const found = await unknownActions([{ kind: "key", label: "Key k", urn: "urn:k", document: { Version: "2012-10-17", Statement: { Sid: "Only", Effect: "Allow", Action: "kms:Decrpyt", Resource: "*" } } }]);
  assert.equal(found.length, 1);
  assert.equal(found[0].action, "kms:Decrpyt");
});
