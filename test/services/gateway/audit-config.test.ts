// The audit line (present for every outcome, complete, no content), the separate content log,
// and configuration errors that name the key.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, loadConfig, parseConfig } from "../../../services/gateway/src/config.js";
import { call, parseSse, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const SECRET_PROMPT = "Patient Zelda Quux, DOB 1970-01-01, has condition XYZZY-42";

describe("audit log", () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness(undefined, { contentLog: true });
    token = await h.token({ sub: "dr-who", groups: ["clinicians"] });
  });
  after(async () => h.close());

  test("one complete line per request, whatever the outcome, and never any content", async () => {
    const messages = [{ role: "user", content: SECRET_PROMPT }];
    const start = h.audit.lines.length;
    await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages } });
    await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages, stream: true } });
    await call(h, "POST", "/v1/chat/completions", { body: { model: "llama-3.1-8b", messages } });
    await call(h, "POST", "/tokenize", { token, body: { prompt: SECRET_PROMPT } });
    await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages, max_tokens: 100_000 } });
    const lines = h.audit.lines.slice(start);
    assert.equal(lines.length, 5);
    for (const l of lines) {
      assert.doesNotMatch(l, /Zelda|XYZZY|Echo/, "no prompt or completion text in the audit class");
    }
    const [ok, streamed, unauth, notFound, rejected] = lines.map((l) => JSON.parse(l));
    const keys = ["time", "requestId", "clientRequestId", "principal", "route", "method", "model", "status", "decision", "reasons", "stream", "tokens", "latencyMs", "promptSha256", "inputGuard", "redactions", "clientAddress"];
    for (const rec of [ok, streamed, unauth, notFound, rejected]) assert.deepEqual(Object.keys(rec), keys);

    assert.equal(ok.decision, "allowed");
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.principal, { kind: "oidc", id: "oidc:dr-who", groups: ["clinicians"] });
    assert.equal(ok.model, "llama-3.1-8b");
    assert.equal(ok.route, "chat");
    assert.equal(ok.promptSha256, createHash("sha256").update(JSON.stringify(messages)).digest("hex"));
    assert.equal(typeof ok.tokens.prompt, "number");
    assert.equal(typeof ok.tokens.completion, "number");
    assert.ok(ok.latencyMs.total >= ok.latencyMs.upstream && ok.latencyMs.gateway >= 0);
    assert.match(ok.time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(ok.inputGuard.source, "heuristic");

    assert.equal(streamed.stream, true);
    assert.equal(typeof streamed.tokens.total, "number", "usage collected from the stream");
    assert.equal(unauth.decision, "denied");
    assert.equal(unauth.principal, null);
    assert.equal(notFound.decision, "not_found");
    assert.equal(notFound.status, 404);
    assert.equal(rejected.decision, "rejected");
    assert.deepEqual(rejected.reasons, ["max_tokens_exceeded"]);
  });

  test("the audit id is the gateway's own; a well-formed client X-Request-Id is recorded beside it", async () => {
    const body = { model: "llama-3.1-8b", messages: [{ role: "user", content: "hi" }] };
    const a = await call(h, "POST", "/v1/chat/completions", { token, body, headers: { "x-request-id": "trace-123" } });
    assert.match(String(a.headers["x-request-id"]), /^[0-9a-f-]{36}$/, "the response carries the gateway's id");
    const rec = h.audit.records().at(-1)!;
    assert.equal(rec["requestId"], a.headers["x-request-id"]);
    assert.equal(rec["clientRequestId"], "trace-123");
    assert.equal(h.upstream.requests.at(-1)!.headers["x-request-id"], rec["requestId"], "upstream sees the gateway's id");
    // Two requests claiming the same id still get distinct audit ids.
    await call(h, "POST", "/v1/chat/completions", { token, body, headers: { "x-request-id": "trace-123" } });
    assert.notEqual(h.audit.records().at(-1)!["requestId"], rec["requestId"]);
    const b = await call(h, "POST", "/v1/chat/completions", { token, body, headers: { "x-request-id": "bad id\twith\"quotes" } });
    assert.match(String(b.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    assert.equal(h.audit.records().at(-1)!["clientRequestId"], null, "a malformed client id is not recorded");
  });

  test("content logging, when enabled, writes to its own sink with the redacted completion", async () => {
    h.upstream.behaviour = { chunks: ["Reach me at ", "x@y.example", " today"] };
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages: [{ role: "user", content: SECRET_PROMPT }], stream: true } });
    h.upstream.behaviour = {};
    assert.equal(parseSse(r.text).content, "Reach me at [REDACTED:EMAIL] today");
    const c = h.content.records().at(-1)!;
    assert.equal(c["requestId"], r.headers["x-request-id"]);
    assert.equal(c["prompt"], SECRET_PROMPT);
    assert.equal(c["completion"], "Reach me at [REDACTED:EMAIL] today");
    assert.doesNotMatch(h.audit.lines.join("\n"), /Zelda/);
  });
});

