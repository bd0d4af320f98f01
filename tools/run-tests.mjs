#!/usr/bin/env node
// Runs every offline test file under test/ with Node's built-in runner (node:test) and tsx.
// Node 20's --test takes no globs, so the files are listed here. Each file runs in its own
// process: Pulumi's runtime state and mocks are global per process, so files cannot share one.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const only = process.argv.slice(2);
function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry === "fixtures") return [];
    return statSync(path).isDirectory() ? walk(path) : path.endsWith(".test.ts") ? [path] : [];
  });
}
const roots = only.length > 0 ? only : ["test"];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? walk(r) : [r])).sort();
if (files.length === 0) {
  console.error("no test files found under " + roots.join(", "));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "skipped-reporter.mjs")}`,
    "--test-reporter-destination=stdout",
    ...files,
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
