// The trust anchor must be a public key of a supported curve, and a deployment can pin the one
// version of a model it serves (--expect-digest), so an older validly signed version is refused.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES } from "../../../tools/model-signing/errors.js";
import { loadPublicKey, SUPPORTED_CURVE_NAMES } from "../../../tools/model-signing/format.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { verifyModel } from "../../../tools/model-signing/verify.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir, verifyCli } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let key: KeyFiles;
let n = 0;

before(() => {
  root = tempDir("trust");
  key = makeKey(root);
});
after(() => removeDir(root));

async function publish(dir: string, keyPem = key.privatePem): Promise<{ code: number; digest: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPublishCli(["dev", "tiny-llm", dir, "--key", keyPem, "--no-upload", "--json", "--stacks-dir", join(root, "none")], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, digest: code === 0 ? (JSON.parse(out.join("")) as { rootDigest: string }).rootDigest : "", err: [...out, ...err].join("\n") };
}

describe("the trusted key", () => {
  it("a private key PEM given as the public key is refused (PKCS#8 and SEC1)", async () => {
    const dir = makeModel(join(root, `m${++n}`));
    assert.equal((await publish(dir)).code, 0);
    const sec1 = join(root, "sec1.pem");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(sec1, privateKey.export({ type: "sec1", format: "pem" }));
    for (const pem of [key.privatePem, sec1]) {
      const r = await verifyCli(dir, "--public-key", pem);
      assert.equal(r.code, ERROR_CODES.KEY_INVALID, r.err);
      assert.match(r.err, /KEY_INVALID: .*the trusted key is a private key: give the public key/);
      assert.doesNotMatch(r.err, /BEGIN|MII/, "no key material in the message");
    }
    // Also through the library with a KeyObject.
    await assert.rejects(verifyModel({ modelPath: dir, publicKey: privateKey }), /private key/);
  });

  it("P-521 keys sign and verify, as the reference tool allows", async () => {
    const k521 = makeKey(root, "P-521", "p521");
    const dir = makeModel(join(root, `m${++n}`));
    assert.equal((await publish(dir, k521.privatePem)).code, 0);
    const r = await verifyCli(dir, "--public-key", k521.publicPem);
    assert.equal(r.code, 0, r.err);
  });

  it("an unsupported curve is refused with the supported list, and the README says the same", () => {
    const k1 = makeKey(root, "secp256k1", "k1");
    assert.throws(() => loadPublicKey(readFileSync(k1.publicPem)), /ECDSA curve secp256k1 is not supported: use P-256, P-384 or P-521/);
    assert.equal(SUPPORTED_CURVE_NAMES, "P-256, P-384 or P-521");
    const readme = readFileSync(join(__dirname, "../../../tools/model-signing/README.md"), "utf8");
    const keyRow = readme.split("\n").find((l) => l.startsWith("| 3 | `KEY_INVALID`"));
    assert.ok(keyRow?.includes(SUPPORTED_CURVE_NAMES), `README's KEY_INVALID row names the curves: ${keyRow}`);
    assert.doesNotMatch(readme, /P-256\/P-384|P-256 or P-384\b(?!,)/, "no README line still limits keys to P-256/P-384");
  });
});

describe("--expect-digest pins one version", () => {
  let dir: string;
  let v1: { sig: string; shard: Buffer; digest: string };
  let v2digest: string;
  before(async () => {
    dir = makeModel(join(root, `pinned-${++n}`));
    const shard = join(dir, "model-00002-of-00002.safetensors");
    const first = await publish(dir);
    assert.equal(first.code, 0, first.err);
    v1 = { sig: readFileSync(join(dir, "model.sig"), "utf8"), shard: readFileSync(shard), digest: first.digest };
    // Version 2: new weights, signed with the same key.
    writeFileSync(shard, safetensors(32 * 1024));
    const second = await publish(dir);
    assert.equal(second.code, 0, second.err);
    v2digest = second.digest;
    assert.notEqual(v1.digest, v2digest);
  });

  it("the pinned version verifies (sha256:<hex> or bare hex)", async () => {
    for (const pin of [`sha256:${v2digest}`, v2digest]) {
      const r = await verifyCli(dir, "--public-key", key.publicPem, "--expect-digest", pin);
      assert.equal(r.code, 0, r.err);
    }
  });

  it("an older, validly signed version put back in place is refused when the newer one is pinned", async () => {
    const old = join(root, `rollback-${++n}`);
    cpSync(dir, old, { recursive: true });
    writeFileSync(join(old, "model.sig"), v1.sig);
    writeFileSync(join(old, "model-00002-of-00002.safetensors"), v1.shard);
    assert.equal((await verifyCli(old, "--public-key", key.publicPem)).code, 0, "without a pin the old version still verifies");
    const r = await verifyCli(old, "--public-key", key.publicPem, "--expect-digest", `sha256:${v2digest}`);
    assert.equal(r.code, ERROR_CODES.EXPECTED_DIGEST_MISMATCH, r.err);
    assert.match(r.err, new RegExp(`EXPECTED_DIGEST_MISMATCH: the signature is for tiny-llm sha256:${v1.digest}, but sha256:${v2digest} is pinned`));
  });

  it("a malformed pin is a usage error", async () => {
    for (const bad of ["sha256:abc", `sha512:${v2digest}`, v2digest.toUpperCase()]) {
      const r = await verifyCli(dir, "--public-key", key.publicPem, "--expect-digest", bad);
      assert.equal(r.code, ERROR_CODES.USAGE, `${bad}: ${r.err}`);
    }
  });
});
