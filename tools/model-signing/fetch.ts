// Download and verify in one pass: a model's objects are fetched from a source (its S3 prefix,
// s3-source.ts, or the node's model cache, http-source.ts) with parallel ranged GETs and every byte is hashed as it arrives, in order, while it is written; when the last
// byte lands every digest is known. The signature (model.sig, fetched and checked first) and
// every file digest are checked before the model is handed over: files are staged in
// `<dest>.incoming` and the directory is renamed to `<dest>` only when everything verified, so
// vLLM never sees a byte that was not checked and the files are never read a second time.
//
// Same guarantees as model:verify: only the signed files (no extra, missing or changed file),
// the same file-type and ignore-path policy, safetensors structure, index targets, and bounded
// memory: at most `concurrency` parts of `partBytes` are held, whatever the model's size.
//
// Resumable: staged files are written strictly in order, so a staged file is always a prefix of
// its object. A new run re-hashes that prefix from local disk (never trusting it) and fetches the
// rest; a prefix that then fails its digest is discarded. Every ranged GET carries If-Match with
// the ETag from the listing, so parts of two versions of an object are never mixed.
import { closeSync, existsSync, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeFileSync, writevSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Hash, KeyObject } from "node:crypto";
import { dirname, join } from "node:path";
import { fail, ModelSigningError } from "./errors.js";
import { checkFileType, checkIgnorePaths, DEFAULT_IGNORED, isIgnored, isSafeResourceName, loadPublicKey, SIGNATURE_FILE } from "./format.js";
import type { Resource } from "./format.js";
import { MAX_SIGNATURE_BYTES } from "./limits.js";
import { ObjectChangedError } from "./source.js";
import type { Listed, ModelSource } from "./source.js";
import type { Statement } from "./format.js";
import { checkIndexTargets, checkSafetensors, isSafetensors } from "./tree.js";
import type { ModelFile } from "./tree.js";
import { verifySignedBundle } from "./verify.js";

export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 8;
const MAX_ATTEMPTS = 4;
/** Hashed bytes are written in batches of about this size (one writev instead of a write per network chunk). */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export interface FetchOptions {
  /** Where the model's objects are read from (never trusted: everything it says is verified). */
  source: ModelSource;
  /**
   * Directory to create with the verified model; must not exist (except from an earlier run of
   * this). A function is given the signed root digest once the signature verified (a cache keyed
   * by version).
   */
  dest: string | ((rootDigest: string) => string);
  /** The trust anchor, as for model:verify. */
  publicKey: string | Buffer | KeyObject;
  expectName?: string;
  expectDigest?: string;
  /** Bytes per ranged GET. Default 16 MiB. */
  partBytes?: number;
  /** Ranged GETs in flight. Default 8. */
  concurrency?: number;
  /** Called as bytes are verified. */
  onProgress?: (verifiedBytes: number, totalBytes: number) => void;
}

export interface FetchResult {
  modelName: string;
  rootDigest: string;
  /** The directory the verified model was handed over in. */
  dest: string;
  /** The verified files: name, size and signed SHA-256 (hex), in signed order; the signature file not included. */
  manifest: { name: string; size: number; digest: string }[];
  files: number;
  /** Bytes of the model (signed files). */
  bytes: number;
  /** Bytes fetched over the network (less than `bytes` after a resume). */
  downloadedBytes: number;
  /** Bytes of staged prefixes re-hashed from local disk on resume. */
  rehashedBytes: number;
  seconds: number;
  /** Most bytes held in memory at once (received but not yet hashed and written). */
  maxBufferedBytes: number;
}

/** Reads a response body to the end, refusing more than `max` bytes (a server may not send more than asked). */
async function readBody(body: AsyncIterable<Uint8Array>, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > max) fail("LIMIT_EXCEEDED", `${what}: more than ${max} bytes`);
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}

/**
 * The listing against the signed statement, before any weight is fetched: every listed object is
 * signed or ignored (ignored ones may not be pickles or weights), every signed file is listed.
 * Returns the signed files with their sizes and ETags.
 */
