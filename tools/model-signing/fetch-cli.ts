// Command line of `npm run model:fetch -- s3://<bucket>/<prefix>/ <dest> --public-key <pem> [options]`.
import { S3Client } from "@aws-sdk/client-s3";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import { asModelSigningError, fail } from "./errors.js";
import { DEFAULT_CONCURRENCY, DEFAULT_PART_BYTES, fetchModel } from "./fetch.js";
import { MAX_PUBLIC_KEY_BYTES } from "./limits.js";
import { readSmallFile, resolveGivenPath } from "./safe-read.js";
import { parseExpectedDigest } from "./verify.js";
import type { CliIo } from "./verify-cli.js";

export const FETCH_USAGE = `usage: model-fetch s3://<bucket>/<prefix>/ <dest> --public-key <pem> [options]

Downloads a signed model with parallel ranged GETs, hashing every byte as it arrives, and creates
<dest> only when the signature and every file digest verified (staged in <dest>.incoming, which a
new run resumes from).

  --public-key <pem>       trusted ECDSA public key (SPKI PEM) or certificate; required
  --expect-name <name>     the signed model name must equal <name>
  --expect-digest <digest> the signed root digest must equal <digest> (sha256:<hex>)
  --concurrency <n>        ranged GETs in flight (default ${DEFAULT_CONCURRENCY})
  --part-mib <n>           MiB per ranged GET (default ${DEFAULT_PART_BYTES / 1024 / 1024}); memory held is at most concurrency x part
  --region <region>        AWS region (default: the SDK's chain)
  --endpoint-url <url>     S3 endpoint (path-style), e.g. a local S3-compatible server
  --credentials <source>   "default" (the SDK's chain) or "container": only the container
                           credentials endpoint (EKS Pod Identity, AWS_CONTAINER_CREDENTIALS_FULL_URI);
                           never environment keys, profiles or the node's instance profile
  --json                   print one JSON object`;

interface FetchArgs {
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
  json: boolean;
}

function parseArgs(argv: readonly string[]): FetchArgs | "help" {
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
      case "--json": a.json = true; break;
      default:
        if (flag.startsWith("-")) fail("USAGE", `unknown option ${flag}`);
        positional.push(arg);
    }
  }
  if (positional.length !== 2) fail("USAGE", `expected s3://<bucket>/<prefix>/ <dest>, got ${positional.length} argument(s)`);
  if (a.keyPath === undefined) fail("USAGE", "--public-key <pem> is required: the fetcher never trusts a key inside the bundle");
  return { ...a, source: positional[0]!, dest: positional[1]! } as FetchArgs;
}

/** `s3://bucket/prefix/` -> bucket and prefix (with a trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!m) fail("USAGE", `${url} is not s3://<bucket>/<prefix>/`);
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/*$/, "/") };
}

export async function runFetchCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseArgs(argv);
    if (args === "help") {
      io.out(FETCH_USAGE);
      return 0;
    }
    json = args.json;
    const { bucket, prefix } = parseS3Url(args.source);
    let pem: Buffer;
    try {
      pem = readSmallFile(resolveGivenPath(args.keyPath, { label: args.keyPath }), MAX_PUBLIC_KEY_BYTES, "public key file", { label: args.keyPath });
    } catch (err) {
      fail("KEY_INVALID", `cannot read public key: ${asModelSigningError(err).message}`, args.keyPath);
    }
    if (args.credentials === "container" && !process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] && !process.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
      fail("AWS_ERROR", "--credentials container: AWS_CONTAINER_CREDENTIALS_FULL_URI is not set, so this container has no Pod Identity credentials (is the service account associated with a role, and is this the container meant to hold them?)");
    }
    const s3 = new S3Client({
      ...(args.region !== undefined ? { region: args.region } : {}),
      // The model server's pod: the Pod Identity agent is the only source. fromHttp accepts only
      // the ECS and EKS container hosts (169.254.170.2, 169.254.170.23) or loopback over HTTP.
      ...(args.credentials === "container" ? { credentials: fromHttp({}) } : {}),
      ...(args.endpoint !== undefined ? { endpoint: args.endpoint, forcePathStyle: true } : {}),
    });
    try {
      const r = await fetchModel({
        s3,
        bucket,
        prefix,
        dest: args.dest,
        publicKey: pem,
        ...(args.expectName !== undefined ? { expectName: args.expectName } : {}),
        ...(args.expectDigest !== undefined ? { expectDigest: args.expectDigest } : {}),
        ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
        ...(args.partMiB !== undefined ? { partBytes: args.partMiB * 1024 * 1024 } : {}),
      });
      const gbps = r.seconds > 0 ? r.bytes / r.seconds / 1e9 : 0;
      if (json) io.out(JSON.stringify({ ok: true, model: r.modelName, rootDigest: r.rootDigest, files: r.files, bytes: r.bytes, downloadedBytes: r.downloadedBytes, rehashedBytes: r.rehashedBytes, seconds: r.seconds }));
      else io.out(`model-fetch: OK ${r.modelName} sha256:${r.rootDigest} (${r.files} files, ${r.bytes} bytes, ${r.downloadedBytes} fetched, ${r.rehashedBytes} re-hashed from a previous run, ${r.seconds.toFixed(2)} s, ${gbps.toFixed(2)} GB/s) -> ${args.dest}`);
      return 0;
    } finally {
      s3.destroy();
    }
  } catch (err) {
    const e = asModelSigningError(err);
    if (json) io.out(JSON.stringify({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) }));
    else {
      io.err(`model-fetch: FAILED ${e.code}: ${e.message}`);
      if (e.code === "USAGE") io.err(FETCH_USAGE);
    }
    return e.exitCode;
  }
}
