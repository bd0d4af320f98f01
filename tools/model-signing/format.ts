// The OpenSSF Model Signing format (v1.0 predicate), as produced by the reference tool
// sigstore/model-transparency (model_signing 1.x): a Sigstore bundle holding a DSSE envelope over
// an in-toto Statement v1. See tools/model-signing/README.md and
// test/fixtures/model-signing/README.md for the summary this code follows.
//
// Node builtins only: this file is bundled into the verifier that runs in the init container.
import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, X509Certificate } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { fail } from "./errors.js";
import { MAX_BUNDLE_DEPTH, parseJsonBounded } from "./limits.js";

export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** The pre-1.0 predicate (model_signing 0.2): different layout, rejected as unsupported. */
export const LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";
export const SIGNATURE_FILE = "model.sig";
/** Always ignored at the model root, whatever the statement says (the reference tool's defaults). */
export const DEFAULT_IGNORED = [".git", ".gitattributes", ".github", ".gitignore"] as const;

export interface Resource {
  name: string;
  algorithm: "sha256";
  /** Lower-case hex SHA-256 of the file's bytes. */
  digest: string;
}

export interface Serialization {
  method: "files";
  hash_type: "sha256";
  allow_symlinks: boolean;
  ignore_paths?: string[];
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof PREDICATE_TYPE;
  predicate: { serialization: Serialization; resources: Resource[] };
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string | null }[];
}

/** The parts of a Sigstore bundle this verifier reads; anything else is carried but ignored. */
export interface ParsedBundle {
  payload: Buffer;
  payloadType: string;
  signature: Buffer;
  /** verificationMaterial.publicKey.hint (model_signing >= 1.1.0), if present. */
  hint: string | undefined;
  /** DER of the leaf certificate (x509CertificateChain[0] or certificate), if present. */
  leafCertificate: Buffer | undefined;
}

/** DSSE pre-authentication encoding: "DSSEv1 <len type> <type> <len body> <body>", lengths in bytes. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "ascii"),
    type,
    Buffer.from(` ${payload.length} `, "ascii"),
    payload,
  ]);
}

/** SHA-256 over the concatenated raw digests, in the listed order. */
export function rootDigest(resources: readonly { digest: string }[]): string {
  const h = createHash("sha256");
  for (const r of resources) h.update(Buffer.from(r.digest, "hex"));
  return h.digest("hex");
}

/** The 1.1.0 key hint: hex SHA-256 of the public key's SPKI PEM text. */
export function publicKeyHint(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const pem = pub.export({ type: "spki", format: "pem" }).toString();
  return createHash("sha256").update(pem, "utf8").digest("hex");
}

/**
 * The curves accepted for signing keys and trusted keys, with the hash ECDSA uses on each: the
 * reference tool's set (model_signing `_SUPPORTED_CURVES`: SECP256R1, SECP384R1, SECP521R1,
 * https://github.com/sigstore/model-transparency/blob/main/src/model_signing/_signing/sign_ec_key.py).
 * KMS signing (model:publish without --key) uses P-256.
 */
export const SUPPORTED_CURVES = [
  { name: "P-256", openssl: "prime256v1", hash: "sha256" },
  { name: "P-384", openssl: "secp384r1", hash: "sha384" },
  { name: "P-521", openssl: "secp521r1", hash: "sha512" },
] as const;
/** "P-256, P-384 or P-521", for messages. */
export const SUPPORTED_CURVE_NAMES = `${SUPPORTED_CURVES.slice(0, -1).map((c) => c.name).join(", ")} or ${SUPPORTED_CURVES[SUPPORTED_CURVES.length - 1]!.name}`;

