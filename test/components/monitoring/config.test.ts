/**
 * AWS Config: every committed stack records every resource type the platform declares that Config
 * can record, delivers to its own encrypted bucket with a least-privilege role, evaluates the
 * managed rules, and routes NON_COMPLIANT results to the findings alarm. In organisation mode an
 * existing recorder is judged, and a missing or partial one is refused with its gaps named.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CONFIG_TYPE_OF, managedRules, nonCompliancePattern, recordedResourceTypes, recorderFromCloudControl, recorderGaps, retentionCheckDays, ruleParameters } from "../../../components/monitoring/config-rules.js";
import { findingPatterns, severitiesFrom } from "../../../components/monitoring/findings.js";
import { NO_CHARGE, RULES } from "../../../tools/cost/rules.js";
import { STACKS, ofType, synthesizeCommitted } from "../../helpers/stacks.js";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../../tools/check/stack-file.js";

/**
 * Types the platform declares that AWS Config does not record (or records inside another item),
 * each with the reason. A new resource type must be added to CONFIG_TYPE_OF or here.
 */
const NOT_RECORDED: Record<string, string> = {
  "aws:ec2/route:Route": "recorded inside its route table's configuration item",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "recorded inside the route table's item",
  "aws:iam/rolePolicy:RolePolicy": "inline policies are part of the role's item",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "attachments are part of the role's item",
  "aws:s3/bucketPolicy:BucketPolicy": "part of the bucket's item (supplementary configuration)",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "part of the bucket's item",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "part of the bucket's item",
  "aws:s3/bucketVersioning:BucketVersioning": "part of the bucket's item",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "part of the bucket's item",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "part of the bucket's item",
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "part of the bucket's item",
  "aws:route53/resolverFirewallRule:ResolverFirewallRule": "part of its rule group's item (AWS::Route53Resolver::FirewallRuleGroup)",
  "aws:ebs/encryptionByDefault:EncryptionByDefault": "a setting of the account and region with no Config resource type; the periodic rule ec2-ebs-encryption-by-default evaluates it",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "part of the vault's item (AWS::Backup::BackupVault LockConfiguration)",
  "aws:backup/vaultPolicy:VaultPolicy": "part of the vault's item (AWS::Backup::BackupVault AccessPolicy)",
  "aws:ebs/defaultKmsKey:DefaultKmsKey": "a setting of the account and region with no Config resource type (the key itself is recorded as AWS::KMS::Key)",
};

const synth = synthesizeCommitted({ preview: false });

describe("what is recorded and evaluated", () => {
  test("every rule evaluated on change records its resource types", () => {
    const recorded = new Set(recordedResourceTypes());
    for (const r of managedRules()) for (const t of r.resourceTypes) assert.ok(recorded.has(t), `${r.id} evaluates ${t}, which the recorder does not record`);
  });
  test("rule names and identifiers are unique, and every rule serves at least one requirement", () => {
    const rules = managedRules();
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    assert.equal(new Set(rules.map((r) => r.identifier)).size, rules.length);
    for (const r of rules) assert.ok(Object.values(r.requirements).flat().length > 0, r.id);
  });
  test("the retention rule checks the audit log groups at the largest accepted value not above the audit retention", () => {
    assert.equal(retentionCheckDays(2557), 1827);
    assert.equal(retentionCheckDays(2192), 1827);
    assert.equal(retentionCheckDays(365), 365);
    assert.equal(retentionCheckDays(400), 400);
    assert.deepEqual(ruleParameters("cw-loggroup-retention-period-check", { auditLogGroupNames: ["/b", "/a"], auditRetentionDays: 2557 }), { LogGroupNames: "/a,/b", MinRetentionTime: "1827" });
  });
  test("the alarm-action rule does not demand INSUFFICIENT_DATA actions the platform never sets", () => {
    assert.equal(ruleParameters("cloudwatch-alarm-action-check", { auditLogGroupNames: [], auditRetentionDays: 1 })?.insufficientDataActionRequired, "false");
  });
});

