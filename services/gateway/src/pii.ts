// Detection and redaction of personal and health data in model output. Pure functions: no I/O.
// Each detector finds candidates with a bounded regular expression (so a value has a known
// maximum length, which the stream redactor relies on), then validates them where a checksum
// exists (Luhn for card numbers, ISO 13616 mod-97 for IBANs, net.isIP for addresses).
// Detectors read a normalised view of the text (full-width digits as digits, invisible
// characters removed; see normalise.ts) and their spans are mapped back to the original, and
// digit groups may be separated by spaces, dots, dashes, slashes, underscores or middle dots.
// Every quantifier is bounded, so the work at each position is bounded and a scan is linear.
import { isIPv6 } from "node:net";
import type { PiiDetectorName } from "./config.js";
import { mappedView, originalSpan } from "./normalise.js";

export interface PiiMatch {
  type: string;
  start: number;
  end: number;
}

export interface Detector {
  type: string;
  find(text: string): PiiMatch[];
}

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// ISO 13616 lengths for the countries most often seen; other country codes fall back to 15-34.
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CY: 28, CZ: 24,
  DE: 22, DK: 18, DO: 28, EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21,
  LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24,
  TR: 26, UA: 29, VG: 24, XK: 20,
};

/** ISO 13616 check: country length (when known) and mod-97 == 1. `iban` has no spaces. */
export function ibanValid(iban: string): boolean {
  const s = iban.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const expected = IBAN_LENGTHS[s.slice(0, 2)];
  if (expected !== undefined && s.length !== expected) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const val = code >= 65 ? String(code - 55) : ch;
    for (const digit of val) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

function regexDetector(type: string, re: RegExp, accept?: (m: RegExpExecArray) => { start: number; end: number } | null): Detector {
  const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
  return {
    type,
    find(text) {
      g.lastIndex = 0;
      const out: PiiMatch[] = [];
      for (let m = g.exec(text); m !== null; m = g.exec(text)) {
        if (m[0].length === 0) {
          g.lastIndex++;
          continue;
        }
        const span = accept ? accept(m) : { start: m.index, end: m.index + m[0].length };
        if (span) out.push({ type, ...span });
      }
      return out;
    },
  };
}

// Separators between digit groups: space, dot, hyphen and the Unicode dashes, slash, underscore, middle dot, bullet.
const SEP = "[ .\\-/_\\u00B7\\u2022\\u2010-\\u2015\\u2212]";

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,6}[A-Za-z]{2,24}(?![\w-])/;
// North American numbers with optional +1, and international numbers written with a leading +.
const PHONE = new RegExp(`(?<![\\w+])(?:(?:\\+?1${SEP}?)?(?:\\(\\d{3}\\)|\\d{3})${SEP}?\\d{3}${SEP}?\\d{4}|\\+(?:[2-9]\\d{0,2})(?:${SEP}?\\d){6,13})(?![\\w])`);
// US SSN written with dashes or spaces; area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
const SSN = new RegExp(`(?<![\\w-])(?!000|666|9\\d\\d)\\d{3}(${SEP})(?!00)\\d{2}\\1(?!0000)\\d{4}(?![\\w-])`);
// An unformatted nine-digit SSN only counts next to a keyword saying so.
const SSN_KEYWORD = /\b(?:ssn|social security(?: number| no\.?)?)\b[^\d\n]{0,20}((?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4})(?!\d)/i;
const CARD = new RegExp(`(?<![\\d-])\\d(?:${SEP}{0,3}\\d){12,18}(?!\\d)`);
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/;
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d]|\.\d)/;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/;

/** The built-in detectors' patterns, for tests of their shape. */
export const BUILTIN_PATTERNS: Readonly<Record<string, RegExp>> = { EMAIL, PHONE, SSN, SSN_KEYWORD, CARD, IBAN, IPV4, IPV6 };

export function builtinDetector(name: PiiDetectorName): Detector {
  switch (name) {
    case "email":
      return regexDetector("email", EMAIL);
    case "phone":
      return regexDetector("phone", PHONE, (m) => {
        const digits = m[0].replace(/\D/g, "");
        return digits.length >= 10 && digits.length <= 15 ? { start: m.index, end: m.index + m[0].length } : null;
      });
    case "ssn": {
      const dashed = regexDetector("ssn", SSN);
      const keyword = regexDetector("ssn", SSN_KEYWORD, (m) => {
        const start = m.index + m[0].length - (m[1] ?? "").length;
        return { start, end: m.index + m[0].length };
      });
      return { type: "ssn", find: (t) => [...dashed.find(t), ...keyword.find(t)] };
    }
    case "card":
      return regexDetector("card", CARD, (m) => {
        const digits = m[0].replace(/\D/g, "");
        return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? { start: m.index, end: m.index + m[0].length } : null;
      });
    case "iban":
      return regexDetector("iban", IBAN, (m) => (ibanValid(m[0].replace(/ /g, "")) ? { start: m.index, end: m.index + m[0].length } : null));
    case "ipv4":
      return regexDetector("ipv4", IPV4);
    case "ipv6":
      return regexDetector("ipv6", IPV6, (m) => {
        const s = m[0];
        // "a::b" is a valid address but far more often C++ or a ratio; require some substance.
        if (s.replace(/[^0-9A-Fa-f]/g, "").length < 4 || !isIPv6(s)) return null;
        return { start: m.index, end: m.index + s.length };
      });
  }
}

export function patternDetector(name: string, source: string, ignoreCase: boolean): Detector {
  return regexDetector(name, new RegExp(source, ignoreCase ? "giu" : "gu"));
}

export interface Redaction {
  text: string;
  counts: Record<string, number>;
}

/**
 * All matches of all detectors, in the coordinates of `text`, overlaps resolved: earliest start
 * wins, then the longest.
 */
export function findPii(text: string, detectors: readonly Detector[]): PiiMatch[] {
  const v = mappedView(text);
  const all = v === null ? detectors.flatMap((d) => d.find(text)) : detectors.flatMap((d) => d.find(v.view)).map((m) => ({ type: m.type, ...originalSpan(v, m.start, m.end) }));
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: PiiMatch[] = [];
  let lastEnd = -1;
  for (const m of all) {
    if (m.start >= lastEnd) {
      out.push(m);
      lastEnd = m.end;
    }
  }
  return out;
}

export function applyRedactions(text: string, matches: readonly PiiMatch[], replacement: string, counts: Record<string, number>): string {
  if (matches.length === 0) return text;
  let out = "";
  let pos = 0;
  for (const m of matches) {
    out += text.slice(pos, m.start) + replacement.replaceAll("{type}", m.type.toUpperCase());
    pos = m.end;
    counts[m.type] = (counts[m.type] ?? 0) + 1;
  }
  return out + text.slice(pos);
}

export class PiiRedactor {
  constructor(
    readonly detectors: readonly Detector[],
    readonly replacement: string,
  ) {}

  redact(text: string, counts: Record<string, number> = {}): Redaction {
    return { text: applyRedactions(text, findPii(text, this.detectors), this.replacement, counts), counts };
  }
}

export function createRedactor(cfg: {
  detectors: readonly PiiDetectorName[];
  patterns: readonly { name: string; regex: string; ignoreCase: boolean }[];
  replacement: string;
}): PiiRedactor {
  return new PiiRedactor(
    [...cfg.detectors.map(builtinDetector), ...cfg.patterns.map((p) => patternDetector(p.name, p.regex, p.ignoreCase))],
    cfg.replacement,
  );
}
