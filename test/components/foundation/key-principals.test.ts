/**
 * Key policies name only principals that exist: the roles are looked up at preview, and a
 * missing one stops the program with its name and the command that creates it (KMS would refuse
 * the policy at creation with MalformedPolicyDocumentException).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { synthesizeAsync, synthesizeCommitted, yamlConfig, ofType, policyOf, list } from "../../helpers/stacks.js";
import { stackFileFromConfig } from "../../../tools/check/stack-file.js";
import { listRoles } from "../../../tools/check/mocks.js";
import { mockRoles } from "../../../tools/check/synth.js";
import { parseRoleArn } from "../../../components/keys/principals.js";

const committed = synthesizeCommitted({ preview: true });

test("parseRoleArn reads account, path and name", () => {
  assert.deepEqual(parseRoleArn("arn:aws:iam::111122223333:role/ops/platform-admin"), { partition: "aws", accountId: "111122223333", path: "/ops/", name: "platform-admin" });
  assert.deepEqual(parseRoleArn("arn:aws:iam::111122223333:role/admin")?.path, "/");
  assert.equal(parseRoleArn("arn:aws:iam::111122223333:user/admin"), undefined);
});

test("the mock account answers role lookups as IAM does: a role it holds is found with its ARN, another is not", () => {
  const roles = ["arn:aws:iam::111122223333:role/admin", "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"];
  assert.deepEqual(listRoles(roles, "^admin$", "/").arns, [roles[0]]);
  assert.deepEqual(listRoles(roles, "^AWSServiceRoleForAutoScaling$", "/aws-service-role/autoscaling.amazonaws.com/").arns, [roles[1]]);
  assert.deepEqual(listRoles(roles, "^auditor$", "/").arns, []);
});

test("every AWS principal a key policy names exists in the account (committed stacks)", async () => {
  for (const [stack, result] of Object.entries(await committed)) {
    const file = stackFileFromConfig(stack, yamlConfig(stack));
    const account = /:iam::(\d{12}):/.exec(JSON.parse(file.config["sovereign-llm:access"]).adminRoleArns[0])![1];
    // Roles the program declares by name exist before any key naming them (such keys depend on the role).
    const declared = ofType(result, "aws:iam/role:Role").flatMap((r) => (typeof r.inputs.name === "string" ? [`arn:aws:iam::${account}:role/${r.inputs.name}`] : []));
    const existing = [...mockRoles(file, account, "aws"), ...declared];
    for (const key of ofType(result, "aws:kms/key:Key")) {
      for (const s of policyOf(key).Statement) {
        if (s.Effect === "Deny") continue; // a deny names everyone ("*") and excepts roles by condition
        for (const p of s.Principal === "*" ? [] : list(s.Principal?.AWS)) {
          // The account root, and "*" narrowed by conditions to the account's own callers (kms:CallerAccount), name no role.
          if (p.endsWith(":root") || p === "*") continue;
          assert.ok(existing.includes(p), `${stack}: ${key.name}/${s.Sid} names ${p}, which the account does not hold`);
        }
      }
    }
  }
});

test("a missing admin role, a missing reader and a missing Auto Scaling service-linked role stop the program, each named with its fix", async () => {
  const config = yamlConfig("staging");
  const file = stackFileFromConfig("staging", config);
  const account = "444455556666";
  const slr = `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const admin = config["sovereign-llm:access"].adminRoleArns[0];
  const reader = config["sovereign-llm:access"].readOnlyRoleArns[0];
  const outcome = await synthesizeAsync(file, { preview: true, absentRoles: [admin, reader, slr] });
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok && outcome.kind === "program");
  const message = !outcome.ok && outcome.kind === "program" ? outcome.message : "";
  assert.match(message, /3 roles named in key policies do not exist in account 444455556666/);
  assert.ok(message.includes(`${admin} (adminRoleArns, breakGlassRoleArns): not found; create it (aws iam create-role --role-name sovereign-llm-admin --path / `), message);
  assert.ok(message.includes(`${reader} (readOnlyRoleArns): not found`), message);
  assert.ok(message.includes("aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com"), message);
});

test("with every role present the same stack synthesizes", async () => {
  const outcome = await synthesizeAsync(stackFileFromConfig("staging", yamlConfig("staging")), { preview: true });
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.kind === "program" ? outcome.message : outcome.problems.join("\n"));
});
