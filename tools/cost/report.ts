/**
 * The cost report: built once as data (the JSON output), rendered as a text table or Markdown.
 */
import type { ApiPrice } from "./prices";
import type { LineItem, Scaled } from "./rules";
import { apiMonthly, breakEven, costAtVolume, modelCostFn, volumeGrid, type CostInputs, type StackCost } from "./estimate";
import { fmtTokens, renderChart, type Marker, type Series } from "./chart";
import { DAYS_PER_MONTH } from "./usage";

/** APIs compared by default (`--compare provider/model` replaces the list). */
export const DEFAULT_COMPARE = [
  "AWS Bedrock/meta.llama3-1-8b-instruct",
  "AWS Bedrock/meta.llama3-3-70b-instruct",
  "OpenAI/gpt-4.1-mini",
  "OpenAI/gpt-5-mini",
  "Anthropic/claude-haiku-4.5",
  "Google/gemini-2.5-flash",
  "OpenAI/gpt-4o",
];

export interface ReportLine {
  resource: string;
  what: string;
  unit: string;
  quantity: Scaled;
  /** What the unit price is for (from the price book). */
  priced?: string;
  unitPriceUsd?: number;
  monthlyUsd?: Scaled;
  source?: string;
  asOf?: string;
  confidence?: string;
  note?: string;
  basis?: string;
  missing?: string;
}

export interface ModelBreakEven {
  provider: string;
  model: string;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  priceAsOf: string;
  priceSource: string;
  /** Daily tokens (this model's share) above which the stack is cheaper than this API. */
  breakEvenTokensPerDay?: number;
  breakEvenNote?: string;
  /** API cost minus the model's cost at the given load (positive: the stack saves this much). */
  monthlySavingAtLoadUsd: number;
}

export interface CostReport {
  stack: string;
  region: string;
  currency: "USD";
  hoursPerMonth: number;
  complete: boolean;
  missing: string[];
  total: Scaled;
  lines: ReportLine[];
  load: {
    tokensPerDay: number;
    requestsPerSecond: number;
    promptTokens: number;
    completionTokens: number;
    monthlyUsd: number;
    costPerMTokUsd: number;
    fits: boolean;
    replicas: Record<string, number>;
    nodes: Record<string, number>;
  };
  assumptions: Record<string, number>;
  models: {
    name: string;
    nodeGroup: string;
    gpu?: string;
    gpusPerReplica: number;
    replicas: number;
    maxReplicas: number;
    throughputBasis?: string;
    throughputSource?: string;
    throughputConfidence?: string;
    throughputMissing?: string;
    saturationOutputTokensPerSecond?: number;
    costPerMTokAtLoadUsd?: number;
    breakEven: ModelBreakEven[];
  }[];
  stackBreakEven: { provider: string; model: string; breakEvenTokensPerDay?: number; note?: string }[];
}

function toLine(l: LineItem): ReportLine {
  return {
    resource: l.resource,
    what: l.what,
    unit: l.unit,
    quantity: l.quantity,
    priced: l.price?.description,
    unitPriceUsd: l.price?.usd,
    monthlyUsd: l.monthly,
    source: l.price?.source,
    asOf: l.price?.asOf,
    confidence: l.price?.confidence,
    note: l.price?.note,
    basis: l.basis,
    missing: l.missing,
  };
}

export function selectApis(all: ApiPrice[], compare: string[]): { apis: ApiPrice[]; unknown: string[] } {
  const apis: ApiPrice[] = [];
  const unknown: string[] = [];
  for (const c of compare) {
    const a = all.find((x) => `${x.provider}/${x.model}` === c);
    if (a) apis.push(a);
    else unknown.push(c);
  }
  return { apis, unknown };
}

