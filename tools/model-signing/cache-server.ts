// The node-local model cache's server: serves one verified model, read-only, to the model's own
// pods on the same node. Node builtins only.
//
// What it answers, and nothing else:
//   GET|HEAD /ready           200 while a verified model is served, 503 otherwise (readiness probe)
//   GET|HEAD /listing         the served files as JSON {files: [{name, size, etag}]}
//   GET|HEAD /files/<name>    the bytes of a file of the verified manifest (or model.sig), with one
//                             Range (`bytes=a-b`, `a-`, `-n`) and If-Match on its ETag
// Any other method is 405, any other path 404, a query string 400. A file is found by looking its
// decoded name up in the manifest the fetcher verified, never by joining a request path onto the
// directory, so no request can name a file outside the manifest (no `..`, no directory listing,
// no symlink to follow: the directory holds only what the fetcher wrote).
//
// Plain HTTP, not TLS: the Service that fronts the cache routes only to the endpoint on the
// caller's own node (internalTrafficPolicy: Local), so the bytes never leave the node, and the
// caller trusts nothing it receives: it verifies the signature with its own copy of the public key
// and hashes every byte against the signed digests (fetch.ts), so a compromised cache can make a
// copy fail, never make it succeed with other bytes.
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { join } from "node:path";
import { FILES_PATH, LISTING_PATH, READY_PATH } from "./http-source.js";

/** One file the cache may serve: its verified size and its ETag (the signed digest, quoted). */
export interface ServedFile {
  size: number;
  etag: string;
}

/** The model being served: its directory and exactly the files it may hand out. */
export interface ServedModel {
  dir: string;
  files: ReadonlyMap<string, ServedFile>;
}

export type Range = { start: number; end: number } | "unsatisfiable" | "malformed" | undefined;

/**
 * One byte range of a file of `size` bytes from a Range header (end exclusive); undefined without
 * a header. Several ranges are refused as malformed (the fetcher asks for one at a time).
 */
export function parseRange(header: string | undefined, size: number): Range {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "malformed";
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || last < start) return "unsatisfiable";
  return { start, end: last + 1 };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store", ...headers });
  res.end(body);
}

/** The request handler over whatever `current()` serves at the moment (undefined: not ready). */
export function cacheHandler(current: () => ServedModel | undefined): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) return send(res, 405, "only GET and HEAD\n", { allow: "GET, HEAD" });
    const url = req.url ?? "";
    if (!url.startsWith("/") || url.includes("?") || url.includes("#")) return send(res, 400, "bad request target\n");
    const model = current();
    if (url === READY_PATH) return send(res, model ? 200 : 503, model ? "ready\n" : "verifying\n");
    if (!model) return send(res, 503, "no verified model yet\n", { "retry-after": "5" });
    if (url === LISTING_PATH) {
      const body = JSON.stringify({ files: [...model.files].map(([name, f]) => ({ name, size: f.size, etag: f.etag })) });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store" });
      return void res.end(head ? undefined : body);
    }
    if (!url.startsWith(FILES_PATH)) return send(res, 404, "not found\n");
    let name: string;
    try {
      name = url.slice(FILES_PATH.length).split("/").map(decodeURIComponent).join("/");
    } catch {
      return send(res, 400, "bad path encoding\n");
    }
    // The manifest decides; the request path is never joined onto the directory.
    const file = model.files.get(name);
    if (file === undefined) return send(res, 404, "not found\n");
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && ifMatch.trim() !== "*" && !ifMatch.split(",").some((t) => t.trim() === file.etag)) return send(res, 412, "changed\n", { etag: file.etag });
    const range = parseRange(req.headers.range, file.size);
    if (range === "malformed") return send(res, 400, "one range of the form bytes=a-b\n");
    if (range === "unsatisfiable") return send(res, 416, "range not satisfiable\n", { "content-range": `bytes */${file.size}` });
    const start = range?.start ?? 0;
    const end = range?.end ?? file.size;
    res.writeHead(range ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-length": String(end - start),
      "accept-ranges": "bytes",
      etag: file.etag,
      "cache-control": "no-store",
      ...(range ? { "content-range": `bytes ${start}-${end - 1}/${file.size}` } : {}),
    });
    if (head || end === start) return void res.end();
    const path = join(model.dir, ...name.split("/"));
    const stream = createReadStream(path, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    stream.on("error", () => res.destroy());
    res.on("close", () => stream.destroy());
    stream.pipe(res);
  };
}

/** An HTTP server for the handler, with bounded header and request times (a slow client cannot hold it). */
export function createCacheServer(current: () => ServedModel | undefined): Server {
  const server = createServer({ headersTimeout: 30_000, requestTimeout: 0, keepAliveTimeout: 30_000 }, cacheHandler(current));
  server.maxHeadersCount = 32;
  return server;
}
