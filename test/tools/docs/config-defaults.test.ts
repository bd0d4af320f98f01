/**
 * The defaults the docs state are the schema's. docs/configuration.md has a row per key (a test in
 * test/config checks that); here its default column, and the README's configuration table, are
 * compared with the defaults zod fills in (infra/schema.ts) and the monitoring thresholds'
 * defaults (components/monitoring/signals.ts). "required" must be a key without a default.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stackSchema } from "../../../infra/schema.js";
import { DEFAULT_THRESHOLDS } from "../../../components/monitoring/signals.js";
import { cells, tableAfter } from "./markdown.js";

const ROOT = join(__dirname, "..", "..", "..");

type Node = { _zod: { def: { type: string; innerType?: Node; element?: Node; shape?: Record<string, Node>; defaultValue?: unknown } } };

interface KeyFacts {
  /** The value zod fills in, when the key has a default. */
  default?: unknown;
  /** No default, and neither the key nor any block above it may be left out. */
  required: boolean;
}

/** Every key path below `sovereign-llm:` (`list[].key` for fields of list items) with its default. */
export function schemaKeys(schema: Node, prefix = "", optionalAbove = false, out = new Map<string, KeyFacts>()): Map<string, KeyFacts> {
  let s = schema;
  let facts: KeyFacts = { required: !optionalAbove };
  let list = false;
  let optional = optionalAbove;
  for (;;) {
    const def = s._zod.def;
    if (def.type === "default" && def.innerType) {
      const value = def.defaultValue;
      // An object's default is its fields' defaults, recorded on the fields themselves.
      if (value === null || typeof value !== "object" || Array.isArray(value)) facts = { default: value, required: false };
      else facts = { required: false };
      s = def.innerType;
    } else if ((def.type === "optional" || def.type === "nullable") && def.innerType) {
      facts = { ...facts, required: false };
      s = def.innerType;
    } else if (def.type === "array" && def.element) {
      // The fields of a list item are required in each item, whether or not the list may be empty.
      s = def.element;
      list = true;
      optional = false;
    } else break;
  }
  if (prefix) out.set(prefix, facts);
  const shape = s._zod.def.type === "object" ? s._zod.def.shape : undefined;
  for (const [k, v] of Object.entries(shape ?? {})) schemaKeys(v, `${list ? `${prefix}[]` : prefix}${prefix ? "." : ""}${k}`, list ? optional : optionalAbove || !facts.required, out);
  return out;
}

const keys = schemaKeys(stackSchema as unknown as Node);

/** How the docs write a default value. */
const shown = (v: unknown) => (Array.isArray(v) ? JSON.stringify(v) : String(v));

/** The first word of a default cell: a backticked value, or a plain word (`required`, `none`, `1`). */
function stated(cell: string): string {
  const m = /^`([^`]+)`/.exec(cell.trim()) ?? /^([^\s,;(]+)/.exec(cell.trim());
  return m?.[1] ?? "";
}

/** Compares what a doc states for `path` with the schema; returns the problem, if any. */
function mismatch(where: string, path: string, cell: string): string | undefined {
  const facts = keys.get(path);
  if (!facts) return `${where}: ${path} is not a schema key`;
  const said = stated(cell);
  if (facts.default !== undefined) return said === shown(facts.default) ? undefined : `${where}: ${path} default is \`${shown(facts.default)}\` in infra/schema.ts, the doc says "${cell}"`;
  if (said === "required" && !facts.required) return `${where}: ${path} is said to be required, but the schema lets it be left out`;
  if (said !== "required" && facts.required) return `${where}: ${path} is required in the schema, the doc says "${cell}"`;
  return undefined;
}

test("the walk finds defaults, required keys and optional blocks", () => {
  assert.deepEqual(keys.get("network.workloadSubnetPrefix"), { default: 19, required: false });
  assert.deepEqual(keys.get("network.cidr"), { required: true });
  assert.deepEqual(keys.get("gateway.oidc.issuer"), { required: false });
  assert.deepEqual(keys.get("gpuNodeGroups[].storage"), { default: "auto", required: false });
  assert.deepEqual(keys.get("gateway.redactPatterns"), { default: [], required: false });
  assert.deepEqual(keys.get("models[].name"), { required: true });
  assert.deepEqual(keysOfCell("`models[].gpusPerReplica` / `replicas`"), ["models[].gpusPerReplica", "models[].replicas"]);
  assert.deepEqual(keysOfCell("`detection.{guardDuty,config}`"), ["detection.guardDuty", "detection.config"]);
  assert.equal(mismatch("t", "network.workloadSubnetPrefix", "`20`")?.includes("default is `19`"), true);
  assert.equal(mismatch("t", "network.cidr", "`10.0.0.0/16`")?.includes("is required"), true);
  assert.equal(mismatch("t", "gateway.oidc.issuer", "required with `oidc`"), "t: gateway.oidc.issuer is said to be required, but the schema lets it be left out");
});

