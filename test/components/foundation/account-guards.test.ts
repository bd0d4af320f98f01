/**
 * The account's guards: every committed stack declares the account's S3 public access block
 * (all four settings) and EBS encryption by default with its own customer managed key, whose
 * policy lets the account use it through EC2 only; under account.guards: verify nothing is
 * declared and the organisation's settings are read at preview, the preview refusing with each
 * missing setting and the command that sets it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, stackFileFromConfig } from "../../../tools/check/stack-file.js";
import { accountGuardGaps, type AccountGuardState } from "../../../components/account/guard-gaps.js";
import { ebsDefaultKeyPolicy } from "../../../components/keys/key-policies.js";
import { STACKS, list, ofType, one, policyOf, settingsOf, synthesizeCommitted, synthesizeMany, yamlConfig } from "../../helpers/stacks.js";

const CTX = { accountId: "111122223333", region: "us-east-1" };
const GUARDED: AccountGuardState = {
  publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
  ebsEncryptionByDefault: true,
  defaultKey: { arn: "arn:aws:kms:us-east-1:111122223333:key/k", describe: { keyManager: "CUSTOMER", keyState: "Enabled" } },
};

describe("what a verified account must have", () => {
  test("an account with every guard has no gaps", () => assert.deepEqual(accountGuardGaps(GUARDED, CTX), []));
  test("no public access block at all: named, with the command", () => {
    const [gap] = accountGuardGaps({ ...GUARDED, publicAccessBlock: undefined }, CTX);
    assert.match(gap!, /account 111122223333 has no S3 public access block/);
    assert.match(gap!, /aws s3control put-public-access-block --account-id 111122223333 --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true$/);
  });
  test("each setting left off is named", () => {
    const gaps = accountGuardGaps({ ...GUARDED, publicAccessBlock: { ...GUARDED.publicAccessBlock!, ignorePublicAcls: false, restrictPublicBuckets: false } }, CTX);
    assert.equal(gaps.length, 1);
    assert.match(gaps[0]!, /leaves IgnorePublicAcls, RestrictPublicBuckets off/);
  });
  test("encryption by default off, and the AWS managed key, by alias or by what KMS says", () => {
    assert.match(accountGuardGaps({ ...GUARDED, ebsEncryptionByDefault: false }, CTX)[0]!, /EBS encryption by default is off in us-east-1 .*aws ec2 enable-ebs-encryption-by-default --region us-east-1$/);
    const alias = accountGuardGaps({ ...GUARDED, defaultKey: { arn: "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs" } }, CTX);
    assert.match(alias[0]!, /AWS managed key aws\/ebs.*aws ec2 modify-ebs-default-kms-key-id --kms-key-id/);
    const managed = accountGuardGaps({ ...GUARDED, defaultKey: { arn: "arn:aws:kms:us-east-1:111122223333:key/k", describe: { keyManager: "AWS", keyState: "Enabled" } } }, CTX);
    assert.match(managed[0]!, /AWS managed key/);
  });
  test("a key that cannot be described, or is not enabled", () => {
    assert.match(accountGuardGaps({ ...GUARDED, defaultKey: { arn: "arn:aws:kms:us-east-1:999999999999:key/x" } }, CTX)[0]!, /could not be described: grant this deployment kms:DescribeKey/);
    assert.match(accountGuardGaps({ ...GUARDED, defaultKey: { ...GUARDED.defaultKey, describe: { keyManager: "CUSTOMER", keyState: "Disabled" } } }, CTX)[0]!, /is Disabled/);
  });
});

describe("the default EBS key's policy", () => {
  const doc = ebsDefaultKeyPolicy({ partition: "aws", region: "eu-central-1", accountId: "111122223333", adminRoleArns: ["arn:aws:iam::111122223333:role/admin"] });
  test("the account's principals use it through EC2 in this region only, never to manage it", () => {
    const open = doc.Statement.filter((s) => s.Principal === "*" || (typeof s.Principal === "object" && s.Principal.AWS === "*"));
    assert.deepEqual(open.map((s) => s.Sid), ["AccountPrincipalsThroughEbs", "AccountPrincipalsGrantsForAttachedVolumes"]);
    for (const s of open) {
      assert.deepEqual(s.Condition?.StringEquals, { "kms:CallerAccount": "111122223333", "kms:ViaService": "ec2.eu-central-1.amazonaws.com" });
      assert.ok(list(s.Action).every((a) => !/Put|Schedule|Disable|Delete|\*/.test(a)), String(s.Action));
    }
    assert.deepEqual(open[1]!.Condition?.Bool, { "kms:GrantIsForAWSResource": true });
  });
  test("Auto Scaling's service-linked role may launch volumes with it", () => {
    const slr = doc.Statement.filter((s) => typeof s.Principal === "object" && s.Principal.AWS === "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling");
    assert.equal(slr.length, 2);
  });
});

