// The model-server side: one mutual-TLS request per client request over a keep-alive agent, and
// the translation of whatever comes back into something safe for a client. Upstream error text
// is reduced to its first line, bounded and redacted; 5xx bodies are never shown at all.
import type { IncomingMessage } from "node:http";
import { request as httpsRequest, type Agent } from "node:https";
import { GatewayError } from "./errors.js";
import type { PiiRedactor } from "./pii.js";

export interface UpstreamCall {
  response: Promise<IncomingMessage>;
  abort(reason: "client_closed" | "timeout"): void;
  abortReason(): string | undefined;
}

export function callUpstream(
  url: URL,
  body: Buffer,
  opts: { agent: Agent; requestId: string; apiKey: string | undefined; timeoutMs: number; stream: boolean },
): UpstreamCall {
  const controller = new AbortController();
  let reason: string | undefined;
  const timer = setTimeout(() => {
    reason = "timeout";
    controller.abort();
  }, opts.timeoutMs);
  timer.unref();
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": body.length,
    accept: opts.stream ? "text/event-stream" : "application/json",
    "x-request-id": opts.requestId,
  };
  if (opts.apiKey) headers["authorization"] = `Bearer ${opts.apiKey}`;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpsRequest(url, { method: "POST", agent: opts.agent, headers, signal: controller.signal }, (res) => {
      res.on("close", () => clearTimeout(timer));
      resolve(res);
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
  return {
    response,
    abort(r) {
      reason ??= r;
      clearTimeout(timer);
      controller.abort();
    },
    abortReason: () => reason,
  };
}

/**
 * Reads a whole body, failing with "too_large" once it exceeds `limit` bytes. With `drain`, up to
 * that many further bytes are read and discarded first, so a client still sending gets its 413
 * instead of a connection reset; beyond that the stream is destroyed.
 */
export function readLimited(stream: IncomingMessage, limit: number, drain = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size > limit + drain) {
        stream.destroy();
        reject(new Error("too_large"));
      }
    });
    stream.on("end", () => (size > limit ? reject(new Error("too_large")) : resolve(Buffer.concat(chunks))));
    stream.on("error", reject);
    stream.on("aborted", () => reject(new Error("aborted")));
  });
}

export function upstreamUnavailable(timedOut: boolean): GatewayError {
  return timedOut
    ? new GatewayError(504, "The model server did not answer in time.", "server_error", "upstream_timeout", "error")
    : new GatewayError(502, "The model server is unavailable.", "server_error", "upstream_unavailable", "error");
}

/** Maps a non-2xx upstream answer to a client error that carries no upstream internals. */
export function upstreamFailure(status: number, body: Buffer, redactor: PiiRedactor): GatewayError {
  if (status >= 500 || status < 400) {
    return new GatewayError(502, "The model server failed to process the request.", "server_error", "upstream_error", "error", [`upstream_status_${status}`]);
  }
  if (status === 429) {
    return new GatewayError(429, "The model server is busy; retry shortly.", "rate_limit_error", "upstream_busy", "error", ["upstream_status_429"], { "retry-after": "1" });
  }
  let message = "The model server rejected the request.";
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { message?: unknown; error?: { message?: unknown } };
    const m = typeof parsed.error?.message === "string" ? parsed.error.message : typeof parsed.message === "string" ? parsed.message : undefined;
    if (m !== undefined) {
      // vLLM's validation messages (context length, unknown parameter) help clients; keep the
      // first line only, short, and without personal data.
      const line = (m.split(/\r?\n/)[0] ?? "").slice(0, 300).trim();
      if (line !== "" && !/Traceback|File "|\bat [\w.]+ \(/.test(line)) message = redactor.redact(line).text;
    }
  } catch {
    // keep the generic message
  }
  const clientStatus = status === 404 ? 404 : status === 413 ? 413 : 400;
  return new GatewayError(clientStatus, message, clientStatus === 404 ? "not_found_error" : "invalid_request_error", "upstream_rejected", "rejected", [`upstream_status_${status}`]);
}
