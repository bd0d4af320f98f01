// Signing side of the model supply chain: hash a model directory, build the OpenSSF Model Signing
// v1.0 statement, sign it (KMS or a local PEM key), write model.sig. The upload is in upload.ts.
import { keyAlias, modelBucketName, modelPrefix } from "../../infra/naming";
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { parse as parseYaml } from "yaml";
import { awsCall, fail } from "./errors.js";
import {
  DEFAULT_IGNORED,
  INTOTO_PAYLOAD_TYPE,
  SIGNATURE_FILE,
  buildBundle,
  buildStatement,
  checkIgnorePaths,
  hashForKey,
  pae,
  publicKeyHint,
  verifyDsse,
} from "./format.js";
import type { Statement } from "./format.js";
import { hashFiles } from "./hasher.js";
import { checkIndexTargets, checkSafetensors, isSafetensors, listModelFiles } from "./tree.js";
import type { ModelFile } from "./tree.js";

export const PROJECT = "sovereign-llm";

// ---------------------------------------------------------------------------------------------
// Naming. ASSUMPTION, to be aligned with the ModelStore / KeyRing components: these are the only
// places the tools derive AWS names from a stack and model; --bucket, --prefix, --kms-key-id and
// --sse-kms-key-id override them.

/** Alias of the stack's asymmetric ECC_NIST_P256 SIGN_VERIFY key that signs models (KeyRing purpose "signing"). */
export function signingKeyAlias(stack: string, project: string = PROJECT): string {
  return keyAlias(project, stack, "signing");
}

export interface ModelLocation {
  /** The ModelStore bucket of the stack. */
  bucket: string;
  /** Key prefix of the model's files, with a trailing slash. */
  prefix: string;
  /** Alias of the KMS key that signs models (see signingKeyAlias). */
  signingKeyAlias: string;
  /** Alias of the symmetric KMS key the ModelStore encrypts objects with (SSE-KMS). */
  storageKeyAlias: string;
}

/**
 * Where a stack's model lives: bucket `<project>-<stack>-models-<accountId>`, prefix
 * `models/<model>/` (as infra/schema.ts documents), keys `alias/<project>/<stack>/{signing,models}`
 * (KeyRing's `alias/<aliasPrefix>/<purpose>` with aliasPrefix `<project>/<stack>`).
 */
export function modelLocation(stack: string, model: string, accountId: string, region: string, project: string = PROJECT): ModelLocation {
  return {
    bucket: modelBucketName(project, stack, accountId, region),
    prefix: modelPrefix(model),
    signingKeyAlias: signingKeyAlias(stack, project),
    storageKeyAlias: storageKeyAlias(stack, project),
  };
}

/** Alias of the stack's symmetric key for model artifacts (KeyRing purpose "models"). */
export function storageKeyAlias(stack: string, project: string = PROJECT): string {
  return keyAlias(project, stack, "models");
}

// ---------------------------------------------------------------------------------------------
// Stack configuration (stacks/Pulumi.<stack>.yaml, key `sovereign-llm:models`).

export interface StackModels {
  file: string;
  models: string[];
  region: string | undefined;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Reads the model names (and aws:region) of a stack; undefined when the stack file does not exist. */
export function readStackModels(stacksDir: string, stack: string): StackModels | undefined {
  if (!NAME.test(stack)) fail("CONFIG_INVALID", `stack name ${JSON.stringify(stack)} is not a valid stack name`);
  const file = join(stacksDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    fail("CONFIG_INVALID", `${file}: not valid YAML: ${(err as Error).message}`, file);
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  const raw = config[`${PROJECT}:models`];
  if (raw === undefined) return { file, models: [], region: regionOf(config) };
  if (!Array.isArray(raw)) fail("CONFIG_INVALID", `${file}: ${PROJECT}:models must be a list of objects with a name`, file);
  const models = raw.map((m, i) => {
    const name = (m as { name?: unknown } | null)?.name;
    if (typeof name !== "string") fail("CONFIG_INVALID", `${file}: ${PROJECT}:models[${i}] has no name`, file);
    return name;
  });
  return { file, models, region: regionOf(config) };
}

function regionOf(config: Record<string, unknown>): string | undefined {
  const r = config["aws:region"];
  return typeof r === "string" ? r : undefined;
}

// ---------------------------------------------------------------------------------------------
// Signers.

export interface Signer {
  /** The public key that verifies this signer's signatures (its hint goes into the bundle). */
  publicKey: KeyObject;
  /** ECDSA signature (DER) over the given DSSE PAE bytes. */
  sign(paeBytes: Buffer): Promise<Buffer>;
  describe: string;
}

/** Signs with a local PEM private key (EC P-256, P-384 or P-521): offline use and tests. */
export function localSigner(pemPath: string): Signer {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(pemPath));
  } catch (err) {
    fail("KEY_INVALID", `cannot read private key ${pemPath}: ${(err as Error).message}`, pemPath);
  }
  hashForKey(privateKey);
  return {
    publicKey: createPublicKey(privateKey),
    describe: `local key ${pemPath}`,
    sign: async (paeBytes) => cryptoSign(hashForKey(privateKey), paeBytes, { key: privateKey, dsaEncoding: "der" }),
  };
}

