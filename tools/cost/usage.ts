/**
 * The load a stack is priced at, and the usage assumptions behind the lines that depend on
 * traffic rather than on what the stack declares. Every assumption has a default printed with
 * the report and can be overridden (`--usage FILE`, or `--rps` / `--tokens-per-day` and the
 * request shape on the command line).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export const SECONDS_PER_MONTH = 730 * 3600;
export const DAYS_PER_MONTH = 730 / 24;

export const usageSchema = z.strictObject({
  /** Offered load in requests per second, averaged over the month. */
  requestsPerSecond: z.number().nonnegative().default(1),
  /** Mean prompt and completion length of a request, in tokens. */
  promptTokens: z.number().positive().default(512),
  completionTokens: z.number().positive().default(256),
  /** Size of one gateway audit line (JSON, no content). */
  auditBytesPerRequest: z.number().positive().default(1024),
  /** Bytes per token of logged content (only where content logging is enabled). */
  bytesPerToken: z.number().positive().default(4),
  /** Ingestion of each log group without a load model (flow logs, control plane, firewall, trail). */
  otherLogGbPerMonth: z.number().nonnegative().default(5),
  /** Written to the audit archive each month by CloudTrail. */
  auditArchiveGbPerMonth: z.number().nonnegative().default(2),
  /** Versions of each model kept in the model store. */
  modelVersionsKept: z.number().int().positive().default(2),
  /** CloudTrail S3 data events on the model store (every object read by every pod start). */
  dataEventsPerMonth: z.number().nonnegative().default(100_000),
  kmsRequestsPerMonth: z.number().nonnegative().default(200_000),
  /** Data through interface endpoints: model downloads, image pulls, logs. */
  endpointGbPerMonth: z.number().nonnegative().default(1000),
  /** Traffic inspected by the firewall on its way out (allow-list stacks). */
  egressGbPerMonth: z.number().nonnegative().default(10),
  /** Compressed image layers stored in the stack's ECR repositories (vLLM alone is ~10 GB a version). */
  registryGb: z.number().nonnegative().default(60),
  /** New images pushed or cached (each scanned once by Inspector), and rescans of stored images, a month. */
  imagesScannedPerMonth: z.number().nonnegative().default(12),
  imageRescansPerMonth: z.number().nonnegative().default(100),
});
export type UsageInput = z.input<typeof usageSchema>;

export interface Usage extends z.infer<typeof usageSchema> {
  requestsPerMonth: number;
  tokensPerDay: number;
  /** Sum of the stack's models' storageGiB times versions kept, in GB. */
  modelStoreGb: number;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** Resolves the usage: defaults, then the file, then command-line values. */
export function resolveUsage(opts: { file?: string; values?: UsageInput; tokensPerDay?: number; modelStorageGiB: number }): Usage {
  let fromFile: UsageInput = {};
  if (opts.file) {
    try {
      fromFile = JSON.parse(readFileSync(opts.file, "utf8")) as UsageInput;
    } catch (err) {
      throw new UsageError(`--usage ${opts.file}: ${(err as Error).message}`);
    }
  }
  const merged = { ...fromFile, ...(opts.values ?? {}) };
  const parsed = usageSchema.safeParse(merged);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((i) => `usage ${i.path.join(".") || "(top level)"}: ${i.message}; the keys are ${Object.keys(usageSchema.shape).join(", ")}`).join("\n"),
    );
  }
  const u = parsed.data;
  const perRequest = u.promptTokens + u.completionTokens;
  if (opts.tokensPerDay !== undefined) u.requestsPerSecond = opts.tokensPerDay / perRequest / 86_400;
  const requestsPerMonth = u.requestsPerSecond * SECONDS_PER_MONTH;
  return {
    ...u,
    requestsPerMonth,
    tokensPerDay: u.requestsPerSecond * 86_400 * perRequest,
    modelStoreGb: opts.modelStorageGiB * 1.073741824 * u.modelVersionsKept,
  };
}

/** The same usage at another daily token volume (same request shape and assumptions). */
export function atVolume(u: Usage, tokensPerDay: number): Usage {
  const rps = tokensPerDay / (u.promptTokens + u.completionTokens) / 86_400;
  return { ...u, requestsPerSecond: rps, requestsPerMonth: rps * SECONDS_PER_MONTH, tokensPerDay };
}
