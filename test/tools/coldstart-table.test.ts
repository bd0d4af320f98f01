// The README's cold-start table is what `npm run coldstart:table` prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { coldStartTable, readmeWithTable } from "../../tools/coldstart/table";

test("README cold-start table is current (npm run coldstart:table -- --readme)", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");
  assert.equal(readmeWithTable(readme, coldStartTable()), readme);
});

test("the table names every stage and both goals' models", () => {
  const t = coldStartTable();
  assert.match(t, /\| 8B \(16\.1 GB\) \| g6e\.xlarge \|/);
  assert.match(t, /\| 70B \(141\.1 GB\) \| p5\.48xlarge \|/);
  assert.match(t, /does not fit/);
});
