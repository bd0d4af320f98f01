// Shaping of upstream response bodies before a client sees them: the client-facing model name,
// no token-level side channels (log-probabilities and token ids carry the text the output guard
// redacts), and redaction of every text field of a non-streamed completion.
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

/** In place: redacts a non-streamed chat or completion response. Returns completion text seen. */
export function redactCompletion(obj: Json, redactor: PiiRedactor, counts: Record<string, number>): string[] {
  const texts: string[] = [];
  const red = (s: string): string => {
    const out = redactor.redact(s, counts).text;
    texts.push(out);
    return out;
  };
  const choices = Array.isArray(obj["choices"]) ? obj["choices"] : [];
  for (const c of choices) {
    if (!isObj(c)) continue;
    if (typeof c["text"] === "string") c["text"] = red(c["text"]);
    const msg = c["message"];
    if (!isObj(msg)) continue;
    for (const f of ["content", "reasoning_content", "reasoning", "refusal"]) {
      if (typeof msg[f] === "string") msg[f] = red(msg[f] as string);
    }
    if (Array.isArray(msg["tool_calls"])) {
      for (const tc of msg["tool_calls"]) {
        if (isObj(tc) && isObj(tc["function"]) && typeof tc["function"]["arguments"] === "string") {
          tc["function"]["arguments"] = red(tc["function"]["arguments"]);
        }
      }
    }
  }
  return texts;
}
