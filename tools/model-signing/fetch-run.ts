// The command line shared by the fetchers: `model-fetch` (S3 or the node's cache), `model-copy`
// (the vLLM pod's copy step: the node's cache only, no AWS SDK in its bundle) and `model-cache`
// (the node's cache: S3, then serve). Parsing, the trusted key and the one-pass run live here;
// how a source URL is opened is given by the caller, so a bundle carries only the sources it can
// open. Node builtins only.
import { asModelSigningError, fail } from "./errors.js";
import { DEFAULT_CONCURRENCY, DEFAULT_PART_BYTES, fetchModel } from "./fetch.js";
import type { FetchResult } from "./fetch.js";
import { MAX_PUBLIC_KEY_BYTES } from "./limits.js";
import { readSmallFile, resolveGivenPath } from "./safe-read.js";
import type { ModelSource } from "./source.js";
import { parseExpectedDigest } from "./verify.js";
import type { CliIo } from "./verify-cli.js";

export interface FetchArgs {
  source: string;
  dest: string;
  keyPath: string;
  expectName?: string;
  expectDigest?: string;
  concurrency?: number;
  partMiB?: number;
  region?: string;
  endpoint?: string;
  credentials: "default" | "container";
  /** Seconds to wait for a cache that is not ready yet (http sources). */
  waitSeconds?: number;
  /** model-cache: port to serve on, and minutes between checks of the signed version. */
  port?: number;
  recheckMinutes?: number;
  json: boolean;
}

/** Flags a command accepts beyond the common ones. */
export type ExtraFlag = "--region" | "--endpoint-url" | "--credentials" | "--wait-seconds" | "--port" | "--recheck-minutes";

export function parseFetchArgs(argv: readonly string[], extra: readonly ExtraFlag[], usage: string): FetchArgs | "help" {
  const positional: string[] = [];
  const a: Partial<FetchArgs> = { json: false, credentials: "default" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) fail("USAGE", `${flag} needs a value`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const n = Number(take());
      if (!Number.isInteger(n) || n < min || n > max) fail("USAGE", `${flag} must be an integer from ${min} to ${max}`);
      return n;
    };
    if (flag.startsWith("--") && !["--help", "--public-key", "--expect-name", "--expect-digest", "--concurrency", "--part-mib", "--json", ...extra].includes(flag)) {
      fail("USAGE", `unknown option ${flag}`);
    }
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--public-key": a.keyPath = take(); break;
      case "--expect-name": a.expectName = take(); break;
      case "--expect-digest": {
        const d = take();
        if (parseExpectedDigest(d) === undefined) fail("USAGE", `--expect-digest must be sha256:<64 lower-case hex digits>, not ${JSON.stringify(d)}`);
        a.expectDigest = d;
        break;
      }
      case "--concurrency": a.concurrency = int(1, 256); break;
      case "--part-mib": a.partMiB = int(1, 1024); break;
      case "--region": a.region = take(); break;
      case "--endpoint-url": a.endpoint = take(); break;
      case "--credentials": {
        const c = take();
        if (c !== "default" && c !== "container") fail("USAGE", `--credentials must be "default" or "container", not ${JSON.stringify(c)}`);
        a.credentials = c;
        break;
      }
      case "--wait-seconds": a.waitSeconds = int(0, 86_400); break;
      case "--port": a.port = int(1024, 65_535); break;
      case "--recheck-minutes": a.recheckMinutes = int(1, 1440); break;
      case "--json": a.json = true; break;
      default:
        if (flag.startsWith("-")) fail("USAGE", `unknown option ${flag}`);
        positional.push(arg);
    }
  }
  if (positional.length !== 2) fail("USAGE", `expected <source> <dest>, got ${positional.length} argument(s)\n${usage}`);
  if (a.keyPath === undefined) fail("USAGE", "--public-key <pem> is required: the fetcher never trusts a key inside the bundle");
  return { ...a, source: positional[0]!, dest: positional[1]! } as FetchArgs;
}