/** The hash ECDSA uses with a key of this curve (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512). */
export function hashForKey(key: KeyObject): string {
  if (key.asymmetricKeyType !== "ec") fail("KEY_INVALID", `key type ${key.asymmetricKeyType ?? "unknown"} is not supported: use an ECDSA ${SUPPORTED_CURVE_NAMES} key`);
  const curve = key.asymmetricKeyDetails?.namedCurve ?? "";
  const supported = SUPPORTED_CURVES.find((c) => c.openssl === curve);
  if (supported === undefined) fail("KEY_INVALID", `ECDSA curve ${curve} is not supported: use ${SUPPORTED_CURVE_NAMES}`);
  return supported.hash;
}

/**
 * Reads the trust anchor: a PEM public key (SPKI) or the public key of a PEM certificate. A
 * private key is refused, as the reference tool refuses it (load_pem_public_key): node would
 * quietly derive the public key from it, but a private key where the public one belongs means
 * the signing secret has been copied to where verifiers run.
 */
export function loadPublicKey(pem: string | Buffer): KeyObject {
  const text = pem.toString();
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    fail("KEY_INVALID", "the trusted key is a private key: give the public key (SPKI PEM, e.g. from `openssl pkey -pubout`) or a certificate, and keep the private key away from verifiers");
  }
  let key: KeyObject;
  try {
    key = text.includes("BEGIN CERTIFICATE") ? new X509Certificate(text).publicKey : createPublicKey({ key: text, format: "pem" });
  } catch (err) {
    fail("KEY_INVALID", `cannot read public key: ${(err as Error).message}`);
  }
  if (key.type !== "public") fail("KEY_INVALID", "the trusted key is not a public key");
  hashForKey(key);
  return key;
}

export function signDsse(payloadType: string, payload: Buffer, privateKey: KeyObject): Buffer {
  return cryptoSign(hashForKey(privateKey), pae(payloadType, payload), { key: privateKey, dsaEncoding: "der" });
}

