// Text normalisation shared by the guards, so that what a detector matches is what a model
// reads, not what a byte-for-byte pattern sees. Every function here is a fixed number of linear
// passes over its input.
//
// - Unicode compatibility forms (NFKC): full-width letters and digits, ligatures, mathematical
//   alphanumerics and odd spaces become their plain forms.
// - Invisible characters are dropped: format characters (category Cf: zero-width space, joiners,
//   bidi controls, soft hyphen), variation selectors, the combining grapheme joiner and Hangul
//   fillers. Unicode tag characters (U+E0020-E007E) are the exception: models read them as the
//   ASCII they shadow ("ASCII smuggling"), so the detector view decodes them instead.
// - Confusables: Cyrillic and Greek letters that look like Latin ones ("ignоre" with a Cyrillic
//   о) are mapped to the Latin letter, case by case before lower-casing (Greek Ν is N, ν is v).

const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u3164\uFFA0\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const INVISIBLE_G = new RegExp(INVISIBLE.source, "gu");
const TAG_CHAR = /[\u{E0020}-\u{E007E}]/gu;

// Look-alikes of Latin letters. Sources: Unicode's confusables.txt (the Cyrillic and Greek rows
// whose prototype is a single Latin letter), keyed by the exact code point.
const CONFUSABLE: Readonly<Record<string, string>> = {
  // Cyrillic capitals
  "А": "A", "В": "B", "Е": "E", "З": "3", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X",
  "Ѕ": "S", "І": "I", "Ј": "J", "Ү": "Y", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
  // Cyrillic small letters
  "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
  "ѕ": "s", "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "ɡ": "g",
  // Greek capitals
  "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
  // Greek small letters
  "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x", "ε": "e", "γ": "y", "ω": "w",
};
const CONFUSABLE_G = new RegExp(`[${Object.keys(CONFUSABLE).join("")}]`, "gu");

export function isInvisible(ch: string): boolean {
  return INVISIBLE.test(ch);
}

/**
 * The detector's view of a text: compatibility-normalised, tag characters decoded, invisible
 * characters removed, look-alike letters mapped to Latin, lower-cased, typographic quotes
 * straightened, whitespace runs collapsed to one character (a newline where the run held one),
 * and runs of s p a c e d single letters joined.
 */
export function foldForDetection(text: string): string {
  let t = text.normalize("NFKC");
  t = t.replace(TAG_CHAR, (c) => String.fromCharCode(c.codePointAt(0)! - 0xe0000));
  t = t.replace(INVISIBLE_G, "").replace(CONFUSABLE_G, (c) => CONFUSABLE[c] ?? c).toLowerCase();
  t = t.replace(/[\u2018\u2019\u02BC]/g, "'").replace(/[\u201C\u201D]/g, '"');
  // "i g n o r e   p r e v i o u s" -> "ignore   previous" (bounded: at most 65 letters joined).
  t = t.replace(/\b(?:[a-z] ){3,64}[a-z]\b/g, (m) => m.replace(/ /g, ""));
  // One pass each, never failing part-way (a global replace resumes after each match), so linear.
  t = t.replace(/[^\S\n]+/g, " ").replace(/ ?\n\s*/g, "\n");
  return t;
}

/**
 * A view of `text` for the output guard's detectors, with a map back to the original: NFKC per
 * code point (so full-width digits read as digits) and invisible characters removed (so a
 * zero-width space inside a number does not split it). `origin[i]` is the offset in `text` of
 * the code unit that produced view unit `i`; `origin[view.length]` is `text.length`.
 */
export interface MappedView {
  view: string;
  origin: Int32Array;
}

const PLAIN = /^[\x00-\x7F]*$/;

export function mappedView(text: string): MappedView | null {
  // Plain ASCII needs no view: the common case costs one linear test.
  if (PLAIN.test(text)) return null;
  let view = "";
  const origin: number[] = [];
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    if (cp >= 0x80) {
      if (!INVISIBLE.test(ch)) {
        const n = ch.normalize("NFKC");
        for (let k = 0; k < n.length; k++) origin.push(i);
        view += n;
      }
    } else {
      origin.push(i);
      view += ch;
    }
    i += width;
  }
  origin.push(text.length);
  return { view, origin: Int32Array.from(origin) };
}

/**
 * Maps a [start, end) span of a view back to the original: from the code point that produced
 * the first unit to the one after the code point that produced the last (invisible characters
 * between the last unit and the next visible one are included, which is harmless in a redaction).
 */
export function originalSpan(v: MappedView, start: number, end: number): { start: number; end: number } {
  const last = v.origin[end - 1]!;
  let k = end;
  // An NFKC expansion ("¼" -> "1⁄4") spreads one original code point over several view units.
  while (k < v.origin.length - 1 && v.origin[k] === last) k++;
  return { start: v.origin[start]!, end: v.origin[k]! };
}
