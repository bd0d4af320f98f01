import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { ACCOUNT, TAGS, T, secureBucket } from "./fixtures";
import { cloudtrailMultiRegion } from "../../../policy-packs/controls/cloudtrail-multi-region";
import { cloudtrailLogFileValidation } from "../../../policy-packs/controls/cloudtrail-log-file-validation";
import { cloudtrailEncrypted } from "../../../policy-packs/controls/cloudtrail-encrypted";
import { cloudtrailCloudwatchLogs } from "../../../policy-packs/controls/cloudtrail-cloudwatch-logs";
import { cloudtrailS3DataEvents } from "../../../policy-packs/controls/cloudtrail-s3-data-events";
import { iamRoleTrustNoWildcard } from "../../../policy-packs/controls/iam-role-trust-no-wildcard";
import { iamPolicyNoWildcardActions } from "../../../policy-packs/controls/iam-policy-no-wildcard-actions";
import { regionAllowList } from "../../../policy-packs/controls/region-allow-list";
import { s3ReplicationResidency } from "../../../policy-packs/controls/s3-replication-residency";
import { tagsRequired } from "../../../policy-packs/controls/tags-required";

const modelsBucket = `models-${ACCOUNT}-us-east-1`;
const selectors = (arnPrefix: unknown) => [
  { name: "mgmt", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
  { name: "data", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, { field: "resources.ARN", startsWiths: [arnPrefix] }] },
];
const trail = (props: Record<string, unknown> = {}): Fixture => ({
  type: T.trail,
  name: "audit",
  props: {
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogging: true,
    enableLogFileValidation: true,
    kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/a`,
    cloudWatchLogsGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/audit:*`,
    cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/ct`,
    advancedEventSelectors: selectors(`arn:aws:s3:::${modelsBucket}/`),
    tags: TAGS,
    ...props,
  },
});
const models = () => secureBucket("models", { tags: { "data-class": "model-artifacts" } });

test("CloudTrail: a complete trail passes all five", async () => {
  for (const c of [cloudtrailMultiRegion, cloudtrailLogFileValidation, cloudtrailEncrypted, cloudtrailCloudwatchLogs, cloudtrailS3DataEvents]) {
    assert.deepEqual(messages(await runControl(c, [trail(), ...models()])), [], c.policy.name);
  }
});

test("CloudTrail single properties fire with their message", async () => {
  const cases: [typeof cloudtrailMultiRegion, Record<string, unknown>, RegExp][] = [
    [cloudtrailMultiRegion, { isMultiRegionTrail: false }, /not multi-region/],
    [cloudtrailMultiRegion, { includeGlobalServiceEvents: false }, /excludes global service events/],
    [cloudtrailMultiRegion, { enableLogging: false }, /logging is turned off/],
    [cloudtrailLogFileValidation, { enableLogFileValidation: false }, /log file validation is off/],
    [cloudtrailEncrypted, { kmsKeyId: undefined }, /has no kmsKeyId/],
    [cloudtrailEncrypted, { kmsKeyId: "alias/aws/cloudtrail" }, /AWS-managed key/],
    [cloudtrailCloudwatchLogs, { cloudWatchLogsGroupArn: undefined }, /does not deliver to CloudWatch Logs/],
    [cloudtrailCloudwatchLogs, { cloudWatchLogsRoleArn: undefined }, /no cloudWatchLogsRoleArn/],
  ];
  for (const [c, change, re] of cases) {
    const m = messages(await runControl(c, [withProps(trail(), change)]));
    assert.equal(m.length, 1, `${c.policy.name} ${JSON.stringify(change)}`);
    assert.match(m[0]!, re);
  }
  const u = await runControl(cloudtrailEncrypted, [withProps(trail(), { kmsKeyId: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("S3 data events: no trail, a trail for another bucket, a read-only selector; all-buckets selector and untagged buckets pass; unknown ARN is advisory", async () => {
  assert.match(messages(await runControl(cloudtrailS3DataEvents, models()))[0]!, /S3 bucket "models" \(data-class: model-artifacts\) has no trail recording/);
  assert.equal(messages(await runControl(cloudtrailS3DataEvents, [withProps(trail(), { advancedEventSelectors: selectors("arn:aws:s3:::other/") }), ...models()])).length, 1);
  const readOnly = [{ name: "r", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, { field: "readOnly", equals: ["true"] }] }];
  assert.equal(messages(await runControl(cloudtrailS3DataEvents, [withProps(trail(), { advancedEventSelectors: readOnly }), ...models()])).length, 1);
  const allBuckets = [{ name: "all", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }] }];
  assert.deepEqual(messages(await runControl(cloudtrailS3DataEvents, [withProps(trail(), { advancedEventSelectors: allBuckets }), ...models()])), []);
  assert.deepEqual(messages(await runControl(cloudtrailS3DataEvents, secureBucket("plain"))), []);
  const u = await runControl(cloudtrailS3DataEvents, [withProps(trail(), { advancedEventSelectors: selectors(UNKNOWN) }), ...models()]);
  assert.deepEqual(u.violations, []);
  assert.match(u.advisories[0]!, /trail selectors unknown/);
});

const trust = (principal: unknown, extra: object = {}) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", ...extra }] });
const role = (assumeRolePolicy: unknown, props: Record<string, unknown> = {}): Fixture => ({ type: T.role, name: "r", props: { assumeRolePolicy, tags: TAGS, ...props } });

test("IAM trust: service principal passes; *, AWS *, account wildcard and NotPrincipal fire even with conditions", async () => {
  assert.deepEqual(messages(await runControl(iamRoleTrustNoWildcard, [role(trust({ Service: "vpc-flow-logs.amazonaws.com" }))])), []);
  assert.match(messages(await runControl(iamRoleTrustNoWildcard, [role(trust("*"))]))[0]!, /lets a wildcard principal assume the role \(\*\)/);
  assert.equal(messages(await runControl(iamRoleTrustNoWildcard, [role(trust({ AWS: "*" }, { Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } } }))])).length, 1);
  assert.match(messages(await runControl(iamRoleTrustNoWildcard, [role(trust({ AWS: "arn:aws:iam::*:root" }))]))[0]!, /arn:aws:iam::\*:root/);
  const np = JSON.stringify({ Statement: [{ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "sts:AssumeRole" }] });
  assert.match(messages(await runControl(iamRoleTrustNoWildcard, [role(np)]))[0]!, /NotPrincipal/);
  const u = await runControl(iamRoleTrustNoWildcard, [role(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

const perms = (Action: unknown, Resource: unknown = "*", key = "Action") => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "S", Effect: "Allow", [key]: Action, Resource }] });
const rolePolicy = (policy: unknown): Fixture => ({ type: T.rolePolicy, name: "p", props: { role: "r", policy } });

test("IAM permissions: listed actions pass; *, svc:* (on * or on one resource), NotAction fire; inline policies on a role are checked", async () => {
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms(["logs:PutLogEvents"]))])), []);
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms("*"))])), ['policy statement "S" allows every action ("*")']);
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms(["s3:*"]))])), ['policy statement "S" allows s3:* (every action of the service) on every resource ("*")']);
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms(["s3:*"], "arn:aws:s3:::b/*"))])), ['policy statement "S" allows s3:* (every action of the service) on arn:aws:s3:::b/*']);
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/*"))])), []);
  assert.match(messages(await runControl(iamPolicyNoWildcardActions, [rolePolicy(perms("iam:*", "*", "NotAction"))]))[0]!, /allows NotAction/);
  assert.deepEqual(messages(await runControl(iamPolicyNoWildcardActions, [role(trust({ Service: "ec2.amazonaws.com" }), { inlinePolicies: [{ name: "x", policy: perms("kms:*") }] })])), ['inlinePolicies[0] statement "S" allows kms:* (every action of the service) on every resource ("*")']);
  const u = await runControl(iamPolicyNoWildcardActions, [rolePolicy(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("region allow-list (per resource): configured list, provider-region fallback, per-resource region, endpoint service names, AZs, policy ARNs", async () => {
  const home: Fixture[] = [
    { type: T.endpoint, name: "kms", props: { serviceName: "com.amazonaws.eu-central-1.kms", tags: TAGS } },
    { type: T.subnet, name: "a", props: { availabilityZone: "eu-central-1a", tags: TAGS } },
    { type: T.logGroup, name: "g", props: { kmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/a", tags: TAGS } },
  ];
  assert.deepEqual(messages(await runControl(regionAllowList, home)), []);
  assert.deepEqual(messages(await runControl(regionAllowList, home, { allowedRegions: ["eu-central-1", "eu-west-1"] })), []);
  const us = await runControl(regionAllowList, home, { allowedRegions: ["us-east-1"] });
  assert.equal(us.violations.length, 3);
  assert.match(us.violations[0]!.message, /VpcEndpoint "kms" refers to region\(s\) eu-central-1, outside allowedRegions: us-east-1/);
  const placed = [...home, { type: T.bucket, name: "replica", props: { bucket: "r", region: "us-east-1", tags: TAGS } }];
  assert.deepEqual(messages(await runControl(regionAllowList, placed, { allowedRegions: ["eu-central-1"] })), ['Bucket "replica" is placed in us-east-1, outside allowedRegions: eu-central-1']);
  // Without an allow-list, each resource's provider region is the only one allowed.
  const inFrankfurt = placed.map((f) => ({ ...f, providerRegion: "eu-central-1" }));
  assert.deepEqual(messages(await runControl(regionAllowList, inFrankfurt)), ['Bucket "replica" is placed in us-east-1, outside its provider\'s region (no allowedRegions configured): eu-central-1']);
  const keyPolicy = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "logs.us-west-2.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" }] });
  const leaky = [...home, { type: T.key, name: "k", props: { policy: keyPolicy, tags: TAGS } }].map((f) => ({ ...f, providerRegion: "eu-central-1" }));
  assert.match(messages(await runControl(regionAllowList, leaky))[0]!, /Key "k" refers to region\(s\) us-west-2/);
  assert.deepEqual(messages(await runControl(regionAllowList, placed)), [], "no allow-list and no provider region: nothing to compare against");
  await assert.rejects(runControl(regionAllowList, home, { allowedRegions: ["Frankfurt"] }), /invalid config/);
});

test("replication residency: in-stack destination in region passes; other region, undeclared destination fire", async () => {
  const src = secureBucket("src");
  const dst: Fixture = { type: T.bucket, name: "dst", props: { bucket: "dst-b", region: "us-east-1", tags: TAGS } };
  const rep = (dest: string, deps: string[] = []): Fixture => ({ type: T.replication, name: "rep", props: { bucket: "src-id", role: "arn:aws:iam::1:role/r", rules: [{ id: "all", status: "Enabled", destination: { bucket: dest } }] }, propertyDependencies: { rules: deps } });
  const ok = await runControl(s3ReplicationResidency, [...src, dst, rep("arn:aws:s3:::dst-b", [urnOf(T.bucket, "dst")])], { allowedRegions: ["us-east-1"] });
  assert.deepEqual(messages(ok), []);
  const far = await runControl(s3ReplicationResidency, [...src, withProps(dst, { region: "eu-west-1" }), rep("arn:aws:s3:::dst-b")], { allowedRegions: ["us-east-1"] });
  assert.deepEqual(messages(far), ['BucketReplicationConfig "rep" replicates to bucket "dst" in eu-west-1, outside allowedRegions: us-east-1']);
  const foreign = await runControl(s3ReplicationResidency, [...src, rep("arn:aws:s3:::somebody-elses")], { allowedRegions: ["us-east-1"] });
  assert.match(messages(foreign)[0]!, /a bucket this stack does not declare/);
  const preview = await runControl(s3ReplicationResidency, [...src, dst, rep(UNKNOWN, [urnOf(T.bucket, "dst")])], { allowedRegions: ["us-east-1"] });
  assert.deepEqual(preview.violations, []);
  const previewFar = await runControl(s3ReplicationResidency, [...src, withProps(dst, { region: "eu-west-1" }), rep(UNKNOWN, [urnOf(T.bucket, "dst")])], { allowedRegions: ["us-east-1"] });
  assert.equal(previewFar.violations.length, 1);
});

test("required tags: all present passes; missing and empty fire; untaggable types are skipped; tunable", async () => {
  const vpc = (tags: unknown): Fixture => ({ type: T.vpc, name: "v", props: { cidrBlock: "10.0.0.0/16", ...(tags === undefined ? {} : { tags }) } });
  assert.deepEqual(messages(await runControl(tagsRequired, [vpc(TAGS)])), []);
  assert.deepEqual(messages(await runControl(tagsRequired, [vpc(undefined)])), ["missing required tag(s): project, stack, environment, data-classification, owner"]);
  assert.deepEqual(messages(await runControl(tagsRequired, [vpc({ ...TAGS, owner: " " })])), ["missing required tag(s): owner"]);
  assert.deepEqual(messages(await runControl(tagsRequired, [{ type: "aws:kms/alias:Alias", name: "a", props: { name: "alias/x" } }])), []);
  assert.deepEqual(messages(await runControl(tagsRequired, [vpc({ project: "p" })], { requiredTags: ["project"] })), []);
  const u = await runControl(tagsRequired, [vpc(UNKNOWN)]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