/**
 * Signs with a KMS asymmetric key (KeySpec ECC_NIST_P256, KeyUsage SIGN_VERIFY).
 *
 * KMS Sign takes at most 4096 bytes with MessageType RAW, and the statement of a model with
 * many shards is larger, so we send MessageType DIGEST with the SHA-256 of the PAE: KMS then
 * skips its own hashing and the result is the same ECDSA-SHA256 signature (DER, X9.62) a RAW
 * call over the full PAE would give. https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
export async function kmsSigner(kms: KMSClient, keyId: string): Promise<Signer & { keyArn: string }> {
  const pub = await awsCall(`kms:GetPublicKey ${keyId}`, () => kms.send(new GetPublicKeyCommand({ KeyId: keyId })));
  if (pub.KeyUsage !== "SIGN_VERIFY" || pub.KeySpec !== "ECC_NIST_P256" || !(pub.SigningAlgorithms ?? []).includes("ECDSA_SHA_256")) {
    fail("KEY_INVALID", `KMS key ${keyId} must be an ECC_NIST_P256 SIGN_VERIFY key (it is ${pub.KeySpec ?? "?"} ${pub.KeyUsage ?? "?"})`);
  }
  if (pub.PublicKey === undefined || pub.KeyId === undefined) fail("AWS_ERROR", `kms:GetPublicKey ${keyId} returned no key`);
  const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey), format: "der", type: "spki" });
  const keyArn = pub.KeyId;
  return {
    publicKey,
    keyArn,
    describe: `KMS key ${keyArn}`,
    sign: async (paeBytes) => {
      const digest = createHash("sha256").update(paeBytes).digest();
      const out = await awsCall(`kms:Sign ${keyArn}`, () =>
        kms.send(new SignCommand({ KeyId: keyArn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" })),
      );
      if (out.Signature === undefined) fail("AWS_ERROR", `kms:Sign ${keyArn} returned no signature`);
      return Buffer.from(out.Signature);
    },
  };
}


// ---------------------------------------------------------------------------------------------
// Signing a model directory.

export interface SignOptions {
  modelDir: string;
  modelName: string;
  signer: Signer;
  /** Extra paths to leave out of the signature (recorded in the signed ignore_paths). */
  ignorePaths?: readonly string[];
  workers?: number;
}

export interface SignedModel {
  statement: Statement;
  bundle: string;
  /** The files that were signed (and are to be uploaded), sorted by name. */
  files: ModelFile[];
  bytes: number;
}

/** Hashes and signs a model directory. Refuses pickled weights, symlinks and incomplete safetensors. */
export async function signModel(opts: SignOptions): Promise<SignedModel> {
  const dir = resolve(opts.modelDir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) fail("USAGE", `${opts.modelDir} is not a directory`);
  if (!NAME.test(opts.modelName)) fail("USAGE", `model name ${JSON.stringify(opts.modelName)} must be lower-case letters, digits, '.', '_' or '-'`);
  // The verifier refuses the same ignore paths; refusing them here keeps a bad signature from being made.
  checkIgnorePaths(opts.ignorePaths ?? [], "safetensors", "--ignore-paths");
  const ignorePaths = [...DEFAULT_IGNORED, SIGNATURE_FILE, ...(opts.ignorePaths ?? [])];
  const files = listModelFiles(dir, ignorePaths, "safetensors");
  if (files.length === 0) fail("FILE_MISSING", `${opts.modelDir} has no files to sign`);
  if (!files.some((f) => isSafetensors(f.name, f.path))) fail("FILE_MISSING", `${opts.modelDir} has no .safetensors weights`);
  for (const f of files) if (isSafetensors(f.name, f.path)) checkSafetensors(f);
  checkIndexTargets(files, new Set(files.map((f) => f.name)));

  const hashed = await hashFiles(files.map((f) => ({ path: f.path, size: f.size })), opts.workers !== undefined ? { workers: opts.workers } : {});
  const resources = files.map((f, i) => ({ name: f.name, algorithm: "sha256" as const, digest: hashed[i]!.digest }));
  const statement = buildStatement(opts.modelName, resources, ignorePaths);
  const payload = Buffer.from(JSON.stringify(statement, null, 2), "utf8");
  const signature = await opts.signer.sign(pae(INTOTO_PAYLOAD_TYPE, payload));
  // Check our own output with the verifier's code before anything is written or uploaded.
  if (!verifyDsse(INTOTO_PAYLOAD_TYPE, payload, signature, opts.signer.publicKey)) {
    fail("SIGNATURE_INVALID", `${opts.signer.describe} produced a signature that does not verify with its own public key`);
  }
  const bundle = buildBundle(payload, signature, publicKeyHint(opts.signer.publicKey));
  return { statement, bundle, files, bytes: hashed.reduce((s, h) => s + h.bytes, 0) };
}

export function writeBundle(path: string, bundle: string): void {
  writeFileSync(path, bundle, { mode: 0o644 });
}
