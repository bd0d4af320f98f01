// The gateway: an HTTPS server for the OpenAI-compatible API and a plain-HTTP server for health
// and metrics. Each API request goes: route -> authenticate -> request rate limit -> read and
// validate body -> authorise model -> token rate limit -> input guard -> upstream (mTLS) ->
// output guard -> client; one audit line at the end, whatever happened.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Agent, type Server as HttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { AuditLog, fileSink, streamSink, type AuditRecord, type Decision } from "./audit.js";
import { AuthError, Authenticator, type Principal } from "./auth.js";
import { discard, parseJsonObject, readBody } from "./body.js";
import { Authorizer } from "./authz.js";
import type { GatewayConfig, ModelConfig, RouteName } from "./config.js";
import { GatewayError, badRequest, errorBody } from "./errors.js";
import { InputGuard } from "./input-guard.js";
import { GatewayMetrics } from "./metrics.js";
import { ScalingSource } from "./scaling.js";
import { createRedactor, type PiiRedactor } from "./pii.js";
import { RateLimiter } from "./ratelimit.js";
import { prepareRequest, type PreparedRequest } from "./request.js";
import { redactCompletion, sanitizeResponseObject } from "./response.js";
import { SseSplitter, StreamGuard, type Usage } from "./sse.js";
import { FileWatcher, readServerTls, upstreamAgent } from "./tls-files.js";
import { callUpstream, readLimited, upstreamFailure, upstreamUnavailable } from "./upstream.js";

interface RouteSpec {
  name: RouteName | "models";
  method: "POST" | "GET";
  upstreamPath: string;
}

// The only paths served. Everything else (vLLM's /invocations, /tokenize, /pooling, /score,
// /metrics, /health, ...) is 404: the gateway never forwards a client-chosen path.
const ROUTES: ReadonlyMap<string, RouteSpec> = new Map([
  ["/v1/chat/completions", { name: "chat", method: "POST", upstreamPath: "/v1/chat/completions" }],
  ["/v1/completions", { name: "completions", method: "POST", upstreamPath: "/v1/completions" }],
  ["/v1/embeddings", { name: "embeddings", method: "POST", upstreamPath: "/v1/embeddings" }],
  ["/v1/models", { name: "models", method: "GET", upstreamPath: "" }],
]);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Ctx {
  /** Generated here, always: the audit trail's key must not be chosen by the client. */
  requestId: string;
  /** The client's X-Request-Id, when well-formed, recorded beside the gateway's own id. */
  clientRequestId: string | null;
  /** Captured when the connection was accepted, so it is known even after the client has gone. */
  clientAddress: string | null;
  started: number;
  route: string;
  method: string;
  principal: Principal | null;
  model: string | null;
  decision: Decision;
  reasons: string[];
  status: number;
  stream: boolean;
  usage: Usage | undefined;
  upstreamMs: number | null;
  prepared: PreparedRequest | null;
  guard: { source: string; score: number } | null;
  redactions: Record<string, number>;
  completion: string[];
  /** The connection was answered outside this request's handler (the HTTP server's request timeout). */
  terminated: boolean;
}

export interface GatewayOptions {
  /** Defaults to the sinks named in config (stdout / files). */
  audit?: AuditLog;
  /** Logger for operational messages (never request content). Default: stderr. */
  log?: (msg: string) => void;
}

