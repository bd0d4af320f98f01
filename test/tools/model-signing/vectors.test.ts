// Interoperability with the reference implementation (sigstore/model-transparency, model_signing
// 1.1.1): every vector in test/fixtures/model-signing is accepted or rejected as its README says.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ModelSigningError } from "../../../tools/model-signing/errors.js";
import { buildStatement, parseStatement, rootDigest } from "../../../tools/model-signing/format.js";
import { hashFiles } from "../../../tools/model-signing/hasher.js";
import { listModelFiles } from "../../../tools/model-signing/tree.js";
import { verifyModel } from "../../../tools/model-signing/verify.js";
import { FIXTURES, removeDir, tempDir, VECTOR_CERTIFICATE, VECTOR_PUBLIC_KEY, VECTORS, verifyCli } from "./helpers.js";

const pub = readFileSync(VECTOR_PUBLIC_KEY);

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ModelSigningError, `expected ModelSigningError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** The public key of a bundle's leaf certificate, as PEM (for the keyless sigstore vectors). */
function leafKeyPem(vector: string): string {
  const bundle = JSON.parse(readFileSync(join(VECTORS, vector, "model.sig"), "utf8"));
  const vm = bundle.verificationMaterial;
  const raw: string = vm.certificate?.rawBytes ?? vm.x509CertificateChain.certificates[0].rawBytes;
  return new X509Certificate(Buffer.from(raw, "base64")).publicKey.export({ type: "spki", format: "pem" }).toString();
}

describe("reference vectors: elliptic key (P-384)", () => {
  for (const v of ["v0.3.1-elliptic-key", "v1.0.0-elliptic-key"]) {
    it(`${v}: single-file model verifies`, async () => {
      const r = await verifyModel({ modelPath: join(VECTORS, v, "signme-1"), publicKey: pub, filePolicy: "any" });
      assert.equal(r.files, 1);
      assert.equal(r.statement.predicate.resources[0]!.name, ".");
    });
    it(`${v}: passing the directory of a single-file model fails`, async () => {
      await rejects(verifyModel({ modelPath: join(VECTORS, v), publicKey: pub, filePolicy: "any" }), "FILE_MISSING");
    });
  }

  it("v1.1.0-elliptic-key: directory with signed ignore_paths verifies", async () => {
    const r = await verifyModel({ modelPath: join(VECTORS, "v1.1.0-elliptic-key"), publicKey: pub, filePolicy: "any" });
    assert.equal(r.modelName, "v1.1.0-elliptic-key");
    assert.equal(r.files, 2);
  });

  it("v1.0.1-elliptic-key: fails on the extra file, verifies when ignore-me is ignored explicitly", async () => {
    await rejects(verifyModel({ modelPath: join(VECTORS, "v1.0.1-elliptic-key"), publicKey: pub, filePolicy: "any" }), "FILE_EXTRA");
    const r = await verifyModel({ modelPath: join(VECTORS, "v1.0.1-elliptic-key"), publicKey: pub, filePolicy: "any", ignorePaths: ["ignore-me"] });
    assert.equal(r.files, 2);
  });

  it("v1.1.0-elliptic-key with any other public key fails (hint mismatch, or bad signature without the hint)", async () => {
    const other = leafKeyPem("v1.1.0-sigstore");
    await rejects(verifyModel({ modelPath: join(VECTORS, "v1.1.0-elliptic-key"), publicKey: other, filePolicy: "any" }), "KEY_HINT_MISMATCH");
    const dir = tempDir("nohint");
    try {
      cpSync(join(VECTORS, "v1.1.0-elliptic-key"), dir, { recursive: true });
      const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
      delete bundle.verificationMaterial.publicKey.hint;
      writeFileSync(join(dir, "model.sig"), JSON.stringify(bundle));
      await rejects(verifyModel({ modelPath: dir, publicKey: other, filePolicy: "any" }), "SIGNATURE_INVALID");
      // ...and the stripped bundle still verifies with the right key: the hint is not signed.
      await verifyModel({ modelPath: dir, publicKey: pub, filePolicy: "any" });
    } finally {
      removeDir(dir);
    }
  });

  it("the default safetensors policy refuses the vectors: extensionless files, and a signed ignore path at the model root", async () => {
    await rejects(verifyModel({ modelPath: join(VECTORS, "v1.0.1-elliptic-key"), publicKey: pub, ignorePaths: ["ignore-me/"] }), "FILE_TYPE_NOT_ALLOWED");
    await rejects(verifyModel({ modelPath: join(VECTORS, "v1.1.0-elliptic-key"), publicKey: pub }), "IGNORE_PATH_FORBIDDEN");
  });
});

describe("reference vectors: certificate", () => {
  for (const v of ["v0.3.1-certificate", "v1.0.0-certificate", "v1.0.1-certificate", "v1.1.0-certificate"]) {
    const ignorePaths = v === "v1.0.1-certificate" ? ["ignore-me"] : [];
    it(`${v}: verifies against the leaf certificate's key`, async () => {
      await verifyModel({ modelPath: join(VECTORS, v), publicKey: pub, filePolicy: "any", ignorePaths });
      // The certificate itself can be given as the trust anchor too.
      await verifyModel({ modelPath: join(VECTORS, v), publicKey: readFileSync(VECTOR_CERTIFICATE), filePolicy: "any", ignorePaths });
    });
    it(`${v}: another key is refused before the signature is checked`, async () => {
      await rejects(verifyModel({ modelPath: join(VECTORS, v), publicKey: leafKeyPem("v1.0.0-sigstore"), filePolicy: "any", ignorePaths }), "CERTIFICATE_KEY_MISMATCH");
    });
  }
  it("v0.2.0-certificate (early format, different PAE) is rejected as unsupported", async () => {
    await rejects(verifyModel({ modelPath: join(VECTORS, "v0.2.0-certificate"), publicKey: pub, filePolicy: "any" }), "STATEMENT_UNSUPPORTED");
  });
});