const synth = synthesizeCommitted({ preview: false });

for (const stack of STACKS) {
  test(`${stack}: the account's S3 public access block and EBS encryption by default with its own key are declared`, async () => {
    const result = (await synth)[stack];
    const { cfg } = await settingsOf(stack);
    assert.equal(cfg.account.guards, "create");
    const [pab] = ofType(result, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock");
    assert.deepEqual(pab?.inputs, { ...pab?.inputs, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true });
    assert.equal(pab?.retainOnDelete, true);
    const key = one(result, "aws:kms/key:Key", "-ebs-default");
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.ok(policyOf(key).Statement.some((s) => s.Sid === "AccountPrincipalsThroughEbs"));
    const defaultKey = ofType(result, "aws:ebs/defaultKmsKey:DefaultKmsKey");
    assert.equal(defaultKey.length, 1);
    assert.equal(defaultKey[0]!.inputs.keyArn, key.outputs.arn);
    const encryption = ofType(result, "aws:ebs/encryptionByDefault:EncryptionByDefault");
    assert.equal(encryption.length, 1);
    assert.equal(encryption[0]!.inputs.enabled, true);
    assert.ok(encryption[0]!.dependencies.includes(defaultKey[0]!.urn), "encryption by default is turned on only once the default key is the stack's");
  });
}

test("account.guards: verify declares none of them", async () => {
  const config = yamlConfig("prod-eu");
  config["sovereign-llm:account"] = { guards: "verify" };
  const { verify } = await synthesizeMany({ verify: stackFileFromConfig("prod-eu", config) }, { preview: false });
  for (const type of ["aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "aws:ebs/encryptionByDefault:EncryptionByDefault", "aws:ebs/defaultKmsKey:DefaultKmsKey"]) assert.deepEqual(ofType(verify, type), [], type);
  assert.equal(verify.registrations.filter((r) => r.type === "aws:kms/key:Key" && r.name.endsWith("-ebs-default")).length, 0);
  assert.match(String(verify.stackOutputs.accountGuards), /verified at preview/);
});

describe("account.guards: verify reads the account at preview", () => {
  const run = (variant: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "test", "fixtures", "account", "guards-verify-preview.ts"), variant], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
  test("an account with nothing set stops the preview, naming all three and their commands", async () => {
    const r = await run("bare");
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /account\.guards is "verify", but account 111122223333 in eu-central-1 lacks 3 guards/);
    assert.match(r.out, /has no S3 public access block \(S3\.1\): aws s3control put-public-access-block --account-id 111122223333/);
    assert.match(r.out, /EBS encryption by default is off in eu-central-1 \(EC2\.7\): aws ec2 enable-ebs-encryption-by-default --region eu-central-1/);
    assert.match(r.out, /AWS managed key aws\/ebs/);
  });
  test("settings left off and a key pending deletion are named", async () => {
    const r = await run("partial");
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /leaves BlockPublicPolicy, RestrictPublicBuckets off/);
    assert.match(r.out, /is PendingDeletion/);
  });
  test("an account the organisation guards is accepted, and nothing is declared", async () => {
    const r = await run("complete");
    assert.doesNotMatch(r.out, /lacks/);
    assert.match(r.out, /verified "set by the organisation, verified at preview/);
    assert.match(r.out, /declared 0/);
  });
});
