/**
 * How many output tokens a vLLM replica serves at a given offered load, from the committed table
 * of published measurements (`data/throughput.json`), and how many replicas a load needs.
 *
 * Cost per token depends on utilisation: at 1 request/s an H100 serving an 8B model produces
 * ~255 tokens/s because demand, not the GPU, is the limit. So the table is read as a curve of
 * served against offered load and interpolated, never taken at saturation alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DATA_DIR } from "./prices";

const curve = z.strictObject({
  id: z.string(),
  modelClass: z.string(),
  precision: z.string(),
  gpu: z.string(),
  gpusPerReplica: z.number().int().positive(),
  promptTokens: z.number().positive(),
  completionTokens: z.number().positive(),
  points: z.array(z.tuple([z.number().positive(), z.number().positive()])).min(2),
  engine: z.string(),
  source: z.string(),
  asOf: z.string(),
  confidence: z.string(),
});
const saturation = z.strictObject({
  id: z.string(),
  modelClass: z.string(),
  precision: z.string(),
  gpu: z.string(),
  gpusPerReplica: z.number().int().positive(),
  outputTokensPerSecond: z.number().positive(),
  engine: z.string(),
  source: z.string(),
  asOf: z.string(),
  confidence: z.string(),
});
const factor = z.strictObject({ gpu: z.string(), relativeTo: z.string(), factor: z.number().positive(), basis: z.string(), source: z.string(), asOf: z.string(), confidence: z.string() });
const table = z.strictObject({ note: z.string(), curves: z.array(curve), saturation: z.array(saturation), gpuFactors: z.array(factor) });
export type ThroughputTable = z.infer<typeof table>;

export function loadThroughputTable(path = join(DATA_DIR, "throughput.json")): ThroughputTable {
  return table.parse(JSON.parse(readFileSync(path, "utf8")));
}

/** A replica's served output tokens/s as a function of offered output tokens/s, with provenance. */
export interface ReplicaThroughput {
  /** How the figure was obtained, in a sentence the report prints. */
  basis: string;
  source: string;
  asOf: string;
  confidence: string;
  /** Output tokens/s a fully loaded replica reaches. */
  saturation: number;
  served(offeredOutputTokensPerSecond: number): number;
}

/** A replica keeps up with a load when it serves at least this share of what is offered. */
export const KEEP_UP = 0.95;

/**
 * Served output rate of a measured curve. The curve's x axis (requests/s at its completion
 * length) is read as offered output tokens/s, so a different request shape looks up the same
 * offered token rate; below the first point service is proportional, above the last it is flat.
 */
function curveServed(c: z.infer<typeof curve>, offered: number): number {
  const pts = c.points.map(([rps, served]) => [rps * c.completionTokens, served] as const);
  if (offered <= 0) return 0;
  if (offered <= pts[0][0]) return (offered * pts[0][1]) / pts[0][0];
  for (let i = 1; i < pts.length; i++) {
    const [x1, y1] = pts[i];
    if (offered <= x1) {
      const [x0, y0] = pts[i - 1];
      return y0 + ((offered - x0) * (y1 - y0)) / (x1 - x0);
    }
  }
  return pts[pts.length - 1][1];
}

/** The model class a served model name implies ("llama-3-1-8b-instruct" → "8b"), if any. */
export function modelClassOf(name: string): string | undefined {
  const m = /(?:^|[-_.])(\d+(?:\.\d+)?)b(?:$|[-_.])/i.exec(name);
  return m ? `${m[1]}b`.toLowerCase() : undefined;
}

/**
 * The best published figure for a model class on `gpusPerReplica` GPUs of a kind: a measured
 * load curve, else a measured saturation figure (served = min(offered, saturation)), else one
 * of those for H100 scaled by a published GPU factor (marked derived). Undefined when the table
 * has nothing that applies: the report then says so instead of guessing.
 */
export function replicaThroughput(t: ThroughputTable, modelClass: string, gpu: string, gpusPerReplica: number): ReplicaThroughput | undefined {
  const direct = (g: string): ReplicaThroughput | undefined => {
    const c = t.curves.find((x) => x.modelClass === modelClass && x.gpu === g && x.gpusPerReplica === gpusPerReplica && x.precision === "float16");
    if (c) {
      const sat = c.points[c.points.length - 1][1];
      return {
        basis: `measured load curve ${c.id} (${c.engine}, ${c.promptTokens}/${c.completionTokens} tokens, ${c.precision})`,
        source: c.source,
        asOf: c.asOf,
        confidence: c.confidence,
        saturation: sat,
        served: (o) => curveServed(c, o),
      };
    }
    const s = t.saturation.find((x) => x.modelClass === modelClass && x.gpu === g && x.gpusPerReplica === gpusPerReplica && !x.precision.startsWith("fp8"));
    if (s) {
      return {
        basis: `measured saturation ${s.id} (${s.engine}); below it a replica is assumed to serve what is offered`,
        source: s.source,
        asOf: s.asOf,
        confidence: s.confidence,
        saturation: s.outputTokensPerSecond,
        served: (o) => Math.min(o, s.outputTokensPerSecond),
      };
    }
    return undefined;
  };
  const own = direct(gpu);
  if (own) return own;
  const f = t.gpuFactors.find((x) => x.gpu === gpu);
  if (!f) return undefined;
  const ref = direct(f.relativeTo);
  if (!ref) return undefined;
  return {
    basis: `derived: ${ref.basis} on ${f.relativeTo}, scaled by ${f.factor} for ${gpu} (${f.basis})`,
    source: `${ref.source}; factor: ${f.source}`,
    asOf: `${ref.asOf}; factor ${f.asOf}`,
    confidence: "unconfirmed",
    saturation: ref.saturation * f.factor,
    // A GPU f times as fast at offered load x behaves like the reference at x / f.
    served: (o) => f.factor * ref.served(o / f.factor),
  };
}

/**
 * Replicas needed so each keeps up with its share of `demand` output tokens/s, at least `min`.
 * Returns `max + 1` replicas' worth as `fits: false` when even `max` replicas fall behind.
 */
export function replicasFor(r: ReplicaThroughput, demand: number, min: number, max: number): { replicas: number; fits: boolean } {
  if (demand <= 0) return { replicas: min, fits: true };
  for (let n = Math.max(1, min); n <= max; n++) {
    const share = demand / n;
    if (r.served(share) >= KEEP_UP * share) return { replicas: n, fits: true };
  }
  return { replicas: max, fits: false };
}