describe("reference vectors: sigstore keyless (P-256 leaf certificate)", () => {
  for (const v of ["v0.3.1-sigstore", "v1.0.0-sigstore", "v1.0.1-sigstore", "v1.1.0-sigstore"]) {
    it(`${v}: the DSSE signature verifies against the leaf certificate's key`, async () => {
      const ignorePaths = v === "v1.0.1-sigstore" ? ["ignore-me"] : [];
      const r = await verifyModel({ modelPath: join(VECTORS, v), publicKey: leafKeyPem(v), filePolicy: "any", ignorePaths });
      assert.equal(r.files, 2);
    });
  }
  it("v1.0.1-sigstore without the explicit ignore fails on the extra file", async () => {
    await rejects(verifyModel({ modelPath: join(VECTORS, "v1.0.1-sigstore"), publicKey: leafKeyPem("v1.0.1-sigstore"), filePolicy: "any" }), "FILE_EXTRA");
  });
});

describe("reference vectors through the CLI", () => {
  it("accepts v1.1.0-elliptic-key and names the extra file of v1.0.1-elliptic-key", async () => {
    const ok = await verifyCli(join(VECTORS, "v1.1.0-elliptic-key"), "--public-key", VECTOR_PUBLIC_KEY, "--file-policy", "any");
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /OK v1\.1\.0-elliptic-key sha256:92745110/);
    const bad = await verifyCli(join(VECTORS, "v1.0.1-elliptic-key"), "--public-key", VECTOR_PUBLIC_KEY, "--file-policy", "any");
    assert.equal(bad.code, 25);
    assert.match(bad.err, /FILE_EXTRA: ignore-me/);
    const ignored = await verifyCli(join(VECTORS, "v1.0.1-elliptic-key"), "--public-key", VECTOR_PUBLIC_KEY, "--file-policy", "any", "--ignore-paths", "ignore-me");
    assert.equal(ignored.code, 0, ignored.err);
  });
});

