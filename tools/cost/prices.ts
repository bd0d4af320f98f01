/**
 * The price book: AWS unit prices per region, GPU instance prices, API list prices and published
 * vLLM throughput, each with its source and date, from the committed data files in `data/`, and
 * optionally a user's file of negotiated or reserved prices that overrides them.
 *
 * A price the book does not hold for a region is reported as missing; nothing is borrowed from
 * another region unless the data file says so for that entry (and marks it unconfirmed).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const DATA_DIR = join(__dirname, "data");

export type Confidence = "high" | "medium" | "low" | "unconfirmed" | "stale" | "override";

export interface Price {
  key: string;
  region: string;
  usd: number;
  unit: string;
  description: string;
  source: string;
  asOf: string;
  confidence: Confidence;
  note?: string;
}

export interface ApiPrice {
  provider: string;
  model: string;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  asOf: string;
  source: string;
  confidence: string;
}

const regionPrice = z.strictObject({
  usd: z.number().nonnegative(),
  confidence: z.enum(["high", "medium", "low", "unconfirmed", "stale"]),
  note: z.string().optional(),
});
const awsFile = z.strictObject({
  hoursPerMonth: z.number().positive(),
  currency: z.literal("USD"),
  compiled: z.string(),
  items: z.record(
    z.string(),
    z.strictObject({ unit: z.string(), description: z.string(), source: z.string(), asOf: z.string(), regions: z.record(z.string(), regionPrice) }),
  ),
});
const gpuFile = z.strictObject({
  source: z.string(),
  asOf: z.string(),
  unit: z.string(),
  confidence: z.string(),
  instances: z.record(
    z.string(),
    z.strictObject({ gpu: z.string(), gpuCount: z.number().int().positive(), vcpu: z.number(), onDemand: z.record(z.string(), z.number().positive()) }),
  ),
});
const apiFile = z.strictObject({
  unit: z.string(),
  compiled: z.string(),
  prices: z.array(
    z.strictObject({
      provider: z.string(),
      model: z.string(),
      inputUsdPerMTok: z.number().nonnegative(),
      outputUsdPerMTok: z.number().nonnegative(),
      asOf: z.string(),
      source: z.string(),
      confidence: z.string(),
    }),
  ),
});

/** The user's override file: `{ "aws": { "<key>": { "<region>": usd } }, "apis": [ApiPrice...] }`. */
const overrideFile = z.strictObject({
  source: z.string().optional(),
  aws: z.record(z.string(), z.record(z.string(), z.number().nonnegative())).optional(),
  apis: z.array(z.strictObject({ provider: z.string(), model: z.string(), inputUsdPerMTok: z.number().nonnegative(), outputUsdPerMTok: z.number().nonnegative() })).optional(),
});

export class PriceFileError extends Error {
  override name = "PriceFileError";
}

export interface GpuInstance {
  type: string;
  gpu: string;
  gpuCount: number;
}

export class PriceBook {
  readonly hoursPerMonth: number;
  private readonly items: z.infer<typeof awsFile>["items"];
  private readonly gpu: z.infer<typeof gpuFile>;
  private readonly overrides: Record<string, Record<string, number>>;
  private readonly overrideSource: string;
  readonly apis: ApiPrice[];

  constructor(opts: { overridePath?: string; dataDir?: string } = {}) {
    const dir = opts.dataDir ?? DATA_DIR;
    const aws = awsFile.parse(JSON.parse(readFileSync(join(dir, "aws-prices.json"), "utf8")));
    this.hoursPerMonth = aws.hoursPerMonth;
    this.items = aws.items;
    this.gpu = gpuFile.parse(JSON.parse(readFileSync(join(dir, "gpu-instances.json"), "utf8")));
    const apis = apiFile.parse(JSON.parse(readFileSync(join(dir, "api-prices.json"), "utf8")));
    this.apis = apis.prices;
    this.overrides = {};
    this.overrideSource = "";
    if (opts.overridePath) {
      let parsed: z.infer<typeof overrideFile>;
      try {
        parsed = overrideFile.parse(JSON.parse(readFileSync(opts.overridePath, "utf8")));
      } catch (err) {
        const detail = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ") : (err as Error).message;
        throw new PriceFileError(
          `--prices ${opts.overridePath}: ${detail}. Expected {"aws": {"<price key>": {"<region>": usd}}, "apis": [{"provider", "model", "inputUsdPerMTok", "outputUsdPerMTok"}]}; price keys are listed by --list-prices`,
        );
      }
      this.overrides = parsed.aws ?? {};
      this.overrideSource = parsed.source ?? `price file ${opts.overridePath}`;
      for (const key of Object.keys(this.overrides)) {
        if (!this.knownKey(key)) throw new PriceFileError(`--prices ${opts.overridePath}: unknown price key "${key}"; the known keys are listed by --list-prices`);
      }
      for (const api of parsed.apis ?? []) {
        const existing = this.apis.findIndex((a) => a.provider === api.provider && a.model === api.model);
        const entry: ApiPrice = { ...api, asOf: "user-supplied", source: this.overrideSource, confidence: "override" };
        if (existing >= 0) this.apis[existing] = entry;
        else this.apis.push(entry);
      }
    }
  }

  private knownKey(key: string): boolean {
    if (key in this.items) return true;
    const m = /^ec2:(.+)$/.exec(key);
    return m !== null && m[1] in this.gpu.instances;
  }

  /** Every price key the book knows (for --list-prices and override validation). */
  keys(): string[] {
    return [...Object.keys(this.items), ...Object.keys(this.gpu.instances).map((t) => `ec2:${t}`)].sort();
  }

  /** The price of `key` in `region`, or undefined when the book has none for that region. */
  lookup(key: string, region: string): Price | undefined {
    const override = this.overrides[key]?.[region];
    const item = this.items[key];
    const gpuType = /^ec2:(.+)$/.exec(key)?.[1];
    const gpu = gpuType ? this.gpu.instances[gpuType] : undefined;
    const unit = item?.unit ?? "instance-hour";
    const description = item?.description ?? (gpu ? `${gpuType} on demand (${gpu.gpuCount} x ${gpu.gpu})` : key);
    if (override !== undefined) {
      return { key, region, usd: override, unit, description, source: this.overrideSource, asOf: "user-supplied", confidence: "override" };
    }
    if (item) {
      const r = item.regions[region];
      if (!r) return undefined;
      return { key, region, usd: r.usd, unit, description, source: item.source, asOf: item.asOf, confidence: r.confidence, note: r.note };
    }
    if (gpu) {
      const usd = gpu.onDemand[region];
      if (usd === undefined) return undefined;
      return { key, region, usd, unit, description, source: this.gpu.source, asOf: this.gpu.asOf, confidence: "medium" };
    }
    return undefined;
  }

  /** GPU model and count of an instance type, when it is a GPU type the book knows. */
  gpuInstance(type: string): GpuInstance | undefined {
    const i = this.gpu.instances[type];
    return i ? { type, gpu: i.gpu, gpuCount: i.gpuCount } : undefined;
  }
}
