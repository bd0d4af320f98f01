// Shaping of upstream response bodies before a client sees them: the client-facing model name,
// no token-level side channels (log-probabilities and token ids carry the text the output guard
// redacts), and redaction of every text field of a non-streamed completion.
import { HoldbackRedactor } from "./holdback.js";
import { Pacer } from "./pacer.js";
import type { PiiRedactor } from "./pii.js";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const TOP_LEVEL_DROPPED = ["prompt_logprobs", "prompt_token_ids", "kv_transfer_params"];
const CHOICE_DROPPED = ["logprobs", "token_ids", "prompt_token_ids", "prompt_logprobs"];

/** In place: rewrites `model`, removes token-level fields. */
export function sanitizeResponseObject(obj: Json, modelId: string): void {
  if ("model" in obj) obj["model"] = modelId;
  for (const k of TOP_LEVEL_DROPPED) delete obj[k];
  if (Array.isArray(obj["choices"])) {
    for (const c of obj["choices"]) {
      if (!isObj(c)) continue;
      for (const k of CHOICE_DROPPED) if (k in c) c[k] = null;
    }
  }
}

// Long texts are redacted piece by piece through the stream redactor (same result as one pass
// for values up to LONG_VALUE characters), yielding to the event loop between pieces.
const PIECE = 16 * 1024;
const LONG_VALUE = 1024;

async function redactPaced(text: string, redactor: PiiRedactor, counts: Record<string, number>, pacer: Pacer): Promise<string> {
  if (text.length <= PIECE) return redactor.redact(text, counts).text;
  const hb = new HoldbackRedactor(redactor, LONG_VALUE, counts);
  let out = "";
  for (let i = 0; i < text.length; i += PIECE) {
    out += hb.push("text", text.slice(i, i + PIECE));
    await pacer.tick();
  }
  return out + hb.flush("text");
}

/** In place: redacts a non-streamed chat or completion response. Returns completion text seen. */
export async function redactCompletion(obj: Json, redactor: PiiRedactor, counts: Record<string, number>): Promise<string[]> {
  const texts: string[] = [];
  const pacer = new Pacer();
  const red = async (s: string): Promise<string> => {
    const out = await redactPaced(s, redactor, counts, pacer);
    texts.push(out);
    return out;
  };
  const choices = Array.isArray(obj["choices"]) ? obj["choices"] : [];
  for (const c of choices) {
    if (!isObj(c)) continue;
    if (typeof c["text"] === "string") c["text"] = await red(c["text"]);
    const msg = c["message"];
    if (!isObj(msg)) continue;
    for (const f of ["content", "reasoning_content", "reasoning", "refusal"]) {
      if (typeof msg[f] === "string") msg[f] = await red(msg[f] as string);
    }
    if (Array.isArray(msg["tool_calls"])) {
      for (const tc of msg["tool_calls"]) {
        if (isObj(tc) && isObj(tc["function"]) && typeof tc["function"]["arguments"] === "string") {
          tc["function"]["arguments"] = await red(tc["function"]["arguments"]);
        }
      }
    }
  }
  return texts;
}
