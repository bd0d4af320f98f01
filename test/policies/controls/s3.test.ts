import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { secureBucket, edit, T } from "./fixtures";
import { s3BucketSseKms } from "../../../policy-packs/controls/s3-bucket-sse-kms";
import { s3BucketPublicAccessBlock } from "../../../policy-packs/controls/s3-bucket-public-access-block";
import { s3BucketOwnershipEnforced } from "../../../policy-packs/controls/s3-bucket-ownership-enforced";
import { s3BucketVersioning } from "../../../policy-packs/controls/s3-bucket-versioning";
import { s3BucketObjectLock } from "../../../policy-packs/controls/s3-bucket-object-lock";
import { s3BucketTlsOnly } from "../../../policy-packs/controls/s3-bucket-tls-only";
import { s3BucketNoncurrentExpiration } from "../../../policy-packs/controls/s3-bucket-noncurrent-expiration";
import type { Control } from "../../../policy-packs/controls/types";

const all = [s3BucketSseKms, s3BucketPublicAccessBlock, s3BucketOwnershipEnforced, s3BucketVersioning, s3BucketObjectLock, s3BucketTlsOnly];

async function fires(control: Control, fixtures: Fixture[], expected: RegExp): Promise<void> {
  const out = await runControl(control, fixtures);
  assert.equal(out.violations.length, 1, `expected one violation, got ${JSON.stringify(out)}`);
  assert.match(out.violations[0]!.message, expected);
  assert.equal(out.violations[0]!.urn, fixtures.find((f) => f.type === T.bucket)!.urn ?? `urn:pulumi:test::sovereign-llm::${T.bucket}::models`);
}

test("a fully configured bucket passes every S3 control, known and in preview", async () => {
  for (const c of all) {
    for (const preview of [false, true]) {
      const out = await runControl(c, secureBucket("models", { preview }));
      assert.deepEqual(messages(out), [], `${c.policy.name} preview=${preview}`);
    }
  }
});

test("two buckets: a side resource of one does not satisfy the other", async () => {
  const a = secureBucket("a");
  const b = edit(secureBucket("b"), T.versioning, () => undefined);
  const out = await runControl(s3BucketVersioning, [...a, ...b]);
  assert.deepEqual(messages(out), ['S3 bucket "b": has no BucketVersioning with status Enabled']);
});

test("links by value when there are no property dependencies (bucket input = bucket name)", async () => {
  const fx = secureBucket("m").map((f) => (f.type === T.bucket ? f : { ...f, propertyDependencies: {}, props: { ...f.props, bucket: "m-111122223333-us-east-1" } }));
  for (const c of all) assert.deepEqual(messages(await runControl(c, fx)), [], c.policy.name);
});

test("sse-kms: missing, SSE-S3, no key, AWS-managed key", async () => {
  await fires(s3BucketSseKms, edit(secureBucket("models"), T.sse, () => undefined), /has no BucketServerSideEncryptionConfiguration/);
  await fires(s3BucketSseKms, edit(secureBucket("models"), T.sse, (f) => withProps(f, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] })), /default encryption is AES256, not SSE-KMS/);
  await fires(s3BucketSseKms, edit(secureBucket("models"), T.sse, (f) => withProps(f, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] })), /without kmsMasterKeyId uses the AWS-managed aws\/s3 key/);
  await fires(s3BucketSseKms, edit(secureBucket("models"), T.sse, (f) => withProps(f, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" } }] })), /is an AWS-managed key/);
});

test("public access block: missing, and each of the four flags off", async () => {
  await fires(s3BucketPublicAccessBlock, edit(secureBucket("models"), T.pab, () => undefined), /has no BucketPublicAccessBlock/);
  for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
    await fires(s3BucketPublicAccessBlock, edit(secureBucket("models"), T.pab, (f) => withProps(f, { [flag]: false })), new RegExp(`leaves ${flag} off`));
  }
});

test("ownership: missing, ObjectWriter", async () => {
  await fires(s3BucketOwnershipEnforced, edit(secureBucket("models"), T.ownership, () => undefined), /has no BucketOwnershipControls/);
  await fires(s3BucketOwnershipEnforced, edit(secureBucket("models"), T.ownership, (f) => withProps(f, { rule: { objectOwnership: "ObjectWriter" } })), /object ownership is ObjectWriter/);
});

test("versioning: missing, Suspended", async () => {
  await fires(s3BucketVersioning, edit(secureBucket("models"), T.versioning, () => undefined), /has no BucketVersioning/);
  await fires(s3BucketVersioning, edit(secureBucket("models"), T.versioning, (f) => withProps(f, { versioningConfiguration: { status: "Suspended" } })), /versioning is Suspended, not Enabled/);
});

