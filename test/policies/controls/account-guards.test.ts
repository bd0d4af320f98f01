/**
 * The account-guards control: a stack that keeps data declares the account's S3 public access
 * block (all four settings) and EBS encryption by default with a customer managed key it
 * declares, unless account.guards is verify (the program reads the organisation's settings).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { messages, runControl, UNKNOWN, UNKNOWN_BOOL, urnOf, withProps, type Fixture } from "../harness";
import { TAGS } from "./fixtures";
import { accountGuards } from "../../../policy-packs/controls/account-guards";
import { stackPackConfig } from "../../../tools/check/pack-config";

const PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault";
const DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey";
const KEY = "aws:kms/key:Key";
const keyUrn = urnOf(KEY, "ebs-default");

function guarded(preview = false): Fixture[] {
  return [
    { type: "aws:s3/bucket:Bucket", name: "models", props: { bucket: "models", tags: TAGS } },
    { type: PAB, name: "pab", props: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true } },
    { type: KEY, name: "ebs-default", props: { enableKeyRotation: true, tags: TAGS } },
    { type: DEFAULT_KEY, name: "default-key", props: { keyArn: preview ? UNKNOWN : "arn:aws:kms:us-east-1:111122223333:key/k" }, propertyDependencies: { keyArn: [keyUrn] } },
    { type: ENCRYPTION, name: "encryption", props: { enabled: true } },
  ];
}
const without = (fx: Fixture[], type: string) => fx.filter((f) => f.type !== type);
const change = (fx: Fixture[], type: string, edit: (f: Fixture) => Fixture) => fx.map((f) => (f.type === type ? edit(f) : f));

describe("account guards", () => {
  test("declared, known and in preview: passes", async () => {
    for (const preview of [false, true]) assert.deepEqual(messages(await runControl(accountGuards, guarded(preview))), []);
  });
  test("no account public access block fires; verify does not", async () => {
    const fx = without(guarded(), PAB);
    assert.match(messages(await runControl(accountGuards, fx))[0]!, /no account-level S3 public access block.*account\.guards is create/);
    assert.deepEqual(messages(await runControl(accountGuards, fx, { guards: "verify" })), []);
  });
  test("one setting off fires, naming it; an unknown one is undecided, not a violation", async () => {
    const off = change(guarded(), PAB, (f) => withProps(f, { restrictPublicBuckets: false }));
    assert.match(messages(await runControl(accountGuards, off))[0]!, /leaves restrictPublicBuckets off/);
    const unknown = await runControl(accountGuards, change(guarded(), PAB, (f) => withProps(f, { blockPublicPolicy: UNKNOWN_BOOL })));
    assert.deepEqual(messages(unknown), []);
  });
  test("encryption by default absent or disabled fires; its absent flag means on", async () => {
    assert.match(messages(await runControl(accountGuards, without(guarded(), ENCRYPTION)))[0]!, /EBS encryption by default is not declared/);
    assert.match(messages(await runControl(accountGuards, change(guarded(), ENCRYPTION, (f) => withProps(f, { enabled: false }))))[0]!, /declared disabled/);
    assert.deepEqual(messages(await runControl(accountGuards, change(guarded(), ENCRYPTION, (f) => withProps(f, { enabled: undefined })))), []);
  });
  test("no default key, the AWS managed key, or a key the stack does not declare fires", async () => {
    assert.match(messages(await runControl(accountGuards, without(guarded(), DEFAULT_KEY)))[0]!, /no default EBS key is declared.*aws\/ebs/);
    const managed = change(guarded(), DEFAULT_KEY, (f) => ({ ...withProps(f, { keyArn: "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs" }), propertyDependencies: {} }));
    assert.match(messages(await runControl(accountGuards, managed))[0]!, /not a customer managed key declared by this stack/);
    const foreign = change(guarded(), DEFAULT_KEY, (f) => ({ ...withProps(f, { keyArn: "arn:aws:kms:us-east-1:444455556666:key/other" }), propertyDependencies: {} }));
    assert.match(messages(await runControl(accountGuards, foreign))[0]!, /not a customer managed key declared by this stack/);
  });
  test("a stack that keeps no data (no bucket, no cluster) is not judged", async () => {
    assert.deepEqual(messages(await runControl(accountGuards, [{ type: "aws:ec2/vpc:Vpc", name: "v", props: {} }])), []);
  });
  test("account.guards: verify in the stack file reaches the policy; an explicit file wins", () => {
    const implied = stackPackConfig({ "sovereign-llm:account": JSON.stringify({ guards: "verify" }) }, {}) as Record<string, Record<string, string>>;
    assert.equal(implied["sovereign-llm-account-guards"]?.guards, "verify");
    const explicit = stackPackConfig({ "sovereign-llm:account": JSON.stringify({ guards: "verify" }) }, { "sovereign-llm-account-guards": { guards: "create" } }) as Record<string, Record<string, string>>;
    assert.equal(explicit["sovereign-llm-account-guards"]?.guards, "create");
    assert.equal(stackPackConfig({ "sovereign-llm:account": JSON.stringify({ guards: "create" }) }, {})["sovereign-llm-account-guards"], undefined);
  });
});
