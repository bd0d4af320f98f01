// Which request fields the gateway forwards, per route. Only fields the OpenAI API defines, plus a
// few vLLM extensions chosen on purpose, reach the model server; anything else is a 400 that
// names the field. vLLM itself accepts and silently ignores unknown fields (its request models
// use pydantic `extra="allow"`), and several of its extensions change what the model reads
// (`chat_template`, `documents`, `prompt_embeds`) or how the engine runs (`kv_transfer_params`,
// `logits_processors`), so an allow-list is the only safe default.
// Field lists: https://platform.openai.com/docs/api-reference/chat/create,
// https://platform.openai.com/docs/api-reference/completions/create,
// https://platform.openai.com/docs/api-reference/embeddings/create, and vLLM's
// vllm/entrypoints/openai/protocol.py (ChatCompletionRequest, CompletionRequest, EmbeddingRequest).
import type { RouteName } from "./config.js";
import { badRequest } from "./errors.js";

/** The message roles of the OpenAI chat API. Exact spelling: "User" or "user " are refused. */
export const ROLES = ["system", "developer", "user", "assistant", "tool", "function"] as const;
export type Role = (typeof ROLES)[number];

/** Keys a message of each role may carry (OpenAI's message types). */
export const MESSAGE_KEYS: Readonly<Record<Role, ReadonlySet<string>>> = {
  system: new Set(["role", "content", "name"]),
  developer: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "name", "refusal", "tool_calls", "function_call"]),
  tool: new Set(["role", "content", "tool_call_id"]),
  function: new Set(["role", "content", "name"]),
};

// Sampling knobs shared by chat and completions that vLLM adds and that change nothing but the
// sampling of the next token: allowed.
const VLLM_SAMPLING = ["top_k", "min_p", "repetition_penalty", "min_tokens", "include_stop_str_in_output"];

const CHAT = new Set([
  // OpenAI
  "model", "messages", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens", "n",
  "presence_penalty", "response_format", "seed", "stop", "stream", "stream_options", "temperature", "top_p", "tools", "tool_choice",
  "parallel_tool_calls", "user", "reasoning_effort", "modalities",
  // vLLM, on purpose: best_of is bounded like n; documents are scanned like messages;
  // chat_template_kwargs only with boolean or number values (checked in request.ts).
  "best_of", "documents", "chat_template_kwargs", ...VLLM_SAMPLING,
]);

const COMPLETIONS = new Set([
  // OpenAI
  "model", "prompt", "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n", "presence_penalty", "seed",
  "stop", "stream", "stream_options", "suffix", "temperature", "top_p", "user",
  // vLLM, on purpose
  ...VLLM_SAMPLING,
]);

const EMBEDDINGS = new Set(["model", "input", "dimensions", "encoding_format", "user"]);

const ALLOWED: Readonly<Record<RouteName, ReadonlySet<string>>> = { chat: CHAT, completions: COMPLETIONS, embeddings: EMBEDDINGS };

// Why some well-known fields are refused, for a message that helps the client.
const WHY: Readonly<Record<string, string>> = {
  chat_template: "a client-supplied chat template rewrites the prompt the model reads, past the input guard",
  kv_transfer_params: "engine-internal KV-cache transfer is not a client feature",
  prompt_embeds: "embeddings as a prompt cannot be read by the input guard",
  logits_processors: "server-side code selection is not a client feature",
  mm_processor_kwargs: "only text is accepted",
  vllm_xargs: "engine extension arguments are not a client feature",
  request_id: "the gateway assigns request ids",
  cache_salt: "the gateway manages prefix-cache isolation",
  priority: "scheduling priority is not a client feature",
  functions: "use tools",
  function_call: "use tool_choice",
  prompt_logprobs: "token-level output bypasses the output guard",
  return_tokens_as_token_ids: "token-level output bypasses the output guard",
  return_token_ids: "token-level output bypasses the output guard",
  audio: "only text is accepted",
  prediction: "predicted outputs are not supported",
};

/** Throws one 400 naming every field of `body` that `route` does not forward. */
export function checkFields(route: RouteName, body: Record<string, unknown>): void {
  const allowed = ALLOWED[route];
  const bad = Object.keys(body).filter((k) => !allowed.has(k));
  if (bad.length === 0) return;
  const detail = bad.map((k) => (WHY[k] ? `${k} (${WHY[k]})` : JSON.stringify(k.slice(0, 64)))).join(", ");
  throw badRequest(`Unsupported parameter${bad.length > 1 ? "s" : ""}: ${detail}.`, "parameter_not_allowed", bad.map((k) => `parameter_not_allowed:${safeName(k)}`));
}

/** A field name fit for an audit reason: the client chose it, so keep it short and plain. */
function safeName(k: string): string {
  return /^[a-z_][a-z0-9_]{0,40}$/.test(k) ? k : "other";
}

export function isRole(r: unknown): r is Role {
  return typeof r === "string" && (ROLES as readonly string[]).includes(r);
}