function matchListing(listed: Map<string, Listed>, resources: readonly Resource[], ignore: readonly string[]): (Resource & Listed)[] {
  const signed = new Map(resources.map((r) => [r.name, r]));
  for (const [name] of [...listed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === SIGNATURE_FILE) continue;
    if (!isSafeResourceName(name) || name === ".") fail("FILE_EXTRA", `${JSON.stringify(name)}: an object under the prefix that no model file can be`, name);
    if (isIgnored(name, ignore)) {
      checkFileType(name, "any");
      if (name.toLowerCase().endsWith(".safetensors")) fail("IGNORE_PATH_FORBIDDEN", `${name}: weights cannot be left out of the signature`, name);
      continue;
    }
    checkFileType(name, "safetensors");
    if (!signed.has(name)) fail("FILE_EXTRA", `${name}: under the prefix but not signed`, name);
  }
  return resources.map((r) => {
    if (r.name === ".") fail("STATEMENT_UNSUPPORTED", "a single-file model signature cannot be fetched from a prefix; sign the directory");
    const l = listed.get(r.name);
    if (l === undefined) fail("FILE_MISSING", `${r.name}: signed but not under the prefix`, r.name);
    return { ...r, ...l };
  });
}

/** Removes from the staging directory everything that is not a regular file or directory of the expected set. */
function cleanStaging(dir: string, expected: ReadonlySet<string>, rel = ""): void {
  for (const entry of readdirSync(dir)) {
    const name = rel === "" ? entry : `${rel}/${entry}`;
    const path = join(dir, entry);
    const st = lstatSync(path);
    if (st.isDirectory() && [...expected].some((e) => e.startsWith(`${name}/`))) cleanStaging(path, expected, name);
    else if (!(st.isFile() && expected.has(name))) rmSync(path, { recursive: true, force: true });
  }
}

interface FileState {
  r: Resource & Listed;
  path: string;
  fd: number;
  hash: Hash;
  /** Bytes written (the staged prefix). */
  done: number;
  /** Bytes hashed: `done` plus what waits in `pending` to be written. */
  hashed: number;
  pending: Buffer[];
  pendingBytes: number;
  /** Next offset to request. */
  next: number;
  /** Parts requested and not yet consumed, in order of offset (parts are requested in order). */
  queue: Part[];
}

interface Part {
  start: number;
  /** Exclusive. */
  end: number;
  /** Bytes received so far (a retry asks only for the rest). */
  received: number;
  /** Received and not yet hashed (only while an earlier part of the file is still arriving). */
  chunks: Buffer[];
  finished: boolean;
}

/** A model's signature as read from a source and verified against the trusted key. */
export interface SignedModel {
  listed: Map<string, Listed>;
  bundleBytes: Buffer;
  statement: Statement;
  rootDigest: string;
}

/**
 * Step 1 of a fetch, on its own for callers that only need to know which version a source holds
 * (the model cache's re-check): the source's listing, then model.sig read (bounded) and verified
 * against the trusted key, the expected name and the pinned digest, before anything in it is believed.
 */
