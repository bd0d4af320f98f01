// Validation of request bodies against the configured limits, and extraction of what the guards
// and the audit line need (prompt text, its hash, a token estimate). Pure: no I/O.
import { createHash } from "node:crypto";
import type { GatewayConfig, ModelConfig, RouteName } from "./config.js";
import { badRequest } from "./errors.js";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface PreparedRequest {
  body: Json;
  stream: boolean;
  /** The gateway added stream_options.include_usage; the usage chunk must not reach the client. */
  injectedUsage: boolean;
  /** Texts the input guard scans (user- and tool-supplied content). */
  guardTexts: string[];
  /** Everything sent as prompt, for the hash and content log. */
  promptText: string;
  promptSha256: string;
  /** Rough prompt size (4 characters per token) plus the completion budget. */
  estimatedTokens: number;
  maxTokens: number;
}

// Parameters that return token-level data (log-probabilities, token ids): those carry the same
// text as the completion but cannot be redacted reliably, so they are refused.
const REFUSED_PARAMS = ["logprobs", "top_logprobs", "prompt_logprobs", "return_tokens_as_token_ids", "return_token_ids"];
const GUARDED_ROLES = new Set(["user", "tool", "function"]);

function contentText(content: unknown, path: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part, i) => {
        if (!isObj(part)) throw badRequest(`${path}[${i}] must be an object.`);
        if (part["type"] === "text") {
          if (typeof part["text"] !== "string") throw badRequest(`${path}[${i}].text must be a string.`);
          return part["text"];
        }
        throw badRequest(`${path}[${i}].type "${String(part["type"])}" is not supported by this gateway; send text parts only.`, "unsupported_content");
      })
      .join("\n");
  }
  throw badRequest(`${path} must be a string or an array of text parts.`);
}

function positiveInt(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw badRequest(`${key} must be a positive integer.`);
  return v;
}

function checkTokenParams(body: Json, route: RouteName, model: ModelConfig, limits: GatewayConfig["limits"]): number {
  const cap = Math.min(model.maxTokens ?? limits.maxTokens, limits.maxTokens);
  const keys = route === "chat" ? ["max_tokens", "max_completion_tokens"] : ["max_tokens"];
  let requested: number | undefined;
  for (const k of keys) {
    const v = positiveInt(body, k);
    if (v === undefined) continue;
    if (v > cap) throw badRequest(`${k} must be at most ${cap}.`, "max_tokens_exceeded");
    requested = Math.max(requested ?? 0, v);
  }
  // Without a cap vLLM generates up to the context length; make the budget explicit.
  if (requested === undefined) body["max_tokens"] = cap;
  const n = positiveInt(body, "n") ?? 1;
  if (n > limits.maxN) throw badRequest(`n must be at most ${limits.maxN}.`, "n_exceeded");
  const bestOf = positiveInt(body, "best_of");
  if (bestOf !== undefined && bestOf > limits.maxN) throw badRequest(`best_of must be at most ${limits.maxN}.`, "n_exceeded");
  for (const p of REFUSED_PARAMS) {
    const v = body[p];
    if (v !== undefined && v !== null && v !== false && v !== 0) {
      throw badRequest(`${p} is not allowed: token-level output bypasses the output guard.`, "parameter_not_allowed");
    }
  }
  return (requested ?? cap) * Math.max(n, bestOf ?? 1);
}

function sha256(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

function handleStream(body: Json): { stream: boolean; injectedUsage: boolean } {
  const s = body["stream"];
  if (s !== undefined && s !== null && typeof s !== "boolean") throw badRequest("stream must be a boolean.");
  const stream = s === true;
  if (!stream) {
    delete body["stream_options"];
    return { stream, injectedUsage: false };
  }
  const opts = body["stream_options"];
  if (opts !== undefined && opts !== null && !isObj(opts)) throw badRequest("stream_options must be an object.");
  if (isObj(opts) && opts["include_usage"] === true) return { stream, injectedUsage: false };
  // The audit line and the token rate limit need real usage; ask for it and hide it again.
  body["stream_options"] = { ...(isObj(opts) ? opts : {}), include_usage: true };
  return { stream, injectedUsage: true };
}

/**
 * Validates `body` (already JSON-parsed) for `route` and `model`, in place: sets max_tokens when
 * absent, points `model` at the upstream name, asks for streamed usage.
 */
export function prepareRequest(route: RouteName, body: Json, model: ModelConfig, limits: GatewayConfig["limits"]): PreparedRequest {
  body["model"] = model.upstreamModel ?? model.id;
  if (route === "embeddings") {
    const input = body["input"];
    const inputs = typeof input === "string" ? [input] : Array.isArray(input) ? input : undefined;
    if (inputs === undefined || inputs.length === 0) throw badRequest("input must be a string or a non-empty array of strings.");
    if (inputs.length > limits.maxEmbeddingInputs) throw badRequest(`input may hold at most ${limits.maxEmbeddingInputs} items.`, "too_many_inputs");
    if (!inputs.every((i) => typeof i === "string")) throw badRequest("input must contain strings (token arrays are not accepted).");
    const promptText = (inputs as string[]).join("\n");
    return {
      body,
      stream: false,
      injectedUsage: false,
      guardTexts: [],
      promptText,
      promptSha256: sha256(JSON.stringify(inputs)),
      estimatedTokens: Math.ceil(promptText.length / 4),
      maxTokens: 0,
    };
  }

  const maxTokens = checkTokenParams(body, route, model, limits);
  const { stream, injectedUsage } = handleStream(body);
  let guardTexts: string[];
  let promptText: string;
  let hashed: unknown;
  if (route === "chat") {
    const messages = body["messages"];
    if (!Array.isArray(messages) || messages.length === 0) throw badRequest("messages must be a non-empty array.");
    if (messages.length > limits.maxMessages) throw badRequest(`messages may hold at most ${limits.maxMessages} items.`, "too_many_messages");
    guardTexts = [];
    const all: string[] = [];
    messages.forEach((m, i) => {
      if (!isObj(m) || typeof m["role"] !== "string") throw badRequest(`messages[${i}] must be an object with a role.`);
      const text = contentText(m["content"], `messages[${i}].content`);
      all.push(text);
      if (GUARDED_ROLES.has(m["role"]) && text !== "") guardTexts.push(text);
    });
    promptText = all.join("\n");
    hashed = messages;
  } else {
    const prompt = body["prompt"];
    const prompts = typeof prompt === "string" ? [prompt] : Array.isArray(prompt) ? prompt : undefined;
    if (prompts === undefined || prompts.length === 0) throw badRequest("prompt must be a string or a non-empty array of strings.");
    if (prompts.length > limits.maxMessages) throw badRequest(`prompt may hold at most ${limits.maxMessages} items.`, "too_many_messages");
    // Token-id prompts would pass the input guard unread.
    if (!prompts.every((p) => typeof p === "string")) throw badRequest("prompt must contain strings (token arrays are not accepted).");
    guardTexts = prompts as string[];
    promptText = guardTexts.join("\n");
    hashed = prompt;
  }
  return {
    body,
    stream,
    injectedUsage,
    guardTexts,
    promptText,
    promptSha256: sha256(JSON.stringify(hashed)),
    estimatedTokens: Math.ceil(promptText.length / 4) + maxTokens,
    maxTokens,
  };
}
