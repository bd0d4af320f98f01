// The one-pass fetcher bundled into one script runs as the model server's download step does:
// plain node, no node_modules, no TypeScript loader, credentials only from a container
// credentials endpoint (EKS Pod Identity's protocol), against a local S3-compatible server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { builtinModules } from "node:module";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startLocalS3 } from "../../../tools/bench/local-s3.js";
import type { LocalS3 } from "../../../tools/bench/local-s3.js";
import { CONFIGMAP_SCRIPT_LIMIT_BYTES, fetcherBundle } from "../../../tools/model-signing/bundle.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, safetensors, tempDir } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

const BUCKET = "sovereign-llm-test-models";
const PREFIX = "models/bundled-llm/";
const TOKEN = "pod-identity-token-for-test";

let root: string;
let script: string;
let key: KeyFiles;
let model: string;
let s3: LocalS3;
let credentialCalls: { authorization: string | undefined }[] = [];
let credentials: { url: string; close: () => void };

before(async () => {
  root = tempDir("fetch-bundle");
  script = join(root, "fetch.js");
  writeFileSync(script, fetcherBundle());
  key = makeKey(root);
  model = makeModel(join(root, "model"));
  writeFileSync(join(model, "model-00001-of-00002.safetensors"), safetensors(3 * 1024 * 1024 + 5));
  writeFileSync(join(model, "model-00002-of-00002.safetensors"), safetensors(1024 * 1024));
  const code = await runPublishCli(["dev", "bundled-llm", model, "--key", key.privatePem, "--no-upload", "--stacks-dir", root], { out: () => {}, err: () => {} });
  assert.equal(code, 0);
  s3 = await startLocalS3({ root: model, bucket: BUCKET, keyPrefix: PREFIX });
  // The container credentials protocol: GET with the token file's content as Authorization.
  const server = createServer((req, res) => {
    credentialCalls.push({ authorization: req.headers.authorization });
    if (req.headers.authorization !== TOKEN) return void res.writeHead(403).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ AccessKeyId: "ASIATEST", SecretAccessKey: "secret", Token: "session", Expiration: new Date(Date.now() + 3600_000).toISOString() }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  credentials = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`, close: () => server.close() };
  writeFileSync(join(root, "token"), TOKEN);
});
after(async () => {
  credentials.close();
  await s3.close();
  removeDir(root);
});

/** Runs the bundle like the init container: plain node, cwd without node_modules, only the given environment. */
function runBundle(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, env: { PATH: process.env["PATH"] ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const podEnv = (): Record<string, string> => ({
  AWS_CONTAINER_CREDENTIALS_FULL_URI: credentials.url,
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(root, "token"),
  AWS_REGION: "eu-central-1",
});

describe("fetcherBundle()", () => {
  it("is one CommonJS script that requires only node builtins and fits a ConfigMap", () => {
    const text = readFileSync(script, "utf8");
    assert.ok(text.startsWith("#!/usr/bin/env node"));
    assert.match(text.split("\n")[2]!, /^\/\/ bundled npm packages \(Apache-2\.0 \/ MIT\): .*@aws-sdk\/client-s3@\d+\.\d+\.\d+/);
    const required = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]!);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    // The SDK's multi-region signer tries these optional packages only for SigV4a (multi-region
    // access points), inside a try; the fetcher never signs for them.
    const optional = new Set(["@aws-sdk/signature-v4-crt", "@aws-sdk/signature-v4a"]);
    for (const r of required) assert.ok(builtins.has(r) || optional.has(r), `bundle requires non-builtin ${r}`);
    assert.ok(Buffer.byteLength(text) <= CONFIGMAP_SCRIPT_LIMIT_BYTES);
  });

  it("downloads and verifies with credentials only from the container endpoint, presenting the token", async () => {
    credentialCalls = [];
    const dest = join(root, "dest-1", "bundled-llm");
    mkdirSync(join(root, "dest-1"));
    const r = await runBundle(
      [`s3://${BUCKET}/${PREFIX}`, dest, "--public-key", key.publicPem, "--expect-name", "bundled-llm", "--credentials", "container", "--endpoint-url", s3.endpoint, "--json"],
      podEnv(),
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { ok: boolean; model: string; files: number };
    assert.equal(out.ok, true);
    assert.equal(out.model, "bundled-llm");
    assert.ok(existsSync(join(dest, "model-00001-of-00002.safetensors")));
    assert.ok(credentialCalls.length >= 1);
    assert.ok(credentialCalls.every((c) => c.authorization === TOKEN));
  });

  it("with container credentials, ignores access keys in the environment and fails closed without the endpoint", async () => {
    const dest = join(root, "dest-2", "bundled-llm");
    mkdirSync(join(root, "dest-2"));
    const r = await runBundle(
      [`s3://${BUCKET}/${PREFIX}`, dest, "--public-key", key.publicPem, "--credentials", "container", "--endpoint-url", s3.endpoint, "--json"],
      { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "env", AWS_REGION: "eu-central-1" },
    );
    assert.notEqual(r.status, 0);
    const out = JSON.parse(r.stdout) as { code: string; message: string };
    assert.equal(out.code, "AWS_ERROR");
    assert.match(out.message, /AWS_CONTAINER_CREDENTIALS_FULL_URI is not set/);
    assert.equal(existsSync(dest), false);
  });

  it("refuses an unknown credentials source before doing anything", async () => {
    const r = await runBundle([`s3://${BUCKET}/${PREFIX}`, join(root, "x"), "--public-key", key.publicPem, "--credentials", "instance-profile"], podEnv());
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--credentials must be "default" or "container"/);
  });
});
