// The verifier bundled into one script runs on plain node (as in the init container's distroless
// Node.js image), with no node_modules and no TypeScript loader, and verifies a model.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { readdirSync, readFileSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifierBundle } from "../../../tools/model-signing/bundle.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir, VECTOR_PUBLIC_KEY, VECTORS } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let script: string;
let key: KeyFiles;
let model: string;

before(async () => {
  root = tempDir("bundle");
  script = join(root, "verify.js");
  writeFileSync(script, verifierBundle());
  key = makeKey(root);
  model = makeModel(join(root, "model"));
  // Big enough that the bundled verifier hashes with worker threads.
  writeFileSync(join(model, "model-00001-of-00002.safetensors"), safetensors(24 * 1024 * 1024));
  writeFileSync(join(model, "model-00002-of-00002.safetensors"), safetensors(20 * 1024 * 1024));
  const code = await runPublishCli(["dev", "bundled-llm", model, "--key", key.privatePem, "--no-upload", "--stacks-dir", root], { out: () => {}, err: () => {} });
  assert.equal(code, 0);
});
after(() => removeDir(root));

/** Runs the bundle like the init container does: plain node, cwd without node_modules, no loaders. */
function runBundle(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("verifierBundle()", () => {
  it("is one CommonJS script that requires only node builtins", () => {
    const text = readFileSync(script, "utf8");
    assert.ok(text.startsWith("#!/usr/bin/env node"));
    const required = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]!);
    assert.ok(required.length > 0);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const r of required) assert.ok(builtins.has(r), `bundle requires non-builtin ${r}`);
    assert.ok(text.length < 200_000, `bundle is ${text.length} bytes; small enough for a ConfigMap`);
  });

  it("the verifier's sources import node builtins only (it also runs unbundled in the pod)", () => {
    const dir = join(__dirname, "../../../tools/model-signing");
    const verifierFiles = ["errors.ts", "format.ts", "hasher.ts", "limits.ts", "safe-read.ts", "tree.ts", "verify.ts", "verify-cli.ts", "verify-main.ts"];
    for (const f of verifierFiles) {
      const src = readFileSync(join(dir, f), "utf8");
      for (const m of src.matchAll(/^import[^"']*["']([^"']+)["']/gm)) {
        const spec = m[1]!;
        assert.ok(spec.startsWith("node:") || spec.startsWith("./"), `${f} imports ${spec}`);
        if (spec.startsWith("./")) assert.ok(verifierFiles.includes(spec.slice(2).replace(/\.js$/, ".ts")), `${f} imports ${spec}, outside the verifier`);
      }
    }
    assert.ok(readdirSync(dir).includes("bundle.ts"));
  });

  it("verifies a published model with plain node, using worker threads", () => {
    const r = runBundle(model, "--public-key", key.publicPem, "--expect-name", "bundled-llm", "--workers", "2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /model-verify: OK bundled-llm sha256:[0-9a-f]{64} \(8 files/);
  });

  it("verifies a reference vector", () => {
    const r = runBundle(join(VECTORS, "v1.1.0-elliptic-key"), "--public-key", VECTOR_PUBLIC_KEY, "--file-policy", "any");
    assert.equal(r.status, 0, r.stderr);
  });

  it("fails closed with the failure's exit code and a line naming it", () => {
    const wrong = makeKey(root, "P-256", "wrong");
    const r = runBundle(model, "--public-key", wrong.publicPem);
    assert.equal(r.status, 12);
    assert.match(r.stderr, /^model-verify: FAILED KEY_HINT_MISMATCH: /);
    const path = join(model, "model-00002-of-00002.safetensors");
    truncateSync(path, statSync(path).size - 4096);
    const t = runBundle(model, "--public-key", key.publicPem, "--json");
    assert.equal(t.status, 26);
    assert.deepEqual(JSON.parse(t.stdout).code, "FILE_TRUNCATED");
    const u = runBundle();
    assert.equal(u.status, 2);
  });
});