export function verifyDsse(payloadType: string, payload: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    return cryptoVerify(hashForKey(publicKey), pae(payloadType, payload), { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    return false; // malformed DER is a bad signature, not a crash
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== "string" || value.length === 0 || !BASE64.test(value.replace(/\s+/g, ""))) {
    fail("BUNDLE_MALFORMED", `${what} is not base64`);
  }
  return Buffer.from(value, value.includes("-") || value.includes("_") ? "base64url" : "base64");
}

/**
 * Parses model.sig (already size-checked by the reader). Nesting deeper than the format needs is
 * LIMIT_EXCEEDED; structural problems are BUNDLE_MALFORMED; the payload type is checked separately.
 */
export function parseBundle(text: string | Buffer): ParsedBundle {
  const doc = parseJsonBounded(Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8"), MAX_BUNDLE_DEPTH, "signature file", "BUNDLE_MALFORMED");
  if (!isObject(doc)) fail("BUNDLE_MALFORMED", "signature file is not a JSON object");
  const mediaType = doc["mediaType"];
  if (typeof mediaType !== "string" || !mediaType.startsWith("application/vnd.dev.sigstore.bundle")) {
    fail("BUNDLE_MALFORMED", `mediaType ${JSON.stringify(mediaType)} is not a Sigstore bundle`);
  }
  const env = doc["dsseEnvelope"];
  if (!isObject(env)) fail("BUNDLE_MALFORMED", "bundle has no dsseEnvelope (message signatures are not model signatures)");
  if (typeof env["payloadType"] !== "string") fail("BUNDLE_MALFORMED", "dsseEnvelope.payloadType is missing");
  const payload = decodeBase64(env["payload"], "dsseEnvelope.payload");
  const sigs = env["signatures"];
  if (!Array.isArray(sigs) || sigs.length !== 1 || !isObject(sigs[0])) {
    fail("BUNDLE_MALFORMED", "dsseEnvelope.signatures must hold exactly one signature");
  }
  const signature = decodeBase64(sigs[0]["sig"], "dsseEnvelope.signatures[0].sig");

  const vm = doc["verificationMaterial"];
  if (!isObject(vm)) fail("BUNDLE_MALFORMED", "bundle has no verificationMaterial");
  let hint: string | undefined;
  const pk = vm["publicKey"];
  if (isObject(pk) && pk["hint"] !== undefined && pk["hint"] !== null && pk["hint"] !== "") {
    if (typeof pk["hint"] !== "string") fail("BUNDLE_MALFORMED", "verificationMaterial.publicKey.hint is not a string");
    hint = pk["hint"].toLowerCase();
  }
  let leafCertificate: Buffer | undefined;
  const chain = vm["x509CertificateChain"];
  const single = vm["certificate"];
  if (isObject(chain)) {
    const certs = chain["certificates"];
    if (!Array.isArray(certs) || certs.length === 0 || !isObject(certs[0])) {
      fail("BUNDLE_MALFORMED", "x509CertificateChain has no certificates");
    }
    leafCertificate = decodeBase64(certs[0]["rawBytes"], "leaf certificate");
  } else if (isObject(single)) {
    leafCertificate = decodeBase64(single["rawBytes"], "certificate");
  }
  return { payload, payloadType: env["payloadType"], signature, hint, leafCertificate };
}

export function buildBundle(payload: Buffer, signature: Buffer, hint: string): string {
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: INTOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString("base64"), keyid: "" }],
    },
  };
  return JSON.stringify(bundle, null, 2) + "\n";
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A resource name must be a normalised relative POSIX path (or "." for a single-file model). */
export function isSafeResourceName(name: string): boolean {
  if (name === ".") return true;
  if (name.length === 0 || name.startsWith("/") || name.includes("\\") || name.includes("\0")) return false;
  return name.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/** Parses and checks the signed statement (after the signature has been verified). */
export function parseStatement(payload: Buffer): Statement {
  const doc = parseJsonBounded(payload, MAX_BUNDLE_DEPTH, "signed payload", "STATEMENT_INVALID");
  if (!isObject(doc)) fail("STATEMENT_INVALID", "signed payload is not a JSON object");
  if (doc["_type"] !== STATEMENT_TYPE) fail("STATEMENT_INVALID", `_type ${JSON.stringify(doc["_type"])} is not ${STATEMENT_TYPE}`);
  if (doc["predicateType"] === LEGACY_PREDICATE_TYPE) {
    fail("STATEMENT_UNSUPPORTED", `predicateType ${LEGACY_PREDICATE_TYPE} (model_signing 0.2) is not supported: re-sign with model_signing >= 1.0`);
  }
  if (doc["predicateType"] !== PREDICATE_TYPE) {
    fail("STATEMENT_UNSUPPORTED", `predicateType ${JSON.stringify(doc["predicateType"])} is not ${PREDICATE_TYPE}`);
  }
  const subject = doc["subject"];
  if (!Array.isArray(subject) || subject.length !== 1 || !isObject(subject[0])) fail("STATEMENT_INVALID", "statement must have exactly one subject");
  const subjectName = subject[0]["name"];
  const subjectDigest = subject[0]["digest"];
  if (typeof subjectName !== "string") fail("STATEMENT_INVALID", "subject.name is missing");
  if (!isObject(subjectDigest) || typeof subjectDigest["sha256"] !== "string" || !HEX64.test(subjectDigest["sha256"])) {
    fail("STATEMENT_INVALID", "subject.digest.sha256 is not a SHA-256 hex digest");
  }
  const predicate = doc["predicate"];
  if (!isObject(predicate)) fail("STATEMENT_INVALID", "predicate is missing");
  const ser = predicate["serialization"];
  if (!isObject(ser)) fail("STATEMENT_INVALID", "predicate.serialization is missing");
  if (ser["method"] !== "files") fail("STATEMENT_UNSUPPORTED", `serialization method ${JSON.stringify(ser["method"])} is not supported (only "files")`);
  if (ser["hash_type"] !== "sha256") fail("STATEMENT_UNSUPPORTED", `hash_type ${JSON.stringify(ser["hash_type"])} is not supported (only sha256)`);
  const ignorePaths = ser["ignore_paths"];
  if (ignorePaths !== undefined && (!Array.isArray(ignorePaths) || !ignorePaths.every((p) => typeof p === "string"))) {
    fail("STATEMENT_INVALID", "serialization.ignore_paths is not a list of strings");
  }
  const rawResources = predicate["resources"];
  if (!Array.isArray(rawResources)) fail("STATEMENT_INVALID", "predicate.resources is not a list");
  const seen = new Set<string>();
  const resources: Resource[] = rawResources.map((r, i): Resource => {
    if (!isObject(r)) fail("STATEMENT_INVALID", `resources[${i}] is not an object`);
    const { name, algorithm, digest } = r;
    if (typeof name !== "string" || !isSafeResourceName(name)) fail("STATEMENT_INVALID", `resources[${i}].name ${JSON.stringify(name)} is not a relative path inside the model`);
    if (algorithm !== "sha256") fail("STATEMENT_UNSUPPORTED", `resources[${i}] (${name}) uses algorithm ${JSON.stringify(algorithm)} (only sha256)`);
    if (typeof digest !== "string" || !HEX64.test(digest)) fail("STATEMENT_INVALID", `resources[${i}] (${name}) digest is not a SHA-256 hex digest`);
    if (seen.has(name)) fail("STATEMENT_INVALID", `resource ${name} is listed twice`);
    seen.add(name);
    return { name, algorithm, digest };
  });
  if (resources.length > 1 && seen.has(".")) fail("STATEMENT_INVALID", `resource "." (single-file model) listed with other files`);
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subjectName, digest: { sha256: subjectDigest["sha256"] } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: "files",
        hash_type: "sha256",
        allow_symlinks: ser["allow_symlinks"] === true,
        ...(ignorePaths !== undefined ? { ignore_paths: ignorePaths as string[] } : {}),
      },
      resources,
    },
  };
}