export function buildReport(stack: string, inp: CostInputs, base: StackCost, apis: ApiPrice[]): { report: CostReport; svg: string } {
  const u = inp.usage;
  const atLoad = costAtVolume(inp, base, u.tokensPerDay);
  const tokensPerMonth = u.tokensPerDay * DAYS_PER_MONTH;
  const modelShare = base.models.length > 0 ? u.tokensPerDay / base.models.length : 0;
  const models = base.models.map((m) => {
    const cost = modelCostFn(inp, base, m);
    const g = base.nodeGroups.find((x) => x.name === m.nodeGroup);
    const atShare = cost(modelShare);
    const be: ModelBreakEven[] = apis.map((api) => {
      const r = breakEven(cost, (v) => apiMonthly(api, u, v));
      let note: string | undefined;
      if (r.tokensPerDay === undefined) note = r.capacityReached ? "the API stays cheaper up to this model's capacity at its group's maximum size" : "the API stays cheaper at every volume up to 10^12 tokens a day";
      else if (!m.throughput) note = "lower bound: the declared replicas' capacity is unknown (no published throughput)";
      return {
        provider: api.provider,
        model: api.model,
        inputUsdPerMTok: api.inputUsdPerMTok,
        outputUsdPerMTok: api.outputUsdPerMTok,
        priceAsOf: api.asOf,
        priceSource: api.source,
        breakEvenTokensPerDay: r.tokensPerDay,
        breakEvenNote: note,
        monthlySavingAtLoadUsd: apiMonthly(api, u, modelShare) - (atShare ?? Number.NaN),
      };
    });
    return {
      name: m.name,
      nodeGroup: m.nodeGroup,
      gpu: g?.gpu,
      gpusPerReplica: m.gpusPerReplica,
      replicas: m.replicas,
      maxReplicas: m.maxReplicas,
      throughputBasis: m.throughput?.basis,
      throughputSource: m.throughput?.source,
      throughputConfidence: m.throughput?.confidence,
      throughputMissing: m.throughputMissing,
      saturationOutputTokensPerSecond: m.throughput?.saturation,
      costPerMTokAtLoadUsd: atShare !== undefined && modelShare > 0 ? (atShare / (modelShare * DAYS_PER_MONTH)) * 1e6 : undefined,
      breakEven: be,
    };
  });

  // The whole stack against each API, for the chart and the stack-level break-even.
  // From two decades below the user's volume (at least 10^5) to 10^11 tokens a day.
  const from = 10 ** Math.max(5, Math.floor(Math.log10(Math.max(u.tokensPerDay, 1))) - 2);
  const grid = volumeGrid(180).filter((v) => v >= from && v <= 1e11);
  // Every API's break-even search scans the same grid: each volume is priced once.
  const priced = new Map<number, number | undefined>();
  const stackCost = (v: number) => {
    if (priced.has(v)) return priced.get(v);
    const c = costAtVolume(inp, base, v);
    const monthly = c.fits ? c.monthlyUsd : undefined;
    priced.set(v, monthly);
    return monthly;
  };
  const stackPoints: [number, number][] = [];
  for (const v of grid) {
    const c = stackCost(v);
    if (c === undefined) break;
    stackPoints.push([v, c]);
  }
  const series: Series[] = [{ label: `${stack} stack`, points: stackPoints, step: true }];
  const markers: Marker[] = [];
  const stackBreakEven = apis.map((api) => {
    const f = (v: number) => apiMonthly(api, u, v);
    const r = breakEven(stackCost, f);
    series.push({ label: `${api.provider} ${api.model}`, legendNote: r.tokensPerDay === undefined ? "never" : `${fmtTokens(r.tokensPerDay)}/day`, points: grid.map((v) => [v, f(v)] as [number, number]) });
    if (r.tokensPerDay !== undefined) markers.push({ x: r.tokensPerDay, y: f(r.tokensPerDay), label: `break-even with ${api.provider} ${api.model}`, series: series.length - 1 });
    return {
      provider: api.provider,
      model: api.model,
      breakEvenTokensPerDay: r.tokensPerDay,
      note: r.tokensPerDay === undefined ? (r.capacityReached ? "the API stays cheaper up to the stack's capacity" : "the API stays cheaper up to 10^12 tokens a day") : undefined,
    };
  });
  const svg = renderChart(`${stack}: monthly cost against daily volume (${u.promptTokens}+${u.completionTokens}-token requests); break-even in bold`, series, markers);
  const missing = base.missing.map((l) => `${l.resource || "stack"}: ${l.what}: ${l.missing}`);
  const { requestsPerMonth: _r, tokensPerDay: _t, modelStoreGb, ...assumptions } = u;
  return {
    report: {
      stack,
      region: base.region,
      currency: "USD",
      hoursPerMonth: inp.book.hoursPerMonth,
      complete: missing.length === 0,
      missing,
      total: base.total,
      // Largest first: an auditor or a budget owner reads the top of the table.
      lines: base.lines.map(toLine).sort((a, b) => (b.monthlyUsd?.max ?? Number.POSITIVE_INFINITY) - (a.monthlyUsd?.max ?? Number.POSITIVE_INFINITY)),
      load: {
        tokensPerDay: u.tokensPerDay,
        requestsPerSecond: u.requestsPerSecond,
        promptTokens: u.promptTokens,
        completionTokens: u.completionTokens,
        monthlyUsd: atLoad.monthlyUsd,
        costPerMTokUsd: tokensPerMonth > 0 ? (atLoad.monthlyUsd / tokensPerMonth) * 1e6 : Number.NaN,
        fits: atLoad.fits,
        replicas: atLoad.replicas,
        nodes: atLoad.nodes,
      },
      assumptions: { ...assumptions, modelStoreGb },
      models,
      stackBreakEven,
    },
    svg,
  };
}

