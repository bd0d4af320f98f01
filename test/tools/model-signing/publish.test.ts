// model:publish with a local key (--key ... --no-upload: nothing touches AWS), and what it signs
// verifies with the verifier's code.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPublicKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES } from "../../../tools/model-signing/errors.js";
import { INTOTO_PAYLOAD_TYPE, PREDICATE_TYPE, publicKeyHint } from "../../../tools/model-signing/format.js";
import { hashFiles } from "../../../tools/model-signing/hasher.js";
import { localSigner, modelLocation, readStackModels, signingKeyAlias, storageKeyAlias } from "../../../tools/model-signing/publish.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { fmtBytes, ProgressBar } from "../../../tools/model-signing/upload.js";
import { verifyModel } from "../../../tools/model-signing/verify.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir, VECTOR_PRIVATE_KEY, VECTORS, verifyCli } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let stacks: string;
let key: KeyFiles;

before(() => {
  root = tempDir("publish");
  stacks = join(root, "stacks");
  mkdirSync(stacks);
  writeFileSync(
    join(stacks, "Pulumi.dev.yaml"),
    ["config:", "  aws:region: eu-central-1", "  sovereign-llm:models:", "    - name: tiny-llm", "      nodeGroup: l4", "    - name: other-llm", ""].join("\n"),
  );
  key = makeKey(root);
});
after(() => removeDir(root));

