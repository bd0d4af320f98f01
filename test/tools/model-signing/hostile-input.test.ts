// A hostile model prefix cannot exhaust or stall the verifier: every read is typed and bounded
// first and fails with its own class. The cases that could block or eat memory if a bound were
// missing run the bundled verifier in a child process, as the init container does, so a
// regression fails the test instead of hanging or swapping the test runner.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, cpSync, ftruncateSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { verifierBundle } from "../../../tools/model-signing/bundle.js";
import { ERROR_CODES, ModelSigningError } from "../../../tools/model-signing/errors.js";
import { parseStatement } from "../../../tools/model-signing/format.js";
import { MAX_SAFETENSORS_HEADER_BYTES, MAX_SIGNATURE_BYTES } from "../../../tools/model-signing/limits.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, tempDir, verifyCli } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let script: string;
let key: KeyFiles;
let signed: string;
let n = 0;

before(async () => {
  root = tempDir("hostile");
  chmodSync(root, 0o755); // the unprivileged child below must reach the model
  script = join(root, "verify.js");
  writeFileSync(script, verifierBundle());
  key = makeKey(root);
  signed = makeModel(join(root, "signed"));
  const code = await runPublishCli(["dev", "tiny-llm", signed, "--key", key.privatePem, "--no-upload", "--stacks-dir", join(root, "none")], { out: () => {}, err: () => {} });
  assert.equal(code, 0);
});
after(() => removeDir(root));

function copy(): string {
  const dir = join(root, `case-${++n}`);
  cpSync(signed, dir, { recursive: true });
  return dir;
}

/**
 * Runs the bundled verifier on plain node. The 10-minute kill only stops a verifier that blocks
 * forever (the failure these cases guard against); a correct one answers in well under a second.
 */
function runBundle(args: string[], opts: { uid?: number } = {}): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "" },
    timeout: 600_000,
    maxBuffer: 1 << 20,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  return { status: r.status, stderr: r.stderr };
}

