// Reading a request body: bounded in size and nesting, and refused in a way the client can see.
import type { IncomingMessage } from "node:http";
import { badRequest } from "./errors.js";

/** Deepest array/object nesting accepted. Real OpenAI requests nest a handful of levels; tool schemas a few more. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `text` nests arrays and objects deeper than `limit`, in one pass that skips string
 * contents. Checked before JSON.parse, so that parsing, re-serialising and walking the body (all
 * recursive) never meet a depth that could exhaust the stack.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** Parses a JSON object body; 400 for bad JSON, too deep a nesting, or a non-object. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const text = raw.toString("utf8");
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw badRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, "nesting_too_deep");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.", "invalid_json");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The request body must be a JSON object.", "invalid_json");
  return body as Record<string, unknown>;
}

/**
 * Reads and discards the rest of a body that is too large, up to `bound` more bytes, resolving
 * when it has ended (true) or when the bound is reached (false). A client still uploading when
 * the server closes gets EPIPE or a reset instead of the 413, and SDKs then retry the whole
 * upload; draining first lets it read the status.
 */
export function discard(stream: IncomingMessage, bound: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (stream.readableEnded) return resolve(true);
    let seen = 0;
    const onData = (c: Buffer) => {
      seen += c.length;
      if (seen > bound) {
        cleanup();
        resolve(false);
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(true);
    };
    const onFail = () => {
      cleanup();
      resolve(false);
    };
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onFail);
      stream.off("aborted", onFail);
      stream.off("close", onFail);
    };
    // A client gone before this was called has already emitted its events: nothing more comes.
    if (stream.destroyed) return resolve(false);
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onFail);
    stream.on("aborted", onFail);
    stream.on("close", onFail);
    stream.resume();
  });
}

/**
 * Reads a body of at most `limit` bytes. A larger one is read on and discarded up to
 * `drainBound` further bytes, then reported as too large (see `discard` for why).
 * Rejects when the client goes away or the connection fails.
 */
export function readBody(stream: IncomingMessage, limit: number, drainBound: number): Promise<{ body: Buffer } | { tooLarge: true }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size > limit + drainBound) {
        cleanup();
        stream.resume();
        resolve({ tooLarge: true });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(size > limit ? { tooLarge: true } : { body: Buffer.concat(chunks) });
    };
    const onFail = () => {
      cleanup();
      reject(new Error("body_unreadable"));
    };
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onFail);
      stream.off("aborted", onFail);
      stream.off("close", onFail);
    };
    // The request may have been destroyed while the gateway was still authenticating it (the
    // client hung up): its "aborted" and "close" events are past, and waiting for "end" would
    // hold the request in flight, unaudited, for ever. "close" before "end" is the same failure.
    if (stream.destroyed) return reject(new Error("body_unreadable"));
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onFail);
    stream.on("aborted", onFail);
    stream.on("close", onFail);
  });
}