describe("an organisation's recorder", () => {
  const required = recordedResourceTypes();
  test("absent", () => assert.match(recorderGaps(undefined, required)[0], /no configuration recorder/));
  test("recording everything", () => assert.deepEqual(recorderGaps({ allSupported: true }, required), []));
  test("an inclusion list missing types names them", () => {
    const gaps = recorderGaps({ allSupported: false, useOnly: "INCLUSION_BY_RESOURCE_TYPES", resourceTypes: ["AWS::S3::Bucket"] }, required);
    assert.equal(gaps.length, 1);
    assert.match(gaps[0], /does not record .*AWS::EKS::Cluster/);
    assert.doesNotMatch(gaps[0], /AWS::S3::Bucket/);
  });
  test("an exclusion list excluding a platform type", () => {
    assert.match(recorderGaps({ useOnly: "EXCLUSION_BY_RESOURCE_TYPES", exclusionByResourceTypes: ["AWS::CloudWatch::Alarm"] }, required)[0], /AWS::CloudWatch::Alarm/);
  });
  test("Cloud Control's document is read", () => {
    assert.deepEqual(recorderFromCloudControl(JSON.stringify({ Name: "default", RoleARN: "r" })), { allSupported: true });
    const v = recorderFromCloudControl(JSON.stringify({ RecordingGroup: { AllSupported: false, ResourceTypes: ["AWS::S3::Bucket"], RecordingStrategy: { UseOnly: "INCLUSION_BY_RESOURCE_TYPES" } } }));
    assert.deepEqual(v.resourceTypes, ["AWS::S3::Bucket"]);
  });
});

describe("findings", () => {
  test("non-compliance of this stack's rules only", () => {
    const p = nonCompliancePattern("sovereign-llm-prod") as { detail: { configRuleName: { prefix: string }[] } };
    assert.deepEqual(p.detail.configRuleName, [{ prefix: "sovereign-llm-prod-" }]);
    assert.deepEqual(findingPatterns(7, ["HIGH"], "x").map((f) => f.id), ["guardduty-finding", "inspector-image-finding", "config-noncompliant"]);
    assert.deepEqual(findingPatterns(7, ["HIGH"]).map((f) => f.id), ["guardduty-finding", "inspector-image-finding"]);
  });
  test("an Inspector threshold means that severity and every higher one", () => {
    assert.deepEqual(severitiesFrom("CRITICAL"), ["CRITICAL"]);
    assert.deepEqual(severitiesFrom("MEDIUM"), ["CRITICAL", "HIGH", "MEDIUM"]);
  });
});

test("every new resource type has a price rule or a no-charge reason", () => {
  for (const t of ["aws:cfg/recorder:Recorder", "aws:cfg/rule:Rule", "aws:cfg/deliveryChannel:DeliveryChannel", "aws:cfg/recorderStatus:RecorderStatus", "aws:cfg/retentionConfiguration:RetentionConfiguration"]) {
    assert.ok(t in RULES || t in NO_CHARGE, t);
  }
});

