/**
 * `npm run cost -- <stack> [--rps N | --tokens-per-day N] [--prompt-tokens N] [--completion-tokens N]
 *   [--usage FILE] [--prices FILE] [--compare PROVIDER/MODEL ...] [--format text|markdown|json] [--out DIR]`
 *
 * Prices exactly what the program declares for the stack (the same offline synthesis `check`
 * uses), the cost of serving the given load, and the daily volume above which the stack is
 * cheaper than each compared API. Writes cost.md, cost.json and cost.svg (the chart) to
 * evidence/<stack>/ unless --out says otherwise.
 *
 * Exit codes: 0 the report was written (it says when prices are missing); 2 bad input; 3 the
 * program failed under mocks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { InputError, REPO_ROOT, availableStacks, readStackFile, type StackFile } from "../check/stack-file";
import { synthesize } from "../check/synth";
import { priceStack, type CostInputs } from "./estimate";
import { PriceBook, PriceFileError } from "./prices";
import { buildReport, DEFAULT_COMPARE, renderReport, selectApis } from "./report";
import { unpricedTypes } from "./rules";
import { loadThroughputTable } from "./throughput";
import { resolveUsage, UsageError, type UsageInput } from "./usage";

export const EXIT = { ok: 0, input: 2, failure: 3 } as const;

const USAGE = `usage: npm run -s cost -- <stack> [options]

  <stack>                 a stack with a stacks/Pulumi.<stack>.yaml
  --rps N                 offered load, requests per second averaged over the month (default 1)
  --tokens-per-day N      offered load as prompt + completion tokens a day (instead of --rps)
  --prompt-tokens N       mean prompt length (default 512)
  --completion-tokens N   mean completion length (default 256)
  --usage FILE            JSON of usage assumptions (see the report's assumptions section)
  --prices FILE           JSON of prices that override the committed ones:
                          {"source": "...", "aws": {"<price key>": {"<region>": usd}}, "apis": [{"provider", "model", "inputUsdPerMTok", "outputUsdPerMTok"}]}
  --list-prices           print the price keys and exit
  --compare P/M           an API to compare with, e.g. "OpenAI/gpt-4.1-mini" (repeatable; default: a set of 7)
  --format F              text (default), markdown, json
  --out DIR               where to write cost.md, cost.json and cost.svg (default evidence/<stack>)
  --stacks-dir DIR        read stack files from DIR instead of stacks/

exit codes: 0 written, 2 bad input, 3 program failure`;

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${flag} must be a non-negative number, not "${v}"`);
  return n;
}

/** Sum of the stack's models' storageGiB, read from the stack file as the program would. */
function modelStorageGiB(file: StackFile): number {
  try {
    const models = JSON.parse(file.config["sovereign-llm:models"] ?? "[]") as { storageGiB?: number }[];
    return models.reduce((s, m) => s + (typeof m.storageGiB === "number" ? m.storageGiB : 0), 0);
  } catch {
    return 0;
  }
}

export async function main(argv: string[], io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) }): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          rps: { type: "string" },
          "tokens-per-day": { type: "string" },
          "prompt-tokens": { type: "string" },
          "completion-tokens": { type: "string" },
          usage: { type: "string" },
          prices: { type: "string" },
          "list-prices": { type: "boolean" },
          compare: { type: "string", multiple: true },
          format: { type: "string", default: "text" },
          out: { type: "string" },
          "stacks-dir": { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (err) {
      throw new InputError(`${(err as Error).message}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help) throw new InputError(USAGE);
    const book = new PriceBook({ overridePath: values.prices ? resolve(values.prices) : undefined });
    if (values["list-prices"]) {
      io.stdout(book.keys().join("\n") + "\n");
      return EXIT.ok;
    }
    if (positionals.length !== 1) throw new InputError(`expected exactly one stack name; known stacks: ${availableStacks().join(", ")}\n${USAGE}`);
    const format = values.format as string;
    if (!["text", "markdown", "json"].includes(format)) throw new InputError(`--format must be text, markdown or json, not "${format}"`);
    if (values.rps !== undefined && values["tokens-per-day"] !== undefined) throw new InputError("give the load as --rps or as --tokens-per-day, not both");
    const cli: UsageInput = {};
    const rps = positiveNumber("--rps", values.rps);
    if (rps !== undefined) cli.requestsPerSecond = rps;
    const pt = positiveNumber("--prompt-tokens", values["prompt-tokens"]);
    if (pt !== undefined) cli.promptTokens = pt;
    const ct = positiveNumber("--completion-tokens", values["completion-tokens"]);
    if (ct !== undefined) cli.completionTokens = ct;
    const { apis, unknown } = selectApis(book.apis, values.compare ?? DEFAULT_COMPARE);
    if (unknown.length > 0) {
      throw new InputError(`unknown API to compare: ${unknown.join(", ")}; known: ${book.apis.map((a) => `${a.provider}/${a.model}`).join(", ")}`);
    }

    const file = values["stacks-dir"] ? readStackFile(positionals[0], resolve(values["stacks-dir"])) : readStackFile(positionals[0]);
    const usage = resolveUsage({ file: values.usage ? resolve(values.usage) : undefined, values: cli, tokensPerDay: positiveNumber("--tokens-per-day", values["tokens-per-day"]), modelStorageGiB: modelStorageGiB(file) });
    const outcome = synthesize(file, { preview: true });
    if (!outcome.ok) {
      if (outcome.kind === "config") {
        io.stderr(`stack ${file.stack}: invalid configuration in ${relative(REPO_ROOT, file.path)}:\n${outcome.problems.map((p) => `  - ${p}`).join("\n")}\n`);
        return EXIT.input;
      }
      io.stderr(`stack ${file.stack}: the program failed under mocks:\n${outcome.message}\n`);
      return EXIT.failure;
    }
    const regs = outcome.result.registrations;
    const unpriced = unpricedTypes(regs);
    if (unpriced.length > 0) {
      io.stderr(`cost: the stack declares resource types with no price rule: ${unpriced.join(", ")}. Add a rule or a no-charge reason in tools/cost/rules.ts.\n`);
      return EXIT.failure;
    }
    const region = file.config["aws:region"] ?? "us-east-1";
    const inputs: CostInputs = { regs, region, book, table: loadThroughputTable(), usage };
    const base = priceStack(inputs);
    const { report, svg } = buildReport(file.stack, inputs, base, apis);
    const outDir = resolve(values.out ?? join(REPO_ROOT, "evidence", file.stack));
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, "cost.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(outDir, "cost.svg"), svg);
    writeFileSync(join(outDir, "cost.md"), renderReport(report, true, "cost.svg"));
    if (format === "json") io.stdout(JSON.stringify(report, null, 2) + "\n");
    else if (format === "markdown") io.stdout(renderReport(report, true, "cost.svg"));
    else io.stdout(renderReport(report, false, join(relative(process.cwd(), outDir) || ".", "cost.svg")));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof InputError || err instanceof PriceFileError || err instanceof UsageError) {
      io.stderr(`cost: ${err.message}\n`);
      return EXIT.input;
    }
    io.stderr(`cost: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
    },
    (err) => {
      console.error(err);
      process.exit(EXIT.failure);
    },
  );
}
