// Ignore paths cannot hide anything vLLM or its tokenizer may read: refused at publish and at
// verify (signed or given on the command line), with the path named.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ERROR_CODES } from "../../../tools/model-signing/errors.js";
import { ignorePathProblem } from "../../../tools/model-signing/format.js";
import { runPublishCli } from "../../../tools/model-signing/publish-cli.js";
import { makeKey, makeModel, removeDir, resign, safetensors, sha256File, tempDir, verifyCli } from "./helpers.js";
import type { KeyFiles } from "./helpers.js";

let root: string;
let key: KeyFiles;
let n = 0;

before(() => {
  root = tempDir("ignore");
  key = makeKey(root);
});
after(() => removeDir(root));

async function publish(dir: string, ...extra: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const code = await runPublishCli(["dev", "tiny-llm", dir, "--key", key.privatePem, "--no-upload", "--stacks-dir", join(root, "none"), ...extra], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  return { code, err: lines.join("\n") };
}

function freshModel(): string {
  return makeModel(join(root, `m${++n}`));
}

describe("model:publish refuses ignore paths that cover what vLLM reads", () => {
  const cases: [string, string, (dir: string) => void][] = [
    ["a config file at the root", "config.json", () => {}],
    ["a chat template that does not exist yet (an attacker could add it)", "chat_template.jinja", () => {}],
    ["a root-level weight", "model-00002-of-00002.safetensors", () => {}],
    ["a root name without a trailing slash (could be a file)", "notes", (d) => mkdirSync(join(d, "notes"))],
    ["the named chat templates directory", "additional_chat_templates/", (d) => mkdirSync(join(d, "additional_chat_templates"))],
    ["a path leaving the model", "../elsewhere/", () => {}],
    ["the whole model", "./", () => {}],
  ];
  for (const [what, path, setup] of cases) {
    it(what, async () => {
      const dir = freshModel();
      setup(dir);
      const r = await publish(dir, "--ignore-paths", path);
      assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN, r.err);
      assert.match(r.err, /FAILED IGNORE_PATH_FORBIDDEN: --ignore-paths: /);
      assert.ok(r.err.includes(JSON.stringify(path)), `the message names ${path}: ${r.err}`);
      assert.equal(existsSync(join(dir, "model.sig")), false, "no signature is written");
    });
  }

  it("weights under an ignored directory (vLLM follows the index into subdirectories)", async () => {
    const dir = freshModel();
    mkdirSync(join(dir, "extra"));
    writeFileSync(join(dir, "extra", "shard.safetensors"), safetensors(64));
    const r = await publish(dir, "--ignore-paths", "extra/");
    assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN, r.err);
    assert.match(r.err, /extra\/shard\.safetensors: weights cannot be left out/);
  });

  it("every unsafe path is named at once", async () => {
    const r = await publish(freshModel(), "--ignore-paths", "config.json,tokenizer.json");
    assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN);
    assert.match(r.err, /"config\.json" names something at the model root.*"tokenizer\.json" names something at the model root/);
  });

  it("a directory below the root can be left out, and only what lies under it is", async () => {
    const dir = freshModel();
    mkdirSync(join(dir, "eval"));
    writeFileSync(join(dir, "eval", "scores.json"), "{}");
    writeFileSync(join(dir, "eval", "chart.png"), "not an allowed type, but ignored");
    const r = await publish(dir, "--ignore-paths", "eval/");
    assert.equal(r.code, 0, r.err);
    assert.equal((await verifyCli(dir, "--public-key", key.publicPem)).code, 0);
    // The directory's contents may change; a root *file* named like the directory is not covered.
    writeFileSync(join(dir, "eval", "scores.json"), '{"changed":true}');
    assert.equal((await verifyCli(dir, "--public-key", key.publicPem)).code, 0);
    rmSync(join(dir, "eval"), { recursive: true });
    writeFileSync(join(dir, "eval"), "x");
    const v = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(v.code, ERROR_CODES.FILE_TYPE_NOT_ALLOWED, v.err);
  });
});