export class Gateway {
  readonly metrics = new GatewayMetrics();
  private readonly auth: Authenticator;
  private readonly authz: Authorizer;
  private readonly limiter = new RateLimiter();
  private readonly inputGuard: InputGuard;
  private readonly redactor: PiiRedactor;
  private readonly audit: AuditLog;
  private readonly models: Map<string, ModelConfig>;
  private readonly log: (msg: string) => void;
  /** Queue depth per model for the autoscaler, read over mutual TLS from every replica. */
  readonly scaling: ScalingSource;
  private agent: Agent;
  /** Bearer key per model id (its own file, else upstream.apiKeyFile); absent: none is sent. */
  private readonly upstreamApiKeys = new Map<string, string>();
  private api: HttpsServer | undefined;
  private ops: HttpServer | undefined;
  private ready = false;
  private inFlight = 0;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  /** Remote address per connection, taken when the connection is accepted. */
  private readonly addresses = new WeakMap<Socket, string>();
  /** The request being handled on a connection, for errors the HTTP server raises on it. */
  private readonly active = new WeakMap<Socket, { ctx: Ctx; res: ServerResponse }>();

  constructor(
    readonly config: GatewayConfig,
    opts: GatewayOptions = {},
  ) {
    this.log = opts.log ?? ((m) => process.stderr.write(`gateway: ${m}\n`));
    this.auth = new Authenticator(config.auth);
    this.authz = new Authorizer(config);
    this.redactor = createRedactor(config.outputGuard);
    this.agent = upstreamAgent(config.upstream);
    this.inputGuard = new InputGuard(config.inputGuard, this.agent);
    const keyFiles = new Map<string, string>();
    const readKey = (file: string) => {
      if (!keyFiles.has(file)) keyFiles.set(file, readFileSync(file, "utf8").trim());
      return keyFiles.get(file)!;
    };
    for (const m of config.models) {
      const file = m.apiKeyFile ?? config.upstream.apiKeyFile;
      if (file !== undefined) this.upstreamApiKeys.set(m.id, readKey(file));
    }
    this.models = new Map(config.models.map((m) => [m.id, m]));
    this.scaling = new ScalingSource(
      config.models.map((m) => ({
        id: m.id,
        servedName: m.upstreamModel ?? m.id,
        upstream: m.upstream,
        ...(m.replicasHost !== undefined ? { replicasHost: m.replicasHost } : {}),
        ...(config.upstream.tls.serverName !== undefined ? { serverName: config.upstream.tls.serverName } : {}),
      })),
      { agent: () => this.agent },
    );
    this.audit =
      opts.audit ??
      new AuditLog(
        config.audit.sink === "file" ? fileSink(config.audit.path!) : streamSink(process.stdout),
        config.contentLog.mode === "file" ? fileSink(config.contentLog.path!) : undefined,
      );
    this.metrics.addGauge("gateway_in_flight_requests", "Requests being processed.", () => this.inFlight);
    this.metrics.addGauge("gateway_rate_limited_principals", "Principals with rate-limit state in memory.", () => this.limiter.size);
  }

