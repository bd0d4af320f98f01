// Validation of request bodies against the configured limits, and extraction of what the guards
// and the audit line need (prompt text, its hash, a token estimate). Pure: no I/O.
import { createHash } from "node:crypto";
import type { GatewayConfig, ModelConfig, RouteName } from "./config.js";
import { badRequest } from "./errors.js";
import { checkFields, isRole, MESSAGE_KEYS, ROLES } from "./params.js";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface PreparedRequest {
  body: Json;
  stream: boolean;
  /** The gateway added stream_options.include_usage; the usage chunk must not reach the client. */
  injectedUsage: boolean;
  /** Texts the input guard scans: every piece of text the model will read, one entry per message or field. */
  guardTexts: string[];
  /** Everything sent as prompt, for the hash and content log. */
  promptText: string;
  promptSha256: string;
  /** Rough prompt size (4 characters per token) plus the completion budget. */
  estimatedTokens: number;
  maxTokens: number;
}

function contentText(content: unknown, path: string, allowRefusal: boolean): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    // Parts are joined with a space, not a newline: the detector's phrases stop at line ends, and
    // an instruction split over two parts must still read as one.
    return content
      .map((part, i) => {
        if (!isObj(part)) throw badRequest(`${path}[${i}] must be an object.`);
        if (part["type"] === "text" || (allowRefusal && part["type"] === "refusal")) {
          const key = part["type"] === "text" ? "text" : "refusal";
          if (typeof part[key] !== "string") throw badRequest(`${path}[${i}].${key} must be a string.`);
          for (const k of Object.keys(part)) if (k !== "type" && k !== key) throw badRequest(`${path}[${i}].${k.slice(0, 64)} is not supported.`, "parameter_not_allowed");
          return part[key] as string;
        }
        throw badRequest(`${path}[${i}].type "${String(part["type"]).slice(0, 64)}" is not supported by this gateway; send text parts only.`, "unsupported_content");
      })
      .join(" ");
  }
  throw badRequest(`${path} must be a string or an array of text parts.`);
}

/**
 * Every string in `value`, object keys included, in document order. Used for free-form JSON the
 * model reads (tool schemas, response_format schemas, documents, tool-call arguments): its
 * property names and enum values reach the prompt as much as its descriptions do. The request
 * body's nesting depth is bounded before parsing, so the recursion is too.
 */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
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
  // Log-probabilities carry the completion text token by token, past the output guard: only
  // their "off" values are accepted.
  for (const p of ["logprobs", "top_logprobs"]) {
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
  checkFields(route, body);
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
      const { content, scanned } = messageTexts(m, i);
      all.push(content);
      if (scanned !== "") guardTexts.push(scanned);
    });
    guardTexts.push(...chatExtrasTexts(body));
    promptText = all.join("\n");
    hashed = messages;
  } else {
    const prompt = body["prompt"];
    const prompts = typeof prompt === "string" ? [prompt] : Array.isArray(prompt) ? prompt : undefined;
    if (prompts === undefined || prompts.length === 0) throw badRequest("prompt must be a string or a non-empty array of strings.");
    if (prompts.length > limits.maxMessages) throw badRequest(`prompt may hold at most ${limits.maxMessages} items.`, "too_many_messages");
    // Token-id prompts would pass the input guard unread.
    if (!prompts.every((p) => typeof p === "string")) throw badRequest("prompt must contain strings (token arrays are not accepted).");
    guardTexts = [...(prompts as string[])];
    const suffix = body["suffix"];
    if (suffix !== undefined && suffix !== null) {
      if (typeof suffix !== "string") throw badRequest("suffix must be a string.");
      guardTexts.push(suffix);
    }
    promptText = (prompts as string[]).join("\n");
    hashed = prompt;
  }
  guardTexts = guardTexts.filter((t) => t !== "");
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

/**
 * Validates one chat message and returns its content (for the content log) and every piece of
 * text in it that the model reads (for the input guard): content of every role, since a
 * client writes all of them; the name; tool-call names and arguments in the history; refusals.
 */