async function publish(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPublishCli([...argv, "--stacks-dir", stacks], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("model:publish --key (offline)", () => {
  it("signs a model that model:verify accepts, in the 1.1.0 layout", async () => {
    const dir = makeModel(join(root, "m1"));
    const r = await publish("dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload");
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /signed tiny-llm sha256:[0-9a-f]{64} \(8 files/);
    const v = await verifyCli(dir, "--public-key", key.publicPem, "--expect-name", "tiny-llm");
    assert.equal(v.code, 0, v.err);

    const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
    assert.equal(bundle.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    assert.equal(bundle.verificationMaterial.publicKey.hint, publicKeyHint(createPublicKey(readFileSync(key.publicPem))));
    assert.equal(bundle.dsseEnvelope.payloadType, INTOTO_PAYLOAD_TYPE);
    assert.equal(bundle.dsseEnvelope.signatures.length, 1);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    assert.equal(statement.predicateType, PREDICATE_TYPE);
    assert.equal(statement.subject[0].name, "tiny-llm");
    const names = statement.predicate.resources.map((x: { name: string }) => x.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes("tokenizer/tokenizer.json"));
    assert.deepEqual(statement.predicate.serialization.ignore_paths, [".git", ".gitattributes", ".github", ".gitignore", "model.sig"]);
    const cfg = statement.predicate.resources.find((x: { name: string }) => x.name === "config.json");
    assert.equal(cfg.digest, createHash("sha256").update(readFileSync(join(dir, "config.json"))).digest("hex"));
  });

  it("--out writes the signature elsewhere (and implies --no-upload, so no KMS either with --key)", async () => {
    const dir = makeModel(join(root, "m2"));
    const sig = join(root, "m2.sig");
    const r = await publish("dev", "tiny-llm", dir, "--key", key.privatePem, "--out", sig, "--json");
    assert.equal(r.code, 0, r.out);
    assert.equal(JSON.parse(r.out).signature, sig);
    assert.equal(existsSync(join(dir, "model.sig")), false);
    const v = await verifyCli(dir, "--public-key", key.publicPem, "--signature", sig);
    assert.equal(v.code, 0, v.err);
  });

  it("records --ignore-paths in the signature, so the verifier skips them too", async () => {
    const dir = makeModel(join(root, "m3"));
    mkdirSync(join(dir, "eval"));
    writeFileSync(join(dir, "eval", "results.json"), "{}");
    const r = await publish("dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload", "--ignore-paths", "eval/");
    assert.equal(r.code, 0, r.err);
    const v = await verifyModel({ modelPath: dir, publicKey: readFileSync(key.publicPem) });
    assert.equal(v.files, 8);
    assert.ok(v.statement.predicate.serialization.ignore_paths?.includes("eval/"));
  });

  it("a local signer writes the same key hint as the reference tool (its own P-384 test key)", () => {
    const reference = JSON.parse(readFileSync(join(VECTORS, "v1.1.0-elliptic-key", "model.sig"), "utf8"));
    assert.equal(publicKeyHint(localSigner(VECTOR_PRIVATE_KEY).publicKey), reference.verificationMaterial.publicKey.hint);
  });

  it("signs with a P-384 key too", async () => {
    const k384 = makeKey(root, "P-384", "p384");
    const dir = makeModel(join(root, "m4"));
    assert.equal((await publish("dev", "tiny-llm", dir, "--key", k384.privatePem, "--no-upload")).code, 0);
    assert.equal((await verifyCli(dir, "--public-key", k384.publicPem)).code, 0);
    assert.equal((await verifyCli(dir, "--public-key", key.publicPem)).code, ERROR_CODES.KEY_HINT_MISMATCH);
  });

  it("hashes large models with worker threads; the digests equal a plain SHA-256", async () => {
    const dir = join(root, "big");
    mkdirSync(dir);
    for (let i = 1; i <= 3; i++) writeFileSync(join(dir, `model-0000${i}-of-00003.safetensors`), safetensors((12 + i) * 1024 * 1024));
    writeFileSync(join(dir, "config.json"), "{}");
    const r = await publish("dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload", "--workers", "2");
    assert.equal(r.code, 0, r.err);
    for (const workers of ["1", "2", "3"]) {
      const v = await verifyCli(dir, "--public-key", key.publicPem, "--workers", workers);
      assert.equal(v.code, 0, v.err);
    }
    const paths = [1, 2, 3].map((i) => join(dir, `model-0000${i}-of-00003.safetensors`));
    const hashed = await hashFiles(paths.map((p) => ({ path: p, size: readFileSync(p).length })), { workers: 2, chunkBytes: 1024 * 1024 });
    hashed.forEach((h, i) => assert.equal(h.digest, createHash("sha256").update(readFileSync(paths[i]!)).digest("hex")));
    // A file that vanishes under the workers is named.
    await assert.rejects(
      hashFiles([...paths.map((p) => ({ path: p, size: statSync(p).size })), { path: join(dir, "gone.safetensors"), size: 1 }], { workers: 2 }),
      /gone\.safetensors/,
    );
  });
});

describe("model:publish refusals", () => {
  it("refuses pickled weights and writes no signature", async () => {
    const dir = makeModel(join(root, "pickle"));
    writeFileSync(join(dir, "pytorch_model.bin"), "\x80\x02");
    const r = await publish("dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload");
    assert.equal(r.code, ERROR_CODES.FILE_TYPE_FORBIDDEN);
    assert.match(r.err, /pytorch_model\.bin: \.bin files can carry pickled code/);
    assert.equal(existsSync(join(dir, "model.sig")), false);
    for (const ext of [".pt", ".pth", ".pkl", ".ckpt"]) {
      const d = makeModel(join(root, `pickle${ext}`));
      writeFileSync(join(d, `weights${ext}`), "x");
      assert.equal((await publish("dev", "tiny-llm", d, "--key", key.privatePem, "--no-upload")).code, ERROR_CODES.FILE_TYPE_FORBIDDEN, ext);
    }
  });

  it("refuses symlinks, a model without safetensors weights, an incomplete shard", async () => {
    const link = makeModel(join(root, "link"));
    symlinkSync("/etc/hostname", join(link, "vocab.txt"));
    assert.equal((await publish("dev", "tiny-llm", link, "--key", key.privatePem, "--no-upload")).code, ERROR_CODES.SYMLINK);
    const noWeights = join(root, "noweights");
    mkdirSync(noWeights);
    writeFileSync(join(noWeights, "config.json"), "{}");
    assert.equal((await publish("dev", "tiny-llm", noWeights, "--key", key.privatePem, "--no-upload")).code, ERROR_CODES.FILE_MISSING);
    const cut = makeModel(join(root, "cut"));
    writeFileSync(join(cut, "model-00002-of-00002.safetensors"), safetensors(1000).subarray(0, 500));
    assert.equal((await publish("dev", "tiny-llm", cut, "--key", key.privatePem, "--no-upload")).code, ERROR_CODES.FILE_TRUNCATED);
  });

  it("refuses a model that is not in the stack's sovereign-llm:models", async () => {
    const dir = makeModel(join(root, "unknown"));
    const r = await publish("dev", "mystery-llm", dir, "--key", key.privatePem, "--no-upload");
    assert.equal(r.code, ERROR_CODES.CONFIG_INVALID);
    assert.match(r.err, /model "mystery-llm" is not in sovereign-llm:models \(tiny-llm, other-llm\)/);
  });

  it("refuses to upload for a stack without a stack file (before any AWS call)", async () => {
    const dir = makeModel(join(root, "nostack"));
    const r = await publish("qa", "tiny-llm", dir, "--key", key.privatePem);
    assert.equal(r.code, ERROR_CODES.CONFIG_INVALID);
    assert.match(r.err, /Pulumi\.qa\.yaml not found/);
  });

  it("usage errors", async () => {
    assert.equal((await publish("dev", "tiny-llm")).code, ERROR_CODES.USAGE);
    assert.equal((await publish("dev", "tiny-llm", root, "--frobnicate")).code, ERROR_CODES.USAGE);
    assert.equal((await publish("dev", "tiny-llm", join(root, "nope"), "--key", key.privatePem, "--no-upload")).code, ERROR_CODES.USAGE);
  });
});

describe("naming and stack config", () => {
  it("modelLocation: the assumed bucket, prefix and key aliases", () => {
    assert.deepEqual(modelLocation("prod", "llama-3-1-8b-instruct", "111122223333", "us-east-1"), {
      bucket: "sovereign-llm-prod-models-111122223333-us-east-1",
      prefix: "models/llama-3-1-8b-instruct/",
      signingKeyAlias: "alias/sovereign-llm/prod/signing",
      storageKeyAlias: "alias/sovereign-llm/prod/models",
    });
    assert.equal(signingKeyAlias("dev"), "alias/sovereign-llm/dev/signing");
    assert.equal(storageKeyAlias("dev"), "alias/sovereign-llm/dev/models");
  });

  it("readStackModels reads names and region; a missing file is undefined", () => {
    assert.deepEqual(readStackModels(stacks, "dev"), { file: join(stacks, "Pulumi.dev.yaml"), models: ["tiny-llm", "other-llm"], region: "eu-central-1" });
    assert.equal(readStackModels(stacks, "nope"), undefined);
  });
});

describe("upload progress", () => {
  function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
    const chunks: string[] = [];
    const stream = { isTTY, columns: 100, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
    return { stream, text: () => chunks.join("") };
  }
  it("draws a bar with bytes per second on a TTY, plain lines elsewhere", () => {
    const tty = fakeStream(true);
    const bar = new ProgressBar(10_000_000, tty.stream, "s3://b/models/m/");
    for (let i = 0; i < 10; i++) bar.add(1_000_000);
    bar.done();
    assert.match(tty.text(), /\r\[#+\] s3:\/\/b\/models\/m\/ 100%  10\.00 MB \/ 10\.00 MB  [\d.]+ [kMGT]?B\/s/);
    const plain = fakeStream(false);
    const bar2 = new ProgressBar(1000, plain.stream);
    bar2.add(500);
    bar2.add(500);
    bar2.done();
    assert.ok(!plain.text().includes("\r"));
    assert.match(plain.text(), /upload 100%  1\.00 kB \/ 1\.00 kB/);
    assert.equal(fmtBytes(1_500_000_000), "1.50 GB");
  });
});
