// A minimal S3-compatible server on loopback for the load benchmark and the fetch tests: path-style
// GetObject (with Range and If-Match) and ListObjectsV2 over files under a directory. No
// authentication, no writes. Test hooks can change bytes as they are served (an object tampered
// with mid-stream) or cut a response after some bytes (a dropped connection).
import { createReadStream, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative, sep } from "node:path";

export interface LocalS3Hooks {
  /** Called with every chunk served of an object, and its offset in the object; returns the bytes to send. */
  mutate?: (key: string, offset: number, chunk: Buffer) => Buffer;
  /** Cut the connection once this many bytes of a response have been sent (undefined: never). */
  cutAfter?: (key: string, start: number) => number | undefined;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: the S3 endpoint (path-style). */
  endpoint: string;
  /** Object bytes sent so far. */
  bytesServed: () => number;
  close: () => Promise<void>;
}

/** Objects of `bucket`: every file under `root`, keyed by its path relative to root with `keyPrefix` in front. */
export interface LocalS3Options {
  root: string;
  bucket: string;
  keyPrefix?: string;
  hooks?: LocalS3Hooks;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : e.isFile() ? [p] : [];
  });
}

const xml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`);
}

export async function startLocalS3(opts: LocalS3Options): Promise<LocalS3> {
  const keyPrefix = opts.keyPrefix ?? "";
  let served = 0;
  const objectPath = (key: string): string | undefined => {
    if (!key.startsWith(keyPrefix)) return undefined;
    const rel = key.slice(keyPrefix.length);
    if (rel === "" || rel.split("/").some((s) => s === "" || s === "." || s === "..")) return undefined;
    return join(opts.root, ...rel.split("/"));
  };
  const etagOf = (path: string): string => {
    const st = statSync(path);
    return `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}-${st.ino.toString(16)}"`;
  };

  const list = (url: URL, res: ServerResponse): void => {
    const prefix = url.searchParams.get("prefix") ?? "";
    const contents = listFiles(opts.root)
      .map((p) => ({ key: keyPrefix + relative(opts.root, p).split(sep).join("/"), path: p }))
      .filter((o) => o.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((o) => {
        const st = statSync(o.path);
        return `<Contents><Key>${xml(o.key)}</Key><LastModified>${st.mtime.toISOString()}</LastModified><ETag>${xml(etagOf(o.path))}</ETag><Size>${st.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      });
    res.writeHead(200, { "content-type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(opts.bucket)}</Name><Prefix>${xml(prefix)}</Prefix>` +
        `<KeyCount>${contents.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join("")}</ListBucketResult>`,
    );
  };

  const get = (key: string, req: IncomingMessage, res: ServerResponse, head: boolean): void => {
    const path = objectPath(key);
    let size: number;
    try {
      if (path === undefined) throw new Error("no such key");
      size = statSync(path).size;
    } catch {
      return error(res, 404, "NoSuchKey", `${key} does not exist`);
    }
    const etag = etagOf(path);
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== etag) return error(res, 412, "PreconditionFailed", "If-Match does not match");
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = req.headers["range"];
    if (range !== undefined) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m) return error(res, 416, "InvalidRange", `unsupported range ${range}`);
      start = Number(m[1]);
      end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start >= size || end < start) return error(res, 416, "InvalidRange", `range ${range} outside 0-${size - 1}`);
      status = 206;
    }
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "content-length": size === 0 ? 0 : end - start + 1,
      etag,
      "accept-ranges": "bytes",
      "last-modified": statSync(path).mtime.toUTCString(),
    };
    if (status === 206) headers["content-range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, headers);
    if (head || size === 0) return void res.end();
    const cut = opts.hooks?.cutAfter?.(key, start);
    let sent = 0;
    let offset = start;
    const stream = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
    stream.on("data", (data) => {
      let chunk = data as Buffer;
      if (opts.hooks?.mutate) chunk = opts.hooks.mutate(key, offset, chunk);
      offset += chunk.length;
      if (cut !== undefined && sent + chunk.length > cut) {
        const part = chunk.subarray(0, Math.max(0, cut - sent));
        served += part.length;
        stream.destroy();
        res.write(part, () => res.socket?.destroy());
        return;
      }
      sent += chunk.length;
      served += chunk.length;
      if (!res.write(chunk)) {
        stream.pause();
        res.once("drain", () => stream.resume());
      }
    });
    stream.on("end", () => res.end());
    stream.on("error", () => res.socket?.destroy());
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [bucket, ...rest] = url.pathname.slice(1).split("/");
    if (bucket !== opts.bucket) return error(res, 404, "NoSuchBucket", `bucket ${bucket} does not exist`);
    if (req.method !== "GET" && req.method !== "HEAD") return error(res, 405, "MethodNotAllowed", "read-only");
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "")) {
      if (url.searchParams.get("list-type") === "2") return list(url, res);
      return error(res, 400, "InvalidRequest", "only ListObjectsV2 is supported on the bucket");
    }
    get(decodeURIComponent(rest.join("/")), req, res, req.method === "HEAD");
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bytesServed: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