function messageTexts(m: unknown, i: number): { content: string; scanned: string } {
  const path = `messages[${i}]`;
  if (!isObj(m)) throw badRequest(`${path} must be an object with a role.`);
  const role = m["role"];
  if (!isRole(role)) {
    const shown = typeof role === "string" ? JSON.stringify(role.slice(0, 32)) : String(role);
    throw badRequest(`${path}.role ${shown} is not a valid role; use one of ${ROLES.join(", ")}.`, "invalid_role");
  }
  const allowed = MESSAGE_KEYS[role];
  for (const k of Object.keys(m)) {
    if (!allowed.has(k)) throw badRequest(`${path}.${k.slice(0, 64)} is not allowed in a ${role} message.`, "parameter_not_allowed");
  }
  const content = contentText(m["content"], `${path}.content`, role === "assistant");
  const pieces = [content];
  for (const k of ["name", "refusal", "tool_call_id"]) {
    const v = m[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw badRequest(`${path}.${k} must be a string.`);
    pieces.push(v);
  }
  for (const k of ["tool_calls", "function_call"]) {
    const v = m[k];
    if (v === undefined || v === null) continue;
    if (k === "tool_calls" ? !Array.isArray(v) : !isObj(v)) throw badRequest(`${path}.${k} must be ${k === "tool_calls" ? "an array" : "an object"}.`);
    pieces.push(...stringsIn(v));
  }
  return { content, scanned: pieces.filter((p) => p !== "").join(" ") };
}

/**
 * The chat request's other text the model reads, scanned like messages: tool and function
 * definitions (names, descriptions, parameter schemas), the response_format schema, the named
 * tool choice, and vLLM `documents` (rendered into the prompt by RAG-aware chat templates).
 * `chat_template_kwargs` are passed to the template renderer too; only boolean and number values
 * are accepted (enough for switches such as enable_thinking), so no text arrives that way.
 */
function chatExtrasTexts(body: Json): string[] {
  const out: string[] = [];
  const tools = body["tools"];
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw badRequest("tools must be an array.");
    tools.forEach((t, i) => {
      if (!isObj(t) || !isObj(t["function"])) throw badRequest(`tools[${i}] must be an object with a function.`);
      if (t["type"] !== undefined && t["type"] !== "function") throw badRequest(`tools[${i}].type must be "function".`);
      out.push(stringsIn(t["function"]).join(" "));
    });
  }
  const rf = body["response_format"];
  if (rf !== undefined && rf !== null) {
    if (!isObj(rf) || !["text", "json_object", "json_schema"].includes(rf["type"] as string)) {
      throw badRequest('response_format.type must be "text", "json_object" or "json_schema".', "parameter_not_allowed");
    }
    if (rf["json_schema"] !== undefined) out.push(stringsIn(rf["json_schema"]).join(" "));
  }
  const choice = body["tool_choice"];
  if (isObj(choice)) out.push(stringsIn(choice).join(" "));
  const docs = body["documents"];
  if (docs !== undefined && docs !== null) {
    if (!Array.isArray(docs) || !docs.every((d) => isObj(d) && Object.values(d).every((v) => typeof v === "string"))) {
      throw badRequest("documents must be an array of objects with string values.");
    }
    for (const d of docs) out.push(stringsIn(d).join(" "));
  }
  const kwargs = body["chat_template_kwargs"];
  if (kwargs !== undefined && kwargs !== null) {
    if (!isObj(kwargs)) throw badRequest("chat_template_kwargs must be an object.");
    for (const [k, v] of Object.entries(kwargs)) {
      if (typeof v !== "boolean" && typeof v !== "number") {
        throw badRequest(`chat_template_kwargs.${k.slice(0, 64)} must be a boolean or a number: text reaches the prompt unscanned.`, "parameter_not_allowed");
      }
    }
  }
  const modalities = body["modalities"];
  if (modalities !== undefined && modalities !== null && !(Array.isArray(modalities) && modalities.every((x) => x === "text"))) {
    throw badRequest('modalities may only be ["text"].', "unsupported_content");
  }
  return out;
}
