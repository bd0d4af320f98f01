/**
 * `npm run images` against a registry speaking the OCI distribution API on loopback (bearer
 * challenge, token, tags list, manifest HEAD): a newer patch release is found with its digest and
 * the commands to take it; a moving tag that changed is reported; an unreachable registry is said
 * to be unreachable, never reported as current.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { main, type ImageReport } from "../../../tools/images/cli";
import { newerPatch, parseChallenge, splitRepository } from "../../../tools/images/registry";
import { parseReference } from "../../../tools/images/upstreams";

const D = (c: string) => `sha256:${c.repeat(64)}`;
const REPOS: Record<string, Record<string, string>> = {
  "vllm/vllm-openai": { "v0.31.0": D("1"), "v0.32.0": D("2"), "v0.32.1": D("3"), "v0.33.0": D("4"), latest: D("4") },
  "aws-cli/aws-cli": { "2.31.23": D("5"), "2.30.9": D("6") },
  "distroless/nodejs24-debian12": { nonroot: D("7") },
  "fluent/fluent-bit": { "4.0.3": D("8") },
  "autoscaling/cluster-autoscaler": { "v1.35.0": D("9") },
};

let server: Server;
let base = "";
const seen: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push(`${req.method} ${url.pathname}`);
    if (url.pathname === "/token") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ token: `t:${url.searchParams.get("scope")}` }));
    }
    const m = /^\/v2\/(.+)\/(tags\/list|manifests\/([^/]+))$/.exec(url.pathname);
    const repo = m?.[1] ?? "";
    if (req.headers.authorization !== `Bearer t:repository:${repo}:pull`) {
      res.statusCode = 401;
      res.setHeader("www-authenticate", `Bearer realm="${base}/token",service="fake",scope="repository:${repo}:pull"`);
      return res.end();
    }
    const tags = REPOS[repo];
    if (!m || !tags) {
      res.statusCode = 404;
      return res.end();
    }
    if (m[2] === "tags/list") {
      res.setHeader("content-type", "application/json");
      return res.end(JSON.stringify({ name: repo, tags: Object.keys(tags) }));
    }
    const digest = tags[m[3]];
    if (!digest) {
      res.statusCode = 404;
      return res.end();
    }
    assert.match(String(req.headers.accept), /application\/vnd\.oci\.image\.index\.v1\+json/);
    res.setHeader("docker-content-digest", digest);
    return res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, {
    stdout: (s: string) => {
      out += s;
    },
    stderr: (s: string) => {
      err += s;
    },
  });
  return { code, out, err };
}

describe("pure parts", () => {
  test("repository names and challenges", () => {
    assert.deepEqual(splitRepository("docker.io/vllm/vllm-openai"), { host: "docker.io", path: "vllm/vllm-openai" });
    assert.deepEqual(splitRepository("ubuntu"), { host: "docker.io", path: "library/ubuntu" });
    assert.deepEqual(splitRepository("registry.k8s.io/autoscaling/cluster-autoscaler"), { host: "registry.k8s.io", path: "autoscaling/cluster-autoscaler" });
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'), { realm: "https://auth.docker.io/token", service: "registry.docker.io" });
    assert.deepEqual(parseReference(`1.dkr.ecr.us-east-1.amazonaws.com/mirror/x:v1.2.3@${D("a")}`), { repository: "1.dkr.ecr.us-east-1.amazonaws.com/mirror/x", tag: "v1.2.3", digest: D("a") });
  });
  test("a newer patch keeps major and minor", () => {
    assert.equal(newerPatch("v0.32.0", ["v0.31.0", "v0.32.1", "v0.32.3", "v0.33.0", "latest", "v0.32.2-rc1"]), "v0.32.3");
    assert.equal(newerPatch("2.31.23", ["2.31.23", "2.30.9"]), undefined);
    assert.equal(newerPatch("nonroot", ["nonroot"]), undefined);
  });
});

describe("npm run images against a registry on loopback", () => {
  test("finds the newer patch of vLLM with its digest and the commands; reports the rest honestly", async () => {
    const hosts = ["docker.io", "public.ecr.aws", "gcr.io", "registry.k8s.io", "ghcr.io"].flatMap((h) => ["--registry", `${h}=${base}`]);
    const r = await run("prod", "--format", "json", ...hosts);
    assert.equal(r.code, 0, r.err);
    const rows = (JSON.parse(r.out) as { images: ImageReport[] }).images;
    const by = Object.fromEntries(rows.map((x) => [x.key, x]));
    const vllm = by["sovereign-llm:serving.vllmImage"];
    assert.equal(vllm.status, "update-available");
    assert.equal(vllm.tag, "v0.32.0");
    assert.equal(vllm.newerTag, "v0.32.1");
    assert.equal(vllm.newerDigest, D("3"));
    assert.match(vllm.update?.[0] ?? "", /^crane copy docker\.io\/vllm\/vllm-openai:v0\.32\.1 777788889999\.dkr\.ecr\.us-east-1\.amazonaws\.com\/mirror\/vllm-openai:v0\.32\.1$/);
    assert.match(vllm.update?.[1] ?? "", new RegExp(`set sovereign-llm:serving.vllmImage to .*mirror/vllm-openai:v0.32.1@${D("3")}`));
    assert.equal(by["sovereign-llm:serving.modelSyncImage"], undefined, "the model download runs on the verifier's image");
    assert.equal(by["sovereign-llm:serving.verifierImage"].status, "moving-tag");
    assert.equal(by["sovereign-llm:serving.logShipperImage"].status, "unknown-tag");
    assert.equal(by["sovereign-llm:gateway.image"].status, "built-here");
    // The bearer flow was used: every repository was challenged once, then served with its token.
    assert.ok(seen.some((s) => s === "GET /token"));
  });
  test("an unreachable registry is reported as such, never as current", async () => {
    const closed = "http://127.0.0.1:9";
    const hosts = ["docker.io", "public.ecr.aws", "gcr.io", "registry.k8s.io", "ghcr.io"].flatMap((h) => ["--registry", `${h}=${closed}`]);
    const r = await run("dev", ...hosts);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vLLM model server {2}\[unreachable\]/);
    assert.match(r.out, /cannot reach docker\.io from here/);
    assert.doesNotMatch(r.out, /\[current\]/);
    assert.match(r.out, /6 image\(s\) could not be checked/);
  });
  test("bad input exits 2", async () => {
    assert.equal((await run("prod", "--registry", "docker.io")).code, 2);
    assert.equal((await run("nope")).code, 2);
  });
});
