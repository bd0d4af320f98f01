/**
 * The after-deploy controls: detection services present when their strategy is `create`, the
 * required alarms present and notifying, images only from the stack's declared repositories.
 * Each has a passing case and the firing cases it exists for.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { messages, runControl, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { TAGS } from "./fixtures";
import { monitoringDetectionServices } from "../../../policy-packs/controls/monitoring-detection-services";
import { monitoringRequiredAlarms, REQUIRED_ALARMS } from "../../../policy-packs/controls/monitoring-required-alarms";
import { ecrImagesDeclaredRepositories, ecrRepositoryOf } from "../../../policy-packs/controls/ecr-images-declared-repositories";
import { recordedResourceTypes } from "../../../components/monitoring/config-rules";
import { stackPackConfig } from "../../../tools/check/pack-config";

const DETECTOR = "aws:guardduty/detector:Detector";
const FEATURE = "aws:guardduty/detectorFeature:DetectorFeature";
const RECORDER = "aws:cfg/recorder:Recorder";
const detectorUrn = urnOf(DETECTOR, "gd");

function detection(preview = false): Fixture[] {
  const feature = (name: string, additional?: string[]): Fixture => ({
    type: FEATURE,
    name: `gd-${name}`,
    props: { detectorId: preview ? UNKNOWN : "gd-id", name, status: "ENABLED", ...(additional ? { additionalConfigurations: additional.map((a) => ({ name: a, status: "ENABLED" })) } : {}) },
    propertyDependencies: { detectorId: [detectorUrn] },
  });
  return [
    { type: DETECTOR, name: "gd", props: { enable: true, tags: TAGS } },
    feature("EKS_AUDIT_LOGS"),
    feature("RUNTIME_MONITORING", ["EKS_ADDON_MANAGEMENT"]),
    feature("S3_DATA_EVENTS"),
    { type: "aws:securityhub/account:Account", name: "hub", props: { enableDefaultStandards: false } },
    { type: "aws:securityhub/standardsSubscription:StandardsSubscription", name: "nist", props: { standardsArn: "arn:aws:securityhub:us-east-1::standards/nist-800-53/v/5.0.0" } },
    { type: "aws:inspector2/enabler:Enabler", name: "inspector", props: { accountIds: ["111122223333"], resourceTypes: ["ECR"] } },
    { type: "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", name: "scanning", props: { scanType: "ENHANCED", rules: [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] } },
    { type: RECORDER, name: "rec", props: { name: "rec", roleArn: preview ? UNKNOWN : "arn:aws:iam::111122223333:role/r", recordingGroup: { allSupported: false, recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }], resourceTypes: recordedResourceTypes() } } },
    { type: "aws:cfg/deliveryChannel:DeliveryChannel", name: "ch", props: { s3BucketName: "b" } },
    { type: "aws:cfg/recorderStatus:RecorderStatus", name: "st", props: { name: "rec", isEnabled: true } },
    { type: "aws:eks/cluster:Cluster", name: "eks", props: { name: "c" } },
  ];
}
const without = (fx: Fixture[], type: string) => fx.filter((f) => f.type !== type);
const change = (fx: Fixture[], type: string, edit: (f: Fixture) => Fixture) => fx.map((f) => (f.type === type ? edit(f) : f));

describe("detection services", () => {
  test("all declared: passes, known and in preview", async () => {
    for (const preview of [false, true]) assert.deepEqual(messages(await runControl(monitoringDetectionServices, detection(preview))), []);
  });
  test("GuardDuty absent in create mode fires; in organization mode it is the program's lookup that answers", async () => {
    const fx = without(without(detection(), DETECTOR), FEATURE);
    assert.match(messages(await runControl(monitoringDetectionServices, fx))[0], /no enabled GuardDuty detector.*strategy is create/);
    assert.deepEqual(messages(await runControl(monitoringDetectionServices, fx, { guardDuty: "organization" })), []);
  });
  test("a feature off or its add-on management missing", async () => {
    const off = change(detection(), FEATURE, (f) => (f.props.name === "S3_DATA_EVENTS" ? withProps(f, { status: "DISABLED" }) : f));
    assert.deepEqual(messages(await runControl(monitoringDetectionServices, off)).map((m) => m.split(",")[0]), ["GuardDuty feature S3_DATA_EVENTS is not enabled on the detector"]);
    const noAddon = change(detection(), FEATURE, (f) => (f.props.name === "RUNTIME_MONITORING" ? withProps(f, { additionalConfigurations: [] }) : f));
    assert.match(messages(await runControl(monitoringDetectionServices, noAddon))[0], /RUNTIME_MONITORING lacks EKS_ADDON_MANAGEMENT/);
  });
  test("Config recorder absent in create mode fires; organization does not", async () => {
    const fx = without(detection(), RECORDER);
    assert.match(messages(await runControl(monitoringDetectionServices, fx))[0], /no AWS Config recorder/);
    assert.deepEqual(messages(await runControl(monitoringDetectionServices, fx, { config: "organization" })), []);
  });
  test("a recorder that misses a declared type, or is never started", async () => {
    const partial = change(detection(), RECORDER, (f) => withProps(f, { recordingGroup: { allSupported: false, resourceTypes: ["AWS::S3::Bucket"] } }));
    assert.match(messages(await runControl(monitoringDetectionServices, partial))[0], /does not record AWS::GuardDuty::Detector, AWS::EKS::Cluster, which the stack declares/);
    const stopped = change(detection(), "aws:cfg/recorderStatus:RecorderStatus", (f) => withProps(f, { isEnabled: false }));
    assert.match(messages(await runControl(monitoringDetectionServices, stopped))[0], /never started/);
  });
  test("Inspector off for ECR, or the registry on basic scanning, in create mode fires; organization does not", async () => {
    const off = without(detection(), "aws:inspector2/enabler:Enabler");
    assert.match(messages(await runControl(monitoringDetectionServices, off))[0], /Inspector is not enabled for ECR/);
    const basic = change(detection(), "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", (f) => withProps(f, { scanType: "BASIC" }));
    assert.match(messages(await runControl(monitoringDetectionServices, basic))[0], /not set to continuous enhanced scanning/);
    assert.deepEqual(messages(await runControl(monitoringDetectionServices, basic, { inspector: "organization" })), []);
  });
  test("Security Hub without the NIST standard", async () => {
    const fx = without(detection(), "aws:securityhub/standardsSubscription:StandardsSubscription");
    assert.match(messages(await runControl(monitoringDetectionServices, fx))[0], /NIST SP 800-53 rev 5/);
  });
});

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
function alarms(preview = false): Fixture[] {
  const action = [preview ? UNKNOWN : "arn:aws:sns:us-east-1:111122223333:alarms"];
  return [{ type: "aws:eks/cluster:Cluster", name: "eks", props: { name: "c" } }, ...REQUIRED_ALARMS.map((id): Fixture =>
    id.endsWith("-by-client") || id.endsWith("-by-principal")
      ? { type: ALARM, name: `m-${id}`, props: { metricQueries: [{ id: "top", expression: `INSIGHT_RULE_METRIC("stack-${id}", "MaxContributorValue")` }], alarmActions: action } }
      : { type: ALARM, name: `m-${id}`, props: { metricName: id, alarmActions: action } },
  )];
}

describe("required alarms", () => {
  test("every required alarm present and notifying: passes, known and in preview", async () => {
    for (const preview of [false, true]) assert.deepEqual(messages(await runControl(monitoringRequiredAlarms, alarms(preview))), []);
  });
  test("a stack that does not run the platform (no cluster) is not judged", async () => {
    assert.deepEqual(messages(await runControl(monitoringRequiredAlarms, alarms().filter((a) => a.name !== "eks" && a.name !== "m-auth-failures"))), []);
    assert.deepEqual(messages(await runControl(monitoringDetectionServices, [{ type: ALARM, name: "x", props: {} }])), []);
  });
  test("an alarm removed fires, naming what is no longer watched", async () => {
    const fx = alarms().filter((a) => a.name !== "m-auth-failures" && a.name !== "m-denials-by-principal");
    assert.deepEqual(messages(await runControl(monitoringRequiredAlarms, fx)), ["no alarm watches auth-failures: it was removed, or its metric renamed", "no alarm watches denials-by-principal: it was removed, or its metric renamed"]);
  });
  test("an alarm with no action, or actions disabled, notifies nobody", async () => {
    const silent = alarms().map((a) => (a.name === "m-pod-exec" ? withProps(a, { alarmActions: [] }) : a.name === "m-secret-read" ? withProps(a, { actionsEnabled: false }) : a));
    assert.deepEqual(messages(await runControl(monitoringRequiredAlarms, silent)), ["the alarm on pod-exec notifies nobody (no alarm action, or actions disabled)", "the alarm on secret-read notifies nobody (no alarm action, or actions disabled)"]);
  });
  test("the stack file adds the per-model volume alarms and, without egress, the egress alarm", async () => {
    const implied = stackPackConfig({ "sovereign-llm:models": JSON.stringify([{ name: "m1" }]), "sovereign-llm:egress": JSON.stringify({ mode: "none" }) }, {}) as Record<string, { requiredAlarms: string[] }>;
    const required = implied["sovereign-llm-monitoring-required-alarms"].requiredAlarms;
    assert.deepEqual(required.slice(-2), ["egress-attempt", "requests-m1"]);
    assert.deepEqual(messages(await runControl(monitoringRequiredAlarms, alarms(), { requiredAlarms: required })), ["no alarm watches egress-attempt: it was removed, or its metric renamed", "no alarm watches requests-m1: it was removed, or its metric renamed"]);
    const allow = stackPackConfig({ "sovereign-llm:models": "[]", "sovereign-llm:egress": JSON.stringify({ mode: "allowlist" }) }, {});
    assert.equal(allow["sovereign-llm-monitoring-required-alarms"], undefined);
  });
  test("organization strategies reach the detection policy; an explicit file wins", () => {
    const cfg = stackPackConfig({ "sovereign-llm:detection": JSON.stringify({ guardDuty: "organization", config: "create" }) }, {}) as Record<string, Record<string, string>>;
    assert.deepEqual(cfg["sovereign-llm-monitoring-detection-services"], { guardDuty: "organization" });
    const explicit = stackPackConfig({ "sovereign-llm:detection": JSON.stringify({ guardDuty: "organization" }) }, { "sovereign-llm-monitoring-detection-services": { guardDuty: "create" } }) as Record<string, Record<string, string>>;
    assert.deepEqual(explicit["sovereign-llm-monitoring-detection-services"], { guardDuty: "create" });
  });
});

const REPO = "aws:ecr/repository:Repository";
const IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm-openai@sha256:" + "a".repeat(64);
function workloads(image = IMAGE, preview = false): Fixture[] {
  return [
    { type: REPO, name: "repo", props: { name: preview ? UNKNOWN : "mirror/vllm-openai" } },
    { type: "aws:ecr/pullThroughCacheRule:PullThroughCacheRule", name: "cache", props: { ecrRepositoryPrefix: "k8s", upstreamRegistryUrl: "registry.k8s.io" } },
    { type: "kubernetes:apps/v1:Deployment", name: "vllm", props: { spec: { template: { spec: { containers: [{ name: "vllm", image }] } } } } },
  ];
}

describe("images from declared repositories", () => {
  test("declared repository or cache prefix: passes", async () => {
    assert.deepEqual(messages(await runControl(ecrImagesDeclaredRepositories, workloads())), []);
    assert.deepEqual(messages(await runControl(ecrImagesDeclaredRepositories, workloads("111122223333.dkr.ecr.us-east-1.amazonaws.com/k8s/autoscaling/cluster-autoscaler@sha256:" + "b".repeat(64)))), []);
  });
  test("another repository of the same registry fires", async () => {
    const m = messages(await runControl(ecrImagesDeclaredRepositories, workloads(IMAGE.replace("mirror/vllm-openai", "unreviewed/vllm-openai"))));
    assert.equal(m.length, 1);
    assert.match(m[0], /ECR repository unreviewed\/vllm-openai, which the stack does not declare \(declared: mirror\/vllm-openai\)/);
  });
  test("a public registry fires", async () => {
    assert.match(messages(await runControl(ecrImagesDeclaredRepositories, workloads("docker.io/vllm/vllm-openai@sha256:" + "c".repeat(64))))[0], /not in an ECR registry/);
  });
  test("repositories unknown in preview: undecided, not a violation", async () => {
    const out = await runControl(ecrImagesDeclaredRepositories, workloads(IMAGE.replace("mirror/", "other/"), true));
    assert.deepEqual(out.violations, []);
  });
  test("the repository of an ECR reference", () => {
    assert.equal(ecrRepositoryOf(IMAGE), "mirror/vllm-openai");
    assert.equal(ecrRepositoryOf("public.ecr.aws/aws-cli/aws-cli:2"), undefined);
  });
});