// Reference models of the upstream unit tests: files d{i}/f{i}{j} ("This is file f{i}{j} in d{i}.")
// and f{i} ("This is file f{i} in root.").
function sampleModelFolder(dir: string): void {
  for (let i = 0; i < 2; i++) {
    mkdirSync(join(dir, `d${i}`), { recursive: true });
    for (let j = 0; j < 3; j++) writeFileSync(join(dir, `d${i}`, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
  }
  for (let i = 0; i < 4; i++) writeFileSync(join(dir, `f${i}`), `This is file f${i} in root.`);
}

async function manifestOf(dir: string): Promise<string[]> {
  const files = listModelFiles(dir, [], "any");
  const hashes = await hashFiles(files.map((f) => ({ path: f.path, size: f.size })), { workers: 2 });
  return files.map((f, i) => `${f.name}:${hashes[i]!.digest}`);
}

function expectedManifest(name: string): string[] {
  const text = readFileSync(join(FIXTURES, "tests/_serialization/testdata/file/TestSerializer", name), "utf8");
  return text.split("\n").filter((l) => l !== "");
}

describe("reference serialization (method: files)", () => {
  it("sample_model_folder: same per-file digests, names and order", async () => {
    const dir = tempDir("sample");
    try {
      sampleModelFolder(dir);
      assert.deepEqual(await manifestOf(dir), expectedManifest("sample_model_folder"));
      // ...and the same statement subject digest the reference signs.
      const expected = JSON.parse(readFileSync(join(FIXTURES, "tests/_signing/testdata/signing/TestPayload/sample_model_folder"), "utf8"));
      const resources = (await manifestOf(dir)).map((l) => {
        const [name, digest] = l.split(":") as [string, string];
        return { name, algorithm: "sha256" as const, digest };
      });
      const ours = buildStatement("sample_model", resources, []);
      assert.equal(ours.subject[0].digest.sha256, expected.subject[0].digest.sha256);
      assert.deepEqual(ours.predicate.resources, expected.predicate.resources);
    } finally {
      removeDir(dir);
    }
  });

  it("model_folder_with_empty_file, empty_model_folder", async () => {
    const dir = tempDir("empty");
    try {
      assert.deepEqual(await manifestOf(dir), expectedManifest("empty_model_folder"));
      writeFileSync(join(dir, "empty_file"), "");
      assert.deepEqual(await manifestOf(dir), expectedManifest("model_folder_with_empty_file"));
    } finally {
      removeDir(dir);
    }
  });

  it("empty_model_file: a single file is the resource '.'", async () => {
    const dir = tempDir("emptyfile");
    try {
      writeFileSync(join(dir, "model"), "");
      const files = listModelFiles(join(dir, "model"), [], "any");
      const [h] = await hashFiles(files.map((f) => ({ path: f.path, size: f.size })));
      assert.deepEqual([`${files[0]!.name}:${h!.digest}`], expectedManifest("empty_model_file"));
    } finally {
      removeDir(dir);
    }
  });
});

describe("reference signing payloads", () => {
  const dir = join(FIXTURES, "tests/_signing/testdata/signing/TestPayload");
  for (const name of readdirSync(dir).sort()) {
    it(`${name}: root digest = SHA-256 over the resource digests`, () => {
      const doc = JSON.parse(readFileSync(join(dir, name), "utf8"));
      assert.equal(rootDigest(doc.predicate.resources), doc.subject[0].digest.sha256);
      const payload = Buffer.from(JSON.stringify(doc));
      if (doc.predicate.serialization.method === "files") {
        assert.equal(parseStatement(payload).predicate.resources.length, doc.predicate.resources.length);
      } else {
        assert.throws(() => parseStatement(payload), (e: unknown) => e instanceof ModelSigningError && e.code === "STATEMENT_UNSUPPORTED");
      }
    });
  }
});
