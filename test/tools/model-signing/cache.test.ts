// The node-local model cache and the vLLM pod's copy from it, over real loopback HTTP: the cache
// downloads and verifies from a local S3-compatible server, serves only the verified files
// (GET/HEAD, one range, nothing outside the manifest), and the copy verifies every byte again, so
// a cache that is tampered with or lies about its files hands vLLM nothing.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { startLocalS3 } from "../../../tools/bench/local-s3.js";
import type { LocalS3 } from "../../../tools/bench/local-s3.js";
import { ModelCache, servedModelOf } from "../../../tools/model-signing/cache.js";
import { cacheHandler, createCacheServer, parseRange } from "../../../tools/model-signing/cache-server.js";
import type { ServedModel } from "../../../tools/model-signing/cache-server.js";
import { ERROR_CODES, ModelSigningError } from "../../../tools/model-signing/errors.js";
import { fetchModel } from "../../../tools/model-signing/fetch.js";
import { filePath, httpSource } from "../../../tools/model-signing/http-source.js";
import { s3Source } from "../../../tools/model-signing/s3-source.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { verifyModel } from "../../../tools/model-signing/verify.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

const BUCKET = "sovereign-llm-test-models";
const PREFIX = "models/cached-llm/";
const MIB = 1024 * 1024;
const SHARD = "model-00001-of-00002.safetensors";

let root: string;
let key: KeyFiles;
let model: string;
let s3server: LocalS3;
let s3: S3Client;
let n = 0;

async function publish(dir: string, name = "cached-llm"): Promise<void> {
  const lines: string[] = [];
  const code = await runPublishCli(["dev", name, dir, "--key", key.privatePem, "--no-upload", "--stacks-dir", join(root, "none")], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  assert.equal(code, 0, lines.join("\n"));
}

before(async () => {
  root = tempDir("cache");
  key = makeKey(root);
  model = makeModel(join(root, "model"));
  writeFileSync(join(model, SHARD), safetensors(3 * MIB + 11));
  await publish(model);
  s3server = await startLocalS3({ root: model, bucket: BUCKET, keyPrefix: PREFIX });
  s3 = new S3Client({ endpoint: s3server.endpoint, region: "eu-central-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
});
after(async () => {
  s3.destroy();
  await s3server.close();
  removeDir(root);
});

const publicKey = () => readFileSync(key.publicPem);
const fresh = (what: string) => {
  const d = join(root, `${what}-${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
const close = (server: Server) => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });

/** A filled cache and its server on loopback. */
async function filledCache(s3dir = model, prefix = PREFIX): Promise<{ cache: ModelCache; url: string; server: Server; dir: string; s3: LocalS3 }> {
  const local = s3dir === model ? s3server : await startLocalS3({ root: s3dir, bucket: BUCKET, keyPrefix: prefix });
  const client = local === s3server ? s3 : new S3Client({ endpoint: local.endpoint, region: "eu-central-1", forcePathStyle: true, credentials: { accessKeyId: "t", secretAccessKey: "t" }, maxAttempts: 1 });
  const dir = fresh("cache");
  const cache = new ModelCache({ source: s3Source(client, BUCKET, prefix), root: dir, publicKey: publicKey(), expectName: "cached-llm", partBytes: 256 * 1024, concurrency: 4 });
  await cache.fill();
  const server = cache.server();
  return { cache, url: await listen(server), server, dir, s3: local };
}

/** The vLLM pod's copy: fetchModel from the cache over HTTP into a fresh directory. */
function copyFrom(url: string, dest: string, extra: { waitSeconds?: number; retryMillis?: number } = {}) {
  const source = httpSource({ baseUrl: url, maxSockets: 4, ...extra });
  return fetchModel({ source, dest, publicKey: publicKey(), expectName: "cached-llm", partBytes: 256 * 1024, concurrency: 4 }).finally(() => source.close());
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }
function http(url: string, path: string, method = "GET", headers: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function rejectsWith(p: Promise<unknown>, code: keyof typeof ERROR_CODES, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ModelSigningError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe("parseRange", () => {
  it("reads one range of each form and refuses the rest", () => {
    assert.equal(parseRange(undefined, 10), undefined);
    assert.deepEqual(parseRange("bytes=0-3", 10), { start: 0, end: 4 });
    assert.deepEqual(parseRange("bytes=4-", 10), { start: 4, end: 10 });
    assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 10 });
    assert.deepEqual(parseRange("bytes=8-100", 10), { start: 8, end: 10 });
    assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
    assert.equal(parseRange("bytes=5-4", 10), "unsatisfiable");
    assert.equal(parseRange("bytes=0-1,3-4", 10), "malformed");
    assert.equal(parseRange("items=0-1", 10), "malformed");
    assert.equal(parseRange("bytes=-", 10), "malformed");
  });
});

describe("model cache server", () => {
  let c: Awaited<ReturnType<typeof filledCache>>;
  before(async () => {
    c = await filledCache();
    // A file on the cache's disk that is not in the verified manifest must never be served.
    writeFileSync(join(c.cache.current()!.dir, "..", "secret.txt"), "not a model file");
  });
  after(() => close(c.server));

  it("serves the verified files whole and by range, with their signed digest as ETag", async () => {
    const original = readFileSync(join(model, SHARD));
    const whole = await http(c.url, filePath(SHARD));
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(original));
    const etag = c.cache.current()!.files.get(SHARD)!.etag;
    assert.match(etag, /^"sha256:[0-9a-f]{64}"$/);
    assert.equal(whole.headers["etag"], etag);
    const mid = await http(c.url, filePath(SHARD), "GET", { range: "bytes=1000-1999", "if-match": etag });
    assert.equal(mid.status, 206);
    assert.equal(mid.headers["content-range"], `bytes 1000-1999/${original.length}`);
    assert.ok(mid.body.equals(original.subarray(1000, 2000)));
    const tail = await http(c.url, filePath(SHARD), "GET", { range: "bytes=-5" });
    assert.ok(tail.body.equals(original.subarray(original.length - 5)));
    const open = await http(c.url, filePath(SHARD), "GET", { range: `bytes=${original.length - 3}-` });
    assert.ok(open.body.equals(original.subarray(original.length - 3)));
    const nested = await http(c.url, filePath("tokenizer/tokenizer.json"));
    assert.ok(nested.body.equals(readFileSync(join(model, "tokenizer", "tokenizer.json"))));
    const head = await http(c.url, filePath(SHARD), "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-length"], String(original.length));
    assert.equal(head.body.length, 0);
  });

  it("refuses ranges it cannot satisfy, several ranges, and a stale If-Match", async () => {
    const size = readFileSync(join(model, SHARD)).length;
    const beyond = await http(c.url, filePath(SHARD), "GET", { range: `bytes=${size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers["content-range"], `bytes */${size}`);
    assert.equal((await http(c.url, filePath(SHARD), "GET", { range: "bytes=0-1,5-6" })).status, 400);
    assert.equal((await http(c.url, filePath(SHARD), "GET", { "if-match": `"sha256:${"0".repeat(64)}"` })).status, 412);
  });

  it("answers nothing outside the manifest: no traversal, no listing of the directory, no other file", async () => {
    for (const path of [
      "/files/secret.txt",
      "/files/../secret.txt",
      "/files/%2e%2e/secret.txt",
      "/files/..%2fsecret.txt",
      `/files/${encodeURIComponent("/etc/passwd")}`,
      "/files/tokenizer",
      "/files/tokenizer/",
      "/files/",
      "/",
      "/etc/passwd",
      `/${SHARD}`,
    ]) {
      const r = await http(c.url, path);
      assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.ok(!r.body.toString().includes("not a model file"), path);
    }
    assert.equal((await http(c.url, `${filePath(SHARD)}?x=1`)).status, 400);
  });

  it("answers GET and HEAD only", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]) {
      const r = await http(c.url, filePath(SHARD), method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers["allow"], "GET, HEAD");
    }
    assert.equal((await http(c.url, "/ready")).status, 200);
  });

  it("is not ready, and serves nothing, before a model is verified", async () => {
    const server = createCacheServer(() => undefined);
    const url = await listen(server);
    try {
      assert.equal((await http(url, "/ready")).status, 503);
      assert.equal((await http(url, "/listing")).status, 503);
      assert.equal((await http(url, filePath(SHARD))).status, 503);
    } finally {
      await close(server);
    }
  });
});

