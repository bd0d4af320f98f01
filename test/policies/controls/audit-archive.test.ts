import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, type Fixture } from "../harness";
import { T, TAGS } from "./fixtures";
import { cloudtrailAuditArchiveAccess } from "../../../policy-packs/controls/cloudtrail-audit-archive-access";
import { recordsEvent } from "../../../policy-packs/controls/lib/trail-events";

const ARCHIVE = "audit-archive-111122223333-us-east-1";
const archive: Fixture = { type: T.bucket, name: "archive", props: { bucket: ARCHIVE, tags: TAGS } };
const on = (prefix: unknown, extra: object[]) => ({
  name: "archive",
  fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::S3::Object"] }, { field: "resources.ARN", startsWiths: [prefix] }, ...extra],
});
const reads = on(`arn:aws:s3:::${ARCHIVE}/`, [{ field: "readOnly", equals: ["true"] }]);
const writes = on(`arn:aws:s3:::${ARCHIVE}/`, [{ field: "readOnly", equals: ["false"] }, { field: "eventName", notEquals: ["PutObject"] }]);
const mgmt = { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] };
const trail = (selectors: unknown, s3BucketName: unknown = ARCHIVE): Fixture => ({
  type: T.trail,
  name: "audit",
  props: { s3BucketName, advancedEventSelectors: selectors, tags: TAGS },
  propertyDependencies: s3BucketName === UNKNOWN ? { s3BucketName: [urnOf(T.bucket, "archive")] } : {},
});

test("trail events: selectors are evaluated field by field against one event", () => {
  const e = { eventName: "DeleteObject", readOnly: false, objectArn: `arn:aws:s3:::${ARCHIVE}/AWSLogs/x` };
  assert.equal(recordsEvent({ advancedEventSelectors: [writes] }, e), "yes");
  assert.equal(recordsEvent({ advancedEventSelectors: [writes] }, { ...e, eventName: "PutObject" }), "no");
  assert.equal(recordsEvent({ advancedEventSelectors: [reads] }, e), "no");
  assert.equal(recordsEvent({ advancedEventSelectors: [on("arn:aws:s3:::other/", [])] }, e), "no");
  assert.equal(recordsEvent({ advancedEventSelectors: [on(UNKNOWN, [])] }, e), "unknown");
  assert.equal(recordsEvent({ eventSelectors: [{ readWriteType: "All", dataResources: [{ type: "AWS::S3::Object", values: [`arn:aws:s3:::${ARCHIVE}/`] }] }] }, e), "yes");
  assert.equal(recordsEvent({ eventSelectors: [{ readWriteType: "ReadOnly", dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }] }] }, e), "no");
});

test("audit archive access: reads and non-delivery writes of the archive recorded pass; either missing fires; an unknown archive prefix is advisory", async () => {
  assert.deepEqual(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, reads, writes])])), []);
  assert.deepEqual(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, reads, writes], UNKNOWN)])), []);
  assert.deepEqual(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, on(`arn:aws:s3:::${ARCHIVE}/`, [])])])), []);
  assert.match(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, writes])]))[0]!, /does not record reads \(GetObject\) of its own archive bucket/);
  assert.match(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, reads])]))[0]!, /does not record deletions \(DeleteObject\) of its own archive bucket/);
  assert.match(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt])]))[0]!, /reads \(GetObject\) or deletions \(DeleteObject\)/);
  // GovCloud: the selectors name the archive in the aws-us-gov partition.
  const gov = (f: Fixture): Fixture => ({ ...f, providerRegion: "us-gov-west-1" });
  const govReads = on(`arn:aws-us-gov:s3:::${ARCHIVE}/`, [{ field: "readOnly", equals: ["true"] }]);
  const govWrites = on(`arn:aws-us-gov:s3:::${ARCHIVE}/`, [{ field: "readOnly", equals: ["false"] }, { field: "eventName", notEquals: ["PutObject"] }]);
  assert.deepEqual(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, gov(trail([mgmt, govReads, govWrites]))])), []);
  assert.equal(messages(await runControl(cloudtrailAuditArchiveAccess, [archive, gov(trail([mgmt, reads, writes]))])).length, 1);
  const u = await runControl(cloudtrailAuditArchiveAccess, [archive, trail([mgmt, on(UNKNOWN, [{ field: "readOnly", equals: ["true"] }]), writes])]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
