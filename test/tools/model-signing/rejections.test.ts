// Every way a model can be wrong is refused, each with its own reason (code and exit status).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, openSync, readSync, writeSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES } from "../../../tools/model-signing/errors.js";
import { buildBundle, INTOTO_PAYLOAD_TYPE, publicKeyHint, rootDigest, signDsse } from "../../../tools/model-signing/format.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, tempDir, verifyCli } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let signed: string; // a model signed by `key`, never modified: each case works on a copy
let key: KeyFiles;
let otherKey: KeyFiles;
let n = 0;

async function publishLocal(dir: string, model: string, keyPem: string): Promise<void> {
  const lines: string[] = [];
  const code = await runPublishCli([dev, model, dir, "--key", keyPem, "--no-upload", "--stacks-dir", join(root, "no-stacks")], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  assert.equal(code, 0, lines.join("\n"));
}
const dev = "dev";

before(async () => {
  root = tempDir("reject");
  key = makeKey(root, "P-256", "signer");
  otherKey = makeKey(root, "P-256", "other");
  signed = makeModel(join(root, "signed"));
  await publishLocal(signed, "tiny-llm", key.privatePem);
});
after(() => removeDir(root));

/** A fresh copy of the signed model. */
function copy(): string {
  const dir = join(root, `case-${++n}`);
  cpSync(signed, dir, { recursive: true });
  return dir;
}

function editBundle(dir: string, edit: (bundle: any) => void): void {
  const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
  edit(bundle);
  writeFileSync(join(dir, "model.sig"), JSON.stringify(bundle));
}

const seen = new Map<number, string>();
async function expectFailure(dir: string, code: keyof typeof ERROR_CODES, pattern: RegExp, ...extra: string[]): Promise<void> {
  const r = await verifyCli(dir, "--public-key", key.publicPem, ...extra);
  assert.equal(r.code, ERROR_CODES[code], `expected ${code}, got exit ${r.code}: ${r.err}`);
  assert.match(r.err, new RegExp(`FAILED ${code}: `));
  assert.match(r.err, pattern);
  seen.set(r.code, code);
}

describe("model:verify rejections", () => {
  it("the untouched signed model verifies", async () => {
    const r = await verifyCli(signed, "--public-key", key.publicPem, "--expect-name", "tiny-llm");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /OK tiny-llm sha256:[0-9a-f]{64} \(8 files/);
  });

  it("a tampered byte", async () => {
    const dir = copy();
    const path = join(dir, "model-00001-of-00002.safetensors");
    const fd = openSync(path, "r+");
    const pos = statSync(path).size - 100;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, pos);
    b[0] = b[0]! ^ 0x01;
    writeSync(fd, b, 0, 1, pos);
    closeSync(fd);
    await expectFailure(dir, "FILE_DIGEST_MISMATCH", /model-00001-of-00002\.safetensors: content differs/);
  });

  it("a truncated safetensors file", async () => {
    const dir = copy();
    const path = join(dir, "model-00002-of-00002.safetensors");
    truncateSync(path, statSync(path).size - 1);
    await expectFailure(dir, "FILE_TRUNCATED", /model-00002-of-00002\.safetensors: \d+ bytes, but its safetensors header describes/);
  });

  it("a truncated tokenizer file is a digest mismatch", async () => {
    const dir = copy();
    truncateSync(join(dir, "tokenizer/tokenizer.json"), 3);
    await expectFailure(dir, "FILE_DIGEST_MISMATCH", /tokenizer\/tokenizer\.json/);
  });

  it("an extra file", async () => {
    const dir = copy();
    writeFileSync(join(dir, "notes.txt"), "hello");
    await expectFailure(dir, "FILE_EXTRA", /notes\.txt: on disk but not signed/);
  });

  it("a missing file", async () => {
    const dir = copy();
    rmSync(join(dir, "tokenizer/merges.txt"));
    await expectFailure(dir, "FILE_MISSING", /tokenizer\/merges\.txt: signed but missing/);
  });

  it("a symlink (even one pointing at a signed file)", async () => {
    const dir = copy();
    symlinkSync("config.json", join(dir, "config-link.json"));
    await expectFailure(dir, "SYMLINK", /config-link\.json: symbolic links are not allowed/);
  });

  it("a symlink replacing a signed file", async () => {
    const dir = copy();
    rmSync(join(dir, "config.json"));
    symlinkSync(join(signed, "config.json"), join(dir, "config.json"));
    await expectFailure(dir, "SYMLINK", /config\.json/);
  });

  it("a .bin file", async () => {
    const dir = copy();
    writeFileSync(join(dir, "pytorch_model.bin"), "\x80\x02}q\x00.");
    await expectFailure(dir, "FILE_TYPE_FORBIDDEN", /pytorch_model\.bin: \.bin files can carry pickled code/);
  });

  it("a .bin file is refused even under an ignored path", async () => {
    const dir = copy();
    mkdirSync(join(dir, "extras"));
    writeFileSync(join(dir, "extras", "extra.pt"), "x");
    await expectFailure(dir, "FILE_TYPE_FORBIDDEN", /extras\/extra\.pt/, "--ignore-paths", "extras/");
  });

  it("a file type outside the safetensors policy", async () => {
    const dir = copy();
    writeFileSync(join(dir, "modeling_custom.py"), "import os\n");
    await expectFailure(dir, "FILE_TYPE_NOT_ALLOWED", /modeling_custom\.py: file type not allowed/);
  });

  it("a pickle renamed to .safetensors", async () => {
    const dir = copy();
    const path = join(dir, "model-00002-of-00002.safetensors");
    writeFileSync(path, Buffer.from("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.", "latin1"));
    await expectFailure(dir, "SAFETENSORS_INVALID", /not (plausible|JSON)|safetensors/);
  });

  it("the wrong key (the bundle's hint names another key)", async () => {
    const r = await verifyCli(signed, "--public-key", otherKey.publicPem);
    assert.equal(r.code, ERROR_CODES.KEY_HINT_MISMATCH, r.err);
    assert.match(r.err, /KEY_HINT_MISMATCH: the signature names key [0-9a-f]{64}, not the supplied key/);
    seen.set(r.code, "KEY_HINT_MISMATCH");
  });

  it("the wrong key, with the hint stripped", async () => {
    const dir = copy();
    editBundle(dir, (b) => delete b.verificationMaterial.publicKey);
    const r = await verifyCli(dir, "--public-key", otherKey.publicPem);
    assert.equal(r.code, ERROR_CODES.SIGNATURE_INVALID, r.err);
    assert.match(r.err, /SIGNATURE_INVALID: the signature does not verify/);
  });

  it("a malformed bundle: not JSON, no envelope, bad base64, two signatures", async () => {
    const cases: [string, (dir: string) => void][] = [
      ["not JSON", (d) => appendFileSync(join(d, "model.sig"), "}garbage")],
      ["no envelope", (d) => editBundle(d, (b) => delete b.dsseEnvelope)],
      ["bad base64", (d) => editBundle(d, (b) => (b.dsseEnvelope.signatures[0].sig = "!!not base64!!"))],
      ["two signatures", (d) => editBundle(d, (b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0]))],
      ["not a bundle", (d) => editBundle(d, (b) => (b.mediaType = "application/json"))],
    ];
    for (const [what, mutate] of cases) {
      const dir = copy();
      mutate(dir);
      const r = await verifyCli(dir, "--public-key", key.publicPem);
      assert.equal(r.code, ERROR_CODES.BUNDLE_MALFORMED, `${what}: ${r.err}`);
    }
    seen.set(ERROR_CODES.BUNDLE_MALFORMED, "BUNDLE_MALFORMED");
  });

  it("no signature file", async () => {
    const dir = copy();
    rmSync(join(dir, "model.sig"));
    await expectFailure(dir, "SIGNATURE_MISSING", /model\.sig: not found/);
  });

  it("the wrong payload type", async () => {
    const dir = copy();
    editBundle(dir, (b) => (b.dsseEnvelope.payloadType = "application/json"));
    await expectFailure(dir, "PAYLOAD_TYPE_INVALID", /payloadType "application\/json" is not application\/vnd\.in-toto\+json/);
  });

  it("a signature over a different payload (signature of one model, statement of another)", async () => {
    const otherModel = makeModel(join(root, "other-model"));
    await publishLocal(otherModel, "tiny-llm", key.privatePem);
    const dir = copy();
    const otherBundle = JSON.parse(readFileSync(join(otherModel, "model.sig"), "utf8"));
    editBundle(dir, (b) => (b.dsseEnvelope.payload = otherBundle.dsseEnvelope.payload));
    await expectFailure(dir, "SIGNATURE_INVALID", /does not verify over this payload/);
  });

  it("a signed statement whose root digest does not match its resources", async () => {
    const dir = copy();
    const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    statement.subject[0].digest.sha256 = rootDigest(statement.predicate.resources.slice(1));
    const payload = Buffer.from(JSON.stringify(statement));
    const priv = createPrivateKey(readFileSync(key.privatePem));
    writeFileSync(join(dir, "model.sig"), buildBundle(payload, signDsse(INTOTO_PAYLOAD_TYPE, payload, priv), bundle.verificationMaterial.publicKey.hint));
    await expectFailure(dir, "ROOT_DIGEST_MISMATCH", /subject digest [0-9a-f]{64} is not the digest of the listed files/);
  });

  it("a signed statement that is not a model_signing v1.0 statement", async () => {
    const dir = copy();
    const priv = createPrivateKey(readFileSync(key.privatePem));
    const payload = Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [], predicateType: "https://slsa.dev/provenance/v1", predicate: {} }));
    writeFileSync(join(dir, "model.sig"), buildBundle(payload, signDsse(INTOTO_PAYLOAD_TYPE, payload, priv), publicKeyHint(priv)));
    await expectFailure(dir, "STATEMENT_UNSUPPORTED", /predicateType "https:\/\/slsa\.dev\/provenance\/v1"/);
  });

  it("a signed statement with a path escaping the model directory", async () => {
    const dir = copy();
    const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    statement.predicate.resources[0].name = "../etc/passwd";
    statement.subject[0].digest.sha256 = rootDigest(statement.predicate.resources);
    const payload = Buffer.from(JSON.stringify(statement));
    const priv = createPrivateKey(readFileSync(key.privatePem));
    writeFileSync(join(dir, "model.sig"), buildBundle(payload, signDsse(INTOTO_PAYLOAD_TYPE, payload, priv), publicKeyHint(priv)));
    await expectFailure(dir, "STATEMENT_INVALID", /not a relative path inside the model/);
  });

  it("another approved model under this model's name (--expect-name)", async () => {
    await expectFailure(signed, "SUBJECT_NAME_MISMATCH", /signature is for model "tiny-llm", expected "llama-3-1-8b-instruct"/, "--expect-name", "llama-3-1-8b-instruct");
  });

  it("usage errors and an unreadable key have their own codes", async () => {
    const noKey = await verifyCli(signed);
    assert.equal(noKey.code, ERROR_CODES.USAGE);
    assert.match(noKey.err, /--public-key <pem> is required/);
    const badKey = await verifyCli(signed, "--public-key", join(signed, "config.json"));
    assert.equal(badKey.code, ERROR_CODES.KEY_INVALID);
    const rsa = await verifyCli(signed, "--public-key", join(root, "missing.pem"));
    assert.equal(rsa.code, ERROR_CODES.KEY_INVALID);
  });

  it("--json reports the failure class machine-readably", async () => {
    const r = await verifyCli(signed, "--public-key", otherKey.publicPem, "--json");
    const doc = JSON.parse(r.out);
    assert.deepEqual([doc.ok, doc.code, doc.exitCode], [false, "KEY_HINT_MISMATCH", ERROR_CODES.KEY_HINT_MISMATCH]);
  });

  it("every failure class above exited with its own distinct status", () => {
    const codes = [...seen.keys()];
    assert.ok(codes.length >= 17, `only ${codes.length} classes exercised: ${[...seen.values()].join(", ")}`);
    assert.equal(new Set(Object.values(ERROR_CODES)).size, Object.keys(ERROR_CODES).length, "exit codes are unique");
    for (const c of codes) assert.notEqual(c, 0);
  });
});
