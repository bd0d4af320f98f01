/**
 * Egress allow-list entries a reviewer could be fooled by, beyond what the firewall can match
 * (that part is `normaliseDomain` in components/network/egress-rules.ts). Pure.
 *
 * - A name whose letters come from more than one script (`аpple.com` with a Cyrillic "а") is the
 *   classic look-alike of a real domain; Unicode TS #39 (section 5.1) calls such strings mixed-script.
 *   Only the combinations that Japanese, Chinese and Korean names use (Han with Hiragana/Katakana,
 *   Bopomofo or Hangul, each optionally with Latin) are accepted; digits and hyphens belong to no
 *   script. Punycode entries are decoded first, so `xn--` spelling does not get around it.
 * - A wildcard on a public suffix (`*.co.uk`, `*.amazonaws.com`'s `*.s3.amazonaws.com`,
 *   `*.github.io`) lets anyone who registers a name under it receive the traffic. Suffixes come from
 *   the Public Suffix List, ICANN and private sections both, as shipped by the `tldts` package.
 */
import { domainToASCII, domainToUnicode } from "node:url";
import { getPublicSuffix } from "tldts";

/** Scripts a domain name's letters are classified into; anything else is "another script". */
const SCRIPTS = [
  "Latin", "Cyrillic", "Greek", "Armenian", "Georgian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari", "Bengali", "Gurmukhi",
  "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer",
  "Ethiopic", "Cherokee", "Mongolian", "Han", "Hiragana", "Katakana", "Bopomofo", "Hangul",
] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script=${s}}$`, "u")] as const);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** Script combinations that are one writing system (UTS #39 "highly restrictive"). */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
];

/** The scripts of the letters of `text` (digits, hyphens, dots and combining marks excluded). */
export function scriptsOf(text: string): Set<string> {
  const found = new Set<string>();
  for (const ch of text) {
    if (NEUTRAL.test(ch)) continue;
    const hit = SCRIPT_RES.find(([, re]) => re.test(ch));
    found.add(hit ? hit[0] : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
  }
  return found;
}

/** Why an allow-list entry mixes scripts, or undefined. */
export function mixedScriptProblem(entry: string): string | undefined {
  const ascii = domainToASCII(entry.trim().replace(/^\*\./, "").replace(/\.$/, "").toLowerCase());
  if (ascii === "") return undefined; // not a domain at all; normaliseDomain says why
  const unicode = domainToUnicode(ascii);
  const scripts = scriptsOf(unicode.replace(/\./g, ""));
  if (scripts.size <= 1 || ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.includes(s)))) return undefined;
  const labels = unicode.split(".").filter((l) => scriptsOf(l).size > 0);
  const byLabel = labels.map((l) => `"${l}" ${[...scriptsOf(l)].join("+")}`).join(", ");
  return `"${entry}" (${unicode}, ${ascii}) mixes ${[...scripts].join(" and ")} letters (${byLabel}); a name that mixes scripts is the usual look-alike of a real domain, so it is refused. Write the real domain in plain ASCII, e.g. the one the vendor documents`;
}

/** Why a wildcard entry covers a public suffix, or undefined. */
export function publicSuffixWildcardProblem(entry: string): string | undefined {
  const trimmed = entry.trim().toLowerCase();
  if (!trimmed.startsWith("*.")) return undefined;
  const base = domainToASCII(trimmed.slice(2).replace(/\.$/, ""));
  if (base === "") return undefined;
  const suffix = getPublicSuffix(base, { allowPrivateDomains: true });
  if (suffix !== base) return undefined;
  return `"${entry}" is a wildcard on ${base}, a public suffix (Public Suffix List): anyone can register a name under it and receive the traffic; list the exact hosts needed, or a wildcard on a domain the vendor owns (*.vendor.${base})`;
}