describe("copy from the node's cache", () => {
  it("copies and verifies in one pass: the result is what model:verify accepts", async () => {
    const c = await filledCache();
    try {
      const dest = join(fresh("copy"), "cached-llm");
      const r = await copyFrom(c.url, dest);
      assert.equal(r.rootDigest, c.cache.rootDigest());
      assert.equal(r.downloadedBytes, r.bytes);
      assert.equal((await verifyModel({ modelPath: dest, publicKey: publicKey() })).rootDigest, r.rootDigest);
    } finally {
      await close(c.server);
    }
  });

  it("a byte tampered with in the cache is refused, and nothing is handed to vLLM", async () => {
    const c = await filledCache();
    try {
      const path = join(c.cache.current()!.dir, SHARD);
      const bytes = readFileSync(path);
      bytes[2 * MIB + 3] = bytes[2 * MIB + 3]! ^ 0x01;
      writeFileSync(path, bytes);
      const dest = join(fresh("copy"), "cached-llm");
      await rejectsWith(copyFrom(c.url, dest), "FILE_DIGEST_MISMATCH", new RegExp(SHARD));
      assert.equal(existsSync(dest), false, "the directory vLLM reads does not exist");
    } finally {
      await close(c.server);
    }
  });

  it("a cache that lies (another key's signature, an extra pickle, a missing file) hands over nothing", async () => {
    const c = await filledCache();
    const served = c.cache.current()!;
    const lie = async (make: (m: ServedModel) => ServedModel, code: keyof typeof ERROR_CODES) => {
      const server = createCacheServer(() => make(served));
      const url = await listen(server);
      try {
        const dest = join(fresh("copy"), "cached-llm");
        await rejectsWith(copyFrom(url, dest), code);
        assert.equal(existsSync(dest), false, code);
      } finally {
        await close(server);
      }
    };
    try {
      // A signature by a key the pod does not trust, over the same files.
      const other = makeKey(fresh("otherkey"), "P-256", "other");
      const forged = fresh("forged");
      makeModel(forged);
      writeFileSync(join(forged, SHARD), readFileSync(join(served.dir, SHARD)));
      await runPublishCli(["dev", "cached-llm", forged, "--key", other.privatePem, "--no-upload", "--stacks-dir", join(root, "none")], { out: () => {}, err: () => {} });
      const forgedServed = servedModelOf({ dest: forged, manifest: [] });
      await lie((m) => ({ dir: forged, files: new Map([...m.files, ["model.sig", forgedServed.files.get("model.sig")!]]) }), "KEY_HINT_MISMATCH");
      // An extra file the signature does not list, of a type that can carry code.
      writeFileSync(join(served.dir, "extra.bin"), "pickle");
      await lie((m) => ({ dir: m.dir, files: new Map([...m.files, ["extra.bin", { size: 6, etag: '"x"' }]]) }), "FILE_TYPE_FORBIDDEN");
      // A signed file left out of the listing.
      await lie((m) => ({ dir: m.dir, files: new Map([...m.files].filter(([name]) => name !== "config.json")) }), "FILE_MISSING");
    } finally {
      await close(c.server);
    }
  });

  it("waits for a cache that is not ready yet, within its budget, then copies", async () => {
    const c = await filledCache();
    let asked = 0;
    // Not ready for the first three listings (the node's cache still downloading).
    const handler = cacheHandler(() => (asked++ < 3 ? undefined : c.cache.current()));
    const server = createCacheServer(() => undefined);
    server.removeAllListeners("request");
    server.on("request", handler);
    const url = await listen(server);
    try {
      const dest = join(fresh("copy"), "cached-llm");
      const r = await copyFrom(url, dest, { waitSeconds: 3600, retryMillis: 10 });
      assert.equal(r.rootDigest, c.cache.rootDigest());
      assert.ok(asked >= 4);
      // Without a budget, a cache that is not ready fails the copy at once.
      asked = 0;
      await rejectsWith(copyFrom(url, join(fresh("copy"), "cached-llm")), "SOURCE_ERROR", /HTTP 503/);
    } finally {
      await close(server);
      await close(c.server);
    }
  });
});

