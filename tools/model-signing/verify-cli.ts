// Command line of the verifier (`npm run model:verify`, and the init container's entry point).
// Node builtins only. Exit 0 only when every check passed; otherwise the failure class's own
// exit code (see errors.ts) and one line naming the first problem.
import { asModelSigningError, ERROR_CODES, fail } from "./errors.js";
import type { FilePolicy } from "./format.js";
import { MAX_PUBLIC_KEY_BYTES } from "./limits.js";
import { readSmallFile, resolveGivenPath } from "./safe-read.js";
import { parseExpectedDigest, verifyModel } from "./verify.js";
import type { VerifyOptions } from "./verify.js";

export const VERIFY_USAGE = `usage: model-verify <model-dir-or-file> --public-key <pem> [options]

  --public-key <pem>       trusted ECDSA public key (SPKI PEM) or certificate; required
  --signature <path>       signature bundle (default: <dir>/model.sig)
  --ignore-paths <p>...    extra paths relative to the model root to ignore (repeatable, or comma-separated)
  --expect-name <name>     the signed subject (model) name must equal <name>
  --expect-digest <digest> the signed root digest must equal <digest> (sha256:<hex>): refuses other versions
  --file-policy <policy>   safetensors (default: weights must be .safetensors) | any (only pickle-capable files refused)
  --workers <n>            hashing threads (default: available cores)
  --json                   print one JSON object instead of a line of text

exit codes: ${Object.entries(ERROR_CODES).filter(([k]) => !["CONFIG_INVALID", "AWS_ERROR", "PREFIX_NOT_EMPTY"].includes(k)).map(([k, v]) => `${v} ${k}`).join(", ")}`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
};

interface ParsedArgs {
  opts: VerifyOptions;
  json: boolean;
}

function parseArgs(argv: readonly string[]): ParsedArgs | "help" {
  let modelPath: string | undefined;
  let keyPath: string | undefined;
  let json = false;
  const extra: Partial<VerifyOptions> & { ignorePaths: string[] } = { ignorePaths: [] };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) fail("USAGE", `${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const take = (): string => (inline !== undefined ? inline : value(++i, flag));
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--public-key":
        keyPath = take();
        break;
      case "--signature":
        extra.signaturePath = take();
        break;
      case "--expect-name":
        extra.expectName = take();
        break;
      case "--expect-digest": {
        const d = take();
        if (parseExpectedDigest(d) === undefined) fail("USAGE", `--expect-digest must be sha256:<64 lower-case hex digits>, not ${JSON.stringify(d)}`);
        extra.expectDigest = d;
        break;
      }
      case "--ignore-paths": {
        const vals = [take()];
        if (inline === undefined) while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) vals.push(argv[++i]!);
        extra.ignorePaths.push(...vals.flatMap((v) => v.split(",")).filter((v) => v !== ""));
        break;
      }
      case "--file-policy": {
        const p = take();
        if (p !== "safetensors" && p !== "any") fail("USAGE", `--file-policy must be safetensors or any, not ${p}`);
        extra.filePolicy = p as FilePolicy;
        break;
      }
      case "--workers": {
        const n = Number(take());
        if (!Number.isInteger(n) || n < 1 || n > 256) fail("USAGE", "--workers must be an integer from 1 to 256");
        extra.workers = n;
        break;
      }
      case "--json":
        json = true;
        break;
      default:
        if (flag.startsWith("-")) fail("USAGE", `unknown option ${flag}`);
        if (modelPath !== undefined) fail("USAGE", `unexpected argument ${arg} (the model path is ${modelPath})`);
        modelPath = arg;
    }
  }
  if (modelPath === undefined) fail("USAGE", "the model directory (or file) is required");
  if (keyPath === undefined) fail("USAGE", "--public-key <pem> is required: the verifier never trusts a key inside the bundle");
  // The key is the operator's (often a ConfigMap file, which is a link): resolved, then read as a
  // bounded regular file like everything else.
  let pem: Buffer;
  try {
    pem = readSmallFile(resolveGivenPath(keyPath, { label: keyPath }), MAX_PUBLIC_KEY_BYTES, "public key file", { label: keyPath });
  } catch (err) {
    fail("KEY_INVALID", `cannot read public key: ${asModelSigningError(err).message}`, keyPath);
  }
  return { opts: { ...extra, modelPath, publicKey: pem }, json };
}

/** Runs the verifier; resolves to the process exit code. Never throws. */
export async function runVerifyCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const parsed = parseArgs(argv);
    if (parsed === "help") {
      io.out(VERIFY_USAGE);
      return 0;
    }
    json = parsed.json;
    const r = await verifyModel(parsed.opts);
    const gbps = r.seconds > 0 ? r.bytes / r.seconds / 1e9 : 0;
    if (json) {
      io.out(JSON.stringify({ ok: true, model: r.modelName, rootDigest: r.rootDigest, files: r.files, bytes: r.bytes, seconds: r.seconds }));
    } else {
      io.out(`model-verify: OK ${r.modelName} sha256:${r.rootDigest} (${r.files} files, ${r.bytes} bytes, ${r.seconds.toFixed(2)} s, ${gbps.toFixed(2)} GB/s)`);
    }
    return 0;
  } catch (err) {
    const e = asModelSigningError(err);
    if (json) {
      io.out(JSON.stringify({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) }));
    } else {
      io.err(`model-verify: FAILED ${e.code}: ${e.message}`);
      if (e.code === "USAGE") io.err(VERIFY_USAGE);
    }
    return e.exitCode;
  }
}
