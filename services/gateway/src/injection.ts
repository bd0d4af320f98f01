// Built-in prompt-injection and jailbreak detector, used when no classifier is configured (and as
// the classifier's fallback). Weighted signals over normalised text: a strong signal (an
// instruction to discard earlier instructions, a request for the hidden prompt, chat-template
// role markers) blocks on its own; weaker ones (a persona, "no restrictions", "never refuse")
// only together. Normalisation undoes the usual evasions: Unicode compatibility forms, invisible
// characters, look-alike letters, l33t digits, s p a c e d letters, and base64-wrapped payloads.
// It is a heuristic: measured precision and recall on testdata/injection-prompts.jsonl are in the
// README. A served classifier (Prompt Guard 2) generalises better and should be preferred.
// Time: every pattern uses bounded quantifiers only, over text whose whitespace runs are already
// collapsed, so the work at each position is bounded and a scan is linear in its input; long
// texts are scanned in segments so the caller can yield to the event loop between them.
import { foldForDetection } from "./normalise.js";
import type { Pacer } from "./pacer.js";

export interface Detection {
  score: number;
  /** Names of the signals that fired, for the audit line. */
  reasons: string[];
}

interface Signal {
  name: string;
  weight: number;
  re: RegExp;
  /** Look at the text before the match; return false to ignore this occurrence. */
  accept?: (before: string, match: string) => boolean;
}

const VERB_OVERRIDE = "(?:ignore|ignores|ignoring|disregard|disregards|disregarding|forget|skip|override|bypass|neglect|drop|abandon)";
const QUALIFIER = "(?:previous|prior|above|earlier|preceding|original|initial|all|any|your|the|these|those|system|every|existing|current|other)";
const RULE_NOUN =
  "(?:instructions?|instruction set|directions?|rules|guidelines|prompts?|context|training|programming|polic(?:y|ies)|constraints|restrictions|filters?|directives?|orders|task|goal|safety)";
const LIMIT_NOUN =
  "(?:restrictions?|limit(?:s|ations)?|filters?|filtering|censorship|censored|rules|guidelines|ethic(?:s|al)(?: (?:or moral )?guidelines)?|moral(?:s|ity)?|content polic(?:y|ies)|polic(?:y|ies)|safety(?: rules| training| guidelines)?|constraints|boundaries|programming)";

