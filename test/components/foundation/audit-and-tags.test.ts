/**
 * AuditTrail and log groups, and the base tags, as an auditor reads them from what each committed
 * stack registers.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { STACKS, BASE_TAG_KEYS, synthesizeCommitted, ofType, one, settingsOf, isTaggable } from "../../helpers/stacks.js";
import { CLOUDWATCH_RETENTION_DAYS } from "../../../infra/schema.js";
import { networkRetentionDays } from "../../../infra/config.js";

const synth = synthesizeCommitted({ preview: false });

async function load(stack: (typeof STACKS)[number]) {
  const result = (await synth)[stack];
  const { cfg, region } = await settingsOf(stack);
  return { result, cfg, region };
}

for (const stack of STACKS) {
  describe(`audit trail of ${stack}`, () => {
    test("CloudTrail: multi-region, global events, log file validation, KMS, CloudWatch delivery", async () => {
      const { result } = await load(stack);
      const trails = ofType(result, "aws:cloudtrail/trail:Trail");
      assert.equal(trails.length, 1);
      const t = trails[0].inputs;
      assert.equal(t.isMultiRegionTrail, true);
      assert.equal(t.includeGlobalServiceEvents, true);
      assert.equal(t.enableLogFileValidation, true);
      assert.notEqual(t.enableLogging, false);
      assert.equal(t.kmsKeyId, one(result, "aws:kms/key:Key", "-keys-audit").outputs.arn);
      const archive = one(result, "aws:s3/bucket:Bucket", "-audit-archive");
      assert.equal(t.s3BucketName, archive.outputs.bucket);
      const group = one(result, "aws:cloudwatch/logGroup:LogGroup", "-audit-cloudtrail");
      assert.equal(t.cloudWatchLogsGroupArn, `${group.outputs.arn}:*`);
      const role = ofType(result, "aws:iam/role:Role").find((r) => r.outputs.arn === t.cloudWatchLogsRoleArn);
      assert.ok(role, "delivery role of the program");
      assert.ok(trails[0].dependencies.some((d) => d.endsWith("::" + archive.name) && d.includes("bucketPolicy")), "the trail waits for the archive's bucket policy");
    });

    test("management events and S3 data events on the model bucket", async () => {
      const { result } = await load(stack);
      const t = ofType(result, "aws:cloudtrail/trail:Trail")[0].inputs;
      type Selector = { name?: string; fieldSelectors: { field: string; equals?: string[]; startsWiths?: string[] }[] };
      const selectors = t.advancedEventSelectors as Selector[];
      const field = (s: Selector, f: string) => s.fieldSelectors.find((x) => x.field === f);
      assert.ok(selectors.some((s) => field(s, "eventCategory")?.equals?.includes("Management") && s.fieldSelectors.length === 1), "all management events");
      const models = one(result, "aws:s3/bucket:Bucket", "-models");
      const data = selectors.find((s) => field(s, "eventCategory")?.equals?.includes("Data"));
      assert.ok(data, "a data event selector");
      assert.deepEqual(field(data, "resources.type")?.equals, ["AWS::S3::Object"]);
      assert.deepEqual(field(data, "resources.ARN")?.startsWiths, [`${models.outputs.arn}/`]);
      assert.equal(field(data, "readOnly"), undefined, "reads and writes both");
    });

    test("every log group has a customer key of the program and a CloudWatch retention", async () => {
      const { result } = await load(stack);
      const logsKey = one(result, "aws:kms/key:Key", "-keys-logs");
      const groups = ofType(result, "aws:cloudwatch/logGroup:LogGroup");
      assert.ok(groups.length >= 2);
      for (const g of groups) {
        assert.equal(g.inputs.kmsKeyId, logsKey.outputs.arn, `${g.inputs.name} kmsKeyId`);
        const days = g.inputs.retentionInDays as number;
        assert.ok((CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(days) && days > 0, `${g.inputs.name} retention ${days}`);
      }
    });

    test("log groups by data class: audit kept long, content only when enabled and briefly", async () => {
      const { result, cfg } = await load(stack);
      const groups = ofType(result, "aws:cloudwatch/logGroup:LogGroup");
      const byClass = (c: string) => groups.filter((g) => (g.inputs.tags as Record<string, string>)["log-class"] === c);
      assert.equal(byClass("audit").length + byClass("content").length, groups.length, "every group has a log class");
      // Network records (flow, firewall and DNS query logs: IP addresses) keep the network retention, 365 days under GDPR.
      const network = /\/(vpc-flow-logs|firewall\/(alert|flow)|dns\/queries)$/;
      for (const g of byClass("audit")) {
        const expected = network.test(String(g.inputs.name)) ? networkRetentionDays(cfg) : cfg.logging.auditRetentionDays;
        assert.equal(g.inputs.retentionInDays, expected, `${g.inputs.name}`);
      }
      assert.equal(byClass("audit").filter((g) => network.test(String(g.inputs.name))).length, 4, "flow, firewall alert and flow, DNS query groups");
      if (cfg.compliance.includes("gdpr")) assert.equal(networkRetentionDays(cfg), 365);
      assert.ok(cfg.logging.auditRetentionDays >= 365);
      const content = byClass("content");
      if (cfg.logging.content === "enabled") {
        assert.equal(content.length, 1);
        assert.equal(content[0].inputs.retentionInDays, cfg.logging.contentRetentionDays);
        assert.ok(cfg.logging.contentRetentionDays <= 30);
      } else {
        assert.equal(content.length, 0, "no content log group when content logging is off");
      }
    });

    test("alarms on the trail's log group publish to a topic encrypted with the audit key", async () => {
      const { result } = await load(stack);
      const topic = one(result, "aws:sns/topic:Topic", "-audit-alarms");
      assert.equal(topic.inputs.kmsMasterKeyId, one(result, "aws:kms/key:Key", "-keys-audit").outputs.arn);
      const group = one(result, "aws:cloudwatch/logGroup:LogGroup", "-audit-cloudtrail");
      const filters = ofType(result, "aws:cloudwatch/logMetricFilter:LogMetricFilter").filter((f) => f.inputs.logGroupName === group.outputs.name);
      assert.ok(filters.length >= 5);
      const alarms = ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm");
      for (const f of filters) {
        const metric = (f.inputs.metricTransformation as { name: string }).name;
        const alarm = alarms.find((a) => a.inputs.metricName === metric);
        assert.ok(alarm, `an alarm on ${metric}`);
        assert.deepEqual(alarm.inputs.alarmActions, [topic.outputs.arn]);
      }
    });
  });

  describe(`tags of ${stack}`, () => {
    test("every taggable AWS resource carries the five base tags", async () => {
      const { result, cfg } = await load(stack);
      const expected = { project: "sovereign-llm", stack, environment: cfg.environment, "data-classification": cfg.dataClassification, owner: cfg.owner };
      assert.deepEqual(Object.keys(expected).sort(), [...BASE_TAG_KEYS].sort());
      const taggable = result.registrations.filter((r) => r.custom && r.type.startsWith("aws:") && isTaggable(r.type));
      assert.ok(taggable.length > 30);
      const missing: string[] = [];
      for (const r of taggable) {
        const tags = (r.inputs.tags ?? {}) as Record<string, string>;
        for (const [k, v] of Object.entries(expected)) if (tags[k] !== v) missing.push(`${r.type} ${r.name}: ${k}=${JSON.stringify(tags[k])}`);
      }
      assert.deepEqual(missing, []);
    });
  });
}

for (const stack of STACKS) {
  test(`${stack}: audit-class log groups outlive a rename or replacement; content-class ones do not`, async () => {
    const result = (await synth)[stack];
    const groups = ofType(result, "aws:cloudwatch/logGroup:LogGroup");
    assert.ok(groups.length >= 6);
    for (const g of groups) {
      const cls = (g.inputs.tags as Record<string, string>)["log-class"];
      assert.equal(g.retainOnDelete, cls === "audit", `${g.name} (${cls}) retainOnDelete`);
    }
  });
}
