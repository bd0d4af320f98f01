// Parallel, streaming SHA-256 of many files. Node builtins only (bundled into the init container).
//
// One SHA-256 cannot be split across cores, so the unit of parallelism is a file: a pool of
// worker threads takes files from one queue, largest first (so a big shard does not start last).
// Each worker reads with synchronous reads into one large reused buffer: no stream objects, no
// per-chunk allocation, and the main thread stays free. The worker code is an inline string
// (eval worker) so the same code runs from TypeScript under tsx and from the single-file bundle.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ModelSigningError } from "./errors.js";
import { OPEN_FLAGS } from "./safe-read.js";

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** Below this many bytes in total, worker start-up costs more than it saves. */
const INLINE_THRESHOLD_BYTES = 32 * 1024 * 1024;

export interface HashJob {
  /** Absolute path. */
  path: string;
  /** Size from lstat: exactly this many bytes are read; a file of another size fails. */
  size: number;
  /** How messages name the file (model-relative path). Default: the path. */
  label?: string;
}

export interface HashResult {
  digest: string;
  bytes: number;
}

export interface HashOptions {
  /** Worker threads; default: available cores. 0 or 1 hashes on the calling thread. */
  workers?: number;
  chunkBytes?: number;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * The hashing loop, shared as source text by the calling thread and the workers (which cannot
 * import TypeScript). Opens without following links and without blocking on a FIFO, requires a
 * regular file of exactly the checked size, reads exactly that many bytes and then checks that
 * nothing follows: a file swapped, grown or shrunk after the walk fails instead of being read
 * without bound. Returns {digest, bytes} or {error, errCode}.
 */
const HASH_ONE_SOURCE = `function hashOne(fs, crypto, path, size, flags, chunk) {
  let fd;
  try {
    fd = fs.openSync(path, flags);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { error: "not a regular file", errCode: "ESPECIAL" };
    if (st.size !== size) return { error: "changed size while being verified (" + size + " -> " + st.size + " bytes)", errCode: "ECHANGED" };
    const h = crypto.createHash("sha256");
    let bytes = 0;
    while (bytes < size) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, size - bytes), null);
      if (n === 0) return { error: "ended after " + bytes + " of " + size + " bytes while being read", errCode: "ECHANGED" };
      h.update(n === chunk.length ? chunk : chunk.subarray(0, n));
      bytes += n;
    }
    if (fs.readSync(fd, chunk, 0, 1, null) !== 0) return { error: "grew while being read", errCode: "ECHANGED" };
    return { digest: h.digest("hex"), bytes };
  } catch (err) {
    return { error: String((err && err.message) || err), errCode: err && err.code };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}`;

// The calling thread compiles the same source, so both paths run identical checks.
type HashOutcome = { digest: string; bytes: number; error?: undefined; errCode?: undefined } | { error: string; errCode?: string; digest?: undefined; bytes?: undefined };
const hashOne = new Function(`${HASH_ONE_SOURCE}; return hashOne;`)() as (
  fs: unknown,
  crypto: unknown,
  path: string,
  size: number,
  flags: number,
  chunk: Buffer,
) => HashOutcome;

/** Hashes one file on the calling thread. */
export function hashFileSync(job: HashJob, chunk: Buffer): HashResult {
  const r = hashOne({ openSync, fstatSync, readSync, closeSync }, { createHash }, job.path, job.size, OPEN_FLAGS, chunk);
  if (r.error !== undefined) throw hashError(job, r.error, r.errCode);
  return { digest: r.digest, bytes: r.bytes };
}

// Runs inside each worker: receives {id, path, size}, answers {id, digest, bytes} or {id, error, errCode}.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
${HASH_ONE_SOURCE}
const chunk = Buffer.allocUnsafe(workerData.chunkBytes);
parentPort.on("message", (job) => {
  if (job === null) { parentPort.close(); return; }
  parentPort.postMessage({ id: job.id, ...hashOne(fs, crypto, job.path, job.size, workerData.openFlags, chunk) });
});
`;

interface WorkerReply {
  id: number;
  digest?: string;
  bytes?: number;
  error?: string;
  errCode?: string;
}

/** A failed read as a verifier class: gone (FILE_MISSING), a link or special file swapped in, or I/O. */
function hashError(job: HashJob, message: string, errCode?: string): ModelSigningError {
  const label = job.label ?? job.path;
  switch (errCode) {
    case "ENOENT":
      return new ModelSigningError("FILE_MISSING", `${label}: disappeared while hashing`, label);
    case "ELOOP":
      return new ModelSigningError("SYMLINK", `${label}: replaced by a symbolic link while being verified`, label);
    case "ESPECIAL":
      return new ModelSigningError("SPECIAL_FILE", `${label}: replaced by a special file while being verified`, label);
    default:
      return new ModelSigningError("IO_ERROR", `${label}: cannot be read: ${message}`, label);
  }
}

/** SHA-256 of every job, in the order given. Rejects on the first unreadable file. */
export async function hashFiles(jobs: readonly HashJob[], opts: HashOptions = {}): Promise<HashResult[]> {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const total = jobs.reduce((s, j) => s + j.size, 0);
  const workers = Math.min(opts.workers ?? defaultWorkers(), jobs.length);
  if (workers <= 1 || total < INLINE_THRESHOLD_BYTES) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(64 * 1024, total)));
    return jobs.map((j) => {
      try {
        return hashFileSync(j, chunk);
      } catch (err) {
        if (err instanceof ModelSigningError) throw err;
        const e = err as NodeJS.ErrnoException;
        throw hashError(j, e.message, e.code);
      }
    });
  }

  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.size - jobs[a]!.size);
  const results: (HashResult | undefined)[] = new Array(jobs.length);
  const pool: Worker[] = [];
  let next = 0;
  let done = 0;
  return new Promise<HashResult[]>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      for (const w of pool) void w.terminate();
      if (err) reject(err);
      else resolve(results as HashResult[]);
    };
    const feed = (w: Worker): void => {
      if (next < order.length) {
        const id = order[next++]!;
        w.postMessage({ id, path: jobs[id]!.path, size: jobs[id]!.size });
      } else {
        w.postMessage(null);
      }
    };
    for (let i = 0; i < workers; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { chunkBytes, openFlags: OPEN_FLAGS } });
      pool.push(w);
      w.on("message", (m: WorkerReply) => {
        const job = jobs[m.id]!;
        if (m.error !== undefined) return finish(hashError(job, m.error, m.errCode));
        results[m.id] = { digest: m.digest!, bytes: m.bytes! };
        if (++done === jobs.length) return finish();
        feed(w);
      });
      w.on("error", (err) => finish(new ModelSigningError("INTERNAL", `hashing worker failed: ${err.message}`)));
      w.on("exit", (code) => {
        if (!settled && code !== 0) finish(new ModelSigningError("INTERNAL", `hashing worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}
