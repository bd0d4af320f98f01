/**
 * check's worker processes load the Pulumi SDK without its function-serialization dependencies,
 * and still get them, whole, the first time anything uses them. Each case runs in a new Node
 * process (the module cache is per process), with the project's own `.ts` loader.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { REPO_ROOT } from "../../../tools/check/stack-file";

function run(script: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["--require", join(REPO_ROOT, "tools", "check", "dist", "ts-require.js"), "-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

const loaded = `(name) => Object.keys(require.cache).some((k) => k.includes("/node_modules/" + name + "/"))`;

test("without the deferral, importing the SDK loads @npmcli/arborist and TypeScript (what is saved)", () => {
  const r = run(`const loaded = ${loaded}; require("@pulumi/pulumi"); console.log(JSON.stringify({ arborist: loaded("@npmcli/arborist"), typescript: loaded("typescript") }));`);
  assert.deepEqual(r, { arborist: true, typescript: true });
});

test("with it, neither loads until used; then the real module is there", () => {
  const r = run(`
    const loaded = ${loaded};
    const { deferSdkClosureModules, deferred } = require("./tools/check/sdk-load");
    deferSdkClosureModules();
    const pulumi = require("@pulumi/pulumi");
    const before = { arborist: loaded("@npmcli/arborist"), typescript: loaded("typescript"), deferred: Object.fromEntries(deferred) };
    // What the SDK's own files get when they require them (module.require goes through Module._load).
    const sdkModule = require.cache[require.resolve("@pulumi/pulumi/runtime/closure/parseFunction")];
    const ts = sdkModule.require("../../typescript-shim");
    const arborist = sdkModule.require("@npmcli/arborist");
    const stillDeferred = { arborist: loaded("@npmcli/arborist"), typescript: loaded("typescript") };
    console.log(JSON.stringify({
      before,
      stillDeferred,
      sameSyntaxKind: ts.SyntaxKind === require("typescript").SyntaxKind,
      arborist: typeof arborist.Arborist,
      after: { arborist: loaded("@npmcli/arborist"), typescript: loaded("typescript"), deferred: Object.fromEntries(deferred) },
      resourceClass: typeof pulumi.CustomResource,
    }));`);
  assert.deepEqual(r.before, { arborist: false, typescript: false, deferred: { "@npmcli/arborist": false, "../../typescript-shim": false } });
  assert.deepEqual(r.stillDeferred, { arborist: false, typescript: false });
  assert.equal(r.sameSyntaxKind, true);
  assert.equal(r.arborist, "function");
  assert.deepEqual(r.after, { arborist: true, typescript: true, deferred: { "@npmcli/arborist": true, "../../typescript-shim": true } });
  assert.equal(r.resourceClass, "function");
});
