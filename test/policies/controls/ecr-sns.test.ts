import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, urnOf, UNKNOWN, withProps, type Fixture } from "../harness";
import { ecrRepositoryHardened } from "../../../policy-packs/controls/ecr-repository-hardened";
import { snsTopicEncrypted } from "../../../policy-packs/controls/sns-topic-encrypted";

const REPO = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate";
const TOPIC = "aws:sns/topic:Topic";
const KEY = "aws:kms/key:Key";
const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }, action: { type: "expire" } }] });

/** A repository as ImageSupplyChain declares it, its lifecycle policy (linked by property dependency in preview) and the cache template. */
function registry(preview = false): Fixture[] {
  const repoUrn = urnOf(REPO, "vllm");
  return [
    { type: REPO, name: "vllm", props: { name: "vllm/vllm-openai", imageTagMutability: "IMMUTABLE" } },
    { type: LIFECYCLE, name: "vllm", props: { repository: preview ? UNKNOWN : "vllm/vllm-openai", policy }, propertyDependencies: { repository: [repoUrn] } },
    { type: TEMPLATE, name: "cache", props: { prefix: "ROOT", imageTagMutability: "IMMUTABLE", lifecyclePolicy: policy } },
  ];
}
const without = (fx: Fixture[], name: string, type: string) => fx.filter((f) => !(f.name === name && f.type === type));
const edit = (fx: Fixture[], type: string, props: Record<string, unknown>) => fx.map((f) => (f.type === type ? withProps(f, props) : f));

test("ECR: the supply chain's repositories and cache template pass, known and in preview", async () => {
  for (const preview of [false, true]) assert.deepEqual(messages(await runControl(ecrRepositoryHardened, registry(preview))), [], String(preview));
});

test("ECR: mutable tags, a missing or empty lifecycle policy, a lax cache template each fire", async () => {
  assert.match(messages(await runControl(ecrRepositoryHardened, edit(registry(), REPO, { imageTagMutability: "MUTABLE" })))[0]!, /tag mutability MUTABLE/);
  assert.match(messages(await runControl(ecrRepositoryHardened, edit(registry(), REPO, { imageTagMutability: undefined })))[0]!, /MUTABLE \(the default\)/);
  assert.match(messages(await runControl(ecrRepositoryHardened, without(registry(), "vllm", LIFECYCLE)))[0]!, /has no lifecycle policy/);
  assert.match(messages(await runControl(ecrRepositoryHardened, edit(registry(), LIFECYCLE, { policy: JSON.stringify({ rules: [] }) })))[0]!, /has no rules/);
  assert.match(messages(await runControl(ecrRepositoryHardened, edit(registry(), TEMPLATE, { imageTagMutability: "MUTABLE" })))[0]!, /mutable tags/);
  assert.match(messages(await runControl(ecrRepositoryHardened, edit(registry(), TEMPLATE, { lifecyclePolicy: undefined })))[0]!, /no lifecycle policy/);
});

test("ECR: a lifecycle policy whose repository is unknown and not linked is undecided, never a violation", async () => {
  const fx = registry(true).map((f) => (f.type === LIFECYCLE ? { ...f, propertyDependencies: {} } : f));
  const out = await runControl(ecrRepositoryHardened, fx);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});

const keyUrn = urnOf(KEY, "audit");
const topic = (kmsMasterKeyId: unknown, deps: string[] = []): Fixture[] => [
  { type: KEY, name: "audit", props: {} },
  { type: TOPIC, name: "alarms", props: { kmsMasterKeyId }, propertyDependencies: { kmsMasterKeyId: deps } },
];

test("SNS: a topic on a customer-managed key passes, by ARN or computed from a declared key", async () => {
  assert.deepEqual(messages(await runControl(snsTopicEncrypted, topic("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"))), []);
  assert.deepEqual(messages(await runControl(snsTopicEncrypted, topic(UNKNOWN, [keyUrn]))), []);
});

test("SNS: no key, or the AWS-managed alias, fires; an unknown key from elsewhere is undecided", async () => {
  assert.match(messages(await runControl(snsTopicEncrypted, topic(undefined)))[0]!, /not encrypted at rest/);
  assert.match(messages(await runControl(snsTopicEncrypted, topic("alias/aws/sns")))[0]!, /not a customer-managed key ARN/);
  const out = await runControl(snsTopicEncrypted, topic(UNKNOWN));
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});
