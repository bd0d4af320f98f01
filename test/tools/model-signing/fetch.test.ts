// model:fetch against a local S3-compatible server on loopback: one pass over the network with
// every byte hashed as it arrives, nothing handed over unless everything verified, resumable,
// memory bounded by the part window whatever the model's size.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { closeSync, cpSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { startLocalS3 } from "../../../tools/bench/local-s3.js";
import type { LocalS3, LocalS3Hooks } from "../../../tools/bench/local-s3.js";
import { ERROR_CODES, ModelSigningError } from "../../../tools/model-signing/errors.js";
import { fetchModel } from "../../../tools/model-signing/fetch.js";
import { s3Source } from "../../../tools/model-signing/s3-source.js";
import { runFetchCli } from "../../../tools/model-signing/fetch-cli.js";
import type { FetchOptions } from "../../../tools/model-signing/fetch.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { verifyModel } from "../../../tools/model-signing/verify.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

const BUCKET = "sovereign-llm-test-models";
const PREFIX = "models/tiny-llm/";
const MIB = 1024 * 1024;

let root: string;
let key: KeyFiles;
let model: string;
let n = 0;

async function publish(dir: string): Promise<void> {
  const lines: string[] = [];
  const code = await runPublishCli(["dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload", "--stacks-dir", join(root, "none")], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  assert.equal(code, 0, lines.join("\n"));
}

before(async () => {
  root = tempDir("fetch");
  key = makeKey(root);
  model = makeModel(join(root, "model"));
  writeFileSync(join(model, "model-00001-of-00002.safetensors"), safetensors(6 * MIB + 123));
  writeFileSync(join(model, "model-00002-of-00002.safetensors"), safetensors(3 * MIB + 7));
  await publish(model);
});
after(() => removeDir(root));

/** Runs fetchModel against a fresh server over `dir`, with hooks; the server is closed afterwards. */
async function fetchFrom(dir: string, dest: string, hooks: LocalS3Hooks = {}, extra: Partial<FetchOptions> = {}) {
  const server: LocalS3 = await startLocalS3({ root: dir, bucket: BUCKET, keyPrefix: PREFIX, hooks });
  const s3 = new S3Client({ endpoint: server.endpoint, region: "eu-central-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  try {
    return await fetchModel({ source: s3Source(s3, BUCKET, PREFIX), dest, publicKey: readKey(), partBytes: 256 * 1024, concurrency: 4, ...extra });
  } finally {
    s3.destroy();
    await server.close();
  }
}
const readKey = (): Buffer => readFileSync(key.publicPem);
const dest = (): string => join(root, `dest-${++n}`, "tiny-llm");

async function rejectsWith(p: Promise<unknown>, code: keyof typeof ERROR_CODES, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ModelSigningError, String(e));
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe("model:fetch", () => {
  it("downloads, verifies in the same pass, and hands over a directory model:verify accepts", async () => {
    const d = dest();
    mkdirSync(join(d, ".."), { recursive: true });
    const r = await fetchFrom(model, d, {}, { expectName: "tiny-llm" });
    assert.equal(r.files, 8);
    assert.equal(r.downloadedBytes, r.bytes, "every byte fetched exactly once");
    assert.equal(r.rehashedBytes, 0);
    assert.ok(r.maxBufferedBytes <= 4 * 256 * 1024, `buffered ${r.maxBufferedBytes}`);
    assert.equal(existsSync(`${d}.incoming`), false);
    const v = await verifyModel({ modelPath: d, publicKey: readKey() });
    assert.equal(v.rootDigest, r.rootDigest);
  });

  it("an object tampered with mid-stream is rejected and nothing is handed over", async () => {
    const d = dest();
    mkdirSync(join(d, ".."), { recursive: true });
    const target = `${PREFIX}model-00001-of-00002.safetensors`;
    const at = 5 * MIB + 17;
    const mutate = (k: string, offset: number, chunk: Buffer): Buffer => {
      if (k !== target || at < offset || at >= offset + chunk.length) return chunk;
      const c = Buffer.from(chunk);
      c[at - offset] = c[at - offset]! ^ 0xff;
      return c;
    };
    await rejectsWith(fetchFrom(model, d, { mutate }), "FILE_DIGEST_MISMATCH", /model-00001-of-00002\.safetensors: content differs/);
    assert.equal(existsSync(d), false, "the model directory vLLM reads does not exist");
    assert.equal(statSync(join(`${d}.incoming`, "model-00001-of-00002.safetensors")).size, 0, "a prefix that failed its digest is not kept for a resume");
  });

  it("a download interrupted mid-file resumes: the staged prefix is re-hashed from disk, only the rest is fetched", async () => {
    const d = dest();
    mkdirSync(join(d, ".."), { recursive: true });
    const target = `${PREFIX}model-00001-of-00002.safetensors`;
    const cutFrom = 4 * MIB;
    // Every response for the shard's bytes from 4 MiB on is cut before its first byte.
    await rejectsWith(fetchFrom(model, d, { cutAfter: (k, start) => (k === target && start >= cutFrom ? 0 : undefined) }), "AWS_ERROR", /model-00001-of-00002\.safetensors/);
    assert.equal(existsSync(d), false);
    const shardPrefix = statSync(join(`${d}.incoming`, "model-00001-of-00002.safetensors")).size;
    assert.ok(shardPrefix >= 1 * MIB && shardPrefix <= cutFrom, `staged prefix ${shardPrefix}`);
    // Other files may have been fetched meanwhile: all of what is staged counts.
    const staged = readdirSync(`${d}.incoming`, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
    const r = await fetchFrom(model, d);
    assert.equal(r.rehashedBytes, staged);
    assert.equal(r.downloadedBytes, r.bytes - staged);
    await verifyModel({ modelPath: d, publicKey: readKey() });
  });

  it("a corrupted staged prefix is caught on resume (never trusted) and discarded", async () => {
    const d = dest();
    mkdirSync(`${d}.incoming`, { recursive: true });
    const fd = openSync(join(`${d}.incoming`, "model-00002-of-00002.safetensors"), "w");
    writeSync(fd, Buffer.alloc(2 * MIB, 0x41));
    closeSync(fd);
    await rejectsWith(fetchFrom(model, d), "FILE_DIGEST_MISMATCH", /model-00002-of-00002\.safetensors/);
    assert.equal(existsSync(d), false);
    // The larger shard, fetched and verified before the failure, is re-hashed from disk; the bad one is fetched whole.
    const r = await fetchFrom(model, d);
    assert.equal(r.rehashedBytes + r.downloadedBytes, r.bytes);
    assert.ok(r.downloadedBytes >= statSync(join(model, "model-00002-of-00002.safetensors")).size);
    await verifyModel({ modelPath: d, publicKey: readKey() });
  });

  it("extra, missing and pickled objects under the prefix are refused before any weight is fetched", async () => {
    const cases: [string, (dir: string) => void, keyof typeof ERROR_CODES][] = [
      ["extra", (dir) => writeFileSync(join(dir, "notes.txt"), "x"), "FILE_EXTRA"],
      ["pickle", (dir) => writeFileSync(join(dir, "pytorch_model.bin"), "x"), "FILE_TYPE_FORBIDDEN"],
      ["missing", (dir) => rmSync(join(dir, "config.json")), "FILE_MISSING"],
      ["no signature", (dir) => rmSync(join(dir, "model.sig")), "SIGNATURE_MISSING"],
    ];
    for (const [what, mutate, code] of cases) {
      const dir = join(root, `src-${++n}`);
      cpSync(model, dir, { recursive: true });
      mutate(dir);
      const d = dest();
      mkdirSync(join(d, ".."), { recursive: true });
      let served = 0;
      await rejectsWith(
        fetchFrom(dir, d, { mutate: (k, _o, c) => ((served += k.endsWith(".safetensors") ? c.length : 0), c) }),
        code,
      ).catch((e) => assert.fail(`${what}: ${String(e)}`));
      assert.equal(served, 0, `${what}: no weight fetched`);
      assert.equal(existsSync(d), false);
    }
  });

  it("a pinned digest refuses another signed version before any weight is fetched", async () => {
    const d = dest();
    mkdirSync(join(d, ".."), { recursive: true });
    await rejectsWith(fetchFrom(model, d, {}, { expectDigest: `sha256:${"0".repeat(64)}` }), "EXPECTED_DIGEST_MISMATCH");
  });
});

describe("model:fetch memory", () => {
  it("a multi-GB shard passes through a window of concurrency x part bytes", async () => {
    const dir = join(root, "big");
    cpSync(model, dir, { recursive: true });
    // 2 GiB of tensor data (sparse on disk: zeros are free to store and to serve).
    const shard = join(dir, "model-00001-of-00002.safetensors");
    const data = 2 * 1024 * MIB;
    const header = Buffer.from(JSON.stringify({ weight: { dtype: "U8", shape: [data], data_offsets: [0, data] } }).padEnd(64, " "));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const fd = openSync(shard, "w");
    writeSync(fd, Buffer.concat([len, header]));
    ftruncateSync(fd, 8 + header.length + data);
    closeSync(fd);
    await publish(dir);
    const d = dest();
    mkdirSync(join(d, ".."), { recursive: true });
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const part = 4 * MIB;
    const r = await fetchFrom(dir, d, {}, { partBytes: part, concurrency: 8, onProgress: () => (rssMax = Math.max(rssMax, process.memoryUsage().rss)) });
    assert.ok(r.bytes > data);
    assert.ok(r.maxBufferedBytes <= 8 * part, `held ${r.maxBufferedBytes} bytes, window ${8 * part}`);
    // The process as a whole stays far below the file's size (generous: GC runs when it likes).
    assert.ok(rssMax - rss0 < 512 * MIB, `RSS grew by ${((rssMax - rss0) / MIB).toFixed(0)} MiB while fetching ${(r.bytes / MIB).toFixed(0)} MiB`);
    removeDir(join(d, ".."));
  });
});

describe("npm run model:fetch", () => {
  it("fetches through the CLI and exits with the verifier's codes", async () => {
    const server = await startLocalS3({ root: model, bucket: BUCKET, keyPrefix: PREFIX });
    const env = { AWS_ACCESS_KEY_ID: process.env["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY: process.env["AWS_SECRET_ACCESS_KEY"] };
    process.env["AWS_ACCESS_KEY_ID"] = "test";
    process.env["AWS_SECRET_ACCESS_KEY"] = "test";
    try {
      const run = async (...argv: string[]): Promise<{ code: number; out: string }> => {
        const lines: string[] = [];
        const code = await runFetchCli(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
        return { code, out: lines.join("\n") };
      };
      const d = dest();
      mkdirSync(join(d, ".."), { recursive: true });
      const base = [`s3://${BUCKET}/${PREFIX}`, d, "--public-key", key.publicPem, "--endpoint-url", server.endpoint, "--region", "eu-central-1"];
      const ok = await run(...base, "--expect-name", "tiny-llm", "--part-mib", "1", "--concurrency", "2");
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /model-fetch: OK tiny-llm sha256:[0-9a-f]{64} \(8 files/);
      const pinned = await run(...base.map((a) => (a === d ? `${d}-2` : a)), "--expect-digest", `sha256:${"1".repeat(64)}`);
      assert.equal(pinned.code, ERROR_CODES.EXPECTED_DIGEST_MISMATCH, pinned.out);
      assert.equal((await run(`s3://${BUCKET}`, d, "--public-key", key.publicPem)).code, ERROR_CODES.USAGE);
    } finally {
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      await server.close();
    }
  });
});
