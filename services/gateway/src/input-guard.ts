// The input guard: decides whether a prompt is an injection or jailbreak attempt, with a
// classifier served inside the cluster when one is configured (vLLM /classify or a Hugging Face
// text-classification server such as TEI, e.g. Meta Prompt Guard 2), else the built-in detector.
// Long texts are split into overlapping windows (Prompt Guard reads 512 tokens), and the text is
// an attack if any window is.
import { request as httpRequest, type Agent as HttpAgent } from "node:http";
import { request as httpsRequest, type Agent as HttpsAgent } from "node:https";
import type { GatewayConfig } from "./config.js";
import { HeuristicDetector } from "./injection.js";
import { Pacer } from "./pacer.js";

export interface GuardVerdict {
  attack: boolean;
  score: number;
  reasons: string[];
  source: "classifier" | "heuristic";
}

type ClassifierConfig = NonNullable<GatewayConfig["inputGuard"]["classifier"]>;

export function windows(text: string, size: number): string[] {
  if (text.length <= size) return [text];
  const step = Math.max(1, Math.floor(size * 0.85));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += step) {
    out.push(text.slice(i, i + size));
    if (i + size >= text.length) break;
  }
  return out;
}

function postJson(url: URL, body: unknown, timeoutMs: number, agent: HttpsAgent | HttpAgent | undefined): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": payload.length, accept: "application/json" },
        ...(agent ? { agent } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > 4 * 1024 * 1024) req.destroy(new Error("classifier response too large"));
          else chunks.push(c);
        });
        res.on("end", () => {
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`classifier status ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch {
            reject(new Error("classifier returned invalid JSON"));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("classifier timeout")));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Attack probability per input, from a vLLM /classify response. */
export function scoresFromVllm(resp: unknown, cfg: ClassifierConfig, count: number): number[] {
  const data = (resp as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length !== count) throw new Error("classifier response has no data[] of the right length");
  return data.map((d: unknown) => {
    const item = d as { probs?: unknown; label?: unknown };
    if (Array.isArray(item.probs) && typeof item.probs[cfg.maliciousIndex] === "number") return item.probs[cfg.maliciousIndex] as number;
    if (typeof item.label === "string") return cfg.maliciousLabels.includes(item.label) ? 1 : 0;
    throw new Error("classifier data item has neither probs nor label");
  });
}

/** Attack probability per input, from a Hugging Face text-classification response. */
export function scoresFromHf(resp: unknown, cfg: ClassifierConfig, count: number): number[] {
  if (!Array.isArray(resp)) throw new Error("classifier response is not an array");
  // A single input may come back as [{label,score},...] or [[{label,score},...]].
  const perInput: unknown[] = count === 1 && resp.length > 0 && !Array.isArray(resp[0]) ? [resp] : resp;
  if (perInput.length !== count) throw new Error("classifier response has the wrong length");
  return perInput.map((labels) => {
    const list = Array.isArray(labels) ? labels : [labels];
    let score = 0;
    for (const l of list) {
      const { label, score: s } = l as { label?: unknown; score?: unknown };
      if (typeof label !== "string" || typeof s !== "number") throw new Error("classifier label entry malformed");
      if (cfg.maliciousLabels.includes(label)) score = Math.max(score, s);
    }
    return score;
  });
}

export class InputGuard {
  private readonly heuristic: HeuristicDetector;

  constructor(
    private readonly cfg: GatewayConfig["inputGuard"],
    private readonly agent?: HttpsAgent,
  ) {
    this.heuristic = new HeuristicDetector(cfg.heuristicThreshold);
  }

  get mode(): "classifier" | "heuristic" {
    return this.cfg.classifier ? "classifier" : "heuristic";
  }

  /**
   * `texts` are the pieces of one request the model will read (messages, tool definitions,
   * documents, ...). Each is scanned, and so is their concatenation, so an instruction split
   * across messages or fields is read whole.
   */
  async check(texts: readonly string[]): Promise<GuardVerdict> {
    if (texts.length === 0) return { attack: false, score: 0, reasons: [], source: this.mode };
    const c = this.cfg.classifier;
    if (c) {
      try {
        return await this.classify(texts, c);
      } catch {
        if (c.onError === "block") return { attack: true, score: 1, reasons: ["classifier_unavailable"], source: "classifier" };
        const v = await this.runHeuristic(texts);
        return { ...v, reasons: ["classifier_unavailable", ...v.reasons] };
      }
    }
    return this.runHeuristic(texts);
  }

  async runHeuristic(texts: readonly string[]): Promise<GuardVerdict> {
    const pacer = new Pacer();
    const all = texts.length > 1 ? [...texts, texts.join(" ")] : texts;
    let best = { score: 0, reasons: [] as string[] };
    for (const t of all) {
      const d = await this.heuristic.detectPaced(t, pacer);
      if (d.score > best.score) best = d;
      if (this.heuristic.isAttack(best)) break;
    }
    return { attack: this.heuristic.isAttack(best), score: best.score, reasons: best.reasons, source: "heuristic" };
  }

  private async classify(texts: readonly string[], c: ClassifierConfig): Promise<GuardVerdict> {
    // One text, windowed: the windows overlap, so text split across pieces is read whole.
    const inputs = windows(texts.join("\n"), c.windowChars);
    const url = new URL(c.url);
    const agent = url.protocol === "https:" ? this.agent : undefined;
    let scores: number[];
    if (c.style === "vllm-classify") {
      const resp = await postJson(url, { ...(c.model ? { model: c.model } : {}), input: inputs }, c.timeoutMs, agent);
      scores = scoresFromVllm(resp, c, inputs.length);
    } else {
      const resp = await postJson(url, { inputs: inputs.length === 1 ? inputs[0] : inputs }, c.timeoutMs, agent);
      scores = scoresFromHf(resp, c, inputs.length);
    }
    const score = Math.max(...scores);
    const attack = score >= c.threshold;
    return { attack, score: Math.round(score * 1000) / 1000, reasons: attack ? ["classifier"] : [], source: "classifier" };
  }
}