describe("the cache's own copy", () => {
  it("is keyed by the signed root digest and re-verified from disk when the cache restarts; a tampered copy is refused, then fetched again", async () => {
    const c = await filledCache();
    await close(c.server);
    const digest = c.cache.rootDigest()!;
    assert.deepEqual(readdirSync(c.dir), [digest]);
    const restart = () => new ModelCache({ source: s3Source(s3, BUCKET, PREFIX), root: c.dir, publicKey: publicKey(), partBytes: 256 * 1024 });
    const again = await restart().fill();
    assert.equal(again.downloadedBytes, 0, "nothing fetched: re-hashed from disk");
    assert.equal(again.rehashedBytes, again.bytes);
    const path = join(c.dir, digest, SHARD);
    const bytes = readFileSync(path);
    bytes[10] = bytes[10]! ^ 0x80;
    writeFileSync(path, bytes);
    const tampered = restart();
    await rejectsWith(tampered.fill(), "FILE_DIGEST_MISMATCH");
    assert.equal(tampered.current(), undefined, "a copy that failed its digests is not served");
    const healed = await restart().fill();
    assert.equal(healed.downloadedBytes, bytes.length, "only the tampered file is fetched again");
  });

  it("fetches again only when the signed version changes, and keeps a pinned version", async () => {
    const dir = fresh("versions");
    makeModel(dir);
    writeFileSync(join(dir, SHARD), safetensors(MIB));
    await publish(dir);
    const c = await filledCache(dir, PREFIX);
    try {
      const first = c.cache.rootDigest()!;
      assert.equal(await c.cache.recheck(), "unchanged");
      const pinned = new ModelCache({ source: s3Source(new S3Client({ endpoint: c.s3.endpoint, region: "eu-central-1", forcePathStyle: true, credentials: { accessKeyId: "t", secretAccessKey: "t" } }), BUCKET, PREFIX), root: fresh("pinned"), publicKey: publicKey(), expectDigest: `sha256:${first}` });
      await pinned.fill();
      // A new version is published under the same prefix.
      writeFileSync(join(dir, SHARD), safetensors(MIB + 8));
      await publish(dir);
      assert.equal(await c.cache.recheck(), "refetched");
      assert.notEqual(c.cache.rootDigest(), first);
      assert.deepEqual(readdirSync(c.dir), [c.cache.rootDigest()], "the old version is gone: one copy per model on a node");
      assert.equal(await pinned.recheck(), "kept", "a cache pinned to a version keeps serving it");
      assert.equal(pinned.rootDigest(), first);
    } finally {
      await close(c.server);
      await c.s3.close();
    }
  });
});