describe("configuration", () => {
  const minimal = () => ({
    server: { tls: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" } },
    upstream: { tls: { caFile: "/up/ca.crt", certFile: "/up/tls.crt", keyFile: "/up/tls.key" } },
    models: [{ id: "llama", upstream: "https://vllm.models.svc:8000" }],
    auth: { apiKeys: { file: "/keys/api-keys.yaml" } },
  });

  test("defaults are filled in", () => {
    const c = parseConfig(minimal());
    assert.equal(c.server.port, 8443);
    assert.equal(c.server.opsPort, 9090);
    assert.equal(c.limits.maxBodyBytes, 1024 * 1024);
    assert.equal(c.models[0]!.inputGuard, "block");
    assert.deepEqual(c.models[0]!.routes, ["chat", "completions"]);
    assert.equal(c.contentLog.mode, "off");
    assert.equal(c.outputGuard.detectors.length, 7);
    assert.deepEqual(c.authorization.rules, []);
  });

  test("errors name the key and the fix", () => {
    const bad: Record<string, any> = minimal();
    bad.server.prot = 1;
    bad.models[0].upstream = "http://vllm:8000";
    bad.models[0].inputGuard = "warn";
    bad.auth.oidc = { issuer: "x", audience: "y", jwksUri: "https://idp/jwks", algorithms: ["HS256"] };
    bad.outputGuard = { patterns: [{ name: "mrn", regex: "(" }] };
    assert.throws(
      () => parseConfig(bad, "gateway.yaml"),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        for (const want of [
          /server: Unrecognized key.*prot/,
          /models\[0\]\.upstream: must be an https:\/\/ URL/,
          /models\[0\]\.inputGuard:/,
          /auth\.oidc\.algorithms\[0\]:/,
          /outputGuard\.patterns\[0\]\.regex: must be a valid/,
        ]) {
          assert.match(e.message, want);
        }
        assert.match(e.message, /^gateway\.yaml is invalid/);
        return true;
      },
    );
    // Relations between keys are checked once every key is individually valid.
    const related: Record<string, any> = minimal();
    related.authorization = { rules: [{ name: "r", groups: ["g"], models: ["nope"] }] };
    related.contentLog = { mode: "file" };
    related.server.opsPort = 8443;
    assert.throws(() => parseConfig(related), (e: Error) => {
      assert.match(e.message, /authorization\.rules\[0\]\.models\[0\]: unknown model "nope"/);
      assert.match(e.message, /contentLog\.path: required when contentLog\.mode is "file"/);
      assert.match(e.message, /server\.opsPort: must differ from server\.port/);
      return true;
    });
  });

  test("YAML files load; unreadable and malformed files say so", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-conf-"));
    const good = join(dir, "c.yaml");
    writeFileSync(good, `server:\n  tls: {certFile: /a, keyFile: /b}\nupstream:\n  tls: {caFile: /c, certFile: /d, keyFile: /e}\nmodels:\n  - id: m\n    upstream: https://vllm:8000\nauth:\n  apiKeys: {file: /k}\n`);
    assert.equal(loadConfig(good).models[0]!.id, "m");
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "server: [unclosed");
    assert.throws(() => loadConfig(broken), /not valid YAML/);
    assert.throws(() => loadConfig(join(dir, "missing.yaml")), /cannot read config file/);
    assert.throws(() => parseConfig({ ...minimal(), auth: {} }), /auth: configure at least one of auth\.oidc or auth\.apiKeys/);
  });
});
