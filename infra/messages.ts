/**
 * Wording of configuration problems. Pure: no Pulumi, no I/O.
 *
 * zod's default messages say what is wrong in zod's terms (`expected int, received number`).
 * `errorMap` replaces them, for every issue whose schema gives no message of its own, with a
 * sentence that says what the value was and how to write it instead; `describeIssue` puts the
 * full key (`sovereign-llm:gpuNodeGroups[0].minSize`) in front.
 */
import { z } from "zod";

export const NAMESPACE = "sovereign-llm";

/** `sovereign-llm:gpuNodeGroups[0].instanceTypes[1]` from a zod path; `aws:region` stays as is. */
export function keyName(path: readonly PropertyKey[]): string {
  if (path.length === 1 && typeof path[0] === "string" && path[0].includes(":")) return path[0];
  let out = `${NAMESPACE}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += `${i === 0 ? "" : "."}${String(part)}`;
  });
  return out;
}

/** A value as a user would recognise it from the stack file, shortened. */
export function show(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return `a list (${value.length} item${value.length === 1 ? "" : "s"})`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

/** Levenshtein distance, for "did you mean" on short names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known name closest to `name` when it is plausibly a misspelling of it. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

const REQUIRED = "is required; add it to the stack file (docs/configuration.md lists every key)";

function typeProblem(expected: string, input: unknown): string {
  if (input === undefined) return REQUIRED;
  const numeric = typeof input === "string" && input.trim() !== "" && Number.isFinite(Number(input));
  switch (expected) {
    case "int":
      if (typeof input === "number") return `is ${input}, which is not a whole number; write an integer such as ${Math.max(0, Math.round(input))}`;
      if (numeric) return `is the string ${show(input)}; write the whole number without quotes: ${Math.round(Number(input))}`;
      return `is ${show(input)}, not a whole number; write an integer such as 2`;
    case "number":
      if (numeric) return `is the string ${show(input)}; write the number without quotes: ${Number(input)}`;
      return `is ${show(input)}, not a number; write a number such as 0.9`;
    case "string":
      if (typeof input === "number" || typeof input === "boolean") return `is ${show(input)}, not text; quote it in YAML: "${String(input)}"`;
      return `is ${show(input)}, not text; write a single quoted string`;
    case "boolean":
      return `is ${show(input)}; write true or false, without quotes`;
    case "array":
      return `is ${show(input)}, not a list; write a YAML list, e.g. [a, b], or one "- item" per line`;
    case "object":
      return `is ${show(input)}, not a mapping; write its keys indented below it (docs/configuration.md shows each)`;
    default:
      return `is ${show(input)}; expected ${expected}`;
  }
}

function boundProblem(iss: { origin: string; input?: unknown; inclusive?: boolean }, bound: number | bigint, side: "min" | "max"): string {
  const input = iss.input;
  const n = Number(bound);
  const word = side === "min" ? (iss.inclusive === false ? "greater than" : "at least") : iss.inclusive === false ? "less than" : "at most";
  if (iss.origin === "array" || iss.origin === "set") {
    const count = Array.isArray(input) ? input.length : "?";
    return side === "min" ? `lists ${count} item(s); list at least ${n}` : `lists ${count} item(s); list at most ${n}`;
  }
  if (iss.origin === "string") {
    const len = typeof input === "string" ? input.length : "?";
    if (side === "min" && n === 1) return "is empty; give a value";
    return `is ${len} characters long; use ${word} ${n}`;
  }
  return `is ${show(input)}; it must be ${word} ${n}, so ${side === "min" ? "raise" : "lower"} it`;
}

function enumProblem(values: readonly unknown[], input: unknown): string {
  if (input === undefined) return REQUIRED;
  const options = values.map((v) => JSON.stringify(v)).join(", ");
  if (typeof input === "number" && values.every((v) => typeof v === "string")) {
    const quoted = values.includes(String(input)) ? `"${String(input)}"` : `one of ${options}`;
    return `is the number ${input}: YAML reads an unquoted ${input} as a number (and 1.30 as 1.3); quote it: ${quoted}`;
  }
  const guess = typeof input === "string" ? closest(input, values.map(String)) : undefined;
  return `is ${show(input)}; use one of ${options}${guess && guess !== input ? ` (did you mean "${guess}"?)` : ""}`;
}

/** Whether a schema is `z.number().int()` (a number with a safe-integer format check). */
function isIntSchema(inst: unknown): boolean {
  const checks = (inst as { _zod?: { def?: { checks?: { _zod: { def: { format?: string } } }[] } } } | undefined)?._zod?.def?.checks ?? [];
  return checks.some((c) => c._zod.def.format === "safeint" || c._zod.def.format === "int32");
}

/**
 * Per-parse error map: messages for issues whose schema says nothing itself. Custom messages in
 * the schema take precedence (zod asks a schema's own map first).
 */
export function errorMap(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      // z.number().int() reports a non-number as "expected number"; its message should still ask for a whole number.
      return typeProblem(iss.expected === "number" && isIntSchema(iss.inst) ? "int" : iss.expected, iss.input);
    case "too_small":
      return boundProblem(iss, iss.minimum, "min");
    case "too_big":
      return boundProblem(iss, iss.maximum, "max");
    case "invalid_value":
      return enumProblem(iss.values, iss.input);
    case "invalid_format":
      if (iss.format === "email") return `${show(iss.input)} is not an e-mail address; write it as name@example.org`;
      return `${show(iss.input)} is not in the expected form (${iss.format}${iss.pattern ? ` ${iss.pattern}` : ""})`;
    case "invalid_union":
      return iss.input === undefined ? REQUIRED : `is ${show(iss.input)}; it must be one of the forms docs/configuration.md gives for this key`;
    case "not_multiple_of":
      return `is ${show(iss.input)}; use a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
}

/** The object keys a schema accepts at `path`, for "did you mean" on unknown keys. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = schema as unknown as { _zod: { def: Record<string, any> } };
  const unwrap = () => {
    for (;;) {
      const def = s._zod.def;
      if ((def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault") && def.innerType) s = def.innerType;
      else if (def.type === "pipe" && def.in) s = def.in;
      else return;
    }
  };
  for (const part of path) {
    unwrap();
    const def = s._zod.def;
    if (typeof part === "number" && def.type === "array") s = def.element;
    else if (def.type === "object" && typeof part === "string" && def.shape[part]) s = def.shape[part];
    else return [];
  }
  unwrap();
  return s._zod.def.type === "object" ? Object.keys(s._zod.def.shape) : [];
}

/** One line per problem, each starting with the full key. */
export function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((k) => {
      const guess = closest(k, known);
      return `${keyName([...issue.path, k])}: unknown key; ${guess ? `did you mean ${guess}? Otherwise ` : ""}check its spelling against docs/configuration.md, or remove it`;
    });
  }
  return [`${keyName(issue.path)}: ${issue.message}`];
}
