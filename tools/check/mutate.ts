/**
 * Mutations of a synthesized stack, for the mutation table: change one security property on
 * every resource of a type (in its inputs, which Analyze sees, and its outputs, which
 * AnalyzeStack sees), or drop every resource of a type, then run the packs over the result.
 */
import { SECRET_SIG, SIG_KEY, type Registration, type SynthResult } from "./synth";

export type Mutation =
  /** Sets `path` (e.g. `rules[0].applyServerSideEncryptionByDefault.sseAlgorithm`, `ingress[*].cidrBlocks`) to a value, or to fn(old value). */
  | { op: "set"; resourceType: string; path: string; value: unknown | ((old: unknown) => unknown) }
  /** Deletes the property at `path`. */
  | { op: "delete"; resourceType: string; path: string }
  /** Removes every resource of the type from the stack (a component forgot to declare it). */
  | { op: "remove"; resourceType: string };

type Segment = string | number | "*";

export function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(part);
    if (!m) throw new Error(`bad property path "${path}" at "${part}"`);
    if (m[1]) segments.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+|\*)\]/g)) segments.push(idx[1] === "*" ? "*" : Number(idx[1]));
  }
  if (segments.length === 0) throw new Error(`empty property path "${path}"`);
  return segments;
}

function isSecret(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Secret-wrapped values are edited inside their wrapper, so they stay secret. */
function unwrap(value: unknown): unknown {
  return isSecret(value) ? unwrap((value as { value: unknown }).value) : value;
}

/** Applies the edit at `segments` inside `root`; returns how many places were changed. */
function edit(root: unknown, segments: Segment[], apply: (container: Record<string | number, unknown>, key: string | number) => void): number {
  const target = unwrap(root);
  if (target === null || typeof target !== "object") return 0;
  const [head, ...rest] = segments;
  const container = target as Record<string | number, unknown>;
  if (head === "*") {
    if (!Array.isArray(target)) return 0;
    return target.reduce<number>((n, _v, i) => n + (rest.length === 0 ? (apply(container, i), 1) : edit(target[i], rest, apply)), 0);
  }
  if (rest.length === 0) {
    apply(container, head);
    return 1;
  }
  // Create missing intermediate objects, so a row can add a property a component never set.
  if (container[head] === undefined || container[head] === null) {
    if (rest[0] === "*") return 0;
    container[head] = typeof rest[0] === "number" ? [] : {};
  }
  return edit(container[head], rest, apply);
}

function editRegistration(r: Registration, m: Exclude<Mutation, { op: "remove" }>): number {
  const segments = parsePath(m.path);
  let changed = 0;
  for (const bag of [r.inputs, r.outputs]) {
    changed += edit(bag, segments, (container, key) => {
      if (m.op === "delete") {
        if (Array.isArray(container) && typeof key === "number") container.splice(key, 1);
        else delete container[key];
      } else {
        const next = typeof m.value === "function" ? (m.value as (old: unknown) => unknown)(unwrap(container[key])) : structuredClone(m.value);
        // A secret stays secret: replace the value inside the (innermost) wrapper.
        let holder = container;
        let slot: string | number = key;
        while (isSecret(holder[slot])) {
          holder = holder[slot] as Record<string | number, unknown>;
          slot = "value";
        }
        holder[slot] = next;
      }
    });
  }
  return changed;
}

/**
 * A mutated deep copy of `synth`, and the URNs of the resources changed (empty when the table
 * row no longer matches anything, which the caller should treat as a stale row).
 */
export function applyMutation(synth: SynthResult, m: Mutation): { synth: SynthResult; touched: string[] } {
  const copy = structuredClone(synth);
  if (m.op === "remove") {
    const touched = copy.registrations.filter((r) => r.type === m.resourceType).map((r) => r.urn);
    const gone = new Set(touched);
    copy.registrations = copy.registrations.filter((r) => !gone.has(r.urn));
    return { synth: copy, touched };
  }
  const touched: string[] = [];
  for (const r of copy.registrations) {
    if (r.type === m.resourceType && editRegistration(r, m) > 0) touched.push(r.urn);
  }
  return { synth: copy, touched };
}

/** Edits a JSON-document string property (IAM, bucket, key and endpoint policies). */
export function editJson(fn: (doc: any) => unknown): (old: unknown) => unknown {
  return (old) => {
    if (typeof old !== "string") return old;
    return JSON.stringify(fn(JSON.parse(old)));
  };
}
