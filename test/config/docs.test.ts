/** docs/configuration.md documents every key of the schema, so a new key cannot go undocumented. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stackSchema } from "../../infra/schema.js";
import { SECRET_KEYS } from "../../infra/config.js";

type Node = { _zod: { def: { type: string; innerType?: Node; element?: Node; shape?: Record<string, Node> } } };

/** Key paths below `sovereign-llm:`; `list[].key` for fields of list items. */
function keyPaths(schema: Node, prefix: string): string[] {
  let s = schema;
  let list = false;
  for (;;) {
    const def = s._zod.def;
    if ((def.type === "default" || def.type === "optional" || def.type === "nullable") && def.innerType) s = def.innerType;
    else if (def.type === "array" && def.element) {
      s = def.element;
      list = true;
    } else break;
  }
  const shape = s._zod.def.type === "object" ? s._zod.def.shape : undefined;
  if (!shape) return [prefix];
  const base = list ? `${prefix}[]` : prefix;
  return Object.entries(shape).flatMap(([k, v]) => keyPaths(v, base ? `${base}.${k}` : k));
}

const doc = readFileSync(join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");
const rows = new Set([...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
const sections = [...doc.matchAll(/^## `sovereign-llm:(\w+)`/gm)].map((m) => m[1]);

test("the walk finds the schema's keys", () => {
  const paths = keyPaths(stackSchema as unknown as Node, "");
  assert.ok(paths.includes("network.cidr"));
  assert.ok(paths.includes("models[].autoscaling.queueThreshold"));
  assert.ok(paths.length > 40);
});

test("every schema key has a row in docs/configuration.md", () => {
  const missing = keyPaths(stackSchema as unknown as Node, "").filter((path) => {
    const list = /^(\w+)\[\]\.(.+)$/.exec(path);
    if (list) return !(sections.includes(list[1]) && rows.has(list[2]));
    return !(rows.has(path) || rows.has(`sovereign-llm:${path}`));
  });
  assert.deepEqual(missing, []);
});

test("every secret key and aws:region are documented", () => {
  assert.ok(rows.has("aws:region"));
  for (const key of SECRET_KEYS) assert.ok(rows.has(`sovereign-llm:${key}`), key);
});

test("every committed stack has a column", () => {
  for (const stack of ["dev", "staging", "prod", "prod-eu"]) assert.match(doc, new RegExp(`\\| ${stack} (\\||$)`, "m"));
});
