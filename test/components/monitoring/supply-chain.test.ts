/**
 * Supply chain and findings: every committed stack declares the ECR repositories its images come
 * from (immutable tags, KMS, lifecycle), pull-through cache rules, continuous Inspector scanning,
 * and routes high-severity GuardDuty findings and image vulnerabilities to an alarm.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { KEEP_IMAGES, PULL_THROUGH_UPSTREAMS, lifecyclePolicy, ownRepository } from "../../../components/registry/image-supply-chain.js";
import { findingPatterns } from "../../../components/monitoring/findings.js";
import { STACKS, ofType, one, settingsOf, synthesizeCommitted } from "../../helpers/stacks.js";

describe("which images are the stack's own", () => {
  const digest = "@sha256:" + "a".repeat(64);
  test("this region's ECR, by path", () => {
    assert.equal(ownRepository(`777788889999.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm-openai${digest}`, "us-east-1"), "mirror/vllm-openai");
    assert.equal(ownRepository(`777788889999.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm-openai${digest}`, "us-east-1", "777788889999"), "mirror/vllm-openai");
  });
  test("another region, another account, another registry, or a pull-through cache path are not", () => {
    assert.equal(ownRepository(`777788889999.dkr.ecr.eu-central-1.amazonaws.com/mirror/vllm-openai${digest}`, "us-east-1"), undefined);
    assert.equal(ownRepository(`111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm-openai${digest}`, "us-east-1", "777788889999"), undefined);
    assert.equal(ownRepository(`docker.io/vllm/vllm-openai${digest}`, "us-east-1"), undefined);
    assert.equal(ownRepository(`777788889999.dkr.ecr.us-east-1.amazonaws.com/k8s/autoscaling/cluster-autoscaler${digest}`, "us-east-1"), undefined);
  });
  test("lifecycle: untagged images expire, the newest are kept", () => {
    const rules = (JSON.parse(lifecyclePolicy()) as { rules: { selection: { tagStatus: string; countType: string; countNumber: number } }[] }).rules;
    assert.deepEqual(rules.map((r) => r.selection.tagStatus), ["untagged", "any"]);
    assert.equal(rules[1].selection.countNumber, KEEP_IMAGES);
  });
});

describe("finding patterns", () => {
  test("GuardDuty from severity 7 (high); Inspector HIGH and CRITICAL, active only", () => {
    const [gd, insp] = findingPatterns(7, ["CRITICAL", "HIGH"]);
    assert.deepEqual(gd.pattern, { source: ["aws.guardduty"], "detail-type": ["GuardDuty Finding"], detail: { severity: [{ numeric: [">=", 7] }] } });
    assert.deepEqual((insp.pattern as { detail: { severity: string[]; status: string[] } }).detail.severity, ["CRITICAL", "HIGH"]);
    assert.deepEqual((insp.pattern as { detail: { status: string[] } }).detail.status, ["ACTIVE"]);
  });
});

const synth = synthesizeCommitted({ preview: false });

for (const stack of STACKS) {
  describe(`supply chain of ${stack}`, () => {
    test("a repository for every image from this region's ECR: immutable tags, KMS, scan on push, lifecycle", async () => {
      const result = (await synth)[stack];
      const { cfg, region } = await settingsOf(stack);
      const images = [cfg.serving.vllmImage, cfg.serving.verifierImage, cfg.serving.logShipperImage, cfg.gateway.image, cfg.cluster.autoscalerImage, ...(cfg.cluster.keda ? [cfg.cluster.keda.operatorImage, cfg.cluster.keda.metricsServerImage] : [])];
      const expected = [...new Set(images.map((i) => ownRepository(i, region)).filter((r): r is string => r !== undefined))].sort();
      const repos = ofType(result, "aws:ecr/repository:Repository");
      assert.deepEqual(repos.map((r) => r.inputs.name).sort(), expected);
      assert.ok(expected.length > 0);
      for (const r of repos) {
        assert.equal(r.inputs.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(r.inputs.encryptionConfigurations, [{ encryptionType: "KMS" }]);
        assert.deepEqual(r.inputs.imageScanningConfiguration, { scanOnPush: true });
      }
      assert.equal(ofType(result, "aws:ecr/lifecyclePolicy:LifecyclePolicy").length, repos.length);
    });
    test("pull-through cache rules and continuous Inspector scanning of every repository", async () => {
      const result = (await synth)[stack];
      assert.deepEqual(ofType(result, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule").map((r) => r.inputs.upstreamRegistryUrl).sort(), PULL_THROUGH_UPSTREAMS.map((u) => u.upstream).sort());
      const template = one(result, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "-images-cache-template");
      assert.equal(template.inputs.imageTagMutability, "IMMUTABLE");
      const scanning = one(result, "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "-images-scanning");
      assert.equal(scanning.inputs.scanType, "ENHANCED");
      assert.deepEqual(scanning.inputs.rules, [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }]);
      const enabler = one(result, "aws:inspector2/enabler:Enabler", "-images-inspector");
      assert.deepEqual(enabler.inputs.resourceTypes, ["ECR"]);
    });
    test("findings reach the alarm topic through an encrypted audit log group EventBridge may write to", async () => {
      const result = (await synth)[stack];
      const topic = one(result, "aws:sns/topic:Topic", "-audit-alarms");
      const group = one(result, "aws:cloudwatch/logGroup:LogGroup", "-findings-log");
      assert.ok(group.inputs.kmsKeyId);
      const targets = ofType(result, "aws:cloudwatch/eventTarget:EventTarget").filter((t) => t.name.includes("-findings-"));
      assert.equal(targets.length, 3);
      for (const t of targets) assert.equal(t.inputs.arn, group.outputs.arn);
      const policy = JSON.parse(String(one(result, "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "-findings-events").inputs.policyDocument));
      assert.deepEqual(policy.Statement[0].Principal.Service, ["events.amazonaws.com", "delivery.logs.amazonaws.com"]);
      assert.match(policy.Statement[0].Resource, /log-group:\/sovereign-llm\/[a-z-]+\/findings:\*$/);
      for (const id of ["guardduty-finding", "inspector-image-finding", "config-noncompliant"]) {
        const alarm = one(result, "aws:cloudwatch/metricAlarm:MetricAlarm", `-findings-${id}`);
        assert.deepEqual(alarm.inputs.alarmActions, [topic.outputs.arn]);
      }
    });
  });
}
