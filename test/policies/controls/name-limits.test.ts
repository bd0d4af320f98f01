import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, type Fixture } from "../harness";
import { awsResourceNameLimits } from "../../../policy-packs/controls/aws-resource-name-limits";
import { NAME_RULES, nameProblem, physicalName } from "../../../policy-packs/controls/lib/name-limits";
import { isUnknown } from "../../../policy-packs/controls/lib/unknown";

const role = (name: string, props: Record<string, unknown> = {}): Fixture => ({ type: "aws:iam/role:Role", name, props: { assumeRolePolicy: "{}", ...props } });

test("an auto-named role fits when its logical name leaves room for the 8 characters Pulumi appends", async () => {
  assert.deepEqual(messages(await runControl(awsResourceNameLimits, [role("a".repeat(56))])), []);
  assert.deepEqual(messages(await runControl(awsResourceNameLimits, [role("sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-role")])), [
    'Role "sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-role": its auto-generated name ("sovereign-llm-prod-eu-vllm-mistral-small-24b-instruct-role" plus 8 random characters) is 66 characters; AWS allows at most 64. shorten the logical name to at most 56 characters',
  ]);
});

test("explicit names: length, characters; a name unknown at preview is not judged", async () => {
  const bucket = (bucket: unknown): Fixture => ({ type: "aws:s3/bucket:Bucket", name: "models", props: { bucket } });
  assert.deepEqual(messages(await runControl(awsResourceNameLimits, [bucket("sovereign-llm-prod-models-111122223333-us-east-1")])), []);
  assert.match(messages(await runControl(awsResourceNameLimits, [bucket(`x${"a".repeat(63)}`)]))[0]!, /is 64 characters; AWS allows at most 63/);
  assert.match(messages(await runControl(awsResourceNameLimits, [bucket("Models_Bucket")]))[0]!, /does not follow the naming rule \(lower-case letters/);
  assert.deepEqual(messages(await runControl(awsResourceNameLimits, [bucket(UNKNOWN)])), []);
  const group: Fixture = { type: "aws:eks/nodeGroup:NodeGroup", name: "g", props: { nodeGroupName: "n".repeat(64) } };
  assert.match(messages(await runControl(awsResourceNameLimits, [group]))[0]!, /NodeGroup "g": its nodeGroupName .* is 64 characters; AWS allows at most 63/);
  const alias: Fixture = { type: "aws:kms/alias:Alias", name: "a", props: { name: "alias/aws/mine" } };
  assert.match(messages(await runControl(awsResourceNameLimits, [alias]))[0]!, /not alias\/aws\//);
});

test("a name prefix counts the 26 characters Terraform appends", () => {
  const p = physicalName(NAME_RULES["aws:iam/role:Role"], "r", { namePrefix: "p".repeat(39) }, isUnknown);
  assert.equal(p.kind === "prefix" && p.length, 65);
  assert.match(nameProblem("aws:iam/role:Role", "r", { namePrefix: "p".repeat(39) }, isUnknown)!, /namePrefix .* plus 26 generated characters is 65/);
});

test("types without a rule are not judged", () => {
  assert.equal(nameProblem("aws:ec2/route:Route", "r".repeat(300), {}, isUnknown), undefined);
});
