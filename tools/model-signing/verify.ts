// Verifies a model directory (or single file) against its OpenSSF Model Signing signature.
// Node builtins only: bundled into one script for the vLLM pod's init container.
//
// Order of checks (the first failing one is reported): signature file -> bundle structure ->
// payload type -> key hint -> certificate key -> ECDSA signature -> statement -> subject name ->
// root digest -> files on disk (symlinks, special files, file types) -> missing files -> extra
// files -> safetensors structure (truncation) -> SHA-256 of every file (in parallel).
import { lstatSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { fail } from "./errors.js";
import {
  DEFAULT_IGNORED,
  INTOTO_PAYLOAD_TYPE,
  LEGACY_PREDICATE_TYPE,
  SIGNATURE_FILE,
  loadPublicKey,
  parseBundle,
  parseStatement,
  publicKeyHint,
  rootDigest,
  verifyDsse,
} from "./format.js";
import type { FilePolicy, Statement } from "./format.js";
import { hashFiles } from "./hasher.js";
import { checkSafetensors, isSafetensors, listModelFiles } from "./tree.js";

export interface VerifyOptions {
  /** The model directory, or a single model file. */
  modelPath: string;
  /** The trust anchor: a PEM public key (SPKI) or certificate, or a KeyObject. Keys in the bundle are never trusted. */
  publicKey: string | Buffer | KeyObject;
  /** Default: <dir>/model.sig, or model.sig beside a single model file. */
  signaturePath?: string;
  /** Extra paths (relative to the model root) to ignore, on top of the defaults and the signed ignore_paths. */
  ignorePaths?: readonly string[];
  /** Default "safetensors": weights must be .safetensors. "any" only refuses pickle-capable files. */
  filePolicy?: FilePolicy;
  /** Hashing worker threads; default: available cores. */
  workers?: number;
  /** If set, the statement's subject name must equal it. */
  expectName?: string;
  /** Read buffer per worker, bytes. */
  chunkBytes?: number;
}

export interface VerifyResult {
  modelName: string;
  rootDigest: string;
  files: number;
  bytes: number;
  seconds: number;
  statement: Statement;
}

export function defaultSignaturePath(modelPath: string): string {
  let isDir = true;
  try {
    isDir = lstatSync(modelPath).isDirectory();
  } catch {
    // reported later as a missing model
  }
  return isDir ? join(modelPath, SIGNATURE_FILE) : join(dirname(modelPath), SIGNATURE_FILE);
}

function readSignature(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    fail("SIGNATURE_MISSING", `cannot read signature file ${path}: ${e.code === "ENOENT" ? "not found" : e.message}`, path);
  }
}

/** Only used to name the failure of an unverifiable signature better; never to accept anything. */
function isLegacyPayload(payload: Buffer): boolean {
  try {
    return (JSON.parse(payload.toString("utf8")) as { predicateType?: unknown }).predicateType === LEGACY_PREDICATE_TYPE;
  } catch {
    return false;
  }
}

export async function verifyModel(opts: VerifyOptions): Promise<VerifyResult> {
  const started = process.hrtime.bigint();
  const key = typeof opts.publicKey === "string" || Buffer.isBuffer(opts.publicKey) ? loadPublicKey(opts.publicKey) : opts.publicKey;
  const modelPath = resolve(opts.modelPath);
  const sigPath = resolve(opts.signaturePath ?? defaultSignaturePath(modelPath));

  // 1. The envelope, and the signature over it, before anything in it is believed.
  const bundle = parseBundle(readSignature(sigPath));
  if (bundle.payloadType !== INTOTO_PAYLOAD_TYPE) {
    fail("PAYLOAD_TYPE_INVALID", `payloadType ${JSON.stringify(bundle.payloadType)} is not ${INTOTO_PAYLOAD_TYPE}`);
  }
  if (bundle.hint !== undefined && bundle.hint !== publicKeyHint(key)) {
    fail("KEY_HINT_MISMATCH", `the signature names key ${bundle.hint}, not the supplied key ${publicKeyHint(key)}`);
  }
  if (bundle.leafCertificate !== undefined) {
    let certKey: KeyObject;
    try {
      certKey = new X509Certificate(bundle.leafCertificate).publicKey;
    } catch (err) {
      fail("BUNDLE_MALFORMED", `leaf certificate cannot be parsed: ${(err as Error).message}`);
    }
    if (!certKey.equals(key)) fail("CERTIFICATE_KEY_MISMATCH", "the bundle's signing certificate holds a different key than the supplied one");
  }
  if (!verifyDsse(bundle.payloadType, bundle.payload, bundle.signature, key)) {
    if (isLegacyPayload(bundle.payload)) {
      fail("STATEMENT_UNSUPPORTED", `the signature is in the model_signing 0.2 format (predicate ${LEGACY_PREDICATE_TYPE}), which this verifier does not support`);
    }
    fail("SIGNATURE_INVALID", "the signature does not verify over this payload with the supplied key");
  }

  // 2. The signed statement.
  const statement = parseStatement(bundle.payload);
  const subject = statement.subject[0];
  if (opts.expectName !== undefined && subject.name !== opts.expectName) {
    fail("SUBJECT_NAME_MISMATCH", `the signature is for model ${JSON.stringify(subject.name)}, expected ${JSON.stringify(opts.expectName)}`);
  }
  const resources = statement.predicate.resources;
  const computedRoot = rootDigest(resources);
  if (computedRoot !== subject.digest.sha256) {
    fail("ROOT_DIGEST_MISMATCH", `subject digest ${subject.digest.sha256} is not the digest of the listed files (${computedRoot})`);
  }

  // 3. What is on disk, before reading any content.
  const ignore = [...DEFAULT_IGNORED, ...(statement.predicate.serialization.ignore_paths ?? []), ...(opts.ignorePaths ?? [])];
  const sigRel = relative(modelPath, sigPath);
  if (sigRel !== "" && !sigRel.startsWith("..") && !isAbsolute(sigRel)) ignore.push(sigRel.split(sep).join("/"));
  const onDisk = listModelFiles(modelPath, ignore, opts.filePolicy ?? "safetensors");
  const byName = new Map(onDisk.map((f) => [f.name, f]));
  for (const r of resources) {
    if (!byName.has(r.name)) {
      fail(
        "FILE_MISSING",
        r.name === "." ? `the signature is for a single-file model; pass the file, not the directory ${modelPath}` : `${r.name}: signed but missing`,
        r.name,
      );
    }
  }
  const signed = new Set(resources.map((r) => r.name));
  for (const f of onDisk) {
    if (!signed.has(f.name)) fail("FILE_EXTRA", `${f.name}: on disk but not signed`, f.name);
  }
  const files = resources.map((r) => byName.get(r.name)!);
  for (const f of files) if (isSafetensors(f.name, f.path)) checkSafetensors(f);

  // 4. Content.
  const hashed = await hashFiles(
    files.map((f) => ({ path: f.path, size: f.size })),
    { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.chunkBytes !== undefined ? { chunkBytes: opts.chunkBytes } : {}) },
  );
  let bytes = 0;
  resources.forEach((r, i) => {
    const h = hashed[i]!;
    if (h.digest !== r.digest) fail("FILE_DIGEST_MISMATCH", `${r.name}: content differs from the signed digest`, r.name);
    bytes += h.bytes;
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { modelName: subject.name, rootDigest: computedRoot, files: files.length, bytes, seconds, statement };
}
