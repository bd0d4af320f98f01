// Output guard for streamed (server-sent events) responses. Upstream bytes are split into events
// (an event ends with a blank line; UTF-8 sequences split across TCP chunks are decoded
// correctly), every text field of every choice is passed through a HoldbackRedactor keyed by
// choice and field, and each event is re-serialised as one `data:` event, so clients see a
// well-formed stream whose text is merely delayed by the hold-back window. Text still held when a
// choice finishes is released into that choice's final chunk; anything left at `[DONE]` or at the
// end of the stream goes into one synthetic chunk before `[DONE]`.
import { HoldbackRedactor } from "./holdback.js";
import type { PiiRedactor } from "./pii.js";
import { sanitizeResponseObject } from "./response.js";

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Splits a byte stream into SSE event blocks (without the terminating blank line). */
export class SseSplitter {
  private readonly decoder = new TextDecoder("utf-8");
  private buf = "";

  push(chunk: Uint8Array): string[] {
    this.buf += this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  end(): string[] {
    this.buf += this.decoder.decode();
    const events = this.drain();
    const rest = this.buf.trim();
    this.buf = "";
    if (rest !== "") events.push(rest);
    return events;
  }

  private drain(): string[] {
    const out: string[] = [];
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buf);
      if (m === null) return out;
      out.push(this.buf.slice(0, m.index));
      this.buf = this.buf.slice(m.index + m[0].length);
    }
  }
}

/** The `data` of one SSE event block (joined data lines), or null if it has none. */
export function eventData(block: string): string | null {
  const lines = block.split(/\r\n|\n|\r/);
  const data: string[] = [];
  for (const line of lines) {
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  return data.length > 0 ? data.join("\n") : null;
}

export interface StreamGuardOptions {
  redactor: PiiRedactor;
  holdbackChars: number;
  /** Client-facing model id written into every chunk. */
  modelId: string;
  /** Drop the usage-only chunk: the gateway asked for it, the client did not. */
  dropUsageChunk: boolean;
  /** Chat chunks carry `delta`; completion chunks carry `text`. */
  kind: "chat" | "completions";
}

export class StreamGuard {
  private readonly holdback: HoldbackRedactor;
  private template: Json = {};
  private done = false;
  usage: Usage | undefined;
  /** Characters of completion text seen (used when the upstream reports no usage). */
  completionChars = 0;
  /** Completion text as released to the client (only collected when content logging is on). */
  completionText: string[] | undefined;
  upstreamError = false;

  constructor(private readonly opts: StreamGuardOptions) {
    this.holdback = new HoldbackRedactor(opts.redactor, opts.holdbackChars);
  }

  get redactionCounts(): Record<string, number> {
    return this.holdback.counts;
  }

  /** Transforms one upstream event block into zero or more serialised events for the client. */
  onEvent(block: string): string {
    if (this.done) return "";
    const data = eventData(block);
    if (data === null) return "";
    if (data.trim() === "[DONE]") {
      this.done = true;
      return this.flushAll() + "data: [DONE]\n\n";
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      // Not JSON: nothing an OpenAI client expects; never relay unparsed upstream text.
      return "";
    }
    if (!isObj(parsed)) return "";
    if (isObj(parsed["error"]) || parsed["object"] === "error") {
      this.upstreamError = true;
      this.done = true;
      const err = { error: { message: "The model server failed while streaming the response.", type: "server_error", code: "upstream_error" } };
      return this.flushAll() + `data: ${JSON.stringify(err)}\n\ndata: [DONE]\n\n`;
    }
    return this.onChunk(parsed);
  }

  /** Called when the upstream stream ends; returns what is still owed to the client. */
  end(): string {
    if (this.done) return "";
    this.done = true;
    return this.flushAll();
  }

  private onChunk(chunk: Json): string {
    this.template = { id: chunk["id"], object: chunk["object"], created: chunk["created"] };
    sanitizeResponseObject(chunk, this.opts.modelId);
    if (isObj(chunk["usage"])) this.usage = chunk["usage"] as Usage;
    const choices = Array.isArray(chunk["choices"]) ? chunk["choices"] : [];
    if (choices.length === 0 && chunk["usage"] !== undefined && this.opts.dropUsageChunk) return "";
    if (this.opts.dropUsageChunk) delete chunk["usage"];
    for (const choice of choices) {
      if (!isObj(choice)) continue;
      const idx = typeof choice["index"] === "number" ? choice["index"] : 0;
      const finished = choice["finish_reason"] !== null && choice["finish_reason"] !== undefined;
      if (this.opts.kind === "completions") {
        if (typeof choice["text"] === "string") choice["text"] = this.field(`${idx}:text`, choice["text"]);
        if (finished) choice["text"] = ((choice["text"] as string | undefined) ?? "") + this.flushChoiceField(idx, "text");
        continue;
      }
      const delta = isObj(choice["delta"]) ? choice["delta"] : (choice["delta"] = {});
      for (const f of ["content", "reasoning_content", "reasoning"] as const) {
        if (typeof delta[f] === "string") delta[f] = this.field(`${idx}:${f}`, delta[f] as string);
      }
      if (Array.isArray(delta["tool_calls"])) {
        for (const tc of delta["tool_calls"]) {
          if (!isObj(tc) || !isObj(tc["function"])) continue;
          const fn = tc["function"];
          if (typeof fn["arguments"] === "string") {
            fn["arguments"] = this.field(`${idx}:tool:${typeof tc["index"] === "number" ? tc["index"] : 0}`, fn["arguments"]);
          }
        }
      }
      if (finished) this.flushChoiceInto(idx, delta);
    }
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  private field(key: string, text: string): string {
    this.completionChars += text.length;
    return this.collect(this.holdback.push(key, text));
  }

  private collect(released: string): string {
    if (this.completionText !== undefined && released !== "") this.completionText.push(released);
    return released;
  }

  private flushChoiceField(idx: number, field: string): string {
    return this.collect(this.holdback.flush(`${idx}:${field}`));
  }

  /** Puts every field still held for choice `idx` into `delta`. */
  private flushChoiceInto(idx: number, delta: Json): void {
    for (const key of this.holdback.keys()) {
      const [choice, field, tool] = key.split(":");
      if (Number(choice) !== idx) continue;
      const text = this.collect(this.holdback.flush(key));
      if (field === "tool") {
        const calls = Array.isArray(delta["tool_calls"]) ? (delta["tool_calls"] as unknown[]) : (delta["tool_calls"] = []);
        (calls as unknown[]).push({ index: Number(tool), function: { arguments: text } });
      } else if (field !== undefined) {
        delta[field] = (typeof delta[field] === "string" ? (delta[field] as string) : "") + text;
      }
    }
  }

  /** One synthetic chunk carrying whatever is still held, for every choice. */
  private flushAll(): string {
    const keys = this.holdback.keys();
    if (keys.length === 0) return "";
    const byChoice = new Map<number, Json>();
    for (const key of keys) {
      const idx = Number(key.split(":")[0]);
      if (!byChoice.has(idx)) byChoice.set(idx, {});
    }
    const choices: Json[] = [];
    for (const [idx, delta] of byChoice) {
      if (this.opts.kind === "completions") {
        choices.push({ index: idx, text: this.flushChoiceField(idx, "text"), finish_reason: null });
      } else {
        this.flushChoiceInto(idx, delta);
        choices.push({ index: idx, delta, finish_reason: null });
      }
    }
    const chunk = { ...this.template, model: this.opts.modelId, choices };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