  /** Starts both servers; resolves with the ports actually bound (0 in config picks free ports in tests). */
  async start(ports?: { port?: number; opsPort?: number }): Promise<{ port: number; opsPort: number }> {
    const s = this.config.server;
    const tls = readServerTls(s.tls);
    this.api = createHttpsServer(
      {
        cert: tls.cert,
        key: tls.key,
        minVersion: tls.minVersion,
        requestTimeout: s.requestTimeoutMs,
        headersTimeout: Math.min(s.requestTimeoutMs, 30_000),
        keepAliveTimeout: s.keepAliveTimeoutMs,
        // Node checks the two timeouts above only this often (default 30 s); check every second
        // so a slow body is cut off close to requestTimeoutMs.
        connectionsCheckingInterval: 1000,
      },
      (req, res) => void this.handle(req, res),
    );
    this.api.on("secureConnection", (socket: Socket) => {
      if (socket.remoteAddress) this.addresses.set(socket, socket.remoteAddress);
    });
    this.api.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket));
    this.ops = createHttpServer((req, res) => this.handleOps(req, res));
    const listen = (srv: HttpServer | HttpsServer, port: number) =>
      new Promise<number>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, s.host, () => resolve((srv.address() as AddressInfo).port));
      });
    const port = await listen(this.api, ports?.port ?? s.port);
    const opsPort = await listen(this.ops, ports?.opsPort ?? s.opsPort);
    this.startReloading();
    this.ready = true;
    return { port, opsPort };
  }

  /** Stops accepting, lets in-flight requests finish (up to shutdownGraceMs), then closes. */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    const closing = new Promise<void>((resolve) => (this.api ? this.api.close(() => resolve()) : resolve()));
    this.api?.closeIdleConnections();
    const deadline = Date.now() + this.config.server.shutdownGraceMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.api?.closeAllConnections();
    await closing;
    await new Promise<void>((resolve) => (this.ops ? this.ops.close(() => resolve()) : resolve()));
    this.ops?.closeAllConnections();
    this.agent.destroy();
    await this.audit.close();
  }

  private startReloading(): void {
    const s = this.config.server;
    const u = this.config.upstream;
    const serverFiles = new FileWatcher([s.tls.certFile, s.tls.keyFile]);
    const upstreamFiles = new FileWatcher([u.tls.caFile, u.tls.certFile, u.tls.keyFile]);
    const keyFile = this.config.auth.apiKeys ? new FileWatcher([this.config.auth.apiKeys.file]) : undefined;
    this.reloadTimer = setInterval(() => {
      try {
        if (serverFiles.changed()) {
          const tls = readServerTls(s.tls);
          this.api?.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: tls.minVersion });
          this.log("reloaded server certificate");
        }
        if (upstreamFiles.changed()) {
          const old = this.agent;
          this.agent = upstreamAgent(u);
          setTimeout(() => old.destroy(), u.timeoutMs).unref();
          this.log("reloaded upstream client certificate");
        }
        if (keyFile?.changed()) {
          this.auth.reloadApiKeys();
          this.log(`reloaded API keys (${this.auth.apiKeyCount})`);
        }
      } catch (err) {
        // Keep serving with the previous material; a half-written Secret is retried next tick.
        this.log(`reload failed, keeping previous material: ${(err as Error).message}`);
      }
    }, s.reloadIntervalSeconds * 1000);
    this.reloadTimer.unref();
  }

  /**
   * Errors Node's HTTP server raises on a connection: malformed or smuggling-shaped framing
   * (conflicting Content-Length and Transfer-Encoding, bad chunking), oversized headers, and
   * request timeouts. None of these reached a handler, so they are counted here; a timeout that
   * hits a request already being handled (a body sent too slowly) is answered 408 and recorded
   * in that request's audit line. The answers mirror Node's own defaults.
   * https://nodejs.org/api/http.html#event-clienterror
   */
  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const code = err.code ?? "";
    const timeout = code === "ERR_HTTP_REQUEST_TIMEOUT";
    const status = timeout ? 408 : code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const entry = this.active.get(socket);
    const ctx = entry?.ctx;
    if (ctx && timeout) {
      ctx.terminated = true;
      ctx.status = 408;
      ctx.decision = "rejected";
      ctx.reasons.push("request_timeout");
    } else {
      this.metrics.parserRejections.inc({ reason: parserReason(code) });
    }
    if (socket.writable && !(entry?.res.headersSent ?? false)) {
      const text = status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request";
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  }

  private handleOps(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else if (path === "/readyz") {
      res.writeHead(this.ready ? 200 : 503, { "content-type": "application/json" }).end(this.ready ? '{"status":"ready"}' : '{"status":"not ready"}');
    } else if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(this.metrics.render());
    } else if (path.startsWith("/scaling/") && this.scaling.has(decodeURIComponent(path.slice("/scaling/".length)))) {
      // Counts only (no request content), for KEDA's metrics-api scaler inside the cluster.
      this.scaling.demand(decodeURIComponent(path.slice("/scaling/".length))).then(
        (d) => res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(d)),
        () => res.writeHead(503).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    const incomingId = req.headers["x-request-id"];
    const ctx: Ctx = {
      requestId: randomUUID(),
      clientRequestId: typeof incomingId === "string" && REQUEST_ID.test(incomingId) ? incomingId : null,
      clientAddress: this.addresses.get(req.socket) ?? req.socket.remoteAddress ?? null,
      started: performance.now(),
      route: "unknown",
      method: req.method ?? "",
      principal: null,
      model: null,
      decision: "allowed",
      reasons: [],
      status: 200,
      stream: false,
      usage: undefined,
      upstreamMs: null,
      prepared: null,
      guard: null,
      redactions: {},
      completion: [],
      terminated: false,
    };
    this.active.set(req.socket, { ctx, res });
    res.setHeader("x-request-id", ctx.requestId);
    res.setHeader("cache-control", "no-store");
    res.setHeader("x-content-type-options", "nosniff");
    try {
      await this.process(req, res, ctx);
    } catch (err) {
      this.fail(res, ctx, err);
    } finally {
      if (!res.writableFinished && !res.destroyed) {
        await new Promise<void>((r) => {
          res.once("finish", () => r());
          res.once("close", () => r());
        });
      }
      this.inFlight--;
      if (this.active.get(req.socket)?.ctx === ctx) this.active.delete(req.socket);
      this.finish(res, ctx);
    }
  }

  private fail(res: ServerResponse, ctx: Ctx, err: unknown): void {
    const e =
      err instanceof GatewayError
        ? err
        : new GatewayError(500, "The gateway could not process the request.", "server_error", "internal_error", "error", ["internal_error"]);
    if (ctx.terminated) return;
    if (!(err instanceof GatewayError)) this.log(`internal error (request ${ctx.requestId}): ${(err as Error)?.stack ?? String(err)}`);
    ctx.status = e.status;
    ctx.decision = e.decision === "error" && e.status === 404 && ctx.route === "unknown" ? "not_found" : e.decision;
    ctx.reasons.push(...e.reasons);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(e.status, { "content-type": "application/json", ...e.headers }).end(errorBody(e.message, e.type, e.code));
  }

  private async process(req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const route = ROUTES.get(path);
    if (!route) throw new GatewayError(404, "Not found.", "not_found_error", "not_found", "error", ["unknown_route"]);
    ctx.route = route.name;
    if (req.method !== route.method) {
      throw new GatewayError(405, `Use ${route.method} for this endpoint.`, "invalid_request_error", "method_not_allowed", "rejected", ["method_not_allowed"], { allow: route.method });
    }

    let principal: Principal;
    try {
      principal = await this.auth.authenticate(req.headers.authorization);
    } catch (err) {
      const reason = err instanceof AuthError ? err.reason : "auth_internal_error";
      this.metrics.authFailures.inc({ reason });
      const message = err instanceof AuthError ? err.message : "Invalid credentials.";
      throw new GatewayError(401, message, "authentication_error", "invalid_api_key", "denied", [reason], { "www-authenticate": 'Bearer realm="sovereign-llm"' });
    }
    ctx.principal = principal;
    const grants = this.authz.grants(principal);

    if (route.name === "models") {
      const data = [...this.models.values()]
        .filter((m) => grants.models.has(m.id))
        .map((m) => ({ id: m.id, object: "model", created: this.createdAt, owned_by: "sovereign-llm" }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }));
      return;
    }
    const routeName = route.name;

    const rq = this.limiter.takeRequest(principal.id, grants.requestsPerMinute, grants.tokensPerMinute);
    if (!rq.allowed) throw rateLimited(rq.retryAfterSeconds, "requests_per_minute");

    const body = await this.readJson(req);
    const modelName = body["model"];
    if (typeof modelName !== "string" || modelName === "") throw badRequest("model is required.", "model_required");
    const model = this.models.get(modelName);
    // A name that matches no model is the client's free text (it can carry personal data): the
    // audit line says only that it was unknown.
    ctx.model = model ? model.id : "unknown";
    if (!model || !grants.models.has(model.id)) {
      throw new GatewayError(404, `The model '${modelName.slice(0, 128)}' does not exist or you do not have access to it.`, "not_found_error", "model_not_found", "denied", [
        model ? "model_not_granted" : "model_unknown",
      ]);
    }
    if (!model.routes.includes(routeName)) throw badRequest(`The model '${model.id}' does not serve ${path}.`, "route_not_supported");

    const prepared = prepareRequest(routeName, body, model, this.config.limits);
    ctx.prepared = prepared;
    ctx.stream = prepared.stream;

    const tr = this.limiter.reserveTokens(principal.id, grants.requestsPerMinute, grants.tokensPerMinute, prepared.estimatedTokens);
    if (!tr.allowed) throw rateLimited(tr.retryAfterSeconds, "tokens_per_minute");
    try {
      if (prepared.guardTexts.length > 0) {
        const verdict = await this.inputGuard.check(prepared.guardTexts);
        ctx.guard = { source: verdict.source, score: verdict.score };
        if (verdict.attack) {
          const action = model.inputGuard;
          this.metrics.inputGuard.inc({ model: model.id, action, source: verdict.source });
          const reasons = ["prompt_injection", ...verdict.reasons];
          if (action === "block") {
            throw new GatewayError(400, "The request was blocked by the input guard.", "invalid_request_error", "content_policy_violation", "blocked", reasons);
          }
          ctx.decision = "flagged";
          ctx.reasons.push(...reasons);
        } else if (verdict.reasons.includes("classifier_unavailable")) {
          ctx.reasons.push("classifier_unavailable");
        }
      }
      await this.forward(res, ctx, model, routeName, prepared);
    } finally {
      const used = ctx.usage?.total_tokens ?? (ctx.decision === "blocked" ? 0 : prepared.estimatedTokens);
      this.limiter.settleTokens(principal.id, grants.tokensPerMinute, tr.reserved, used);
    }
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const type = req.headers["content-type"] ?? "";
    if (!/^application\/json\s*(?:;|$)/i.test(type)) {
      throw new GatewayError(415, "Content-Type must be application/json.", "invalid_request_error", "unsupported_media_type", "rejected");
    }
    const limit = this.config.limits.maxBodyBytes;
    const tooLarge = () =>
      new GatewayError(413, `The request body exceeds ${limit} bytes.`, "invalid_request_error", "request_too_large", "rejected", ["request_too_large"], { connection: "close" });
    // Bodies over the limit are read on and discarded up to this much more, so the client reads
    // the 413 instead of a broken pipe; beyond it the connection is closed.
    const drainBound = Math.max(4 * limit, 4 * 1024 * 1024);
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      await discard(req, declared <= limit + drainBound ? drainBound : 0);
      throw tooLarge();
    }
    let read: Awaited<ReturnType<typeof readBody>>;
    try {
      read = await readBody(req, limit, drainBound);
    } catch {
      throw badRequest("The request body could not be read.", "body_unreadable");
    }
    if ("tooLarge" in read) throw tooLarge();
    return parseJsonObject(read.body);
  }

  private async forward(res: ServerResponse, ctx: Ctx, model: ModelConfig, route: RouteName, prepared: PreparedRequest): Promise<void> {
    const spec = [...ROUTES.values()].find((r) => r.name === route)!;
    const url = new URL(spec.upstreamPath, model.upstream);
    const upstreamStart = performance.now();
    const call = callUpstream(url, Buffer.from(JSON.stringify(prepared.body)), {
      agent: this.agent,
      requestId: ctx.requestId,
      apiKey: this.upstreamApiKeys.get(model.id),
      timeoutMs: this.config.upstream.timeoutMs,
      stream: prepared.stream,
    });
    const onClientClose = () => {
      if (!res.writableFinished) call.abort("client_closed");
    };
    res.on("close", onClientClose);
    const elapsed = () => (ctx.upstreamMs = performance.now() - upstreamStart);
    let upstream: IncomingMessage;
    try {
      upstream = await call.response;
    } catch {
      elapsed();
      const timedOut = call.abortReason() === "timeout";
      // No replica took the request (none running, or none reachable): demand the autoscaler
      // must see even when there is no queue to read, as for a model scaled to zero.
      if (!timedOut && call.abortReason() === undefined) this.scaling.recordUnserved(model.id);
      throw upstreamUnavailable(timedOut);
    }
    const status = upstream.statusCode ?? 502;
    const isSse = /^text\/event-stream/i.test(String(upstream.headers["content-type"] ?? ""));

    if (status < 200 || status >= 300) {
      const body = await readLimited(upstream, 64 * 1024).catch(() => Buffer.alloc(0));
      elapsed();
      throw upstreamFailure(status, body, this.redactor);
    }
    if (prepared.stream && isSse) {
      await this.relayStream(res, ctx, model, route, upstream, call.abortReason);
      elapsed();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readLimited(upstream, this.config.upstream.maxResponseBytes);
    } catch {
      elapsed();
      throw call.abortReason() === "timeout" ? upstreamUnavailable(true) : new GatewayError(502, "The model server sent an invalid response.", "server_error", "upstream_invalid", "error");
    } finally {
      elapsed();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString("utf8"));
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new GatewayError(502, "The model server sent an invalid response.", "server_error", "upstream_invalid", "error");
    }
    const obj = parsed as Record<string, unknown>;
    sanitizeResponseObject(obj, model.id);
    if (route !== "embeddings") ctx.completion = await redactCompletion(obj, this.redactor, ctx.redactions);
    if (typeof obj["usage"] === "object" && obj["usage"] !== null) ctx.usage = obj["usage"] as Usage;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(obj));
  }

  private relayStream(
    res: ServerResponse,
    ctx: Ctx,
    model: ModelConfig,
    route: RouteName,
    upstream: IncomingMessage,
    abortReason: () => string | undefined,
  ): Promise<void> {
    const guard = new StreamGuard({
      redactor: this.redactor,
      holdbackChars: this.config.outputGuard.streamHoldbackChars,
      modelId: model.id,
      dropUsageChunk: ctx.prepared?.injectedUsage ?? false,
      kind: route === "completions" ? "completions" : "chat",
    });
    if (this.audit.contentEnabled) guard.completionText = [];
    const splitter = new SseSplitter();
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no", connection: "keep-alive" });
    res.flushHeaders();
    return new Promise<void>((resolve) => {
      let finished = false;
      const done = (failed: boolean) => {
        if (finished) return;
        finished = true;
        if (failed && !res.destroyed) {
          // Release nothing still held: the text may be incomplete; tell the client it failed.
          const err = { error: { message: abortReason() === "timeout" ? "The model server did not finish in time." : "The model server stream was interrupted.", type: "server_error", code: "upstream_error" } };
          res.write(`data: ${JSON.stringify(err)}\n\ndata: [DONE]\n\n`);
          ctx.decision = ctx.decision === "flagged" ? "flagged" : "error";
          ctx.reasons.push(abortReason() === "timeout" ? "upstream_timeout" : abortReason() ?? "upstream_stream_error");
        } else if (!res.destroyed) {
          for (const ev of splitter.end()) write(guard.onEvent(ev));
          write(guard.end());
        }
        if (guard.upstreamError) {
          ctx.reasons.push("upstream_stream_error");
          if (ctx.decision !== "flagged") ctx.decision = "error";
        }
        ctx.usage = guard.usage ?? { completion_tokens: Math.ceil(guard.completionChars / 4) };
        Object.assign(ctx.redactions, guard.redactionCounts);
        ctx.completion = guard.completionText ?? [];
        if (!res.destroyed) res.end();
        resolve();
      };
      const write = (s: string) => {
        if (s !== "" && !res.destroyed && !res.write(s)) upstream.pause();
      };
      res.on("drain", () => upstream.resume());
      res.on("close", () => {
        if (!finished) {
          ctx.reasons.push("client_closed");
          done(false);
        }
      });
      upstream.on("data", (chunk: Buffer) => {
        for (const ev of splitter.push(chunk)) write(guard.onEvent(ev));
      });
      upstream.on("end", () => done(false));
      upstream.on("error", () => done(true));
      upstream.on("aborted", () => done(true));
    });
  }

  private finish(res: ServerResponse, ctx: Ctx): void {
    // The status the client was actually sent, when the gateway sent one.
    if (res.headersSent && !ctx.terminated) ctx.status = res.statusCode;
    const total = performance.now() - ctx.started;
    const upstream = ctx.upstreamMs;
    const gatewayMs = upstream === null ? total : Math.max(0, total - upstream);
    const p = ctx.principal;
    const u = ctx.usage;
    const rec: AuditRecord = {
      time: new Date().toISOString(),
      requestId: ctx.requestId,
      clientRequestId: ctx.clientRequestId,
      principal: p ? { kind: p.kind, id: p.id, ...(p.groups.length > 0 ? { groups: p.groups } : {}) } : null,
      route: ctx.route,
      method: ctx.method,
      model: ctx.model,
      status: ctx.status,
      decision: ctx.decision,
      reasons: [...new Set(ctx.reasons)],
      stream: ctx.stream,
      tokens: { prompt: u?.prompt_tokens ?? null, completion: u?.completion_tokens ?? null, total: u?.total_tokens ?? null },
      latencyMs: { total: round(total), upstream: upstream === null ? null : round(upstream), gateway: round(gatewayMs) },
      promptSha256: ctx.prepared?.promptSha256 ?? null,
      inputGuard: ctx.guard,
      redactions: ctx.redactions,
      clientAddress: ctx.clientAddress,
    };
    this.audit.record(rec);
    if (this.audit.contentEnabled && ctx.prepared) {
      this.audit.recordContent({
        time: rec.time,
        requestId: ctx.requestId,
        principal: p?.id ?? null,
        model: ctx.model,
        prompt: ctx.prepared.promptText,
        completion: ctx.completion.join(""),
      });
    }
    const modelLabel = ctx.model !== null && this.models.has(ctx.model) ? ctx.model : "";
    this.metrics.requests.inc({ route: ctx.route, model: modelLabel, decision: ctx.decision, status: String(ctx.status) });
    this.metrics.duration.observe({ route: ctx.route }, total / 1000);
    if (upstream !== null) this.metrics.upstreamDuration.observe({ route: ctx.route }, upstream / 1000);
    this.metrics.overhead.observe({ route: ctx.route }, gatewayMs / 1000);
    for (const [type, n] of Object.entries(ctx.redactions)) this.metrics.redactions.inc({ type }, n);
    if (u && modelLabel !== "") {
      if (u.prompt_tokens) this.metrics.tokens.inc({ model: modelLabel, kind: "prompt" }, u.prompt_tokens);
      if (u.completion_tokens) this.metrics.tokens.inc({ model: modelLabel, kind: "completion" }, u.completion_tokens);
    }
  }
}

/** The parser's error codes, reduced to a small label vocabulary for the metric. */
function parserReason(code: string): string {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return "timeout";
  if (code === "HPE_HEADER_OVERFLOW") return "header_too_large";
  if (/CONTENT_LENGTH|TRANSFER_ENCODING|CHUNK|UNEXPECTED_CONTENT_LENGTH/.test(code)) return "framing";
  if (/HEADER|TOKEN|VERSION|METHOD|URL|CR|LF/.test(code)) return "malformed";
  return "other";
}

function rateLimited(retryAfter: number, reason: string): GatewayError {
  return new GatewayError(429, "Rate limit exceeded; retry later.", "rate_limit_error", "rate_limit_exceeded", "rate_limited", [reason], {
    "retry-after": String(retryAfter),
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