test("docs/configuration.md states every schema default", () => {
  const doc = readFileSync(join(ROOT, "docs", "configuration.md"), "utf8");
  // Rows by section: list items' rows use the field name alone under `## \`sovereign-llm:<list>\``.
  const problems: string[] = [];
  for (const section of doc.split(/\n(?=## )/)) {
    // Only the key tables (the committed stacks' table has keys in its first column too).
    if (!section.includes("\n| key | type | default | meaning |\n")) continue;
    const list = /^## `sovereign-llm:(\w+)`/.exec(section)?.[1];
    for (const line of section.split("\n")) {
      const m = /^\| `([^`]+)` \|/.exec(line);
      if (!m) continue;
      const [, , def] = cells(line);
      const key = m[1]!.replace(/^sovereign-llm:/, "");
      const path = keys.has(key) ? key : list && keys.has(`${list}[].${key}`) ? `${list}[].${key}` : undefined;
      if (!path || def === undefined) continue;
      // Rows "required in `oidc`" / "required with `oidc`" describe a field of an optional block.
      const said = /^required (in|with) /.test(def) ? "none" : def;
      const why = mismatch("docs/configuration.md", path, said);
      if (why) problems.push(why);
    }
  }
  assert.deepEqual(problems, []);
});

test("docs/configuration.md states the monitoring thresholds' defaults", () => {
  const doc = readFileSync(join(ROOT, "docs", "configuration.md"), "utf8");
  for (const [name, value] of Object.entries(DEFAULT_THRESHOLDS)) {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`monitoring.thresholds.${name}\` |`));
    assert.ok(row, `a row for monitoring.thresholds.${name}`);
    assert.equal(stated(cells(row)[2]!), String(value), `monitoring.thresholds.${name}`);
  }
});

/** `a.{x,y}` → `a.x`, `a.y`; a bare name after the first key is that key's sibling. */
export function keysOfCell(cell: string): string[] {
  const written = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const expanded = written.flatMap((k) => {
    const m = /^(.*)\{([^}]+)\}$/.exec(k);
    return m ? m[2]!.split(",").map((f) => `${m[1]}${f}`) : [k];
  });
  const first = expanded[0] ?? "";
  const parent = first.includes(".") ? first.slice(0, first.lastIndexOf(".") + 1) : "";
  return expanded.map((k, i) => (i > 0 && !k.includes(".") && !written[0]!.includes("{") && parent ? `${parent}${k}` : k).replace(/\[\]$/, ""));
}

test("README: the configuration table's defaults are the schema's", () => {
  const table = tableAfter(readFileSync(join(ROOT, "README.md"), "utf8"), "## Configuration");
  const problems: string[] = [];
  let checked = 0;
  for (const [keyCell, [def]] of table) {
    const paths = keysOfCell(keyCell).filter((p) => keys.has(p) && !/^\w+:/.test(p));
    if (paths.length === 0 || def === undefined || def === "see docs") continue;
    // Several keys share the cell: "`1` / `2`", or "`false`, 1, 4, 5" for a brace list.
    const parts = paths.length === 1 || !/ \/ |, /.test(def) ? paths.map(() => def) : def.includes(" / ") ? def.split(" / ") : def.split(", ");
    if (parts.length !== paths.length) {
      problems.push(`README: ${keyCell} names ${paths.length} keys but its default cell "${def}" has ${parts.length} values`);
      continue;
    }
    paths.forEach((p, i) => {
      // A block's key (cluster.systemNodes) is described, not a value: only its fields have defaults.
      if (keys.get(p)!.default === undefined && !keys.get(p)!.required && !/^(required|none|`)/.test(parts[i]!)) return;
      checked++;
      const why = mismatch("README", p, parts[i]!);
      if (why) problems.push(why);
    });
  }
  assert.ok(checked > 30, `only ${checked} README rows were compared`);
  assert.deepEqual(problems, []);
});
