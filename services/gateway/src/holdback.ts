// Redaction of text that arrives in pieces (streamed deltas). A value such as a card number can be
// split across deltas ("4111 11" + "11 1111 1111 1111"), so text is released only once it is far
// enough from the end of what has arrived that no value still being written can reach back into
// it: `holdback` characters are always kept, the release point moves back to a whitespace so a
// long token is never cut, and never into the middle of a value already found. What is released
// is redacted with some already-released text as left context, for look-behind rules.
// Invariant (tested): redacting the concatenation of the pieces at once gives the same output as
// concatenating what push/flush return, for values no longer than `holdback`.
import { applyRedactions, findPii, type PiiRedactor } from "./pii.js";

const CONTEXT_CHARS = 64;

export class HoldbackRedactor {
  private readonly pending = new Map<string, string>();
  private readonly context = new Map<string, string>();

  constructor(
    private readonly redactor: PiiRedactor,
    private readonly holdback: number,
    /** Redactions by detector type, accumulated across all keys. */
    readonly counts: Record<string, number> = {},
  ) {}

  /** Adds `text` to the stream `key`; returns the redacted text that is now safe to release. */
  push(key: string, text: string): string {
    const pending = (this.pending.get(key) ?? "") + text;
    if (pending.length <= this.holdback) {
      this.pending.set(key, pending);
      return "";
    }
    const ctx = this.context.get(key) ?? "";
    const matches = findPii(ctx + pending, this.redactor.detectors)
      .map((m) => ({ type: m.type, start: Math.max(0, m.start - ctx.length), end: m.end - ctx.length }))
      .filter((m) => m.end > 0);

    let cut = pending.length - this.holdback;
    // Bound memory for pathological text with no whitespace at all.
    if (pending.length <= this.holdback * 4) {
      const ws = lastWhitespaceBefore(pending, cut);
      cut = ws < 0 ? 0 : ws + 1;
    }
    for (let i = matches.length - 1; i >= 0; i--) {
      const m = matches[i]!;
      if (m.start < cut && m.end > cut) cut = m.start;
    }
    if (cut <= 0) {
      this.pending.set(key, pending);
      return "";
    }
    const raw = pending.slice(0, cut);
    const released = applyRedactions(raw, matches.filter((m) => m.end <= cut), this.redactor.replacement, this.counts);
    this.context.set(key, (ctx + raw).slice(-CONTEXT_CHARS));
    this.pending.set(key, pending.slice(cut));
    return released;
  }

  /** Releases (redacted) everything held for `key`: the stream for it has ended. */
  flush(key: string): string {
    const pending = this.pending.get(key) ?? "";
    const ctx = this.context.get(key) ?? "";
    this.pending.delete(key);
    this.context.delete(key);
    if (pending === "") return "";
    const matches = findPii(ctx + pending, this.redactor.detectors)
      .map((m) => ({ type: m.type, start: Math.max(0, m.start - ctx.length), end: m.end - ctx.length }))
      .filter((m) => m.end > 0);
    return applyRedactions(pending, matches, this.redactor.replacement, this.counts);
  }

  /** Keys that still hold text. */
  keys(): string[] {
    return [...this.pending.keys()].filter((k) => (this.pending.get(k) ?? "") !== "");
  }
}

function lastWhitespaceBefore(s: string, end: number): number {
  for (let i = Math.min(end, s.length) - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) return i;
  }
  return -1;
}
