// A small Prometheus text-format (0.0.4) exporter: counters and histograms with fixed label
// names. Label values come only from the gateway's own vocabularies (routes, decisions, model
// ids from config), never from clients, so cardinality stays bounded.

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelString(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function fmt(n: number): string {
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: string[]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const vals = this.labelNames.map((n) => labels[n] ?? "");
    const key = vals.join("\u0000");
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels: vals, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(this.labelNames.map((n) => labels[n] ?? "").join("\u0000"))?.value ?? 0;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { labels, value } of this.values.values()) out += `${this.name}${labelString(this.labelNames, labels)} ${fmt(value)}\n`;
    return out;
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${fmt(this.read())}\n`;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const vals = this.labelNames.map((n) => labels[n] ?? "");
    const key = vals.join("\u0000");
    let s = this.series.get(key);
    if (!s) {
      s = { labels: vals, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out += `${this.name}_bucket${labelString(this.labelNames, s.labels, ["le", fmt(b)])} ${s.counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelString(this.labelNames, s.labels, ["le", "+Inf"])} ${s.count}\n`;
      out += `${this.name}_sum${labelString(this.labelNames, s.labels)} ${fmt(s.sum)}\n`;
      out += `${this.name}_count${labelString(this.labelNames, s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class GatewayMetrics {
  readonly requests = new Counter("gateway_requests_total", "Requests by route, model, decision and HTTP status.", ["route", "model", "decision", "status"]);
  readonly duration = new Histogram("gateway_request_duration_seconds", "Total time from request received to response finished.", ["route"], LATENCY_BUCKETS);
  readonly upstreamDuration = new Histogram("gateway_upstream_duration_seconds", "Time spent waiting on the model server.", ["route"], LATENCY_BUCKETS);
  readonly overhead = new Histogram("gateway_overhead_duration_seconds", "Time the gateway itself added (total minus upstream).", ["route"], LATENCY_BUCKETS);
  readonly inputGuard = new Counter("gateway_input_guard_detections_total", "Prompts the input guard judged to be attacks.", ["model", "action", "source"]);
  readonly redactions = new Counter("gateway_redactions_total", "Values redacted by the output guard, by detector.", ["type"]);
  readonly tokens = new Counter("gateway_tokens_total", "Tokens reported by the model server.", ["model", "kind"]);
  readonly authFailures = new Counter("gateway_auth_failures_total", "Failed authentications by reason.", ["reason"]);
  readonly parserRejections = new Counter(
    "gateway_http_rejections_total",
    "Connections the HTTP parser refused before a request reached the gateway (malformed or smuggling-shaped framing, oversized headers, timeouts), by reason.",
    ["reason"],
  );
  private readonly extra: Metric[] = [];

  addGauge(name: string, help: string, read: () => number): void {
    this.extra.push(new Gauge(name, help, read));
  }

  render(): string {
    return [this.requests, this.duration, this.upstreamDuration, this.overhead, this.inputGuard, this.redactions, this.tokens, this.authFailures, this.parserRejections, ...this.extra]
      .map((m) => m.render())
      .join("");
  }
}