for (const stack of STACKS) {
  test(`${stack}: the recorder records every recordable type the stack declares, and non-compliance alarms`, async () => {
    const result = (await synth)[stack];
    const recorders = ofType(result, "aws:cfg/recorder:Recorder");
    assert.equal(recorders.length, 1);
    const group = recorders[0].inputs.recordingGroup as { allSupported: boolean; resourceTypes: string[]; recordingStrategies: { useOnly: string }[] };
    assert.equal(group.allSupported, false);
    assert.deepEqual(group.recordingStrategies, [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }]);
    const declared = [...new Set(result.registrations.map((r) => r.type).filter((t) => t.startsWith("aws:") && !t.startsWith("aws:cfg/")))];
    for (const t of declared.filter((x) => x in CONFIG_TYPE_OF)) assert.ok(group.resourceTypes.includes(CONFIG_TYPE_OF[t]), `${t} (${CONFIG_TYPE_OF[t]}) not recorded`);

    const channel = ofType(result, "aws:cfg/deliveryChannel:DeliveryChannel")[0];
    assert.ok(channel.inputs.s3KmsKeyArn, "delivered files are encrypted with a customer-managed key");
    const bucket = ofType(result, "aws:s3/bucket:Bucket").find((b) => (b.inputs.tags as Record<string, string>)["data-class"] === "config-delivery");
    assert.ok(bucket, "the delivery bucket is the stack's own");
    assert.equal(bucket.inputs.objectLockEnabled, true);
    assert.equal(ofType(result, "aws:cfg/recorderStatus:RecorderStatus")[0].inputs.isEnabled, true);

    const policy = ofType(result, "aws:iam/rolePolicy:RolePolicy").find((p) => /config-recorder-delivery/.test(p.name));
    const doc = JSON.parse(String(policy?.inputs.policy)) as { Statement: { Action: string | string[]; Resource: string }[] };
    assert.ok(doc.Statement.every((s) => s.Resource !== "*"), "delivery permissions name the bucket and key");

    const rules = ofType(result, "aws:cfg/rule:Rule");
    assert.deepEqual(rules.map((r) => (r.inputs.source as { sourceIdentifier: string }).sourceIdentifier).sort(), managedRules().map((r) => r.identifier).sort());
    const eventRules = ofType(result, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(String(r.inputs.eventPattern)) as { source: string[] });
    assert.ok(eventRules.some((p) => p.source[0] === "aws.config"), "NON_COMPLIANT results reach the findings pipeline");
    assert.ok(ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").some((a) => a.inputs.metricName === "config-noncompliant"));
  });
}

test("every AWS type of the committed stacks is either recorded or says why not", async () => {
  const all = await synth;
  const declared = new Set(STACKS.flatMap((s) => all[s].registrations.map((r) => r.type)).filter((t) => t.startsWith("aws:") && !t.startsWith("aws:cfg/")));
  const undecided = [...declared].filter((t) => !(t in CONFIG_TYPE_OF) && !(t in NOT_RECORDED) && !NOT_RECORDABLE.has(t)).sort();
  assert.deepEqual(undecided, [], "add each to CONFIG_TYPE_OF (components/monitoring/config-rules.ts) or to NOT_RECORDED here");
});

/** Types AWS Config has no resource type for (as of its supported-types list), so nothing to record. */
const NOT_RECORDABLE = new Set([
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:cloudwatch/contributorInsightRule:ContributorInsightRule",
  "aws:cloudwatch/queryDefinition:QueryDefinition",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:eks/nodeGroup:NodeGroup",
  "aws:eks/accessEntry:AccessEntry",
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  "aws:guardduty/detectorFeature:DetectorFeature",
  "aws:securityhub/account:Account",
  "aws:securityhub/standardsSubscription:StandardsSubscription",
  "aws:inspector2/enabler:Enabler",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
  "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
  "aws:networkfirewall/loggingConfiguration:LoggingConfiguration",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:route53/record:Record",
  "aws:route53/resolverFirewallConfig:ResolverFirewallConfig",
]);

describe("organisation strategy: the recorder and the registry's scanning are verified at preview", () => {
  const run = (variant: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "test", "fixtures", "detection", "config-organization-preview.ts"), variant], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
  test("a recorder of every type and continuous scanning pass", async () => {
    const r = await run("complete");
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /organization recorder aws-controltower-BaselineConfigRecorder, verified at preview/);
    assert.match(r.out, /continuous enhanced scanning verified at preview/);
  });
  test("a recorder of buckets only, or scan on push only, is refused with what is missing", async () => {
    const r = await run("partial");
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /detection\.(config|inspector) is "organization", but/);
    assert.match(r.out, /does not record .*AWS::EKS::Cluster|no continuous-scan rule covers mirror\/vllm-openai/);
  });
  test("no recorder at all is refused, naming the recorder looked for", async () => {
    const r = await run("absent");
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /no configuration recorder named "aws-controltower-BaselineConfigRecorder"|the registry has no scanning configuration/);
  });
});