test("object lock: bucket without lock, no configuration, no default retention, disallowed mode, zero days", async () => {
  await fires(s3BucketObjectLock, edit(secureBucket("models"), T.bucket, (f) => withProps(f, { objectLockEnabled: false })), /not created with objectLockEnabled: true/);
  await fires(s3BucketObjectLock, edit(secureBucket("models"), T.lock, () => undefined), /has no BucketObjectLockConfiguration/);
  await fires(s3BucketObjectLock, edit(secureBucket("models"), T.lock, (f) => withProps(f, { rule: undefined })), /no default retention rule/);
  await fires(s3BucketObjectLock, edit(secureBucket("models"), T.lock, (f) => withProps(f, { rule: { defaultRetention: { mode: "COMPLIANCE", days: 0 } } })), /no positive days or years/);
  const governance = edit(secureBucket("models"), T.lock, (f) => withProps(f, { rule: { defaultRetention: { mode: "GOVERNANCE", days: 5 } } }));
  assert.deepEqual(messages(await runControl(s3BucketObjectLock, governance)), []);
  const out = await runControl(s3BucketObjectLock, governance, { allowedModes: ["COMPLIANCE"] });
  assert.match(messages(out)[0]!, /mode GOVERNANCE is not one of COMPLIANCE/);
});

test("tls-only: no bucket policy, policy without the deny, deny on the wrong condition, invalid JSON", async () => {
  await fires(s3BucketTlsOnly, edit(secureBucket("models"), T.bucketPolicy, () => undefined), /has no bucket policy denying non-TLS/);
  const allowOnly = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:GetObject", Resource: "*" }] });
  await fires(s3BucketTlsOnly, edit(secureBucket("models"), T.bucketPolicy, (f) => withProps(f, { policy: allowOnly })), /does not deny requests without TLS/);
  const wrong = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }] });
  await fires(s3BucketTlsOnly, edit(secureBucket("models"), T.bucketPolicy, (f) => withProps(f, { policy: wrong })), /does not deny requests without TLS/);
  await fires(s3BucketTlsOnly, edit(secureBucket("models"), T.bucketPolicy, (f) => withProps(f, { policy: "{not json" })), /unreadable: the policy is not valid JSON/);
});

test("unknowns never produce a violation: they become an advisory note", async () => {
  // The whole bucket policy unknown (it interpolates the endpoint id in preview).
  const fx = edit(secureBucket("models", { preview: true }), T.bucketPolicy, (f) => withProps(f, { policy: UNKNOWN }));
  const out = await runControl(s3BucketTlsOnly, fx);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
  assert.match(out.advisories[0]!, /bucket policy unknown/);
  // A side resource whose bucket is unknown and has no property dependency: undecided, not missing.
  const orphan = edit(secureBucket("models", { preview: true }), T.versioning, (f) => ({ ...f, propertyDependencies: {}, dependencies: [] }));
  const v = await runControl(s3BucketVersioning, orphan);
  assert.deepEqual(v.violations, []);
  assert.match(v.advisories[0]!, /bucket is unknown/);
  // Unknown flag values in the public access block.
  const pab = edit(secureBucket("models", { preview: true }), T.pab, (f) => withProps(f, { blockPublicAcls: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" }));
  const p = await runControl(s3BucketPublicAccessBlock, pab);
  assert.deepEqual(p.violations, []);
  assert.equal(p.advisories.length, 1);
  // A known failure is still reported next to unknowns elsewhere.
  const mixed = edit(pab, T.versioning, (f) => withProps(f, { versioningConfiguration: { status: "Suspended" } }));
  assert.deepEqual(messages(await runControl(s3BucketVersioning, mixed)), ['S3 bucket "models": versioning is Suspended, not Enabled']);
});

const lifecycle = (rules: unknown): Fixture => ({
  type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  name: "models",
  props: { bucket: "models-id", rules },
  parent: urnOf(T.bucket, "models"),
  propertyDependencies: { bucket: [urnOf(T.bucket, "models")] },
});
const abort = { id: "abort", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };
const expire = (extra: object = {}) => ({ id: "expire", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 90 }, ...extra });

test("noncurrent versions: an enabled whole-bucket expiry passes; none, disabled, prefix-only or no lifecycle at all fire", async () => {
  const bucket = secureBucket("models");
  assert.deepEqual(messages(await runControl(s3BucketNoncurrentExpiration, [...bucket, lifecycle([abort, expire()])])), []);
  assert.match(messages(await runControl(s3BucketNoncurrentExpiration, bucket))[0]!, /has no lifecycle configuration/);
  for (const rules of [[abort], [abort, expire({ status: "Disabled" })], [expire({ filter: { prefix: "models/a/" } })], [expire({ noncurrentVersionExpiration: {} })]]) {
    const m = messages(await runControl(s3BucketNoncurrentExpiration, [...bucket, lifecycle(rules)]));
    assert.equal(m.length, 1, JSON.stringify(rules));
    assert.match(m[0]!, /no enabled lifecycle rule over the whole bucket expires noncurrent versions/);
  }
  const u = await runControl(s3BucketNoncurrentExpiration, [...bucket, lifecycle(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