export async function readSignedModel(
  source: ModelSource,
  publicKey: string | Buffer | KeyObject,
  expect: { expectName?: string; expectDigest?: string } = {},
): Promise<SignedModel> {
  const key = typeof publicKey === "string" || Buffer.isBuffer(publicKey) ? loadPublicKey(publicKey) : publicKey;
  const listed = await source.list();
  const sigObject = listed.get(SIGNATURE_FILE);
  if (sigObject === undefined) fail("SIGNATURE_MISSING", `${source.location}${SIGNATURE_FILE}: not found`);
  if (sigObject.size > MAX_SIGNATURE_BYTES) fail("LIMIT_EXCEEDED", `${SIGNATURE_FILE}: ${sigObject.size} bytes; a signature file may have at most ${MAX_SIGNATURE_BYTES}`);
  let bundleBytes: Buffer;
  try {
    bundleBytes = await readBody(await source.read(SIGNATURE_FILE, sigObject.etag, undefined), MAX_SIGNATURE_BYTES, SIGNATURE_FILE);
  } catch (err) {
    if (err instanceof ModelSigningError) throw err;
    const e = err as { name?: string; message?: string };
    fail(source.errorCode, `reading ${source.location}${SIGNATURE_FILE} failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
  }
  const { statement, rootDigest } = verifySignedBundle(bundleBytes, key, {
    ...(expect.expectName !== undefined ? { expectName: expect.expectName } : {}),
    ...(expect.expectDigest !== undefined ? { expectDigest: expect.expectDigest } : {}),
  });
  return { listed, bundleBytes, statement, rootDigest };
}

/** Downloads, verifies and stages a model; renames the staging directory to `dest` only when all of it verified. */
export async function fetchModel(opts: FetchOptions): Promise<FetchResult> {
  const started = process.hrtime.bigint();
  const partBytes = opts.partBytes ?? DEFAULT_PART_BYTES;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(partBytes) || partBytes < 64 * 1024) fail("USAGE", "partBytes must be at least 64 KiB");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) fail("USAGE", "concurrency must be from 1 to 256");
  const source = opts.source;

  // 1. The signature, bounded, checked before anything in it is believed.
  const { listed, bundleBytes, statement, rootDigest } = await readSignedModel(source, opts.publicKey, opts);
  const signedIgnore = statement.predicate.serialization.ignore_paths ?? [];
  checkIgnorePaths(signedIgnore, "safetensors", "the signature's ignore_paths");

  const dest = typeof opts.dest === "string" ? opts.dest : opts.dest(rootDigest);
  const staging = `${dest}.incoming`;
  if (existsSync(dest)) {
    // A model staged by an earlier run (an init container restarted after it finished): verify it
    // again from disk, fetching nothing that is already there.
    if (existsSync(staging)) fail("IO_ERROR", `both ${dest} and ${staging} exist; remove one`);
    renameSync(dest, staging);
  }

  // 2. What is under the prefix, against what is signed, before any weight is fetched.
  const files = matchListing(listed, statement.predicate.resources, [...DEFAULT_IGNORED, ...signedIgnore]);
  const total = files.reduce((s, f) => s + f.size, 0);
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  cleanStaging(staging, new Set(files.map((f) => f.name)));

  // 3. Fetch, hash in order, write in order. Largest files first.
  let buffered = 0;
  let maxBuffered = 0;
  /** Bytes requested and not yet hashed, over all files: at most concurrency x partBytes. */
  let outstanding = 0;
  let downloaded = 0;
  let rehashed = 0;
  let verified = 0;
  const states: FileState[] = [];
  const chunk = Buffer.allocUnsafe(Math.min(partBytes, 8 * 1024 * 1024));
  try {
    for (const r of [...files].sort((a, b) => b.size - a.size)) {
      const path = join(staging, ...r.name.split("/"));
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      const fd = openSync(path, "a+", 0o644);
      const hash = createHash("sha256");
      let done = fstatSync(fd).size;
      if (done > r.size) {
        ftruncateSync(fd, 0);
        done = 0;
      }
      // Resume: the staged prefix is re-hashed from disk, never trusted.
      for (let at = 0; at < done; ) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, done - at), at);
        if (n === 0) break;
        hash.update(chunk.subarray(0, n));
        at += n;
      }
      rehashed += done;
      verified += done;
      states.push({ r, path, fd, hash, done, hashed: done, pending: [], pendingBytes: 0, next: done, queue: [] });
    }

    const finishFile = (s: FileState): void => {
      const digest = s.hash.digest("hex");
      if (digest !== s.r.digest) {
        // Never resume from a prefix that produced a wrong digest.
        ftruncateSync(s.fd, 0);
        fail("FILE_DIGEST_MISMATCH", `${s.r.name}: content differs from the signed digest`, s.r.name);
      }
      closeSync(s.fd);
      s.fd = -1;
    };

    await new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      let failed = false;
      // On the first failure every request still in flight is cancelled, and nothing more is
      // consumed: no write may reach a descriptor after it is closed (its number could be reused).
      const cancel = new AbortController();
      const abort = (err: unknown): void => {
        if (failed) return;
        failed = true;
        cancel.abort();
        reject(err);
      };
      /** Appends the hashed bytes waiting in memory to the staged file (in order: it stays a prefix). */
      const flush = (s: FileState): void => {
        if (s.pendingBytes === 0) return;
        writevSync(s.fd, s.pending, s.done);
        s.done += s.pendingBytes;
        buffered -= s.pendingBytes;
        outstanding -= s.pendingBytes;
        s.pending = [];
        s.pendingBytes = 0;
      };
      /** Hashes, in order, what the file's head part holds and queues it for writing; finishes the file at its last byte. */
      const consume = (s: FileState): void => {
        if (failed) return;
        for (;;) {
          const head = s.queue[0];
          if (head === undefined) return;
          for (const c of head.chunks) {
            s.hash.update(c);
            s.hashed += c.length;
            s.pending.push(c);
            s.pendingBytes += c.length;
            verified += c.length;
          }
          head.chunks = [];
          if (s.pendingBytes >= WRITE_BATCH_BYTES) flush(s);
          if (!head.finished) return;
          // A finished part is always written out, so the window it held frees up (and the
          // scheduler can never wait on bytes that only a later part would flush).
          flush(s);
          s.queue.shift();
          opts.onProgress?.(verified, total);
          if (s.hashed === s.r.size) {
            flush(s);
            return finishFile(s);
          }
        }
      };
      const fetchPart = (s: FileState, part: Part, attempt: number): void => {
        inFlight++;
        const range = `bytes=${part.start + part.received}-${part.end - 1}`;
        void (async () => {
          try {
            const body = await source.read(s.r.name, s.r.etag, { start: part.start + part.received, end: part.end }, cancel.signal);
            for await (const data of body) {
              if (failed) return;
              const c = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
              if (part.received + c.length > part.end - part.start) fail(source.errorCode, `${s.r.name}: the source sent more bytes than the range ${range} holds`, s.r.name);
              part.received += c.length;
              downloaded += c.length;
              buffered += c.length;
              maxBuffered = Math.max(maxBuffered, buffered);
              part.chunks.push(c);
              if (s.queue[0] === part) consume(s);
            }
            if (part.received !== part.end - part.start) throw new Error(`response ended after ${part.received} of ${part.end - part.start} bytes`);
            part.finished = true;
            if (s.queue[0] === part) consume(s);
            inFlight--;
            pump();
          } catch (err) {
            inFlight--;
            if (failed) return;
            if (err instanceof ModelSigningError) return abort(err);
            const e = err as { name?: string; message?: string };
            if (err instanceof ObjectChangedError) {
              return abort(new ModelSigningError(source.errorCode, `${s.r.name}: the object changed while being fetched (ETag no longer ${s.r.etag}); run again`, s.r.name));
            }
            if (attempt + 1 >= MAX_ATTEMPTS) {
              return abort(new ModelSigningError(source.errorCode, `reading ${source.location}${s.r.name} ${range} failed ${MAX_ATTEMPTS} times: ${e.name ?? "Error"}: ${e.message ?? String(err)}`, s.r.name));
            }
            fetchPart(s, part, attempt + 1); // the bytes already received are kept; only the rest is asked for
          }
        })();
      };
      const windowBytes = partBytes * concurrency;
      /**
       * Starts ranged GETs, the largest unfinished file first, while fewer than `concurrency` are in
       * flight and no more than windowBytes are requested but not yet hashed. Parts that finish
       * before an earlier part of their file wait in memory, so this bounds memory, not just sockets.
       */
      const pump = (): void => {
        if (failed) return;
        try {
          for (const s of states) {
            while (inFlight < concurrency && s.next < s.r.size && outstanding + Math.min(partBytes, s.r.size - s.next) <= windowBytes) {
              const part: Part = { start: s.next, end: Math.min(s.next + partBytes, s.r.size), received: 0, chunks: [], finished: false };
              outstanding += part.end - part.start;
              s.queue.push(part);
              s.next = part.end;
              fetchPart(s, part, 0);
            }
          }
          for (const s of states) if (s.fd !== -1 && s.done === s.r.size) finishFile(s); // empty or fully staged files
          if (inFlight === 0 && states.every((s) => s.fd === -1)) resolve();
        } catch (err) {
          abort(err);
        }
      };
      pump();
    });
  } finally {
    for (const s of states) if (s.fd !== -1) closeSync(s.fd);
  }

  // 4. Structure and index targets (header reads only), then the signature beside the files, then hand over.
  const staged: ModelFile[] = files.map((f) => ({ name: f.name, path: join(staging, ...f.name.split("/")), size: f.size }));
  for (const f of staged) if (isSafetensors(f.name, f.path)) checkSafetensors(f);
  checkIndexTargets(staged, new Set(staged.map((f) => f.name)));
  writeFileSync(join(staging, SIGNATURE_FILE), bundleBytes, { mode: 0o644 });
  renameSync(staging, dest);
  return {
    modelName: statement.subject[0].name,
    rootDigest,
    dest,
    manifest: files.map((f) => ({ name: f.name, size: f.size, digest: f.digest })),
    files: files.length,
    bytes: total,
    downloadedBytes: downloaded,
    rehashedBytes: rehashed,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    maxBufferedBytes: maxBuffered,
  };
}
