/**
 * What did parse, when the whole file did not. Pure.
 *
 * Cross-field rules must run whenever the keys they read are valid, even if another key (or a
 * sibling of the key, or another item of the same list) is not: otherwise fixing one problem only
 * reveals the next. `partialParse` parses every object field and list item on its own, keeping
 * the values that parsed (with their defaults) and remembering which did not; `guard` wraps the
 * result so that reading a value that did not parse throws `MissingKey`, which skips the one rule
 * (or, through `each`, the one list item) that needed it.
 */
import type { z } from "zod";

/** Thrown when a rule reads a key whose value did not parse; the key has its own problem already. */
export class MissingKey extends Error {
  constructor(readonly key: PropertyKey) {
    super(`key ${String(key)} did not parse`);
  }
}

type Def = Record<string, any> & { type: string };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Keys (object fields, list indexes as strings) of a partial value that did not parse. */
const failedKeys = new WeakMap<object, Set<string>>();

export type Partial = { ok: true; value: unknown } | { ok: false; partial?: object };

/** Parses `value` with `schema`; where that fails, parses each field or item on its own. */
export function partialParse(schema: z.ZodType, value: unknown): Partial {
  const whole = schema.safeParse(value);
  if (whole.success) return { ok: true, value: whole.data };
  let s: unknown = schema;
  for (;;) {
    const def = defOf(s);
    if ((def.type === "default" || def.type === "prefault" || def.type === "optional") && value !== undefined) s = def.innerType;
    else break;
  }
  const def = defOf(s);
  if (def.type === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    const failed = new Set<string>();
    for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      const r = partialParse(field, (value as Record<string, unknown>)[key]);
      if (r.ok) out[key] = r.value;
      else if (r.partial) out[key] = r.partial;
      else failed.add(key);
    }
    failedKeys.set(out, failed);
    return { ok: false, partial: out };
  }
  if (def.type === "array" && Array.isArray(value)) {
    const out: unknown[] = [];
    const failed = new Set<string>();
    value.forEach((item, i) => {
      const r = partialParse(def.element as z.ZodType, item);
      if (r.ok) out.push(r.value);
      else {
        out.push(r.partial);
        if (!r.partial) failed.add(String(i));
      }
    });
    failedKeys.set(out, failed);
    return { ok: false, partial: out };
  }
  return { ok: false };
}

/**
 * `value` (from partialParse) with reads of values that did not parse throwing MissingKey.
 * `missing` names further top-level keys that count as not parsed.
 */
export function guard<T>(value: T, missing: ReadonlySet<string> = new Set()): T {
  if (value === null || typeof value !== "object") return value;
  const failed = new Set([...(failedKeys.get(value) ?? []), ...missing]);
  return new Proxy(value as object, {
    get(target, key, receiver) {
      if (typeof key === "string" && failed.has(key)) throw new MissingKey(key);
      const v = Reflect.get(target, key, receiver);
      return v !== null && typeof v === "object" && !Object.isFrozen(v) ? guard(v) : v;
    },
  }) as T;
}

/**
 * Calls `fn` for every item of a (guarded) list; an item whose needed values did not parse is
 * skipped on its own, the other items are still checked.
 */
export function each<T>(list: readonly T[], fn: (item: T, index: number) => void): void {
  for (let i = 0; i < list.length; i++) {
    try {
      fn(list[i], i);
    } catch (err) {
      if (!(err instanceof MissingKey)) throw err;
    }
  }
}