function expectExit(r: { status: number | null; stderr: string }, code: keyof typeof ERROR_CODES, pattern: RegExp): void {
  assert.equal(r.status, ERROR_CODES[code], `expected ${code}, got ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`FAILED ${code}: `));
  assert.match(r.stderr, pattern);
}

/** Puts `inner` (JSON text) into the bundle as an extra top-level field; the signature stays valid. */
function withExtraField(bundleText: string, inner: string): string {
  return `{"x-padding":${inner},${bundleText.trim().slice(1)}`;
}

describe("model.sig is typed and bounded before it is read", () => {
  it("larger than the limit (valid JSON padded with spaces): LIMIT_EXCEEDED, nothing read", () => {
    const dir = copy();
    const sig = join(dir, "model.sig");
    writeFileSync(sig, readFileSync(sig, "utf8") + " ".repeat(MAX_SIGNATURE_BYTES));
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "LIMIT_EXCEEDED", /model\.sig: \d+ bytes; a signature file may have at most 4194304/);
  });

  it("a FIFO does not block the verifier: SPECIAL_FILE", () => {
    const dir = copy();
    rmSync(join(dir, "model.sig"));
    assert.equal(spawnSync("mkfifo", [join(dir, "model.sig")]).status, 0, "mkfifo");
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "SPECIAL_FILE", /model\.sig: a FIFO, not a regular file/);
  });

  it("a symlink to /dev/zero inside the model is not followed: SYMLINK", () => {
    const dir = copy();
    rmSync(join(dir, "model.sig"));
    symlinkSync("/dev/zero", join(dir, "model.sig"));
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "SYMLINK", /model\.sig: a symbolic link/);
  });

  it("--signature resolving to a device: SPECIAL_FILE", () => {
    const link = join(root, `zero-${++n}.sig`);
    symlinkSync("/dev/zero", link);
    expectExit(runBundle([signed, "--public-key", key.publicPem, "--signature", link]), "SPECIAL_FILE", /a character device, not a regular file/);
  });

  it("deeply nested JSON in the bundle: LIMIT_EXCEEDED before parsing", () => {
    const dir = copy();
    const sig = join(dir, "model.sig");
    const depth = 200_000;
    writeFileSync(sig, withExtraField(readFileSync(sig, "utf8"), "[".repeat(depth) + "]".repeat(depth)));
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "LIMIT_EXCEEDED", /signature file: JSON nested deeper than 8 levels/);
  });

  it("brackets inside strings do not count as nesting", async () => {
    const dir = copy();
    const sig = join(dir, "model.sig");
    writeFileSync(sig, withExtraField(readFileSync(sig, "utf8"), JSON.stringify("[[[[[[[[[[[[{{{{{{{{{{{\\\"[[[[[[[[[[")));
    const r = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(r.code, 0, r.err);
  });

  it("deeply nested JSON in a signed statement: LIMIT_EXCEEDED", () => {
    const payload = Buffer.from(`{"_type":"https://in-toto.io/Statement/v1","x":${"[".repeat(50)}${"]".repeat(50)}}`);
    assert.throws(() => parseStatement(payload), (e: unknown) => e instanceof ModelSigningError && e.code === "LIMIT_EXCEEDED");
  });
});

describe("safetensors headers are bounded", () => {
  /** Replaces a shard with a safetensors file whose header is `header`, with `dataBytes` of data. */
  function writeShard(path: string, header: string, dataBytes: number): void {
    const h = Buffer.from(header);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(path, Buffer.concat([len, h, Buffer.alloc(dataBytes)]));
  }

  it("a deeply nested header: LIMIT_EXCEEDED before parsing (not a digest mismatch after)", () => {
    const dir = copy();
    const depth = 100_000;
    const header = `{"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"junk":{"data_offsets":[0,0],"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    writeShard(join(dir, "model-00002-of-00002.safetensors"), header, 4);
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "LIMIT_EXCEEDED", /model-00002-of-00002\.safetensors: safetensors header: JSON nested deeper than 4 levels/);
  });

  it("a header longer than the limit is not read: LIMIT_EXCEEDED", () => {
    const dir = copy();
    const path = join(dir, "model-00002-of-00002.safetensors");
    const headerLen = MAX_SAFETENSORS_HEADER_BYTES * 3; // under the library's 100 MB, over ours
    const fd = openSync(path, "w");
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerLen));
    writeSync(fd, len, 0, 8, 0);
    ftruncateSync(fd, headerLen + 1024); // sparse: costs no disk
    closeSync(fd);
    expectExit(runBundle([dir, "--public-key", key.publicPem]), "LIMIT_EXCEEDED", new RegExp(`safetensors header of ${headerLen} bytes; the verifier reads at most ${MAX_SAFETENSORS_HEADER_BYTES}`));
  });
});

describe("unreadable and oddly named files", () => {
  it("an unreadable shard is an I/O error (exit 4), not an internal one", () => {
    const dir = copy();
    chmodSync(join(dir, "model-00001-of-00002.safetensors"), 0o000);
    // root reads through any mode bits: run the verifier unprivileged (nobody) when we are root.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    const r = runBundle([dir, "--public-key", key.publicPem], uid !== undefined ? { uid } : {});
    expectExit(r, "IO_ERROR", /model-00001-of-00002\.safetensors: cannot be read: EACCES/);
  });

  it("an extra file whose name is not UTF-8 is reported as an extra file, with its bytes shown", async () => {
    const dir = copy();
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/notes-`), Buffer.from([0xff, 0xfe]), Buffer.from(".txt")]), "hello");
    const r = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(r.code, ERROR_CODES.FILE_EXTRA, r.err);
    assert.match(r.err, /FILE_EXTRA: notes-\\xff\\xfe\.txt: on disk but not signed \(its name is not valid UTF-8/);
  });

  it("a model path that is a link to the model directory finds model.sig in the real directory", async () => {
    const link = join(root, `current-${++n}`);
    symlinkSync(signed, link);
    const r = await verifyCli(link, "--public-key", key.publicPem, "--expect-name", "tiny-llm");
    assert.equal(r.code, 0, r.err);
    // ...while a link inside the model is still refused.
    const dir = copy();
    symlinkSync("config.json", join(dir, "config-link.json"));
    const inner = join(root, `current-${++n}`);
    symlinkSync(dir, inner);
    assert.equal((await verifyCli(inner, "--public-key", key.publicPem)).code, ERROR_CODES.SYMLINK);
  });
});
