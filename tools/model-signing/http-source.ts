// The node's model cache as a fetch source, over plain HTTP on the node (cache-server.ts serves
// it): `GET /listing` for the listing, `GET /files/<name>` with a Range and If-Match for the
// bytes. Nothing it says is trusted: fetch.ts verifies the signature against the trusted key and
// hashes every byte as it arrives, exactly as for S3. Node builtins only (the vLLM pod's copy step
// carries no AWS SDK and no credentials).
import { Agent, request } from "node:http";
import type { IncomingMessage } from "node:http";
import { fail } from "./errors.js";
import { ObjectChangedError } from "./source.js";
import type { ByteRange, Listed, ModelSource } from "./source.js";

/** The listing is small (names, sizes, tags); anything larger is refused unread. */
export const MAX_LISTING_BYTES = 4 * 1024 * 1024;
/** Paths of the cache's protocol (cache-server.ts). */
export const LISTING_PATH = "/listing";
export const FILES_PATH = "/files/";
export const READY_PATH = "/ready";

export interface HttpSourceOptions {
  /** `http://host:port/` of the cache. */
  baseUrl: string;
  /** Connections kept (the fetch's concurrency). */
  maxSockets: number;
  /**
   * Keep asking for the listing while the cache is not there or not ready yet (connection refused
   * or dropped, 503) for up to this many seconds: the first pod on a new node starts while its
   * node's cache is still downloading. Default 0: one attempt.
   */
  waitSeconds?: number;
  /** Pause between listing attempts, ms. Default 5000. */
  retryMillis?: number;
  /** A socket idle this long is abandoned (the part is retried), ms. Default 60000. */
  idleMillis?: number;
}

/** The path of a file: every segment percent-encoded, so a name can never become another path. */
export function filePath(name: string): string {
  return FILES_PATH + name.split("/").map(encodeURIComponent).join("/");
}

export function httpSource(o: HttpSourceOptions): ModelSource {
  const base = new URL(o.baseUrl);
  if (base.protocol !== "http:") fail("USAGE", `${o.baseUrl}: the cache is read over http:// on the node`);
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets });
  const idle = o.idleMillis ?? 60_000;
  const get = (path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = request({ host: base.hostname, port: base.port || 80, path, method: "GET", headers, agent, ...(signal !== undefined ? { signal } : {}) }, resolve);
      req.setTimeout(idle, () => req.destroy(new Error(`no answer from ${base.host} in ${idle} ms`)));
      req.on("error", reject);
      req.end();
    });
  const location = `http://${base.host}/`;

  async function listOnce(): Promise<Map<string, Listed>> {
    const res = await get(LISTING_PATH, { accept: "application/json" });
    if (res.statusCode !== 200) {
      res.resume();
      throw Object.assign(new Error(`GET ${LISTING_PATH}: HTTP ${res.statusCode}`), { status: res.statusCode });
    }
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_LISTING_BYTES) {
        res.destroy();
        fail("LIMIT_EXCEEDED", `${location}: listing larger than ${MAX_LISTING_BYTES} bytes`);
      }
      chunks.push(c);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      fail("SOURCE_ERROR", `${location}: the listing is not JSON`);
    }
    const files = (doc as { files?: unknown }).files;
    if (!Array.isArray(files)) fail("SOURCE_ERROR", `${location}: the listing has no files array`);
    const out = new Map<string, Listed>();
    for (const f of files as unknown[]) {
      const { name, size, etag } = (f ?? {}) as Record<string, unknown>;
      if (typeof name !== "string" || typeof etag !== "string" || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0 || out.has(name)) {
        fail("SOURCE_ERROR", `${location}: malformed listing entry ${JSON.stringify(f).slice(0, 200)}`);
      }
      out.set(name, { size, etag });
    }
    return out;
  }

  return {
    location,
    errorCode: "SOURCE_ERROR",
    async list() {
      const deadline = Date.now() + (o.waitSeconds ?? 0) * 1000;
      for (;;) {
        try {
          return await listOnce();
        } catch (err) {
          const e = err as { status?: number; code?: string; message?: string };
          // Not there yet (no ready cache on this node) or not ready (503): wait, within the budget.
          const waiting = e.status === 503 || e.code === "ECONNREFUSED" || e.code === "ECONNRESET" || e.code === "EHOSTUNREACH" || /no answer/.test(e.message ?? "");
          if (!waiting || Date.now() >= deadline) {
            if (err instanceof Error && err.name === "ModelSigningError") throw err;
            fail("SOURCE_ERROR", `${location}: cannot read the listing: ${e.message ?? String(err)}`);
          }
          await new Promise((r) => setTimeout(r, o.retryMillis ?? 5000));
        }
      }
    },
    async read(name: string, etag: string, range: ByteRange | undefined, signal?: AbortSignal) {
      const headers: Record<string, string> = { "if-match": etag };
      if (range !== undefined) headers["range"] = `bytes=${range.start}-${range.end - 1}`;
      const res = await get(filePath(name), headers, signal);
      const expected = range === undefined ? 200 : 206;
      if (res.statusCode === 412) {
        res.resume();
        throw new ObjectChangedError(name);
      }
      if (res.statusCode !== expected) {
        res.resume();
        throw new Error(`GET ${filePath(name)}: HTTP ${res.statusCode}, expected ${expected}`);
      }
      if (range !== undefined && res.headers["content-range"] !== undefined && !res.headers["content-range"].startsWith(`bytes ${range.start}-${range.end - 1}/`)) {
        res.destroy();
        throw new Error(`GET ${filePath(name)}: Content-Range ${res.headers["content-range"]} is not the range asked for`);
      }
      return res as AsyncIterable<Uint8Array>;
    },
    close() {
      agent.destroy();
    },
  };
}
