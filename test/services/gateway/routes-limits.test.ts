// Routes, limits, rate limiting, upstream mutual TLS and error hygiene, over real HTTPS.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { API_KEY, call, opsGet, parseSse, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const chat = (extra: Record<string, unknown> = {}) => ({ model: "llama-3.1-8b", messages: [{ role: "user", content: "Hello there" }], ...extra });

describe("gateway routes and limits", () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness((c) => {
      c.upstream.apiKeyFile = undefined;
    });
    token = await h.token();
  });
  after(async () => h.close());

  test("only the four OpenAI routes exist; vLLM's unguarded routes are 404 even when authenticated", async () => {
    const before = h.upstream.requests.length;
    const paths = ["/invocations", "/tokenize", "/detokenize", "/pooling", "/score", "/v1/score", "/rerank", "/v1/rerank", "/classify", "/metrics", "/health", "/ping", "/version",
      "/v1/chat/completions/", "//v1/chat/completions", "/v1/../tokenize", "/V1/chat/completions", "/v1/audio/transcriptions", "/v1/responses", "/load", "/"];
    for (const p of paths) {
      for (const method of ["GET", "POST"]) {
        const r = await call(h, method, p, { token, body: method === "POST" ? chat() : undefined });
        assert.equal(r.status, 404, `${method} ${p} -> ${r.status}`);
        assert.equal(r.json().error.type, "not_found_error");
      }
    }
    assert.equal(h.upstream.requests.length, before, "no unknown route reached the model server");
    const r = await call(h, "GET", "/v1/chat/completions", { token });
    assert.equal(r.status, 405);
    assert.equal(r.headers["allow"], "POST");
  });

  test("non-streamed chat and completions go through mutual TLS with the upstream model name, never the client's token", async () => {
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: chat() });
    assert.equal(r.status, 200, r.text);
    const body = r.json();
    assert.equal(body.model, "llama-3.1-8b", "the client sees its own model id");
    assert.equal(body.choices[0].message.content, "Echo: Hello there");
    const seen = h.upstream.requests.at(-1)!;
    assert.equal(seen.path, "/v1/chat/completions");
    assert.equal(seen.clientCertSubject, "gateway", "the gateway presented its client certificate");
    assert.equal(seen.body?.["model"], "meta-llama/Llama-3.1-8B-Instruct");
    assert.equal(seen.body?.["max_tokens"], 512, "max_tokens made explicit");
    assert.equal(seen.headers["authorization"], undefined, "the client's bearer token is not forwarded");
    assert.equal(seen.headers["x-request-id"], r.headers["x-request-id"]);

    const c = await call(h, "POST", "/v1/completions", { token, body: { model: "llama-3.1-8b", prompt: "Say hi" } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json().choices[0].text, "Echo: Say hi");
  });

  test("streaming chat relays well-formed SSE and hides the usage chunk the gateway asked for", async () => {
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: chat({ stream: true }) });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^text\/event-stream/);
    const sse = parseSse(r.text);
    assert.ok(sse.wellFormed, r.text);
    assert.equal(sse.content, "Echo: Hello there");
    assert.equal(sse.events.at(-1), "[DONE]");
    assert.ok(sse.events.every((e) => e === "[DONE]" || (e["choices"] as unknown[]).length > 0), "no usage-only chunk");
    assert.equal(h.upstream.requests.at(-1)!.body?.["stream_options"] && (h.upstream.requests.at(-1)!.body!["stream_options"] as any).include_usage, true);
    const withUsage = parseSse((await call(h, "POST", "/v1/chat/completions", { token, body: chat({ stream: true, stream_options: { include_usage: true } }) })).text);
    assert.ok(withUsage.events.some((e) => e !== "[DONE]" && e["usage"] && (e["choices"] as unknown[]).length === 0), "kept when the client asked");
  });

  test("embeddings, and a model that does not serve the route", async () => {
    const r = await call(h, "POST", "/v1/embeddings", { token, body: { model: "embed", input: ["a", "b"] } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().data.length, 2);
    const wrong = await call(h, "POST", "/v1/embeddings", { token, body: { model: "llama-3.1-8b", input: "a" } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json().error.code, "route_not_supported");
  });

  test("limits: body size, max_tokens, n, best_of, messages, embedding inputs, content type, JSON, token-level output", async () => {
    const cases: [string, Record<string, unknown> | string, number, string][] = [
      ["/v1/chat/completions", chat({ max_tokens: 513 }), 400, "max_tokens_exceeded"],
      ["/v1/chat/completions", chat({ max_completion_tokens: 10_000 }), 400, "max_tokens_exceeded"],
      ["/v1/chat/completions", chat({ max_tokens: 0 }), 400, "invalid_request"],
      ["/v1/chat/completions", chat({ n: 3 }), 400, "n_exceeded"],
      ["/v1/completions", { model: "llama-3.1-8b", prompt: "x", best_of: 5 }, 400, "n_exceeded"],
      ["/v1/chat/completions", chat({ messages: Array.from({ length: 9 }, () => ({ role: "user", content: "hi" })) }), 400, "too_many_messages"],
      ["/v1/embeddings", { model: "embed", input: ["a", "b", "c", "d", "e"] }, 400, "too_many_inputs"],
      ["/v1/chat/completions", chat({ logprobs: true, top_logprobs: 5 }), 400, "parameter_not_allowed"],
      ["/v1/completions", { model: "llama-3.1-8b", prompt: "x", logprobs: 3 }, 400, "parameter_not_allowed"],
      ["/v1/completions", { model: "llama-3.1-8b", prompt: [1, 2, 3] }, 400, "invalid_request"],
      ["/v1/chat/completions", chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x" } }] }] }), 400, "unsupported_content"],
      ["/v1/chat/completions", "{not json", 400, "invalid_json"],
      ["/v1/chat/completions", { messages: [] }, 400, "model_required"],
      ["/v1/chat/completions", JSON.stringify(chat({ pad: "x".repeat(70 * 1024) })), 413, "request_too_large"],
    ];
    const before = h.upstream.requests.length;
    for (const [path, body, status, code] of cases) {
      const r = await call(h, "POST", path, { token, ...(typeof body === "string" ? { rawBody: body } : { body }) });
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} -> ${r.text}`);
      assert.equal(r.json().error.code, code);
    }
    const ct = await call(h, "POST", "/v1/chat/completions", { token, rawBody: JSON.stringify(chat()), headers: { "content-type": "text/plain" } });
    assert.equal(ct.status, 415);
    assert.equal(h.upstream.requests.length, before, "no over-limit request reached the model server");
    // Chunked body without a content-length is bounded too.
    const big = await call(h, "POST", "/v1/chat/completions", { token, rawBody: JSON.stringify(chat({ pad: "y".repeat(100 * 1024) })), headers: { "transfer-encoding": "chunked" } });
    assert.equal(big.status, 413);
  });

  test("upstream errors never leak internals", async () => {
    h.upstream.behaviour = { failStatus: 500, failBody: 'Traceback (most recent call last):\n  File "/usr/lib/python3/vllm/engine.py", line 12\nRuntimeError: CUDA out of memory at 10.0.3.7' };
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: chat() });
    assert.equal(r.status, 502);
    assert.deepEqual(Object.keys(r.json()), ["error"]);
    assert.doesNotMatch(r.text, /Traceback|vllm|CUDA|10\.0\.3\.7|uvicorn/);
    assert.equal(r.headers["server"], undefined);

    h.upstream.behaviour = { failStatus: 400, failBody: JSON.stringify({ object: "error", message: "This model's maximum context length is 4096 tokens; contact bob@example.com\nmore detail", type: "BadRequestError", code: 400 }) };
    const b = await call(h, "POST", "/v1/chat/completions", { token, body: chat() });
    assert.equal(b.status, 400);
    assert.equal(b.json().error.message, "This model's maximum context length is 4096 tokens; contact [REDACTED:EMAIL]");

    h.upstream.behaviour = { delayMs: 1000 };
    h.gateway.config.upstream.timeoutMs = 300;
    const t = await call(h, "POST", "/v1/chat/completions", { token, body: chat() });
    h.gateway.config.upstream.timeoutMs = 5000;
    h.upstream.behaviour = {};
    assert.equal(t.status, 504);
    assert.equal(t.json().error.code, "upstream_timeout");
  });

  test("streams cut by the upstream end with an error event, not a hang", async () => {
    h.upstream.behaviour = { chunks: ["one ", "two ", "three ", "four "], dieAfterDeltas: 2 };
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: chat({ stream: true }) });
    h.upstream.behaviour = {};
    assert.equal(r.status, 200);
    const sse = parseSse(r.text);
    assert.ok(sse.wellFormed, r.text);
    assert.ok(sse.events.some((e) => e !== "[DONE]" && e["error"]), "an error event was sent");
    assert.equal(h.audit.records().at(-1)!["decision"], "error");
  });

  test("health, readiness and Prometheus metrics on the ops port only", async () => {
    assert.equal((await opsGet(h.opsPort, "/healthz")).status, 200);
    assert.equal((await opsGet(h.opsPort, "/readyz")).status, 200);
    const m = await opsGet(h.opsPort, "/metrics");
    assert.equal(m.status, 200);
    assert.match(m.text, /# TYPE gateway_requests_total counter/);
    assert.match(m.text, /gateway_requests_total\{route="chat",model="llama-3\.1-8b",decision="allowed",status="200"\} \d+/);
    assert.match(m.text, /gateway_request_duration_seconds_bucket\{route="chat",le="\+Inf"\} \d+/);
    assert.match(m.text, /gateway_upstream_duration_seconds_count\{route="chat"\} \d+/);
    assert.match(m.text, /gateway_overhead_duration_seconds_sum\{route="chat"\} [\d.e-]+/);
    assert.equal((await opsGet(h.opsPort, "/v1/models")).status, 404);
    // Histograms are cumulative.
    const buckets = [...m.text.matchAll(/gateway_request_duration_seconds_bucket\{route="chat",le="[^"]+"\} (\d+)/g)].map((x) => Number(x[1]));
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b));
  });
});

describe("gateway rate limits", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness((c) => {
      c.rateLimits = { requestsPerMinute: 3, tokensPerMinute: 2000 };
      c.authorization.rules.push({ name: "bulk", apiKeys: ["batch-job"], models: ["*"], requestsPerMinute: 100, tokensPerMinute: 100_000 });
      c.authorization.rules.push({ name: "carol", subjects: ["carol"], models: ["llama-3.1-8b"], requestsPerMinute: 100 });
    });
  });
  after(async () => h.close());

  test("requests per minute: the 4th request in a minute is 429 with Retry-After, per principal", async () => {
    const alice = await h.token({ sub: "alice" });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await call(h, "POST", "/v1/chat/completions", { token: alice, body: chat({ max_tokens: 10 }) });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(last!.json().error.type, "rate_limit_error");
    const retry = Number(last!.headers["retry-after"]);
    assert.ok(retry >= 1 && retry <= 20, `Retry-After ${retry}`);
    assert.equal(h.audit.records().at(-1)!["decision"], "rate_limited");
    // Another principal is unaffected; a rule can raise the limit.
    assert.equal((await call(h, "POST", "/v1/chat/completions", { token: await h.token({ sub: "bob" }), body: chat({ max_tokens: 10 }) })).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await call(h, "POST", "/v1/chat/completions", { token: API_KEY, body: chat({ max_tokens: 10 }) })).status, 200);
  });

  test("tokens per minute: max_tokens is reserved up front, so concurrent large requests are refused", async () => {
    const carol = await h.token({ sub: "carol" });
    h.upstream.behaviour = { delayMs: 300 };
    const results = await Promise.all(
      [0, 1, 2].map(() => call(h, "POST", "/v1/chat/completions", { token: carol, body: chat({ max_tokens: 400, n: 2 }) })),
    );
    h.upstream.behaviour = {};
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429], "2 x 800-token budgets fit in 2000/min, a third does not");
    const limited = results.find((r) => r.status === 429)!;
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.ok(h.audit.records().some((a) => (a["reasons"] as string[]).includes("tokens_per_minute")));
    // Settled to real usage afterwards: a small request passes again at once.
    assert.equal((await call(h, "POST", "/v1/chat/completions", { token: carol, body: chat({ max_tokens: 10 }) })).status, 200);
  });
});
