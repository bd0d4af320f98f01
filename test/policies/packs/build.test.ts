/**
 * The packs ship as JavaScript built from their TypeScript (`npm run build:packs`), so starting one
 * compiles nothing. This fails when the committed build is stale: when any source it is built from
 * changed without a rebuild.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { PACKS_DIR, availablePacks } from "../../../tools/check/packs";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import { builtPacks } from "../../../tools/packs/build";

test("the committed JavaScript of every pack is what `npm run build:packs` builds from the current sources", async () => {
  const built = await builtPacks();
  const stale: string[] = [];
  for (const f of built) {
    const rel = relative(REPO_ROOT, f.path);
    if (!existsSync(f.path)) stale.push(`${rel} is missing`);
    else if (readFileSync(f.path, "utf8") !== f.contents) stale.push(`${rel} differs from its sources`);
  }
  assert.deepEqual(stale, [], `stale pack build; run \`npm run build:packs\` and commit the result:\n  ${stale.join("\n  ")}`);
});

test("every pack's package.json starts the built JavaScript, and that file is part of the build", async () => {
  const built = new Set((await builtPacks()).map((f) => f.path));
  for (const name of availablePacks()) {
    const pkg = JSON.parse(readFileSync(join(PACKS_DIR, name, "package.json"), "utf8")) as { main?: string };
    assert.equal(pkg.main, "index.js", `${name}/package.json main`);
    assert.ok(built.has(join(PACKS_DIR, name, "index.js")), `${name}/index.js is built`);
  }
});

test("a pack's built JavaScript loads no TypeScript: the library is required as its bundle", () => {
  for (const name of availablePacks()) {
    const js = readFileSync(join(PACKS_DIR, name, "index.js"), "utf8");
    const requires = [...js.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort();
    assert.deepEqual(requires, ["../dist/controls.js", "@pulumi/policy"], name);
  }
  const library = readFileSync(join(PACKS_DIR, "dist", "controls.js"), "utf8");
  const external = [...new Set([...library.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
  assert.deepEqual(external, ["@pulumi/policy/proxy"]);
});
