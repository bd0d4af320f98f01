/** The gateway's file sink rotates to <path>.1 instead of growing without bound. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("fileSink rotates at the size limit and keeps every line", async () => {
  const { fileSink } = await import("../../../services/gateway/src/audit.js");
  const path = join(mkdtempSync(join(tmpdir(), "gateway-sink-")), "audit.jsonl");
  const sink = fileSink(path, 100);
  const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ i, pad: "x".repeat(20) }));
  for (const line of lines) sink.write(line);
  await sink.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(`${path}.1`), "rotated file exists");
  const current = readFileSync(path, "utf8").trim().split("\n");
  const rotated = readFileSync(`${path}.1`, "utf8").trim().split("\n");
  assert.ok(readFileSync(path).length <= 100, "current file within the limit");
  // Only the last rotation is kept: the tail of the sequence is in .1 followed by the current file.
  const kept = [...rotated, ...current];
  assert.deepEqual(kept, lines.slice(lines.length - kept.length));
  assert.ok(kept.length >= 3);
});
