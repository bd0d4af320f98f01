// The two bundled scripts of the node-local cache flow, run as their containers run them (plain
// node, no node_modules, only the given environment): the cache DaemonSet's script downloads with
// container credentials and serves; the vLLM pod's copy script, which carries no npm package at
// all, copies from it with no credentials and refuses a tampered byte.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { builtinModules } from "node:module";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, get } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startLocalS3 } from "../../../tools/bench/local-s3.js";
import type { LocalS3 } from "../../../tools/bench/local-s3.js";
import { CONFIGMAP_SCRIPT_LIMIT_BYTES, cacheBundle, copierBundle } from "../../../tools/model-signing/bundle.js";
import { ERROR_CODES } from "../../../tools/model-signing/errors.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

const BUCKET = "sovereign-llm-test-models";
const PREFIX = "models/bundled-llm/";
const TOKEN = "pod-identity-token-for-test";
const SHARD = "model-00001-of-00002.safetensors";

let root: string;
let key: KeyFiles;
let s3: LocalS3;
let credentials: { url: string; close: () => void };
let cacheChild: ChildProcess;
let cacheUrl: string;
let cacheDir: string;

function spawnScript(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [script, ...args], { cwd: root, env: { PATH: process.env["PATH"] ?? "", ...env } });
}
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnScript(script, args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
const status = (url: string): Promise<number> => new Promise((resolve) => get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on("error", () => resolve(0)));

function onlyBuiltins(text: string, optional: ReadonlySet<string> = new Set()): void {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  for (const m of text.matchAll(/require\(["']([^"']+)["']\)/g)) assert.ok(builtins.has(m[1]!) || optional.has(m[1]!), `bundle requires non-builtin ${m[1]}`);
  assert.ok(Buffer.byteLength(text) <= CONFIGMAP_SCRIPT_LIMIT_BYTES);
}

before(async () => {
  root = tempDir("cache-bundle");
  writeFileSync(join(root, "cache.js"), cacheBundle());
  writeFileSync(join(root, "copy.js"), copierBundle());
  key = makeKey(root);
  const model = makeModel(join(root, "model"));
  writeFileSync(join(model, SHARD), safetensors(2 * 1024 * 1024 + 9));
  assert.equal(await runPublishCli(["dev", "bundled-llm", model, "--key", key.privatePem, "--no-upload", "--stacks-dir", root], { out: () => {}, err: () => {} }), 0);
  s3 = await startLocalS3({ root: model, bucket: BUCKET, keyPrefix: PREFIX });
  const server = createServer((req, res) => {
    if (req.headers.authorization !== TOKEN) return void res.writeHead(403).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ AccessKeyId: "ASIATEST", SecretAccessKey: "secret", Token: "session", Expiration: new Date(Date.now() + 3600_000).toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  credentials = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`, close: () => server.close() };
  writeFileSync(join(root, "token"), TOKEN);
  // The cache container: credentials only from the container endpoint, serving on a free port.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  cacheDir = join(root, "cache");
  cacheUrl = `http://127.0.0.1:${port}/`;
  cacheChild = spawnScript(join(root, "cache.js"), [`s3://${BUCKET}/${PREFIX}`, cacheDir, "--public-key", key.publicPem, "--expect-name", "bundled-llm", "--credentials", "container", "--endpoint-url", s3.endpoint, "--port", String(port)], {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: credentials.url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(root, "token"),
    AWS_REGION: "eu-central-1",
  });
  let exited = false;
  cacheChild.on("exit", () => (exited = true));
  // Ready when the model is verified and served (or fail if the process died).
  while ((await status(`${cacheUrl}ready`)) !== 200) {
    assert.equal(exited, false, "the cache process exited before it was ready");
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(async () => {
  cacheChild.kill("SIGTERM");
  credentials.close();
  await s3.close();
  removeDir(root);
});

describe("cacheBundle() and copierBundle()", () => {
  it("are single scripts of node builtins (the copy step carries no npm package at all) that fit a ConfigMap", () => {
    const copy = readFileSync(join(root, "copy.js"), "utf8");
    onlyBuiltins(copy);
    assert.match(copy.split("\n")[2]!, /bundled npm packages \(Apache-2\.0 \/ MIT\): none$/);
    assert.ok(!/aws-sdk|AWS_CONTAINER_CREDENTIALS|169\.254\.170/.test(copy), "no AWS SDK and no credentials code in the vLLM pod's script");
    onlyBuiltins(readFileSync(join(root, "cache.js"), "utf8"), new Set(["@aws-sdk/signature-v4-crt", "@aws-sdk/signature-v4a"]));
  });

  it("the cache downloads with Pod Identity credentials and serves; the copy verifies from it with none", async () => {
    assert.equal(readdirSync(cacheDir).length, 1);
    const dest = join(root, "copy-1", "bundled-llm");
    const r = await run(join(root, "copy.js"), [cacheUrl, dest, "--public-key", key.publicPem, "--expect-name", "bundled-llm", "--wait-seconds", "60", "--json"]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
    assert.ok(existsSync(join(dest, SHARD)));
  });

  it("the copy refuses a byte tampered with in the cache and leaves no model for vLLM", async () => {
    const digest = readdirSync(cacheDir)[0]!;
    const path = join(cacheDir, digest, SHARD);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[good.length - 100] = bad[good.length - 100]! ^ 0x10;
    writeFileSync(path, bad);
    try {
      const dest = join(root, "copy-2", "bundled-llm");
      const r = await run(join(root, "copy.js"), [cacheUrl, dest, "--public-key", key.publicPem, "--json"]);
      assert.equal(r.status, ERROR_CODES.FILE_DIGEST_MISMATCH, r.stdout + r.stderr);
      assert.equal(existsSync(dest), false);
    } finally {
      writeFileSync(path, good);
    }
  });

  it("the copy opens nothing but the node's cache", async () => {
    const r = await run(join(root, "copy.js"), [`s3://${BUCKET}/${PREFIX}`, join(root, "copy-3"), "--public-key", key.publicPem]);
    assert.equal(r.status, ERROR_CODES.USAGE);
    assert.match(r.stderr, /reads only the node's cache/);
  });
});
