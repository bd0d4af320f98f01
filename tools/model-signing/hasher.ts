// Parallel, streaming SHA-256 of many files. Node builtins only (bundled into the init container).
//
// One SHA-256 cannot be split across cores, so the unit of parallelism is a file: a pool of
// worker threads takes files from one queue, largest first (so a big shard does not start last).
// Each worker reads with synchronous reads into one large reused buffer: no stream objects, no
// per-chunk allocation, and the main thread stays free. The worker code is an inline string
// (eval worker) so the same code runs from TypeScript under tsx and from the single-file bundle.
import { closeSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { ModelSigningError } from "./errors.js";

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** Below this many bytes in total, worker start-up costs more than it saves. */
const INLINE_THRESHOLD_BYTES = 32 * 1024 * 1024;

export interface HashJob {
  /** Absolute path. */
  path: string;
  /** Size from lstat, used for scheduling and to detect a file that changed under us. */
  size: number;
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

/** Hashes one file on the calling thread. */
export function hashFileSync(path: string, chunk: Buffer): HashResult {
  const fd = openSync(path, "r");
  try {
    const h = createHash("sha256");
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      h.update(n === chunk.length ? chunk : chunk.subarray(0, n));
      bytes += n;
    }
    return { digest: h.digest("hex"), bytes };
  } finally {
    closeSync(fd);
  }
}

// Runs inside each worker: receives {id, path}, answers {id, digest, bytes} or {id, error}.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { openSync, readSync, closeSync } = require("node:fs");
const { createHash } = require("node:crypto");
const chunk = Buffer.allocUnsafe(workerData.chunkBytes);
parentPort.on("message", (job) => {
  if (job === null) { parentPort.close(); return; }
  let fd;
  try {
    fd = openSync(job.path, "r");
    const h = createHash("sha256");
    let bytes = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      h.update(n === chunk.length ? chunk : chunk.subarray(0, n));
      bytes += n;
    }
    parentPort.postMessage({ id: job.id, digest: h.digest("hex"), bytes });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err), errCode: err && err.code });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface WorkerReply {
  id: number;
  digest?: string;
  bytes?: number;
  error?: string;
  errCode?: string;
}

function ioError(path: string, message: string, errCode?: string): ModelSigningError {
  return errCode === "ENOENT"
    ? new ModelSigningError("FILE_MISSING", `${path}: disappeared while hashing`, path)
    : new ModelSigningError("IO_ERROR", `${path}: ${message}`, path);
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
        return hashFileSync(j.path, chunk);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw ioError(j.path, e.message, e.code);
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
        w.postMessage({ id, path: jobs[id]!.path });
      } else {
        w.postMessage(null);
      }
    };
    for (let i = 0; i < workers; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { chunkBytes } });
      pool.push(w);
      w.on("message", (m: WorkerReply) => {
        const job = jobs[m.id]!;
        if (m.error !== undefined) return finish(ioError(job.path, m.error, m.errCode));
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