describe("model:verify refuses unsafe ignore paths, signed or given", () => {
  let signed: string;
  before(async () => {
    signed = freshModel();
    assert.equal((await publish(signed)).code, 0);
  });
  const copy = (): string => {
    const dir = join(root, `v${++n}`);
    cpSync(signed, dir, { recursive: true });
    return dir;
  };

  it("a signature whose ignore_paths cover config.json (an attacker then edits it)", async () => {
    const dir = copy();
    resign(dir, key.privatePem, (s) => {
      s.predicate.resources = s.predicate.resources.filter((r: { name: string }) => r.name !== "config.json");
      s.predicate.serialization.ignore_paths.push("config.json");
    });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ architectures: ["SomethingElse"] }));
    const r = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN, r.err);
    assert.match(r.err, /the signature's ignore_paths: "config\.json" names something at the model root/);
  });

  it("a signature that ignores a subdirectory holding weights (an attacker adds a shard there)", async () => {
    const dir = copy();
    resign(dir, key.privatePem, (s) => s.predicate.serialization.ignore_paths.push("weights/"));
    mkdirSync(join(dir, "weights"));
    writeFileSync(join(dir, "weights", "model-00001-of-00001.safetensors"), safetensors(128));
    const r = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN, r.err);
    assert.match(r.err, /weights\/model-00001-of-00001\.safetensors: weights cannot be left out/);
  });

  it("--ignore-paths naming a tokenizer file, a chat template directory, or a path outside the model", async () => {
    for (const p of ["tokenizer.json", "additional_chat_templates/tool_use.jinja", "../x/"]) {
      const r = await verifyCli(signed, "--public-key", key.publicPem, "--ignore-paths", p);
      assert.equal(r.code, ERROR_CODES.IGNORE_PATH_FORBIDDEN, `${p}: ${r.err}`);
      assert.ok(r.err.includes(JSON.stringify(p)), r.err);
    }
  });

  it("the verifier's own names stay exempt (VCS metadata, the signature file)", () => {
    for (const p of [".git", ".gitattributes", ".github", ".gitignore", "model.sig"]) assert.equal(ignorePathProblem(p, "safetensors"), undefined, p);
    assert.equal(ignorePathProblem(".cache/", "safetensors"), undefined);
    assert.equal(ignorePathProblem("docs/figures/plot.png", "safetensors"), undefined);
  });

  it("--file-policy any (signatures made elsewhere, never a served model) keeps the reference semantics", () => {
    assert.equal(ignorePathProblem("ignore-me", "any"), undefined);
    assert.match(ignorePathProblem("../ignore-me", "any") ?? "", /not a relative path inside the model/);
  });
});

describe("paths the loader follows from a safetensors index stay inside what is signed", () => {
  const index = (targets: string[]): string => JSON.stringify({ weight_map: Object.fromEntries(targets.map((t, i) => [`w${i}`, t])) });

  it("publish refuses an index naming a shard outside the model, or one that is not there", async () => {
    for (const [target, pattern] of [
      ["../other-model/model.safetensors", /weight_map names "\.\.\/other-model\/model\.safetensors", outside the model/],
      ["weights/model-00001-of-00001.safetensors", /weight_map names weights\/model-00001-of-00001\.safetensors, which is not a signed file/],
    ] as const) {
      const dir = freshModel();
      writeFileSync(join(dir, "model.safetensors.index.json"), index(["model-00001-of-00002.safetensors", target]));
      const r = await publish(dir);
      assert.equal(r.code, ERROR_CODES.FILE_MISSING, r.err);
      assert.match(r.err, pattern);
      assert.equal(existsSync(join(dir, "model.sig")), false);
    }
  });

  it("verify refuses a signed index that points outside the model", async () => {
    const dir = freshModel();
    assert.equal((await publish(dir)).code, 0);
    const path = join(dir, "model.safetensors.index.json");
    writeFileSync(path, index(["/models/other/model.safetensors"]));
    resign(dir, key.privatePem, (s) => {
      const r = s.predicate.resources.find((x: { name: string }) => x.name === "model.safetensors.index.json");
      r.digest = sha256File(path);
    });
    const v = await verifyCli(dir, "--public-key", key.publicPem);
    assert.equal(v.code, ERROR_CODES.FILE_MISSING, v.err);
    assert.match(v.err, /model\.safetensors\.index\.json: weight_map names "\/models\/other\/model\.safetensors", outside the model/);
  });
});