/** The trusted public key named on the command line (bounded read, no links followed). */
export function readTrustedKey(keyPath: string): Buffer {
  try {
    return readSmallFile(resolveGivenPath(keyPath, { label: keyPath }), MAX_PUBLIC_KEY_BYTES, "public key file", { label: keyPath });
  } catch (err) {
    fail("KEY_INVALID", `cannot read public key: ${asModelSigningError(err).message}`, keyPath);
  }
}

/** Opens a source URL for a command; throws USAGE for a scheme the command cannot read. */
export type SourceOpener = (args: FetchArgs) => ModelSource;

/** The one-pass fetch of `args` from `source` (common options passed through). */
export function fetchWith(source: ModelSource, args: FetchArgs, pem: Buffer, dest: string | ((rootDigest: string) => string) = args.dest): Promise<FetchResult> {
  return fetchModel({
    source,
    dest,
    publicKey: pem,
    ...(args.expectName !== undefined ? { expectName: args.expectName } : {}),
    ...(args.expectDigest !== undefined ? { expectDigest: args.expectDigest } : {}),
    ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
    ...(args.partMiB !== undefined ? { partBytes: args.partMiB * 1024 * 1024 } : {}),
  });
}

/** Runs a fetch command: parse, open the source, fetch and verify in one pass, report; returns the exit code. */
export async function runFetchCommand(argv: readonly string[], io: CliIo, spec: { name: string; usage: string; extra: readonly ExtraFlag[]; open: SourceOpener }): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseFetchArgs(argv, spec.extra, spec.usage);
    if (args === "help") {
      io.out(spec.usage);
      return 0;
    }
    json = args.json;
    const source = spec.open(args);
    const pem = readTrustedKey(args.keyPath);
    try {
      const r = await fetchWith(source, args, pem);
      const gbps = r.seconds > 0 ? r.bytes / r.seconds / 1e9 : 0;
      if (json) io.out(JSON.stringify({ ok: true, model: r.modelName, rootDigest: r.rootDigest, files: r.files, bytes: r.bytes, downloadedBytes: r.downloadedBytes, rehashedBytes: r.rehashedBytes, seconds: r.seconds }));
      else io.out(`${spec.name}: OK ${r.modelName} sha256:${r.rootDigest} (${r.files} files, ${r.bytes} bytes, ${r.downloadedBytes} fetched, ${r.rehashedBytes} re-hashed from a previous run, ${r.seconds.toFixed(2)} s, ${gbps.toFixed(2)} GB/s) -> ${r.dest}`);
      return 0;
    } finally {
      source.close();
    }
  } catch (err) {
    return reportFailure(err, io, json, spec);
  }
}

/** Prints a failure (`<name>: FAILED <CODE>: ...`, or one JSON object) and returns its exit code. */
export function reportFailure(err: unknown, io: CliIo, json: boolean, spec: { name: string; usage: string }): number {
  const e = asModelSigningError(err);
  if (json) io.out(JSON.stringify({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) }));
  else {
    io.err(`${spec.name}: FAILED ${e.code}: ${e.message}`);
    if (e.code === "USAGE") io.err(spec.usage);
  }
  return e.exitCode;
}

/** `http://host:port/` -> the node cache source for the command's options. */
export function openHttpUrl(args: FetchArgs, httpSourceOf: (o: { baseUrl: string; maxSockets: number; waitSeconds?: number }) => ModelSource): ModelSource {
  if (!/^http:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(args.source)) fail("USAGE", `${args.source} is not http://<host>[:<port>]/`);
  return httpSourceOf({ baseUrl: args.source, maxSockets: args.concurrency ?? DEFAULT_CONCURRENCY, ...(args.waitSeconds !== undefined ? { waitSeconds: args.waitSeconds } : {}) });
}

export const COMMON_OPTIONS = `  --public-key <pem>       trusted ECDSA public key (SPKI PEM) or certificate; required
  --expect-name <name>     the signed model name must equal <name>
  --expect-digest <digest> the signed root digest must equal <digest> (sha256:<hex>)
  --concurrency <n>        ranged GETs in flight (default ${DEFAULT_CONCURRENCY})
  --part-mib <n>           MiB per ranged GET (default ${DEFAULT_PART_BYTES / 1024 / 1024}); memory held is at most concurrency x part
  --json                   print one JSON object`;
