// Failure classes of model verification and publishing. Node builtins only: this file is part of
// the verifier that is bundled into the vLLM pod's init container.
//
// Every class has its own stable code and its own process exit code, so that an operator (or a
// test) can tell from the exit status alone which check failed. Codes are never reused.

export const ERROR_CODES = {
  /** Bad command line (unknown flag, missing argument). */
  USAGE: 2,
  /** The trusted public key (or the signing key) could not be read or is of an unsupported type. */
  KEY_INVALID: 3,
  /** A file or directory could not be read for a reason other than the checks below. */
  IO_ERROR: 4,
  /**
   * An input is larger or deeper than the verifier reads: model.sig above its size limit, JSON
   * nested deeper than its format needs, a safetensors header above its size limit. Checked
   * before the input is read or parsed, so a hostile bundle cannot exhaust the pod's memory.
   */
  LIMIT_EXCEEDED: 5,
  /** The signature file (model.sig) does not exist or cannot be read. */
  SIGNATURE_MISSING: 9,
  /** model.sig is not a Sigstore bundle with exactly one DSSE signature (bad JSON, missing field, bad base64). */
  BUNDLE_MALFORMED: 10,
  /** The DSSE payloadType is not application/vnd.in-toto+json. */
  PAYLOAD_TYPE_INVALID: 11,
  /** The bundle's publicKey.hint names a different key than the one supplied. */
  KEY_HINT_MISMATCH: 12,
  /** The bundle's leaf certificate carries a different key than the one supplied. */
  CERTIFICATE_KEY_MISMATCH: 13,
  /** The ECDSA signature does not verify over the DSSE PAE of the payload with the supplied key. */
  SIGNATURE_INVALID: 14,
  /** The signed payload is not a valid in-toto Statement v1 with a model_signing v1.0 predicate. */
  STATEMENT_INVALID: 15,
  /** A valid statement of a kind this verifier does not support (old predicate, shard serialization, other hash). */
  STATEMENT_UNSUPPORTED: 16,
  /** The subject's root digest is not the SHA-256 of the resource digests. */
  ROOT_DIGEST_MISMATCH: 17,
  /** The subject name is not the model name the caller expected (--expect-name). */
  SUBJECT_NAME_MISMATCH: 18,
  /** The signed root digest is not the one the deployment pins (--expect-digest): an older or different version. */
  EXPECTED_DIGEST_MISMATCH: 19,
  /** A symbolic link inside the model directory. */
  SYMLINK: 20,
  /** A FIFO, socket or device inside the model directory. */
  SPECIAL_FILE: 21,
  /** A file type that can carry pickled code (.bin, .pt, .pth, .pkl, .ckpt, ...). */
  FILE_TYPE_FORBIDDEN: 22,
  /** A file that is neither safetensors weights nor a tokenizer/config/text file. */
  FILE_TYPE_NOT_ALLOWED: 23,
  /** A signed file is missing on disk. */
  FILE_MISSING: 24,
  /** A file on disk is not in the signed list (and not ignored). */
  FILE_EXTRA: 25,
  /** A .safetensors file is shorter than its own header says. */
  FILE_TRUNCATED: 26,
  /** A .safetensors file has no valid safetensors header, or trailing bytes. */
  SAFETENSORS_INVALID: 27,
  /** A file's SHA-256 differs from the signed digest. */
  FILE_DIGEST_MISMATCH: 28,
  /** An ignore path (signed or given on the command line) would cover a file vLLM or its tokenizer may read. */
  IGNORE_PATH_FORBIDDEN: 29,
  /** Publishing: the stack file or model entry was not found, or AWS location flags are missing. */
  CONFIG_INVALID: 30,
  /** Publishing: an AWS call failed. */
  AWS_ERROR: 31,
  /** Publishing: the destination prefix holds objects that are not part of this model version. */
  PREFIX_NOT_EMPTY: 32,
  /** Fetching from the node's model cache: it could not be read, or answered outside its protocol. */
  SOURCE_ERROR: 33,
  /** A bug or an unexpected condition (for example a hashing worker crashed). */
  INTERNAL: 70,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type thrown by the verifier and publisher: a code, a message naming the problem, and the path if any. */
export class ModelSigningError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  constructor(code: ErrorCode, message: string, path?: string) {
    super(message);
    this.name = "ModelSigningError";
    this.code = code;
    this.path = path;
  }
  get exitCode(): number {
    return ERROR_CODES[this.code];
  }
}

export function fail(code: ErrorCode, message: string, path?: string): never {
  throw new ModelSigningError(code, message, path);
}

/** Wraps anything thrown into a ModelSigningError (unknown errors become INTERNAL). */
export function asModelSigningError(err: unknown): ModelSigningError {
  if (err instanceof ModelSigningError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ModelSigningError("INTERNAL", message);
}

/** Runs an AWS call, turning SDK errors into AWS_ERROR with the operation named. */
export async function awsCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ModelSigningError) throw err;
    const e = err as { name?: string; message?: string };
    throw new ModelSigningError("AWS_ERROR", `${what} failed: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
  }
}
