/**
 * Values that cannot be known during preview.
 *
 * `@pulumi/policy` hands a policy its resource properties wrapped in a proxy that throws
 * `UnknownValueError` when a property whose value is one of its "unknown" sentinels is read
 * (node_modules/@pulumi/policy/proxy.js). Left uncaught, the analyzer turns that error into an
 * advisory "can't run policy during preview" for the whole resource (or, for a stack policy, the
 * whole stack). Controls here instead take a plain snapshot of the properties first, with every
 * unknown leaf replaced by the `Unknown` marker, decide what they can, and only then say what they
 * could not decide (`Undecided.finish`), which the analyzer reports as advisory. A violation is
 * therefore only ever reported on known values: an unknown never produces a mandatory violation.
 */
// The SDK exports this class at runtime, but its published typings (proxy.d.ts) are empty. It is
// taken from the SDK's own module (the one its analyzer checks with instanceof) rather than from
// the package index, which loads all of @pulumi/pulumi: `npm run check` reads the library for its
// evidence report and would pay about a second of CPU for it.
type UnknownValueErrorClass = new (sentinel: string, path: string[]) => Error;
const UnknownValueError = (require("@pulumi/policy/proxy") as { UnknownValueError: UnknownValueErrorClass }).UnknownValueError;

/** The sentinels of @pulumi/policy/proxy.js (string, boolean, number, array, asset, archive, object). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);
const STRING_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Marks a value that is not known yet. */
export const Unknown: unique symbol = Symbol("unknown");
export type Unknown = typeof Unknown;

export function isUnknown(value: unknown): value is Unknown {
  return value === Unknown;
}

/** True for the SDK's UnknownValueError, also when a second copy of the SDK threw it. */
export function isUnknownValueError(err: unknown): boolean {
  if (err instanceof UnknownValueError) return true;
  const sentinel = (err as { unknownTypeSentinel?: unknown } | null)?.unknownTypeSentinel;
  return typeof sentinel === "string" && UNKNOWN_SENTINELS.has(sentinel);
}

/**
 * A plain deep copy of `value` (typically `args.props`), reading through the unknown-checking
 * proxy one property at a time: an unknown leaf becomes `Unknown`, a raw sentinel string too.
 */
export function snapshot(value: unknown): unknown {
  if (typeof value === "string") return UNKNOWN_SENTINELS.has(value) ? Unknown : value;
  if (value === null || typeof value !== "object") return value;
  // policy.Secret (only present when a pack proxies secrets): the value inside is what matters.
  if (value.constructor?.name === "Secret" && "value" in value) return snapshot(readSafely(value, "value"));
  if (Array.isArray(value)) {
    const length = value.length;
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) out.push(snapshot(readSafely(value, i)));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = snapshot(readSafely(value, key));
  return out;
}

function readSafely(obj: object, key: string | number): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (err) {
    if (isUnknownValueError(err)) return Unknown;
    throw err;
  }
}

/** True when `value` is `Unknown` or holds one anywhere inside. */
export function containsUnknown(value: unknown): boolean {
  if (value === Unknown) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * Collects what a policy could not decide because values were unknown. `finish()` throws the
 * SDK's UnknownValueError when anything is pending, after every definite violation has been
 * reported, so the analyzer adds one advisory diagnostic naming what was skipped.
 */
export class Undecided {
  private readonly notes: string[] = [];
  note(what: string): void {
    this.notes.push(what);
  }
  get pending(): readonly string[] {
    return this.notes;
  }
  finish(): void {
    if (this.notes.length === 0) return;
    throw new UnknownValueError(STRING_SENTINEL, [this.notes.join("; ")]);
  }
}