const usd = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "—" : `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const num = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : +v.toPrecision(3) + "");
function tokens(v: number | undefined): string {
  if (v === undefined) return "—";
  if (v >= 1e9) return `${(v / 1e9).toPrecision(3)}B`;
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}
const scaled = (s: Scaled | undefined) => (s ? (s.min === s.max ? usd(s.desired) : `${usd(s.min)} / ${usd(s.desired)} / ${usd(s.max)}`) : "—");

function table(rows: string[][], markdown: boolean): string {
  if (markdown) {
    const [head, ...body] = rows;
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...body.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)].join("\n");
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

export function renderReport(r: CostReport, markdown: boolean, chartFile?: string): string {
  const h = (s: string) => (markdown ? `\n## ${s}\n` : `\n${s}\n${"-".repeat(s.length)}`);
  const out: string[] = [];
  out.push(markdown ? `# What stack ${r.stack} costs (${r.region})` : `Cost of stack ${r.stack} in ${r.region} (USD a month, ${r.hoursPerMonth} hours)`);
  out.push("");
  out.push(`Monthly at the node groups' minimum / desired / maximum sizes: ${usd(r.total.min)} / ${usd(r.total.desired)} / ${usd(r.total.max)}.`);
  out.push(
    `At the load given (${num(r.load.requestsPerSecond)} requests/s of ${r.load.promptTokens}+${r.load.completionTokens} tokens, ${tokens(r.load.tokensPerDay)} tokens a day): ${usd(r.load.monthlyUsd)} a month, ${usd(r.load.costPerMTokUsd)} per million tokens${r.load.fits ? "" : " — MORE than the node groups' maximum sizes can serve"}.`,
  );
  if (!r.complete) out.push(`INCOMPLETE: ${r.missing.length} line(s) have no price and are left out of every total (listed below); supply them with --prices FILE.`);
  out.push(h("Line items"));
  const rows = [["resource", "item", "quantity / month", "unit price", "monthly (min / desired / max)", "confidence"]];
  for (const l of r.lines) {
    const q = l.quantity.min === l.quantity.max ? num(l.quantity.desired) : `${num(l.quantity.min)} / ${num(l.quantity.desired)} / ${num(l.quantity.max)}`;
    rows.push([l.resource || "(stack usage)", l.what, `${q} ${l.unit}`, l.unitPriceUsd === undefined ? "MISSING" : `$${l.unitPriceUsd}`, scaled(l.monthlyUsd), l.confidence ?? "—"]);
  }
  out.push(table(rows, markdown));
  out.push(h("Sources of the unit prices"));
  const seen = new Map<string, string>();
  for (const l of r.lines) {
    const key = `${l.priced}\n${l.source}\n${l.note ?? ""}`;
    if (l.source && !seen.has(key)) seen.set(key, `${l.priced} ($${l.unitPriceUsd} per ${l.unit}, as of ${l.asOf}, ${l.confidence}): ${l.source}${l.note ? ` — ${l.note}` : ""}`);
  }
  out.push([...seen.values()].map((s) => `- ${s}`).join("\n"));
  if (r.missing.length > 0) {
    out.push(h("Missing prices"));
    out.push(r.missing.map((m) => `- ${m}`).join("\n"));
  }
  out.push(h("Assumptions behind usage lines (override with --usage FILE)"));
  out.push(Object.entries(r.assumptions).map(([k, v]) => `- ${k}: ${num(v)}`).join("\n"));
  out.push(h("Models: throughput, cost per million tokens, break-even"));
  for (const m of r.models) {
    out.push(
      `${markdown ? "### " : "* "}${m.name} on ${m.nodeGroup} (${m.gpusPerReplica} x ${m.gpu ?? "?"} per replica, ${m.replicas} replicas declared, at most ${m.maxReplicas})`,
    );
    out.push(
      m.throughputBasis
        ? `Throughput: ${m.throughputBasis}; saturation ${num(m.saturationOutputTokensPerSecond ?? 0)} output tokens/s per replica (${m.throughputConfidence}; ${m.throughputSource}).`
        : `Throughput: not available: ${m.throughputMissing}. Break-even volumes are lower bounds.`,
    );
    out.push(`Cost per million tokens at its share of the load: ${usd(m.costPerMTokAtLoadUsd)}.`);
    out.push("");
    const be = [["API", "input / output $ per M", "stack cheaper above (tokens/day)", "monthly saving at the load", "price as of"]];
    for (const b of m.breakEven) {
      be.push([`${b.provider} ${b.model}`, `$${b.inputUsdPerMTok} / $${b.outputUsdPerMTok}`, b.breakEvenTokensPerDay === undefined ? `never (${b.breakEvenNote})` : `${tokens(b.breakEvenTokensPerDay)}${b.breakEvenNote ? " (" + b.breakEvenNote + ")" : ""}`, usd(b.monthlySavingAtLoadUsd), b.priceAsOf]);
    }
    out.push(table(be, markdown));
    out.push("");
  }
  out.push(h("Whole stack against each API (volume split evenly across the models)"));
  const sb = [["API", "stack cheaper above (tokens/day)"]];
  for (const s of r.stackBreakEven) sb.push([`${s.provider} ${s.model}`, s.breakEvenTokensPerDay === undefined ? `never (${s.note})` : tokens(s.breakEvenTokensPerDay)]);
  out.push(table(sb, markdown));
  if (chartFile) out.push(markdown ? `\n![monthly cost against daily volume](${chartFile})` : `\nChart: ${chartFile}`);
  return out.join("\n") + "\n";
}
