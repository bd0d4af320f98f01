// Verifies a model directory (or single file) against its OpenSSF Model Signing signature.
// Node builtins only: bundled into one script for the vLLM pod's init container.
//
// Order of checks (the first failing one is reported): trusted key -> ignore paths given by the
// caller -> signature file (type and size before reading) -> bundle structure -> payload type ->
// key hint -> certificate key -> ECDSA signature -> statement -> subject name -> root digest ->
// pinned digest -> signed ignore paths -> files on disk (symlinks, special files, file types,
// ignored weights) -> missing files -> extra files -> safetensors structure (truncation) ->
// SHA-256 of every file (in parallel) -> safetensors index targets.
//
// Paths the caller gives (the model path, --signature) are resolved to real paths once, first: a
// deployment may reach the model through a link. Inside the model nothing may be a link, the
// default model.sig included.
import { lstatSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { fail } from "./errors.js";
import {
  DEFAULT_IGNORED,
  checkIgnorePaths,
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
import { assertJsonDepth, MAX_BUNDLE_DEPTH, MAX_SIGNATURE_BYTES } from "./limits.js";
import { readSmallFile, resolveGivenPath } from "./safe-read.js";
import { checkIndexTargets, checkSafetensors, isSafetensors, listModelFiles } from "./tree.js";

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
  /**
   * If set, the signed root digest must equal it (`sha256:<hex>` or `<hex>`): pins one version
   * of the model, so an older, validly signed version is refused.
   */
  expectDigest?: string;
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

/** model.sig inside a model directory, or beside a single model file. Give it a resolved model path. */
export function defaultSignaturePath(modelPath: string): string {
  let isDir = true;
  try {
    isDir = lstatSync(modelPath).isDirectory();
  } catch {
    // reported later as a missing model
  }
  return isDir ? join(modelPath, SIGNATURE_FILE) : join(dirname(modelPath), SIGNATURE_FILE);
}

const DIGEST = /^(?:sha256:)?([0-9a-f]{64})$/;

/** The hex digest of `sha256:<hex>` or `<hex>`, or undefined if it is neither. */
export function parseExpectedDigest(value: string): string | undefined {
  return DIGEST.exec(value)?.[1];
}

/** Only used to name the failure of an unverifiable signature better; never to accept anything. */
function isLegacyPayload(payload: Buffer): boolean {
  try {
    assertJsonDepth(payload, MAX_BUNDLE_DEPTH, "signed payload");
    return (JSON.parse(payload.toString("utf8")) as { predicateType?: unknown }).predicateType === LEGACY_PREDICATE_TYPE;
  } catch {
    return false;
  }
}

export interface SignedBundleChecks {
  expectName?: string;
  /** `sha256:<hex>` or `<hex>`. */
  expectDigest?: string;
}

/**
 * Checks model.sig's bytes (already read within MAX_SIGNATURE_BYTES) against the trusted key:
 * envelope, payload type, key hint, certificate key, ECDSA signature, then the signed statement,
 * the subject name and root digest, and the pinned digest. Nothing in the bundle is believed
 * before the signature over it verified. Shared by model:verify and model:fetch.
 */
export function verifySignedBundle(bundleBytes: Buffer, key: KeyObject, checks: SignedBundleChecks = {}): { statement: Statement; rootDigest: string } {
  let expectDigest: string | undefined;
  if (checks.expectDigest !== undefined) {
    expectDigest = parseExpectedDigest(checks.expectDigest);
    if (expectDigest === undefined) fail("USAGE", `expected digest ${JSON.stringify(checks.expectDigest)} is not sha256:<64 lower-case hex digits>`);
  }
  if (key.type !== "public") fail("KEY_INVALID", "the trusted key is a private key: give the public key");
  const bundle = parseBundle(bundleBytes);
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
  if (checks.expectName !== undefined && subject.name !== checks.expectName) {
    fail("SUBJECT_NAME_MISMATCH", `the signature is for model ${JSON.stringify(subject.name)}, expected ${JSON.stringify(checks.expectName)}`);
  }
  const resources = statement.predicate.resources;
  const computedRoot = rootDigest(resources);
  if (computedRoot !== subject.digest.sha256) {
    fail("ROOT_DIGEST_MISMATCH", `subject digest ${subject.digest.sha256} is not the digest of the listed files (${computedRoot})`);
  }
  if (expectDigest !== undefined && computedRoot !== expectDigest) {
    fail(
      "EXPECTED_DIGEST_MISMATCH",
      `the signature is for ${subject.name} sha256:${computedRoot}, but sha256:${expectDigest} is pinned (an older or different version; publish the pinned version or change the pin)`,
    );
  }
  return { statement, rootDigest: computedRoot };
}

export async function verifyModel(opts: VerifyOptions): Promise<VerifyResult> {
  const started = process.hrtime.bigint();
  const key = typeof opts.publicKey === "string" || Buffer.isBuffer(opts.publicKey) ? loadPublicKey(opts.publicKey) : opts.publicKey;
  if (key.type !== "public") fail("KEY_INVALID", "the trusted key is a private key: give the public key");
  const filePolicy = opts.filePolicy ?? "safetensors";
  checkIgnorePaths(opts.ignorePaths ?? [], filePolicy, "--ignore-paths");
  let expectDigest: string | undefined;
  if (opts.expectDigest !== undefined) {
    expectDigest = parseExpectedDigest(opts.expectDigest);
    if (expectDigest === undefined) fail("USAGE", `expected digest ${JSON.stringify(opts.expectDigest)} is not sha256:<64 lower-case hex digits>`);
  }
  const modelPath = resolveGivenPath(opts.modelPath, { label: opts.modelPath });
  const sigPath = opts.signaturePath !== undefined ? resolveGivenPath(opts.signaturePath, { label: opts.signaturePath, missing: "SIGNATURE_MISSING" }) : defaultSignaturePath(modelPath);

  // 1-2. The envelope, the signature over it, the signed statement and the pins.
  const bundleBytes = readSmallFile(sigPath, MAX_SIGNATURE_BYTES, "signature file", { label: sigPath, missing: "SIGNATURE_MISSING" });
  const { statement, rootDigest: computedRoot } = verifySignedBundle(bundleBytes, key, {
    ...(opts.expectName !== undefined ? { expectName: opts.expectName } : {}),
    ...(expectDigest !== undefined ? { expectDigest } : {}),
  });
  const resources = statement.predicate.resources;
  const signedIgnore = statement.predicate.serialization.ignore_paths ?? [];
  checkIgnorePaths(signedIgnore, filePolicy, "the signature's ignore_paths");

  // 3. What is on disk, before reading any content.
  const ignore = [...DEFAULT_IGNORED, ...signedIgnore, ...(opts.ignorePaths ?? [])];
  const sigRel = relative(modelPath, sigPath);
  if (sigRel !== "" && !sigRel.startsWith("..") && !isAbsolute(sigRel)) ignore.push(sigRel.split(sep).join("/"));
  const onDisk = listModelFiles(modelPath, ignore, filePolicy);
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
    files.map((f) => ({ path: f.path, size: f.size, label: f.name === "." ? f.path : f.name })),
    { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.chunkBytes !== undefined ? { chunkBytes: opts.chunkBytes } : {}) },
  );
  let bytes = 0;
  resources.forEach((r, i) => {
    const h = hashed[i]!;
    if (h.digest !== r.digest) fail("FILE_DIGEST_MISMATCH", `${r.name}: content differs from the signed digest`, r.name);
    bytes += h.bytes;
  });
  // 5. Paths the loader follows from (now verified) index files stay inside what was verified.
  checkIndexTargets(files, signed);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { modelName: statement.subject[0].name, rootDigest: computedRoot, files: files.length, bytes, seconds, statement };
}
