/**
 * `npm run cost` as a user runs it (a separate process): bad input exits 2 before anything is
 * synthesized; a committed stack writes a complete report as JSON, Markdown and an SVG chart.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import type { CostReport } from "../../../tools/cost/report";

const tmp = mkdtempSync(join(tmpdir(), "cost-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cost(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "tools", "cost", "cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("cost: bad input exits 2 with a clear message", () => {
  test("unknown stack", async () => {
    const r = await cost("nope");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown stack "nope"/);
  });
  test("an API the table does not know", async () => {
    const r = await cost("prod", "--compare", "Acme/llm-9000");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown API to compare: Acme\/llm-9000/);
  });
  test("a price file with an unknown key", async () => {
    const f = join(tmp, "bad-prices.json");
    writeFileSync(f, JSON.stringify({ aws: { "ec2:z99.huge": { "us-east-1": 1 } } }));
    const r = await cost("prod", "--prices", f);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown price key "ec2:z99.huge"/);
  });
  test("both --rps and --tokens-per-day", async () => {
    const r = await cost("prod", "--rps", "1", "--tokens-per-day", "1000");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not both/);
  });
});

describe("cost prod --format json", () => {
  const out = join(tmp, "prod");
  let result: { code: number | null; stdout: string; stderr: string };
  test("exits 0 with the report as JSON on stdout", async () => {
    result = await cost("prod", "--format", "json", "--out", out, "--tokens-per-day", "50000000");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as CostReport;
    assert.equal(report.stack, "prod");
    assert.equal(report.region, "us-east-1");
    // Only the usage-billed detection services and backup vaults (prod has two: us-east-1 and its
    // copy in us-west-2) lack a committed price, and the report says so.
    assert.equal(report.complete, false);
    assert.equal(report.missing.length, 6, report.missing.join("\n"));
    for (const m of report.missing) assert.match(m, /(GuardDuty|Security Hub|AWS Config|AWS Backup).*--prices FILE/);
    assert.ok(Math.abs(report.load.tokensPerDay - 5e7) < 1);
    for (const l of report.lines) assert.ok(l.missing || (l.source && l.asOf && l.unitPriceUsd !== undefined), `${l.resource} ${l.what}: no source`);
    assert.equal(report.models.length, 2);
    for (const m of report.models) assert.equal(m.breakEven.length, 7);
  });
  test("writes cost.json, cost.md and a self-contained SVG with the break-even points", () => {
    assert.ok(existsSync(join(out, "cost.json")));
    const md = readFileSync(join(out, "cost.md"), "utf8");
    assert.match(md, /^# What stack prod costs \(us-east-1\)/);
    assert.match(md, /!\[monthly cost against daily volume\]\(cost\.svg\)/);
    const svg = readFileSync(join(out, "cost.svg"), "utf8");
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(svg, /<script|href=|url\(/);
    const report = JSON.parse(readFileSync(join(out, "cost.json"), "utf8")) as CostReport;
    const points = report.stackBreakEven.filter((b) => b.breakEvenTokensPerDay !== undefined).length;
    assert.equal((svg.match(/<circle /g) ?? []).length, points);
  });
});
