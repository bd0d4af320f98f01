// Demand per model for the autoscaler (KEDA's metrics-api scaler reads it from the ops port).
//
// vLLM serves its queue depth only on its mutual-TLS port, and every replica counts only its own
// queue. The gateway already holds the client certificate the model servers accept, so it asks
// every replica of a model for its /metrics (the replicas' addresses from the model's headless
// Service in DNS), sums vllm:num_requests_waiting and vllm:num_requests_running, and adds the
// requests it could not place at all because no replica was reachable (a model scaled to zero).
// Every gateway replica computes the same totals, so it does not matter which one KEDA asks.
import { promises as dns } from "node:dns";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest, type Agent } from "node:https";
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";

export interface ModelDemand {
  model: string;
  /** Replicas that answered. */
  replicas: number;
  /** Replicas found in DNS that did not answer (starting, failing). */
  unreachable: number;
  /** Requests waiting in the replicas' queues (vllm:num_requests_waiting, summed). */
  waiting: number;
  /** Requests being processed (vllm:num_requests_running, summed). */
  running: number;
  /** Requests this gateway could not place (no replica reachable) in the last window. */
  unserved: number;
  /** waiting + unserved: what the scale-out target divides. */
  queue: number;
  /** waiting + running + unserved: above zero keeps (or brings) at least one replica. */
  active: number;
}

export interface ScalingTarget {
  /** Model id (clients' name) and the name vLLM labels its metrics with. */
  id: string;
  servedName: string;
  /** Base URL of the model server; its host is the name the replicas' certificates carry. */
  upstream: string;
  /** DNS name listing every ready replica (a headless Service). Default: the upstream's host. */
  replicasHost?: string;
  /** Name the replicas' certificates must carry. Default: the upstream's host. */
  serverName?: string;
}

export interface ScalingOptions {
  agent: () => Agent;
  /** How long a computed answer is reused. Default 5000. */
  cacheMs?: number;
  /** Window over which unplaced requests count. Default 300000. */
  unservedWindowMs?: number;
  /** Time allowed for one replica's /metrics. Default 3000. */
  scrapeTimeoutMs?: number;
  /** Largest /metrics body read from a replica. Default 4 MiB. */
  maxMetricsBytes?: number;
  /** Resolves a host to addresses. Default: DNS A records (an IP literal resolves to itself). */
  resolve?: (host: string) => Promise<string[]>;
  now?: () => number;
}

/** Value of `name{...model_name="<model>"...}` summed over every series of that model, or 0. */
export function sumMetric(text: string, name: string, model: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const m = /^\{([^}]*)\}\s+(\S+)/.exec(rest);
    if (!m) continue;
    const labels = new Map<string, string>();
    for (const l of m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(l[1]!, l[2]!.replace(/\\(.)/g, "$1"));
    if (labels.get("model_name") !== model) continue;
    const v = Number(m[2]);
    if (Number.isFinite(v) && v >= 0) total += v;
  }
  return total;
}

async function defaultResolve(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  if (host === "localhost") return ["127.0.0.1"];
  return dns.resolve4(host);
}

export class ScalingSource {
  private readonly targets: Map<string, ScalingTarget>;
  private readonly unservedAt = new Map<string, number[]>();
  private readonly cache = new Map<string, { at: number; value: Promise<ModelDemand> }>();
  private readonly opts: Required<Omit<ScalingOptions, "agent">> & { agent: () => Agent };

  constructor(targets: readonly ScalingTarget[], opts: ScalingOptions) {
    this.targets = new Map(targets.map((t) => [t.id, t]));
    this.opts = {
      agent: opts.agent,
      cacheMs: opts.cacheMs ?? 5000,
      unservedWindowMs: opts.unservedWindowMs ?? 300_000,
      scrapeTimeoutMs: opts.scrapeTimeoutMs ?? 3000,
      maxMetricsBytes: opts.maxMetricsBytes ?? 4 * 1024 * 1024,
      resolve: opts.resolve ?? defaultResolve,
      now: opts.now ?? Date.now,
    };
  }

  has(model: string): boolean {
    return this.targets.has(model);
  }

  /** A request for `model` found no replica to take it. */
  recordUnserved(model: string): void {
    if (!this.targets.has(model)) return;
    const list = this.unservedAt.get(model) ?? [];
    list.push(this.opts.now());
    if (list.length > 10_000) list.splice(0, list.length - 10_000);
    this.unservedAt.set(model, list);
    this.cache.delete(model);
  }

  private unserved(model: string): number {
    const since = this.opts.now() - this.opts.unservedWindowMs;
    const list = (this.unservedAt.get(model) ?? []).filter((t) => t > since);
    this.unservedAt.set(model, list);
    return list.length;
  }

  demand(model: string): Promise<ModelDemand> {
    const cached = this.cache.get(model);
    if (cached && this.opts.now() - cached.at < this.opts.cacheMs) return cached.value;
    const value = this.compute(model);
    this.cache.set(model, { at: this.opts.now(), value });
    value.catch(() => this.cache.delete(model));
    return value;
  }

  private async compute(model: string): Promise<ModelDemand> {
    const t = this.targets.get(model);
    if (!t) throw new Error(`unknown model ${model}`);
    const url = new URL(t.upstream);
    let addresses: string[] = [];
    try {
      addresses = await this.opts.resolve(t.replicasHost ?? url.hostname);
    } catch {
      addresses = []; // no ready replica: the headless Service has no records (NXDOMAIN / NODATA)
    }
    const name = t.serverName ?? url.hostname;
    const scraped = await Promise.all(addresses.map((a) => this.scrape(a, url, name).catch(() => undefined)));
    let waiting = 0;
    let running = 0;
    let replicas = 0;
    for (const text of scraped) {
      if (text === undefined) continue;
      replicas++;
      waiting += sumMetric(text, "vllm:num_requests_waiting", t.servedName);
      running += sumMetric(text, "vllm:num_requests_running", t.servedName);
    }
    const unserved = this.unserved(model);
    return { model, replicas, unreachable: addresses.length - replicas, waiting, running, unserved, queue: waiting + unserved, active: waiting + running + unserved };
  }

  /** GET /metrics from one replica over mutual TLS, checking its certificate against the Service's name. */
  private scrape(address: string, upstream: URL, name: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: address,
          port: upstream.port || 443,
          path: "/metrics",
          method: "GET",
          agent: this.opts.agent(),
          ...(isIP(name) ? {} : { servername: name }),
          // The replica is dialled by address; its certificate must still name the Service.
          checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
          timeout: this.opts.scrapeTimeoutMs,
        },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`status ${res.statusCode}`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > this.opts.maxMetricsBytes) return void res.destroy(new Error("metrics too large"));
            chunks.push(c);
          });
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  }
}
