// A fake OpenAI-compatible model server (vLLM-shaped) over mutual TLS, for tests and the
// benchmark. It answers chat, completions (streamed or not), embeddings and models, and also
// vLLM's unguarded routes (/tokenize, /invocations, ...) so a test can prove none is reachable.
// Behaviour is scripted per test: the reply text, how it is chunked, failures.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TestPki } from "./certs.js";

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown> | null;
  clientCertSubject: string | null;
}

export interface FakeUpstreamBehaviour {
  /** Reply text chunks (each one streamed delta). Default: "Echo: " + last user text, in 4-char deltas. */
  chunks?: string[];
  /** Answer every request with this status and body instead. */
  failStatus?: number;
  failBody?: string;
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Split every SSE event's bytes in two at this offset (tests the gateway's event reassembly). */
  splitEventsAt?: number;
  /** Stop the stream after this many content deltas by destroying the socket. */
  dieAfterDeltas?: number;
  /** Extra top-level fields merged into non-streamed responses. */
  extra?: Record<string, unknown>;
  /** Body of GET /metrics (Prometheus text, as vLLM serves it). Default: none (404). */
  metrics?: string;
}

export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  behaviour: FakeUpstreamBehaviour = {};
  private server: Server | undefined;
  port = 0;

  constructor(private readonly pki: TestPki) {}

  /** Listens on `host` (any loopback address) and `port` (0: a free one). */
  async start(host = "127.0.0.1", port = 0): Promise<number> {
    this.server = createServer(
      {
        cert: readFileSync(this.pki.serverCertFile),
        key: readFileSync(this.pki.serverKeyFile),
        ca: readFileSync(this.pki.caFile),
        requestCert: true,
        rejectUnauthorized: true,
        keepAliveTimeout: 60_000,
      },
      (req, res) => this.handle(req, res),
    );
    await new Promise<void>((r) => this.server!.listen(port, host, () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        body = null;
      }
      const cert = (req.socket as import("node:tls").TLSSocket).getPeerCertificate?.();
      this.requests.push({ path: req.url ?? "", headers: req.headers, body, clientCertSubject: cert?.subject?.CN === undefined ? null : String(cert.subject.CN) });
      const b = this.behaviour;
      const go = () => this.answer(req, res, body ?? {});
      if (b.delayMs) setTimeout(go, b.delayMs);
      else go();
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const b = this.behaviour;
    if (b.failStatus) {
      res.writeHead(b.failStatus, { "content-type": "application/json", server: "uvicorn" }).end(b.failBody ?? "{}");
      return;
    }
    const path = (req.url ?? "").split("?")[0];
    if (path === "/metrics" && req.method === "GET") {
      if (b.metrics === undefined) return void res.writeHead(404).end();
      return void res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(b.metrics);
    }
    const model = String(body["model"] ?? "unknown");
    if (path === "/v1/embeddings") {
      const inputs = Array.isArray(body["input"]) ? body["input"] : [body["input"]];
      const data = inputs.map((_, i) => ({ object: "embedding", index: i, embedding: [0.1, 0.2, 0.3, 0.4] }));
      return json(res, { object: "list", model, data, usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } });
    }
    if (path === "/v1/chat/completions" || path === "/v1/completions") {
      const chat = path === "/v1/chat/completions";
      const text = replyText(body, chat);
      const deltas = b.chunks ?? splitEvery(text, 4);
      const full = deltas.join("");
      const usage = { prompt_tokens: 11, completion_tokens: deltas.length, total_tokens: 11 + deltas.length };
      const id = chat ? "chatcmpl-fake" : "cmpl-fake";
      const created = 1_700_000_000;
      if (body["stream"] !== true) {
        const choice = chat
          ? { index: 0, message: { role: "assistant", content: full }, logprobs: null, finish_reason: "stop" }
          : { index: 0, text: full, logprobs: null, finish_reason: "stop" };
        return json(res, { id, object: chat ? "chat.completion" : "text_completion", created, model, choices: [choice], usage, ...(b.extra ?? {}) });
      }
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      const object = chat ? "chat.completion.chunk" : "text_completion";
      const events: string[] = [];
      const ev = (o: unknown) => events.push(`data: ${JSON.stringify(o)}\n\n`);
      if (chat) ev({ id, object, created, model, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] });
      for (const d of deltas) {
        ev(chat
          ? { id, object, created, model, choices: [{ index: 0, delta: { content: d }, logprobs: null, finish_reason: null }] }
          : { id, object, created, model, choices: [{ index: 0, text: d, logprobs: null, finish_reason: null }] });
      }
      ev(chat
        ? { id, object, created, model, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] }
        : { id, object, created, model, choices: [{ index: 0, text: "", logprobs: null, finish_reason: "stop" }] });
      const so = body["stream_options"] as { include_usage?: boolean } | undefined;
      if (so?.include_usage) ev({ id, object, created, model, choices: [], usage });
      events.push("data: [DONE]\n\n");
      let sent = 0;
      for (const e of events) {
        if (b.dieAfterDeltas !== undefined && sent > b.dieAfterDeltas) {
          // Let what was written reach the gateway, then drop the connection mid-stream.
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        if (b.splitEventsAt !== undefined && e.length > b.splitEventsAt) {
          res.write(e.slice(0, b.splitEventsAt));
          res.write(e.slice(b.splitEventsAt));
        } else res.write(e);
        sent++;
      }
      res.end();
      return;
    }
    if (path === "/v1/models") return json(res, { object: "list", data: [{ id: "upstream-model", object: "model" }] });
    // vLLM's routes that its --api-key does not protect: answering them proves a leak if reached.
    json(res, { leaked: true, path });
  }
}

function json(res: ServerResponse, o: unknown): void {
  const s = JSON.stringify(o);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(s) }).end(s);
}

function replyText(body: Record<string, unknown>, chat: boolean): string {
  if (chat) {
    const msgs = Array.isArray(body["messages"]) ? (body["messages"] as { role?: string; content?: unknown }[]) : [];
    const last = [...msgs].reverse().find((m) => m.role === "user");
    return `Echo: ${typeof last?.content === "string" ? last.content : ""}`;
  }
  return `Echo: ${typeof body["prompt"] === "string" ? body["prompt"] : ""}`;
}

function splitEvery(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length > 0 ? out : [""];
}
