// Shared helpers of the model-signing tests (not a test file itself).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildBundle, INTOTO_PAYLOAD_TYPE, publicKeyHint, rootDigest, signDsse } from "../../../tools/model-signing/format.js";
import { runVerifyCli } from "../../../tools/model-signing/verify-cli.js";

/** The reference tool's test vectors, copied from shared/testdata/model-signing (see its README.md). */
export const FIXTURES = resolve(__dirname, "../../fixtures/model-signing");
export const VECTORS = join(FIXTURES, "scripts/tests");
export const VECTOR_PUBLIC_KEY = join(VECTORS, "keys/certificate/signing-key-pub.pem");
export const VECTOR_CERTIFICATE = join(VECTORS, "keys/certificate/signing-key-cert.pem");
export const VECTOR_PRIVATE_KEY = join(VECTORS, "keys/certificate/signing-key.pem");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ms-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A valid safetensors file with one U8 tensor of dataBytes random bytes. */
export function safetensors(dataBytes: number): Buffer {
  let header = Buffer.from(JSON.stringify({ __metadata__: { format: "pt" }, weight: { dtype: "U8", shape: [dataBytes], data_offsets: [0, dataBytes] } }));
  header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, randomBytes(dataBytes)]);
}

/** A small HF-style model: two safetensors shards, an index, config and tokenizer files, one nested file. */
export function makeModel(dir: string, shardBytes = 64 * 1024): string {
  mkdirSync(join(dir, "tokenizer"), { recursive: true });
  writeFileSync(join(dir, "model-00001-of-00002.safetensors"), safetensors(shardBytes));
  writeFileSync(join(dir, "model-00002-of-00002.safetensors"), safetensors(Math.floor(shardBytes / 2)));
  writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: { weight: "model-00001-of-00002.safetensors" } }));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"], hidden_size: 64 }));
  writeFileSync(join(dir, "generation_config.json"), "{}");
  writeFileSync(join(dir, "tokenizer", "tokenizer.json"), JSON.stringify({ version: "1.0", model: { type: "BPE" } }));
  writeFileSync(join(dir, "tokenizer", "merges.txt"), "a b\n");
  writeFileSync(join(dir, "LICENSE"), "Apache-2.0\n");
  return dir;
}

export interface KeyFiles {
  privatePem: string;
  publicPem: string;
}

/** Writes a fresh EC key pair (P-256 by default) as PEM files into dir. */
export function makeKey(dir: string, namedCurve = "P-256", name = "key"): KeyFiles {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve });
  const privatePem = join(dir, `${name}.pem`);
  const publicPem = join(dir, `${name}.pub.pem`);
  writeFileSync(privatePem, privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(publicPem, createPublicKey(privateKey).export({ type: "spki", format: "pem" }));
  return { privatePem, publicPem };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the verifier CLI in-process and captures its output. */
export async function verifyCli(...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runVerifyCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * Re-signs a model's statement after `edit` changed it (as a publisher with the key could), with
 * the root digest recomputed: for signatures the publisher would no longer produce.
 */
export function resign(dir: string, privatePem: string, edit: (statement: any) => void): void {
  const path = join(dir, "model.sig");
  const bundle = JSON.parse(readFileSync(path, "utf8"));
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
  edit(statement);
  statement.subject[0].digest.sha256 = rootDigest(statement.predicate.resources);
  const payload = Buffer.from(JSON.stringify(statement));
  const priv = createPrivateKey(readFileSync(privatePem));
  writeFileSync(path, buildBundle(payload, signDsse(INTOTO_PAYLOAD_TYPE, payload, priv), publicKeyHint(priv)));
}

/** SHA-256 hex of a file. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