/** Builds the statement that model:publish signs (resources sorted by name, as the reference tool does). */
export function buildStatement(modelName: string, resources: Resource[], ignorePaths: string[]): Statement {
  const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: modelName, digest: { sha256: rootDigest(sorted) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, ignore_paths: ignorePaths },
      resources: sorted,
    },
  };
}

/**
 * A path relative to the model root is ignored when it equals or lies under one of the ignore
 * paths. An ignore path ending in "/" names a directory: it covers what lies under it, never a
 * file of that name.
 */
export function isIgnored(relPath: string, ignorePaths: readonly string[]): boolean {
  for (const raw of ignorePaths) {
    const dirOnly = raw.endsWith("/");
    const p = raw.replace(/^\.\//, "").replace(/\/+$/, "");
    if (p === "" || p === ".") continue;
    if ((!dirOnly && relPath === p) || relPath.startsWith(p + "/")) return true;
  }
  return false;
}

/** Root entries the verifier always ignores (VCS metadata, the signature): vLLM and transformers never read them. */
export const EXEMPT_ROOT_NAMES: readonly string[] = [...DEFAULT_IGNORED, SIGNATURE_FILE];

/**
 * Directories below the model root that the loaders read: transformers loads every
 * `additional_chat_templates/<name>.jinja` as a named chat template (CHAT_TEMPLATE_DIR in
 * transformers' utils/hub.py, https://github.com/huggingface/transformers/blob/main/src/transformers/utils/hub.py).
 */
export const LOADER_DIRECTORIES: readonly string[] = ["additional_chat_templates"];

/**
 * Why an ignore path would let an attacker slip a file past verification, or undefined if it is
 * safe. Under the "safetensors" policy (a model vLLM serves):
 * - nothing at the model root may be ignored (vLLM and its tokenizer look up config, weights,
 *   tokenizer files and chat templates by name or glob there; vLLM's default loader globs
 *   `*.safetensors` at the root), except the verifier's own exempt names; a root directory may
 *   be ignored as `<dir>/`, which covers what lies under it and not a file of that name;
 * - nothing under a directory the loaders read (LOADER_DIRECTORIES);
 * - no `.safetensors` path: when the root has no shards, vLLM loads the shards the index names,
 *   in any subdirectory (vllm/model_executor/model_loader/default_loader.py,
 *   `_indexed_safetensors_files`). Files ignored under a directory are checked for this too
 *   (tree.ts), whatever the ignore path looks like.
 * Under "any" (checking a signature made elsewhere, never a served model) only paths that do not
 * stay inside the model are refused.
 */
export function ignorePathProblem(raw: string, policy: FilePolicy): string | undefined {
  const p = raw.replace(/^\.\//, "").replace(/\/+$/, "");
  if (p === "" || p === ".") return "covers the whole model";
  if (!isSafeResourceName(p)) return "is not a relative path inside the model";
  if (policy === "any" || EXEMPT_ROOT_NAMES.includes(raw)) return undefined;
  const segments = p.split("/");
  if (segments.length === 1 && !raw.endsWith("/")) {
    return `names something at the model root, where vLLM and its tokenizer read files; only directories can be left out there (write ${p}/ for a directory)`;
  }
  if (LOADER_DIRECTORIES.includes(segments[0]!)) return `is inside ${segments[0]}/, which the tokenizer reads`;
  if (p.toLowerCase().endsWith(".safetensors")) return "names weights; vLLM loads .safetensors files wherever the index points";
  return undefined;
}

/** Fails with IGNORE_PATH_FORBIDDEN naming every unsafe ignore path at once; `source` says where they came from. */
export function checkIgnorePaths(paths: readonly string[], policy: FilePolicy, source: string): void {
  const problems = paths.flatMap((p) => {
    const why = ignorePathProblem(p, policy);
    return why === undefined ? [] : [`${JSON.stringify(p)} ${why}`];
  });
  if (problems.length > 0) fail("IGNORE_PATH_FORBIDDEN", `${source}: ${problems.join("; ")}`, paths.find((p) => ignorePathProblem(p, policy) !== undefined));
}

/** How strict the file-type policy is. "safetensors" is the platform's; "any" only refuses pickle-capable files. */
export type FilePolicy = "safetensors" | "any";

/** Extensions of formats that can carry pickled Python objects (code execution on load) or opaque native weights. */
export const FORBIDDEN_EXTENSIONS = [
  ".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".dill", ".npy", ".npz",
  ".h5", ".hdf5", ".keras", ".pb", ".onnx", ".gguf", ".ggml", ".msgpack", ".mar", ".tar", ".zip",
] as const;
/** Weights must be safetensors; the rest are tokenizer, config, template and documentation files. */
export const ALLOWED_EXTENSIONS = [".safetensors", ".json", ".txt", ".model", ".tiktoken", ".jinja", ".md"] as const;
/** Extensionless files commonly shipped with models. */
export const ALLOWED_BASENAMES = ["LICENSE", "NOTICE", "README", "USE_POLICY"] as const;

function extensionOf(relPath: string): string {
  const base = relPath.slice(relPath.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot).toLowerCase();
}

/** Throws FILE_TYPE_FORBIDDEN / FILE_TYPE_NOT_ALLOWED for a file the policy refuses. */
export function checkFileType(relPath: string, policy: FilePolicy): void {
  const ext = extensionOf(relPath);
  if ((FORBIDDEN_EXTENSIONS as readonly string[]).includes(ext)) {
    fail("FILE_TYPE_FORBIDDEN", `${relPath}: ${ext} files can carry pickled code; only .safetensors weights are accepted`, relPath);
  }
  if (policy === "any") return;
  const base = relPath.slice(relPath.lastIndexOf("/") + 1);
  if ((ALLOWED_EXTENSIONS as readonly string[]).includes(ext)) return;
  if ((ALLOWED_BASENAMES as readonly string[]).includes(base)) return;
  fail(
    "FILE_TYPE_NOT_ALLOWED",
    `${relPath}: file type not allowed; weights must be .safetensors, other files ${ALLOWED_EXTENSIONS.slice(1).join(" ")}`,
    relPath,
  );
}
