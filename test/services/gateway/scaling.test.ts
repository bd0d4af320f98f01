// The autoscaler's metrics source: the gateway reads every replica's queue over mutual TLS and
// serves the model's totals on its ops port, plus the requests it could not place at all.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { ScalingSource, sumMetric } from "../../../services/gateway/src/scaling.js";
import { makeTestPki, type TestPki } from "../../../services/gateway/test-support/certs.js";
import { FakeUpstream } from "../../../services/gateway/test-support/fake-upstream.js";
import { API_KEY, call, opsGet, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

/** What vLLM serves on /metrics (abridged): gauges per engine, labelled with the served model name. */
function vllmMetrics(model: string, waiting: number, running: number): string {
  return [
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running{engine="0",model_name="${model}"} ${running}.0`,
    `vllm:num_requests_running{engine="0",model_name="other-model"} 40.0`,
    "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting{engine="0",model_name="${model}"} ${waiting}.0`,
    `vllm:num_requests_waiting_by_reason{engine="0",model_name="${model}",reason="capacity"} 99.0`,
    `vllm:num_requests_waiting{engine="0",model_name="other-model"} 50.0`,
    "",
  ].join("\n");
}

describe("sumMetric", () => {
  it("sums one model's series of one metric and ignores other models and longer metric names", () => {
    assert.equal(sumMetric(vllmMetrics("m", 3, 2), "vllm:num_requests_waiting", "m"), 3);
    assert.equal(sumMetric(vllmMetrics("m", 3, 2), "vllm:num_requests_running", "m"), 2);
    assert.equal(sumMetric(vllmMetrics("m", 3, 2), "vllm:num_requests_waiting", "absent"), 0);
    assert.equal(sumMetric('vllm:num_requests_waiting{model_name="a\\"b"} 7\n', "vllm:num_requests_waiting", 'a"b'), 7);
  });
});

describe("ScalingSource", () => {
  let pki: TestPki;
  const replicas: FakeUpstream[] = [];
  let agent: Agent;

  before(async () => {
    pki = makeTestPki();
    const a = new FakeUpstream(pki);
    const port = await a.start("127.0.0.1");
    const b = new FakeUpstream(pki);
    await b.start("127.0.0.2", port);
    a.behaviour = { metrics: vllmMetrics("served-name", 3, 2) };
    b.behaviour = { metrics: vllmMetrics("served-name", 4, 6) };
    replicas.push(a, b);
    agent = new Agent({ ca: readFileSync(pki.caFile), cert: readFileSync(pki.clientCertFile), key: readFileSync(pki.clientKeyFile), keepAlive: true });
  });
  after(async () => {
    agent.destroy();
    for (const r of replicas) await r.stop();
  });

  const source = (resolve: (h: string) => Promise<string[]>, extra: { serverName?: string } = {}) =>
    new ScalingSource([{ id: "m", servedName: "served-name", upstream: `https://localhost:${replicas[0]!.port}`, replicasHost: "replicas.test", ...extra }], {
      agent: () => agent,
      resolve,
      cacheMs: 0,
    });

  it("sums the queue of every replica the headless Service lists, each over mutual TLS", async () => {
    const d = await source(async (h) => (assert.equal(h, "replicas.test"), ["127.0.0.1", "127.0.0.2"])).demand("m");
    assert.deepEqual(d, { model: "m", replicas: 2, unreachable: 0, waiting: 7, running: 8, unserved: 0, queue: 7, active: 15 });
    for (const r of replicas) assert.equal(r.requests.at(-1)?.clientCertSubject, "gateway", "the gateway presented its client certificate");
  });

  it("does not count a replica whose certificate does not carry the Service's name", async () => {
    const d = await source(async () => ["127.0.0.1"], { serverName: "vllm-other.inference.svc" }).demand("m");
    assert.equal(d.replicas, 0);
    assert.equal(d.unreachable, 1);
    assert.equal(d.waiting, 0);
  });

  it("with no replica in DNS (scaled to zero) reports only the requests it could not place, within the window", async () => {
    let now = 1_000_000;
    const s = new ScalingSource([{ id: "m", servedName: "served-name", upstream: "https://localhost:1" }], {
      agent: () => agent,
      resolve: async () => {
        throw Object.assign(new Error("queryA ENOTFOUND"), { code: "ENOTFOUND" });
      },
      cacheMs: 0,
      unservedWindowMs: 60_000,
      now: () => now,
    });
    s.recordUnserved("m");
    s.recordUnserved("m");
    assert.deepEqual(await s.demand("m"), { model: "m", replicas: 0, unreachable: 0, waiting: 0, running: 0, unserved: 2, queue: 2, active: 2 });
    now += 61_000;
    assert.equal((await s.demand("m")).active, 0);
  });
});

describe("GET /scaling/<model> on the ops port", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    h.upstream.behaviour = { metrics: vllmMetrics("meta-llama/Llama-3.1-8B-Instruct", 5, 1) };
  });
  after(() => h.close());

  it("answers a configured model's totals (labelled with its upstream name) and 404 for anything else", async () => {
    const r = await opsGet(h.opsPort, "/scaling/llama-3.1-8b");
    assert.equal(r.status, 200);
    const d = JSON.parse(r.text);
    assert.equal(d.waiting, 5);
    assert.equal(d.running, 1);
    assert.equal(d.replicas, 1);
    assert.equal((await opsGet(h.opsPort, "/scaling/not-a-model")).status, 404);
  });

  it("counts a request that found no replica as demand", async () => {
    await h.upstream.stop();
    const r = await call(h, "POST", "/v1/chat/completions", {
      token: API_KEY,
      body: { model: "llama-flag", messages: [{ role: "user", content: "hello" }], max_tokens: 5 },
    });
    assert.equal(r.status, 502);
    const d = JSON.parse((await opsGet(h.opsPort, "/scaling/llama-flag")).text);
    assert.equal(d.unserved, 1);
    assert.equal(d.active, 1);
    assert.equal(d.replicas, 0);
  });
});
