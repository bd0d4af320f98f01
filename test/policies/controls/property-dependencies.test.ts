/**
 * Values unknown during preview that are references to resources declared in the same program:
 * the controls decide from the engine's property dependencies (sent in AnalyzeStack) when the
 * unknown value is computed only from a resource of the required type, and stay "not evaluable"
 * when there is no dependency or it points at something else; known insecure values still fire.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, type Fixture, type Outcome } from "../harness";
import { ACCOUNT, T, TAGS } from "./fixtures";
import { logsGroupEncrypted } from "../../../policy-packs/controls/logs-group-encrypted";
import { cloudtrailEncrypted } from "../../../policy-packs/controls/cloudtrail-encrypted";
import { cloudtrailCloudwatchLogs } from "../../../policy-packs/controls/cloudtrail-cloudwatch-logs";
import { cloudtrailS3DataEvents } from "../../../policy-packs/controls/cloudtrail-s3-data-events";
import { eksClusterSecretsEncrypted } from "../../../policy-packs/controls/eks-cluster-secrets-encrypted";
import { ec2LaunchTemplateEbsEncrypted } from "../../../policy-packs/controls/ec2-launch-template-ebs-encrypted";
import { computedOnlyFrom, KMS_KEY_TYPES, type Node } from "../../../policy-packs/controls/lib/resources";

const ALIAS = "aws:kms/alias:Alias";
const key: Fixture = { type: T.key, name: "logs-key", props: { enableKeyRotation: true, tags: TAGS } };
const alias: Fixture = { type: ALIAS, name: "logs-alias", props: { name: "alias/logs", targetKeyId: UNKNOWN } };
const role: Fixture = { type: T.role, name: "trail-to-logs", props: { assumeRolePolicy: "{}" } };
const KEY = urnOf(key.type, key.name);
const ALIAS_URN = urnOf(alias.type, alias.name);
const ROLE = urnOf(role.type, role.name);

const notEvaluable = (o: Outcome, what: RegExp) => {
  assert.deepEqual(o.violations, []);
  assert.equal(o.advisories.length, 1, JSON.stringify(o.advisories));
  assert.match(o.advisories[0]!, what);
};
const clean = (o: Outcome) => assert.deepEqual({ violations: o.violations, advisories: o.advisories }, { violations: [], advisories: [] });

test("computedOnlyFrom: every dependency of the property must be in the stack and of the type", () => {
  const node = (urn: string, type: string, deps: Record<string, string[]> = {}): Node => ({ type, urn, name: urn, props: {}, dependencies: [], propertyDependencies: deps });
  const k = node(KEY, T.key);
  const a = node(ALIAS_URN, ALIAS);
  const byUrn = new Map([k, a].map((n) => [n.urn, n]));
  assert.equal(computedOnlyFrom(node("g", T.logGroup, { kmsKeyId: [KEY] }), "kmsKeyId", byUrn, KMS_KEY_TYPES), true);
  assert.equal(computedOnlyFrom(node("g", T.logGroup, { kmsKeyId: [KEY, ALIAS_URN] }), "kmsKeyId", byUrn, KMS_KEY_TYPES), false);
  assert.equal(computedOnlyFrom(node("g", T.logGroup, { kmsKeyId: [] }), "kmsKeyId", byUrn, KMS_KEY_TYPES), false);
  assert.equal(computedOnlyFrom(node("g", T.logGroup), "kmsKeyId", byUrn, KMS_KEY_TYPES), false);
  assert.equal(computedOnlyFrom(node("g", T.logGroup, { kmsKeyId: ["urn:pulumi:test::x::aws:kms/key:Key::elsewhere"] }), "kmsKeyId", byUrn, KMS_KEY_TYPES), false);
  assert.equal(computedOnlyFrom(node("g", T.logGroup, { kmsKeyId: [KEY] }), "kmsKeyId", byUrn, KMS_KEY_TYPES, a), false);
});

test("log group: unknown kmsKeyId computed from a KMS key of the program passes; from an alias resource or nothing it is not evaluable; an AWS-managed alias fires", async () => {
  const group = (kmsKeyId: unknown, deps?: string[]): Fixture => ({ type: T.logGroup, name: "g", props: { name: "/x", kmsKeyId, retentionInDays: 400, tags: TAGS }, ...(deps ? { propertyDependencies: { kmsKeyId: deps } } : {}) });
  clean(await runControl(logsGroupEncrypted, [key, group(UNKNOWN, [KEY])]));
  notEvaluable(await runControl(logsGroupEncrypted, [key, alias, group(UNKNOWN, [ALIAS_URN])]), /LogGroup "g": kmsKeyId unknown/);
  notEvaluable(await runControl(logsGroupEncrypted, [key, alias, group(UNKNOWN, [KEY, ALIAS_URN])]), /kmsKeyId unknown/);
  notEvaluable(await runControl(logsGroupEncrypted, [key, group(UNKNOWN)]), /kmsKeyId unknown/);
  // A dependency never excuses a known value.
  assert.match(messages(await runControl(logsGroupEncrypted, [key, group("alias/aws/logs", [KEY])]))[0]!, /is not a KMS key ARN/);
  assert.match(messages(await runControl(logsGroupEncrypted, [key, group(undefined, [KEY])]))[0]!, /has no kmsKeyId/);
  const out = await runControl(logsGroupEncrypted, [key, group("", [KEY])]);
  assert.deepEqual(out.violations.map((v) => v.urn), [urnOf(T.logGroup, "g")]);
});

const trail = (props: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}): Fixture => ({
  type: T.trail,
  name: "audit",
  props: {
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/abc`,
    cloudWatchLogsGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/audit:*`,
    cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/trail-to-logs`,
    ...props,
  },
  propertyDependencies,
});

test("trail encryption: unknown kmsKeyId from a KMS key passes, from an alias resource or nothing is not evaluable, AWS-managed alias fires", async () => {
  clean(await runControl(cloudtrailEncrypted, [key, trail({ kmsKeyId: UNKNOWN }, { kmsKeyId: [KEY] })]));
  notEvaluable(await runControl(cloudtrailEncrypted, [key, alias, trail({ kmsKeyId: UNKNOWN }, { kmsKeyId: [ALIAS_URN] })]), /Trail "audit": kmsKeyId unknown/);
  notEvaluable(await runControl(cloudtrailEncrypted, [trail({ kmsKeyId: UNKNOWN })]), /kmsKeyId unknown/);
  assert.deepEqual(messages(await runControl(cloudtrailEncrypted, [key, trail({ kmsKeyId: "alias/aws/cloudtrail" }, { kmsKeyId: [KEY] })])), ["trail kmsKeyId alias/aws/cloudtrail is an AWS-managed key"]);
});

test("trail to CloudWatch Logs: unknown role ARN from a role of the program passes; from another type or nothing is not evaluable; a missing group still fires", async () => {
  clean(await runControl(cloudtrailCloudwatchLogs, [role, trail({ cloudWatchLogsRoleArn: UNKNOWN }, { cloudWatchLogsRoleArn: [ROLE] })]));
  notEvaluable(await runControl(cloudtrailCloudwatchLogs, [key, trail({ cloudWatchLogsRoleArn: UNKNOWN }, { cloudWatchLogsRoleArn: [KEY] })]), /CloudWatch Logs delivery unknown/);
  notEvaluable(await runControl(cloudtrailCloudwatchLogs, [trail({ cloudWatchLogsRoleArn: UNKNOWN })]), /CloudWatch Logs delivery unknown/);
  assert.match(messages(await runControl(cloudtrailCloudwatchLogs, [role, trail({ cloudWatchLogsGroupArn: undefined, cloudWatchLogsRoleArn: UNKNOWN }, { cloudWatchLogsRoleArn: [ROLE] })]))[0]!, /does not deliver to CloudWatch Logs/);
  const group: Fixture = { type: T.logGroup, name: "audit-logs", props: { name: "/audit" } };
  clean(await runControl(cloudtrailCloudwatchLogs, [group, role, trail({ cloudWatchLogsGroupArn: UNKNOWN, cloudWatchLogsRoleArn: UNKNOWN }, { cloudWatchLogsGroupArn: [urnOf(group.type, group.name)], cloudWatchLogsRoleArn: [ROLE] })]));
});

test("S3 data events: an unknown ARN prefix computed only from the bucket itself covers it; from several buckets or none it is not evaluable", async () => {
  const bucket = (name: string): Fixture => ({ type: T.bucket, name, props: { bucket: name, tags: { ...TAGS, "data-class": "model-artifacts" } } });
  const models = bucket("models");
  const other = bucket("other");
  const selectors = [
    { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
    { name: "Model objects", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, { field: "resources.ARN", startsWiths: [UNKNOWN] }] },
  ];
  const M = urnOf(T.bucket, "models");
  clean(await runControl(cloudtrailS3DataEvents, [models, trail({ advancedEventSelectors: selectors }, { advancedEventSelectors: [M] })]));
  notEvaluable(await runControl(cloudtrailS3DataEvents, [models, trail({ advancedEventSelectors: selectors })]), /Bucket "models": trail selectors unknown/);
  // Two tagged buckets, one selector computed from both: which one it covers is not known yet.
  const both = await runControl(cloudtrailS3DataEvents, [models, other, trail({ advancedEventSelectors: selectors }, { advancedEventSelectors: [M, urnOf(T.bucket, "other")] })]);
  notEvaluable(both, /Bucket "models": trail selectors unknown; Bucket "other": trail selectors unknown/);
  // Reads only: known not to cover, whatever the ARN.
  const readOnly = [{ ...selectors[1]!, fieldSelectors: [...selectors[1]!.fieldSelectors, { field: "readOnly", equals: ["true"] }] }];
  assert.match(messages(await runControl(cloudtrailS3DataEvents, [models, trail({ advancedEventSelectors: readOnly }, { advancedEventSelectors: [M] })]))[0]!, /has no trail recording its object reads and writes/);
  // An unknown event category is not the ARN: still not evaluable.
  const unknownCategory = [{ ...selectors[1]!, fieldSelectors: [{ field: "eventCategory", equals: [UNKNOWN] }, ...selectors[1]!.fieldSelectors.slice(1)] }];
  notEvaluable(await runControl(cloudtrailS3DataEvents, [models, trail({ advancedEventSelectors: unknownCategory }, { advancedEventSelectors: [M] })]), /trail selectors unknown/);
});

test("EKS secrets: unknown provider.keyArn computed from a KMS key passes; from an alias resource or nothing is not evaluable; an empty key fires", async () => {
  const cluster = (keyArn: unknown, deps?: string[]): Fixture => ({
    type: "aws:eks/cluster:Cluster",
    name: "eks",
    props: { encryptionConfig: { provider: { keyArn }, resources: ["secrets"] } },
    ...(deps ? { propertyDependencies: { encryptionConfig: deps } } : {}),
  });
  clean(await runControl(eksClusterSecretsEncrypted, [key, cluster(UNKNOWN, [KEY])]));
  notEvaluable(await runControl(eksClusterSecretsEncrypted, [alias, cluster(UNKNOWN, [ALIAS_URN])]), /Cluster "eks": encryption key ARN unknown/);
  notEvaluable(await runControl(eksClusterSecretsEncrypted, [cluster(UNKNOWN)]), /encryption key ARN unknown/);
  assert.deepEqual(messages(await runControl(eksClusterSecretsEncrypted, [key, cluster("", [KEY])])), ["encryptionConfig has no provider.keyArn: name the customer-managed cluster key"]);
});

test("launch template volumes: unknown kmsKeyId computed from a KMS key passes; from an alias resource or nothing is not evaluable; unencrypted still fires", async () => {
  const lt = (kmsKeyId: unknown, deps?: string[], encrypted = "true"): Fixture => ({
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "nodes",
    props: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted, kmsKeyId, volumeType: "gp3" } }] },
    ...(deps ? { propertyDependencies: { blockDeviceMappings: deps } } : {}),
  });
  clean(await runControl(ec2LaunchTemplateEbsEncrypted, [key, lt(UNKNOWN, [KEY])]));
  notEvaluable(await runControl(ec2LaunchTemplateEbsEncrypted, [alias, lt(UNKNOWN, [ALIAS_URN])]), /LaunchTemplate "nodes": \/dev\/xvda: kmsKeyId unknown/);
  notEvaluable(await runControl(ec2LaunchTemplateEbsEncrypted, [lt(UNKNOWN)]), /kmsKeyId unknown/);
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateEbsEncrypted, [key, lt(UNKNOWN, [KEY], "false")])), ['volume /dev/xvda is not encrypted: set ebs.encrypted: "true" with the node-volume KMS key']);
});
