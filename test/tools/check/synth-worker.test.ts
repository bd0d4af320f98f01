/**
 * The synthesis worker runs the project's TypeScript through its own `.ts` loader (not tsx): the
 * result is the program's, and a program that throws is reported with its TypeScript file and line.
 */
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { REPO_ROOT, STACKS_DIR, stackFileFromConfig } from "../../../tools/check/stack-file";
import { synthWorkerArgv, synthesizeAsync } from "../../../tools/check/synth";
import { yamlConfig } from "../../helpers/stacks";

const file = stackFileFromConfig("dev", yamlConfig("dev"), join(STACKS_DIR, "Pulumi.dev.yaml"));

test("the worker is plain Node with the built .ts loader; source maps only when asked", () => {
  const fast = synthWorkerArgv("in.json", "out.json");
  assert.deepEqual(fast.slice(0, 2), ["--require", join(REPO_ROOT, "tools", "check", "dist", "ts-require.js")]);
  assert.ok(!fast.includes("--import") && !fast.some((a) => a.includes("tsx")), fast.join(" "));
  assert.equal(synthWorkerArgv("in.json", "out.json", { sourceMaps: true })[0], "--enable-source-maps");
});

test("a program that throws is reported with its TypeScript file and line", async () => {
  const outcome = await synthesizeAsync(file, { preview: true, program: join(REPO_ROOT, "test", "fixtures", "check", "throws.ts") });
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok && outcome.kind === "program");
  const message = !outcome.ok && outcome.kind === "program" ? outcome.message : "";
  assert.match(message, /a shape with 3 sides cannot be synthesized/);
  assert.match(message, /throws\.ts:7:\d+/, message);
});

test("a committed stack synthesizes under the loader", async () => {
  const outcome = await synthesizeAsync(file, { preview: true });
  assert.ok(outcome.ok, JSON.stringify(outcome).slice(0, 2000));
  assert.ok(outcome.ok && outcome.result.registrations.length > 50);
});
