// `model-cache s3://<bucket>/<prefix>/ <cache-dir> --public-key <pem> --port <port> [options]`:
// the node's model cache (cache.ts) as a long-running process, the body of the model cache
// DaemonSet's container.
import { mkdirSync } from "node:fs";
import { fail } from "./errors.js";
import { ModelCache } from "./cache.js";
import { COMMON_OPTIONS, parseFetchArgs, readTrustedKey, reportFailure } from "./fetch-run.js";
import { openS3Url } from "./s3-source.js";
import type { CliIo } from "./verify-cli.js";

export const CACHE_USAGE = `usage: model-cache s3://<bucket>/<prefix>/ <cache-dir> --public-key <pem> --port <port> [options]

Downloads a signed model in one verifying pass into <cache-dir>/<root digest>, then serves the
verified files read-only over HTTP (GET/HEAD, one Range, If-Match) on <port>; /ready answers 200
while a verified copy is served. Every --recheck-minutes it verifies the prefix's signature again and
downloads only when it names another version.

${COMMON_OPTIONS}
  --port <port>            port to serve on (1024-65535); required
  --recheck-minutes <n>    minutes between checks of the signed version (default 10)
  --region <region>        AWS region (default: the SDK's chain)
  --endpoint-url <url>     S3 endpoint (path-style), e.g. a local S3-compatible server
  --credentials <source>   "default" (the SDK's chain) or "container" (EKS Pod Identity only)`;

export interface RunningCache {
  cache: ModelCache;
  /** Resolves when the process should exit (with its code): a failed fetch ends it, the kubelet restarts it. */
  done: Promise<number>;
  stop(): Promise<void>;
  port(): number;
}

/** Starts serving at once (not ready) and fills the cache; the returned handle stops both. */
export async function startCacheCli(argv: readonly string[], io: CliIo): Promise<RunningCache | number> {
  try {
    const args = parseFetchArgs(argv, ["--region", "--endpoint-url", "--credentials", "--port", "--recheck-minutes"], CACHE_USAGE);
    if (args === "help") {
      io.out(CACHE_USAGE);
      return 0;
    }
    if (args.port === undefined) fail("USAGE", "--port <port> is required");
    const source = openS3Url(args);
    const pem = readTrustedKey(args.keyPath);
    mkdirSync(args.dest, { recursive: true });
    const cache = new ModelCache({
      source,
      root: args.dest,
      publicKey: pem,
      log: io.err,
      ...(args.expectName !== undefined ? { expectName: args.expectName } : {}),
      ...(args.expectDigest !== undefined ? { expectDigest: args.expectDigest } : {}),
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.partMiB !== undefined ? { partBytes: args.partMiB * 1024 * 1024 } : {}),
    });
    const server = cache.server();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(args.port, () => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    let finish!: (code: number) => void;
    const done = new Promise<number>((r) => (finish = r));
    const stop = async () => {
      if (timer) clearInterval(timer);
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      source.close();
    };
    void cache
      .fill()
      .then((r) => {
        io.out(`model-cache: serving ${r.modelName} sha256:${r.rootDigest} (${r.files} files, ${r.bytes} bytes, ${r.downloadedBytes} fetched, ${r.rehashedBytes} re-hashed from disk, ${r.seconds.toFixed(2)} s)`);
        timer = setInterval(() => {
          cache.recheck().then(
            (what) => what === "refetched" && io.out(`model-cache: serving sha256:${cache.rootDigest()}`),
            (err) => finish(reportFailure(err, io, args.json, { name: "model-cache", usage: CACHE_USAGE })),
          );
        }, (args.recheckMinutes ?? 10) * 60_000);
        timer.unref();
      })
      .catch((err) => finish(reportFailure(err, io, args.json, { name: "model-cache", usage: CACHE_USAGE })));
    const address = server.address();
    return { cache, done, stop, port: () => (typeof address === "object" && address ? address.port : args.port!) };
  } catch (err) {
    return reportFailure(err, io, argv.includes("--json"), { name: "model-cache", usage: CACHE_USAGE });
  }
}
