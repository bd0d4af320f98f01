import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { controls } from "../../../policy-packs/controls";
import { README, ROOT_README, controlsTable, render } from "../../../tools/docs/pack-tables";

test("the READMEs carry the tables rendered from the current library (npm run docs:packs)", () => {
  for (const file of [README, ROOT_README]) {
    const committed = readFileSync(file, "utf8");
    assert.ok(render(committed, file) === committed, `${file} is stale: run npm run docs:packs and commit the result`);
  }
});

test("the controls table has one row per control, in library order", () => {
  const rows = controlsTable().split("\n").slice(2);
  assert.deepEqual(
    rows.map((r) => /^\| `([^`]+)`/.exec(r)?.[1]),
    controls.map((c) => c.policy.name),
  );
});
