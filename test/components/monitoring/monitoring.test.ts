/**
 * Monitoring after deploy: each metric filter matches the log lines it is meant for (the
 * gateway's real audit record shape, CloudTrail and EKS audit events) and not the others; every
 * committed stack declares the alarms, the dashboard and the queries, and every alarm reaches the
 * alarm topic; a prod stack without an alarm subscriber is refused.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AuditRecord } from "../../../services/gateway/src/audit.js";
import { DEFAULT_THRESHOLDS, SAVED_QUERIES, gatewaySignals, modelReadSignal, securitySignals, type Signal } from "../../../components/monitoring/signals.js";
import { dashboardBody } from "../../../components/monitoring/platform-monitoring.js";
import { matchesFilterPattern } from "../../helpers/filter-pattern.js";
import { STACKS, ofType, one, rawConfig, settingsOf, synthesizeCommitted, yamlConfig } from "../../helpers/stacks.js";
import { ConfigError, parseStackConfig } from "../../../infra/config.js";

function audit(over: Partial<AuditRecord>): AuditRecord {
  return {
    time: "2026-11-27T10:00:00.000Z",
    requestId: "r-1",
    clientRequestId: null,
    principal: { kind: "oidc", id: "alice", groups: ["clinical-staff"] },
    route: "/v1/chat/completions",
    method: "POST",
    model: "llama-3-1-8b-instruct",
    status: 200,
    decision: "allowed",
    reasons: [],
    stream: false,
    tokens: { prompt: 512, completion: 256, total: 768 },
    latencyMs: { total: 850, upstream: 840, gateway: 10 },
    promptSha256: "0".repeat(64),
    inputGuard: { source: "builtin", score: 0 },
    redactions: {},
    clientAddress: "10.200.1.5",
    ...over,
  };
}

const gw = Object.fromEntries(gatewaySignals(DEFAULT_THRESHOLDS).map((s) => [s.id, s])) as Record<string, Signal>;
const sec = Object.fromEntries(securitySignals({ noEgress: true }).map((s) => [s.id, s])) as Record<string, Signal>;
const m = (s: Signal, e: unknown) => matchesFilterPattern(s.pattern, e);

describe("gateway signals match the audit lines they are for", () => {
  const ok = audit({});
  const unauthenticated = audit({ principal: null, status: 401, decision: "denied", reasons: ["missing_credentials"], model: null, tokens: { prompt: null, completion: null, total: null } });
  const denied = audit({ status: 404, decision: "denied", reasons: ["model_not_allowed"] });
  const blocked = audit({ status: 400, decision: "blocked", reasons: ["prompt_injection", "instruction_override"] });
  const flagged = audit({ decision: "flagged", reasons: ["prompt_injection"] });
  const limited = audit({ status: 429, decision: "rate_limited", reasons: ["requests_per_minute"] });
  const redacted = audit({ redactions: { email: 2 } });
  const custom = audit({ redactions: { mrn: 1 } });
  const upstream = audit({ status: 504, decision: "error", reasons: ["upstream_timeout"] });
  const all = [ok, unauthenticated, denied, blocked, flagged, limited, redacted, custom, upstream];
  const matching = (s: Signal) => all.filter((e) => m(s, e));

  test("failed authentication: only the 401", () => assert.deepEqual(matching(gw["auth-failures"]), [unauthenticated]));
  test("authorisation denial: only the model the principal may not use", () => assert.deepEqual(matching(gw["authz-denials"]), [denied]));
  test("prompt injection: blocked and flagged", () => assert.deepEqual(matching(gw["injection-blocks"]), [blocked, flagged]));
  test("rate limiting", () => assert.deepEqual(matching(gw["rate-limited"]), [limited]));
  test("redactions by built-in detectors; configured patterns only when named", () => {
    assert.deepEqual(matching(gw.redactions), [redacted]);
    const withMrn = gatewaySignals(DEFAULT_THRESHOLDS, ["email", "mrn"]).find((s) => s.id === "redactions")!;
    assert.deepEqual(matching(withMrn), [redacted, custom]);
  });
  test("upstream errors and time-outs", () => assert.deepEqual(matching(gw["upstream-errors"]), [upstream]));
  test("latency is measured on every line that has one", () => {
    assert.equal(gw["latency-p99"].value, "$.latencyMs.total");
    assert.equal(matching(gw["latency-p99"]).length, all.length);
  });
});

describe("security signals match CloudTrail, EKS audit and firewall events", () => {
  test("any firewall alert in a no-egress stack; none in an allow-list stack", () => {
    assert.ok(m(sec["egress-attempt"], { firewall_name: "fw", event: { event_type: "alert", dest_ip: "203.0.113.9", alert: { action: "blocked" } } }));
    assert.ok(!m(sec["egress-attempt"], { event: { event_type: "netflow" } }));
    assert.equal(securitySignals({ noEgress: false }).find((s) => s.id === "egress-attempt"), undefined);
  });
  test("kubectl exec into a pod, not a plain get of the pod", () => {
    assert.ok(m(sec["pod-exec"], { verb: "create", objectRef: { resource: "pods", subresource: "exec", namespace: "inference" }, user: { username: "alice" } }));
    assert.ok(!m(sec["pod-exec"], { verb: "get", objectRef: { resource: "pods", namespace: "inference" }, user: { username: "alice" } }));
  });
  test("a person reading a Secret; not the kubelet or an EKS controller", () => {
    assert.ok(m(sec["secret-read"], { verb: "get", objectRef: { resource: "secrets" }, user: { username: "arn:aws:sts::777788889999:assumed-role/sre/bob" } }));
    assert.ok(!m(sec["secret-read"], { verb: "get", objectRef: { resource: "secrets" }, user: { username: "system:node:ip-10-30-1-5.ec2.internal" } }));
    assert.ok(!m(sec["secret-read"], { verb: "list", objectRef: { resource: "secrets" }, user: { username: "eks:addon-manager" } }));
    assert.ok(!m(sec["secret-read"], { verb: "get", objectRef: { resource: "configmaps" }, user: { username: "bob" } }));
  });
  test("firewall, endpoint and key-policy changes", () => {
    assert.ok(m(sec["firewall-changed"], { eventSource: "network-firewall.amazonaws.com", eventName: "UpdateFirewallPolicy" }));
    assert.ok(!m(sec["firewall-changed"], { eventSource: "network-firewall.amazonaws.com", eventName: "DescribeFirewall" }));
    assert.ok(m(sec["endpoint-changed"], { eventSource: "ec2.amazonaws.com", eventName: "ModifyVpcEndpoint" }));
    assert.ok(m(sec["key-policy-changed"], { eventSource: "kms.amazonaws.com", eventName: "PutKeyPolicy" }));
    assert.ok(!m(sec["key-policy-changed"], { eventSource: "kms.amazonaws.com", eventName: "Decrypt" }));
  });
  test("model-store reads by anyone but the model servers and publishers", () => {
    const s = modelReadSignal("models-bucket", ["arn:aws:iam::1:role/vllm-a", "arn:aws:iam::1:role/admin"]);
    const read = (issuer: string, bucket = "models-bucket") => ({
      eventSource: "s3.amazonaws.com",
      eventName: "GetObject",
      requestParameters: { bucketName: bucket, key: "llama/model.safetensors" },
      userIdentity: { type: "AssumedRole", sessionContext: { sessionIssuer: { arn: issuer } } },
    });
    assert.ok(!m(s, read("arn:aws:iam::1:role/vllm-a")));
    assert.ok(!m(s, read("arn:aws:iam::1:role/admin")));
    assert.ok(m(s, read("arn:aws:iam::1:role/gateway")));
    assert.ok(!m(s, read("arn:aws:iam::1:role/gateway", "other-bucket")));
    assert.ok(s.pattern.length <= 1024, "CloudWatch limits filter patterns to 1024 characters");
  });
});

describe("saved queries and dashboard", () => {
  test("the reviews an auditor expects", () => {
    assert.deepEqual(SAVED_QUERIES.map((q) => q.id).sort(), ["failed-access-by-principal", "injection-attempts", "key-and-trail-admin", "model-usage-by-principal"]);
  });
  test("the dashboard shows traffic per model, tokens, latency, decisions, health and every alarm", () => {
    const body = dashboardBody("SovereignLLM/prod", "us-east-1", ["a", "b"], ["arn:1", "arn:2"]);
    const titles = body.widgets.map((w) => (w as { properties: { title: string } }).properties.title);
    assert.deepEqual(titles, ["Requests per model", "Tokens (prompt + completion)", "Gateway latency (ms)", "Guard and access decisions", "Model server health (errors and time-outs seen by the gateway)", "Alarms"]);
    assert.deepEqual((body.widgets[5] as { properties: { alarms: string[] } }).properties.alarms, ["arn:1", "arn:2"]);
  });
});

describe("configuration", () => {
  const problems = (change: (c: Record<string, any>) => void, stack = "prod") => {
    const c = yamlConfig(stack);
    change(c);
    const { raw, region } = rawConfig(c);
    try {
      parseStackConfig(raw, region);
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };
  test("a prod stack with no alarm subscriber is refused, naming the key and the fix", () => {
    const p = problems((c) => (c["sovereign-llm:logging"].alarmEmails = []));
    assert.ok(p.some((x) => x.startsWith("sovereign-llm:logging.alarmEmails") && /at least one alarm subscriber/.test(x)), p.join("\n"));
  });
  test("dev may run without subscribers", () => {
    assert.deepEqual(problems(() => undefined, "dev"), []);
  });
  test("thresholds must be positive numbers", () => {
    const p = problems((c) => (c["sovereign-llm:monitoring"] = { thresholds: { authFailures: 0, latencyP99Ms: "fast" } }));
    assert.ok(p.some((x) => x.startsWith("sovereign-llm:monitoring.thresholds.authFailures")), p.join("\n"));
    assert.ok(p.some((x) => x.startsWith("sovereign-llm:monitoring.thresholds.latencyP99Ms")), p.join("\n"));
  });
});

const synth = synthesizeCommitted({ preview: false });

for (const stack of STACKS) {
  describe(`monitoring of ${stack}`, () => {
    test("every signal has a filter on the right log group and an alarm that notifies the alarm topic", async () => {
      const result = (await synth)[stack];
      const { cfg } = await settingsOf(stack);
      const topic = one(result, "aws:sns/topic:Topic", "-audit-alarms");
      const filters = ofType(result, "aws:cloudwatch/logMetricFilter:LogMetricFilter").filter((r) => r.name.includes("-monitoring-"));
      const alarms = ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) => r.name.includes("-monitoring-"));
      const expected = [...gatewaySignals(DEFAULT_THRESHOLDS), ...securitySignals({ noEgress: cfg.egress.mode === "none" })].map((s) => s.id).concat("model-store-foreign-read");
      for (const id of expected) {
        assert.ok(filters.some((f) => f.name.endsWith(`-monitoring-${id}`)), `${stack}: no filter for ${id}`);
        assert.ok(alarms.some((a) => a.name.endsWith(`-monitoring-${id}`)), `${stack}: no alarm for ${id}`);
      }
      const gatewayGroup = one(result, "aws:cloudwatch/logGroup:LogGroup", "-audit-gateway");
      assert.equal(one(result, "aws:cloudwatch/logMetricFilter:LogMetricFilter", "-monitoring-auth-failures").inputs.logGroupName, gatewayGroup.outputs.name);
      for (const a of alarms) {
        assert.deepEqual(a.inputs.alarmActions, [topic.outputs.arn], `${a.name}: alarm action`);
        assert.deepEqual(a.inputs.okActions, [topic.outputs.arn], `${a.name}: ok action`);
      }
      // One anomaly-detection alarm per model, on the model's request volume.
      for (const model of cfg.models) {
        const a = one(result, "aws:cloudwatch/metricAlarm:MetricAlarm", `-monitoring-volume-${model.name}`);
        assert.equal(a.inputs.thresholdMetricId, "band");
      }
      assert.equal(ofType(result, "aws:cloudwatch/contributorInsightRule:ContributorInsightRule").length, 2);
      assert.equal(ofType(result, "aws:cloudwatch/queryDefinition:QueryDefinition").length, SAVED_QUERIES.length);
      assert.equal(ofType(result, "aws:cloudwatch/dashboard:Dashboard").length, 1);
    });
    test("the model-store read alarm exempts exactly the model servers' roles and the admins", async () => {
      const result = (await synth)[stack];
      const { cfg } = await settingsOf(stack);
      const pattern = String(one(result, "aws:cloudwatch/logMetricFilter:LogMetricFilter", "-monitoring-model-store-foreign-read").inputs.pattern);
      for (const arn of cfg.access.adminRoleArns) assert.ok(pattern.includes(`!= "${arn}"`));
      assert.equal((pattern.match(/sessionIssuer\.arn !=/g) ?? []).length, cfg.access.adminRoleArns.length + cfg.models.length);
      assert.ok(pattern.length <= 1024);
    });
  });
}
