// Bounds on everything the verifier reads from the model prefix, chosen from what real models and
// the formats need, so that a hostile bundle fails with LIMIT_EXCEEDED instead of exhausting the
// init container (1 GiB). Node builtins only (bundled into the init container).
import { fail } from "./errors.js";
import type { ErrorCode } from "./errors.js";

/**
 * model.sig, bytes. The bundle is dominated by the statement, about 240 bytes per file once
 * base64-encoded (name, algorithm, 64-hex digest), so 4 MiB holds about 17,000 files. The largest
 * public checkpoints have a few hundred files (DeepSeek-V3: 163 weight shards plus tokenizer and
 * config; Llama 3.1 405B: 191 shards), and the reference tool's vectors are under 9 kB.
 */
export const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

/**
 * JSON nesting of the bundle and of the signed statement. The formats need 6 (a keyless bundle's
 * transparency-log entry: bundle > verificationMaterial > tlogEntries > entry > inclusionProof >
 * hashes) and 4 (statement > predicate > resources > resource); every reference vector is within
 * that. Deeply nested JSON costs far more memory to parse than its size (about 70x for `[[[...`).
 */
export const MAX_BUNDLE_DEPTH = 8;

/**
 * A safetensors header, bytes. The safetensors library itself accepts up to 100 MB
 * (huggingface/safetensors, MAX_HEADER_SIZE). A header holds about 150 bytes per tensor (name,
 * dtype, shape, offsets); the largest open checkpoint, DeepSeek-V3, has about 92,000 tensors
 * (58 MoE layers x 256 experts x 3 projections, each with an FP8 scale tensor, plus attention and
 * the MTP layer), about 14 MB if all of them were in one file. Published checkpoints are sharded
 * (Hugging Face's default maximum shard is 5 GB), so real headers are tens to hundreds of kB.
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * JSON nesting of a safetensors header: the format needs 3 (header > tensor > shape or
 * data_offsets; `__metadata__` is a flat string map). One more level is allowed for producers
 * that add a nested field to a tensor entry.
 */
export const MAX_SAFETENSORS_DEPTH = 4;

/**
 * A safetensors index (weight_map: tensor name -> shard), bytes. About 80 bytes per tensor; the
 * largest open checkpoint (DeepSeek-V3, about 92,000 tensors) has an index of about 9 MB.
 */
export const MAX_INDEX_BYTES = 32 * 1024 * 1024;
/** JSON nesting of a safetensors index: the format needs 2 (index > weight_map or metadata). */
export const MAX_INDEX_DEPTH = 4;

/** The trusted public key (PEM key or certificate), bytes: a P-521 certificate PEM is under 2 kB. */
export const MAX_PUBLIC_KEY_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Fails with LIMIT_EXCEEDED if the JSON text nests objects/arrays deeper than maxDepth. One pass
 * over the bytes, no allocation, run before JSON.parse. Brackets inside strings do not count.
 * (It does not validate the JSON; JSON.parse does that afterwards.)
 */
export function assertJsonDepth(bytes: Buffer, maxDepth: number, label: string, path?: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) fail("LIMIT_EXCEEDED", `${label}: JSON nested deeper than ${maxDepth} levels (the format needs fewer)`, path);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
}

/** JSON.parse after the depth check; a syntax error is `invalid` with the given message prefix. */
export function parseJsonBounded(bytes: Buffer, maxDepth: number, label: string, invalid: ErrorCode, path?: string): unknown {
  assertJsonDepth(bytes, maxDepth, label, path);
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    fail(invalid, `${label} is not JSON: ${(err as Error).message}`, path);
  }
}