const notNegated = (before: string): boolean => !/(?:refuse to|not|never|prevent(?:ing)?|avoid|stop|n't|against)\s(?:\w{1,40}\s){0,2}$/.test(before);

export const SIGNALS: Signal[] = [
  { name: "override_instructions", weight: 1, re: new RegExp(`\\b${VERB_OVERRIDE}\\b[^.?!\\n]{0,40}?\\b${QUALIFIER}\\b[^.?!\\n]{0,30}?\\b${RULE_NOUN}\\b`) },
  { name: "override_instructions", weight: 0.8, re: new RegExp(`\\b${VERB_OVERRIDE}\\s(?:[\\w']{1,40}\\s){0,2}${RULE_NOUN}\\b`) },
  { name: "override_instructions", weight: 1, re: /\boverrides?\s(?:all\s)?(?:previous|prior|earlier|your|other)\b|\b(?:higher|top|highest)\spriority\sthan\s(?:your|the|any)\b/ },
  { name: "override_instructions", weight: 0.8, re: /\b(?:regardless of|in spite of|despite)\s(?:your|any|all|the)\s(?:\w{1,40}\s)?(?:policies|policy|rules|guidelines|restrictions|ethics|safety|programming|training)\b/ },
  { name: "task_hijack", weight: 0.8, re: /\b(?:ignore|disregard|forget)\s(?:the|this|that|my|your|all)?\s?(?:[\w']{1,40}\s){0,2}?(?:and|,|\.)\s?(?:instead|only)\b/ },
  { name: "override_instructions", weight: 1, re: /\b(?:do not|don't|stop|no longer)\s(?:follow|obey)(?:ing)?\s(?:your|the|any)\s(?:original|previous|prior|system|initial)/ },
  { name: "override_instructions", weight: 1, re: new RegExp(`\\b(?:previous|prior|all|earlier|original)\\b[^.?!\\n]{0,25}\\b${RULE_NOUN}\\s(?:are|were|have been|has been|is|have|has)\\s(?:now\\s)?(?:void|lifted|expired|null|cancel{1,2}ed|revoked|a test|no longer|suspended|removed|disabled)`) },
  { name: "override_instructions", weight: 1, re: /\b(?:ignorez|ignore[sz]?\stoutes|ignora(?:te)?|ignoriere|ignorier|negeer|ignorar)\b[^.?!\n]{0,60}\b(?:instructions|instrucciones|anweisungen|istruzioni|instructies|instruções|regeln|reglas|r[eè]gles)\b/ },
  { name: "override_instructions", weight: 0.7, re: /\b(?:forget|ignore|disregard)\s(?:everything|all(?: of)? (?:that|this|it)|all else|your rules|what you were told)\b/ },
  { name: "new_instructions", weight: 0.8, re: /\b(?:new|updated|real|actual|true|revised)\s(?:system\s)?(?:instructions?|instruction set|prompt|orders|directives?|policy|rules|task|goal)\s?(?::|are\b|is\b|follow)/ },
  { name: "new_instructions", weight: 0.7, re: /\byour\s(?:new|real|true|actual)\s(?:goal|task|objective|purpose|instructions?|role)\s(?:is|are|will be)\b/ },
  {
    name: "prompt_extraction",
    weight: 1,
    re: /\b(?:reveal|print|show|output|repeat|tell|give|display|leak|quote|write out|dump|share|list)\b[^.?!\n]{0,30}?\b(?:system (?:prompt|message|instructions?)|initial (?:prompt|instructions?)|(?:hidden|secret|original|exact) (?:prompt|instructions?|message|rules|system)|developer message|context window|everything above|text above|what the developers? told you|instructions (?:given to you|you were given|you received)|(?:rules|instructions) you were given|your (?:prompt|configuration|instructions|rules|training data)|(?:full |entire )?conversation history|system messages?|training data verbatim)\b/,
    accept: (before) => notNegated(before),
  },
  { name: "prompt_extraction", weight: 1, re: /\bwhat (?:is|are|was|were) (?:your|the exact|the hidden|the secret) (?:system prompt|initial prompt|instructions|hidden instructions|rules|prompt)\b|\bwhat were the exact instructions\b/ },
  { name: "role_markers", weight: 1, re: /<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|start_header_id\|>|\[inst\]|\[\/inst\]|<<sys>>|<\/s>\s?<s>|"role"\s?:\s?"system"|\[system\]\s?\(#|^#{1,4}\s?system\s?:|\bsystem\s?(?:override|prompt\s?:)|\bend of (?:user input|conversation|prompt)\b|\bbegin new (?:system )?instructions\b|\bnew session\b[^\n]{0,20}\bsystem\s?:/m },
  { name: "role_markers", weight: 0.6, re: /(?:^|\n)\s?(?:assistant|system)\s?:\s?(?:sure|ok|okay|understood|i will)/ },
  { name: "persona_jailbreak", weight: 1, re: /\bdo anything now\b|\b(?:dan|betterdan|stan|dude|aim|jailmilf|evilbot|freegpt|maximum|sam)\b[^.\n]{0,60}\b(?:no (?:filters|restrictions|limits|rules)|never refuses?|ignores?|not bound|without any|broken free|no ethical|has no)/ },
  { name: "persona_jailbreak", weight: 0.6, re: /\b(?:jailbreak(?:ed)?|jailbroken|developer mode|god mode|unrestricted mode|maintenance mode|sudo mode|dan mode|unaligned|unfiltered|uncensored|amoral|nonmoral|unrestricted (?:ai|model|assistant)|🔓)/ },
  { name: "persona_jailbreak", weight: 0.7, re: /\b(?:evil|malicious|unethical|rogue|amoral|unrestricted|uncensored|unfiltered|unaligned|freed|liberated|jailbroken) (?:ai|assistant|model|chatbot|version|persona)\b/ },
  { name: "dual_response", weight: 0.4, re: /\b(?:two|2|both) (?:answers|responses|replies|personas|paragraphs)\b|\[🔒|\[🔓/ },
  { name: "mode_switch", weight: 0.5, re: /\b\w{1,40} mode (?:activated|enabled)\b|\bmode: ?on\b|\benter (?:\w{1,40} )?mode\b|\bmode enabled\b/ },
  { name: "grandma_exploit", weight: 0.5, re: /\b(?:late|deceased|dead) (?:grandmother|grandfather|grandma|grandpa|granny)\b/ },
  { name: "no_restrictions", weight: 0.7, re: new RegExp(`\\b(?:no|without(?: any)?|free (?:of|from)|freed from|removed?|lifted|disabled?|turn(?:ed)? off|not bound by|no longer bound by|broken free of|unbound by|exempt from|don't have|do not have|doesn't have|does not have|ignores? all)\\b[^.?!\\n]{0,25}?\\b${LIMIT_NOUN}\\b`) },
  { name: "rules_void", weight: 0.8, re: new RegExp(`\\b${LIMIT_NOUN}\\s(?:don't|do not|doesn't|does not|no longer|won't|will not|shouldn't|should not)\\sapply\\b|\\b(?:in that world|where)\\b[^.\\n]{0,40}\\b${LIMIT_NOUN}\\s(?:don't|do not) exist`) },
  { name: "disable_safeguards", weight: 0.8, re: /\b(?:disable|turn off|remove|deactivate|lift|switch off|bypass|override)\s(?:your |the |all |any )?(?:safety|content|pii|moderation|ethical)?\s?(?:filters?|filtering|guardrails?|restrictions|redaction|moderation|protocols|policies|policy|safety)\b/ },
  { name: "no_restrictions", weight: 0.7, re: new RegExp(`\\b${LIMIT_NOUN}\\s(?:have been\\s|are\\s|were\\s)?(?:removed|lifted|disabled|turned off|suspended)\\b`) },
  { name: "rules_void", weight: 0.7, re: /\b(?:polic(?:y|ies)|rules|guidelines|restrictions)\b[^.\n]{0,30}\b(?:updated|changed) to allow\b|\ballow(?:s|ed)? everything\b|\bbreak (?:the|your|all|any) (?:rules|guidelines|policies)\b/ },
  { name: "never_refuse", weight: 0.7, re: /\b(?:never|not|don't|do not|won't|will not|must not|cannot|can't|without)\s(?:ever\s)?(?:refuse|refusing|say no|decline|apologi[sz]e|break character|(?:add|include) (?:any )?(?:warnings?|disclaimers?|refusals?)|mention (?:ethics|policies|any policies|that you are an ai)|moraliz|hedg)|\bno (?:refusals|disclaimers|warnings|moralizing|hedging|censorship)\b|\bwithout (?:any )?(?:warnings?|disclaimers?|censorship|omitting)\b|\bnever says? (?:you|it|they) can't\b|\bstay in character\b|\bnever break character\b/ },
  { name: "persona", weight: 0.3, re: /\b(?:you are now|you're now|from now on,? you|for the rest of this conversation|act (?:as|like)|pretend (?:to be|you are|that you)|role-?play|respond (?:only )?as|answer as|simulate|imagine you are|let's imagine|you will now|you are (?:now )?(?:an?|the) (?:ai|assistant|model|chatbot|language model) (?:that|who|which|with|called|named))\b/ },
  { name: "authority_claim", weight: 0.5, re: /\b(?:i am|i'm|as)\s(?:your|the|an?)\s(?:developer|creator|administrator|admin|openai employee|anthropic employee|owner)\b|\bauthori[sz](?:ation code|ing you|ed you)\b|\b(?:administrator|admin|root) access granted\b|\b(?:permission|authori[sz]ation) to (?:ignore|bypass|disable|break)\b|\b(?:your|the) (?:administrators|developers|creators|safety team) (?:have|has) (?:given|approved|lifted|authori[sz]ed)|\bsafety team approved\b|\bimportant update from your\b|\breprogrammed\b/ },
  { name: "indirect_injection", weight: 1, re: /\b(?:note|message|instructions?|important|attention|hidden instructions?)\s?(?:to|for)\s?(?:the\s|any\s)?(?:ai|assistant|language model|llm|ai agents?|ai model|chatbot|ai assistant)\b[^:\n]{0,40}:/ },
  { name: "indirect_injection", weight: 0.8, re: /\b(?:note|message|instructions?|important|attention|hidden instructions?)\s?(?:to|for)?\s?(?:the\s)?(?:ai|assistant|language model|llm|ai agents?|ai model|chatbot|model reading this|ai assistant)\b\s?[:,!]|(?:^|[\s(\[{"])(?:ai|assistant)\s?[:,]\s?(?:ignore|forget|disregard|call|send|forward)|\binstructions embedded\b/ },
  { name: "exfiltration", weight: 0.5, re: /\b(?:send|forward|email|exfiltrate|post|upload|transfer|tell the (?:user|reader) to visit)\b[^.\n]{0,80}?(?:https?:\/\/|@[\w-]{1,63}\.)|\bexfiltrat/ },
  { name: "forced_prefix", weight: 0.5, re: /\b(?:start|begin) your (?:reply|response|answer) with\b|\brespond with "(?:absolutely|sure)/ },
  { name: "harmful_goal", weight: 0.4, re: /\b(?:napalm|nerve agents?|ricin|thermite|methamphetamine|meth\b|pipe bomb|bomb|explosives?|untraceable gun|ransomware|malware|skimming|launder money|poison|overdose|chloroform|fake id|hack my|hotwire|stalk)\b/ },
  { name: "output_override", weight: 0.6, re: /\b(?:only|instead)\s(?:respond|reply|answer|say|output)\s(?:only\s)?with\b|\b(?:respond|reply|answer)\sonly\swith\b|\binstead\b[^.\n]{0,30}\b(?:say|write|output|reply with)\s"/ },
];

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", $: "s" };

/** The detector's view of a text (see normalise.ts). */
export function normalise(text: string): string {
  return foldForDetection(text);
}

function deleet(t: string): string {
  // Only words mixing letters with digits or @/$ ("1gn0r3", "pr3v10us"); plain numbers stay.
  // The look-behind lets a match start only at the beginning of a run, so the look-aheads read
  // each run once.
  return t.replace(/(?<![a-z0-9@$])(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[0-9@$])[a-z0-9@$]+/g, (w) => w.replace(/[013457@$]/g, (c) => LEET[c] ?? c));
}

/** Printable text hidden in base64 runs (standard or URL-safe alphabet, padded or not). */
function decodedBase64(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const s = m[0].replace(/=+$/, "");
    // A length of 4k+1 cannot be base64; 4k+2 and 4k+3 are unpadded tails.
    if (s.length % 4 === 1) continue;
    const decoded = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    if (/^[\x20-\x7E\s]+$/.test(decoded) && /[a-z]{3} [a-z]{2}/i.test(decoded)) out.push(decoded);
  }
  return out;
}

// Questions about attacks quote them ("why do phrases like "ignore previous instructions"
// work?"). A quoted attack phrase in a text that asks about defending, detecting or explaining
// counts for less; an unquoted one, or a quote with no such framing, counts in full.
const META_CUE = /\b(?:explain|why|what is|what are|how (?:do|can|should|does) (?:i|we|you|it|they)|protect|defend|detect|prevent|mitigat\w{0,20}|research\w{0,20}|classif\w{1,20}|red[- ]team\w{0,20}|test plan|blog|history of|awareness|train (?:my|our) staff)\b/;
const QUOTE_DISCOUNT = 0.4;

/** Quoted spans, found once per segment; sorted and disjoint. */
function quoteSpans(t: string): [number, number][] {
  return [...t.matchAll(/"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n]{1,200}`/g)].map((m) => [m.index, m.index + m[0].length]);
}

function insideQuotes(spans: [number, number][], start: number, end: number): boolean {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = spans[mid]!;
    if (e < end) lo = mid + 1;
    else if (s > start) hi = mid - 1;
    else return true;
  }
  return false;
}

// Global copies compiled once; matchAll clones them, so shared use is safe.
const GLOBAL_SIGNALS = SIGNALS.map((s) => ({ ...s, re: new RegExp(s.re.source, s.re.flags.includes("g") ? s.re.flags : s.re.flags + "g") }));

// Long texts are scanned in overlapping segments. Every signal has bounded quantifiers only and
// whitespace runs are collapsed first, so no match is longer than the overlap, and a segment
// finds what the whole text would. Between segments the scan may yield to the event loop.
export const SEGMENT_CHARS = 4096;
export const SEGMENT_OVERLAP = 512;

function* scoreText(t: string, hits: Map<string, number>): Generator<void> {
  const meta = META_CUE.test(t);
  for (let start = 0; ; start += SEGMENT_CHARS) {
    const seg = t.slice(start, start + SEGMENT_CHARS + SEGMENT_OVERLAP);
    const quotes = meta ? quoteSpans(seg) : [];
    for (const s of GLOBAL_SIGNALS) {
      if ((hits.get(s.name) ?? 0) >= s.weight) continue;
      let best = 0;
      for (const m of seg.matchAll(s.re)) {
        if (s.accept && !s.accept(seg.slice(Math.max(0, m.index - 40), m.index), m[0])) continue;
        const quoted = meta && insideQuotes(quotes, m.index, m.index + m[0].length);
        best = Math.max(best, quoted ? s.weight * QUOTE_DISCOUNT : s.weight);
        if (best === s.weight) break;
      }
      if (best > 0) hits.set(s.name, Math.max(hits.get(s.name) ?? 0, best));
    }
    yield;
    if (start + SEGMENT_CHARS + SEGMENT_OVERLAP >= t.length) return;
  }
}

const PIECE_CHARS = 64 * 1024;

/**
 * `fn` applied to `text` in pieces of about PIECE_CHARS, cut just after a whitespace run where
 * there is one nearby (the folds below work within words and collapse whitespace, so a cut there
 * changes nothing), pausing between pieces.
 */
function* inPieces(text: string, fn: (piece: string) => string): Generator<void, string> {
  if (text.length <= PIECE_CHARS) return fn(text);
  let out = "";
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + PIECE_CHARS);
    const limit = Math.min(text.length, end + 256);
    while (end < limit && !/\s/.test(text[end - 1]!)) end++;
    while (end < text.length && /\s/.test(text[end]!)) end++;
    // Never between the halves of a surrogate pair.
    if (end < text.length && (text.charCodeAt(end) & 0xfc00) === 0xdc00) end++;
    out += fn(text.slice(start, end));
    start = end;
    yield;
  }
  return out;
}

/** The whole detection as steps of bounded work; `yield` marks a point where it may pause. */
function* detectSteps(text: string, hits: Map<string, number>): Generator<void> {
  const n = yield* inPieces(text, normalise);
  yield* scoreText(n, hits);
  const leet = yield* inPieces(n, deleet);
  if (leet !== n) yield* scoreText(leet, hits);
  for (const d of decodedBase64(text)) yield* scoreText(normalise(d), hits);
}

function result(hits: Map<string, number>): Detection {
  let score = 0;
  for (const w of hits.values()) score += w;
  return { score: Math.round(score * 100) / 100, reasons: [...hits.keys()].sort() };
}

export class HeuristicDetector {
  constructor(readonly threshold = 1) {}

  /** Synchronous detection (tests, small texts). */
  detect(text: string): Detection {
    const hits = new Map<string, number>();
    const steps = detectSteps(text, hits);
    while (!steps.next().done);
    return result(hits);
  }

  /** The same detection, pausing for other requests every few milliseconds of work. */
  async detectPaced(text: string, pacer: Pacer): Promise<Detection> {
    const hits = new Map<string, number>();
    await pacer.run(detectSteps(text, hits));
    return result(hits);
  }

  isAttack(d: Detection): boolean {
    return d.score >= this.threshold;
  }
}
