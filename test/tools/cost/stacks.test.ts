/**
 * Every committed stack, as the program declares it: every billable resource type has a price
 * rule (a new type without one fails here), every line of the us-east-1 and eu-central-1 stacks
 * is priced or says why not, and each stack's models get a throughput figure or a reason.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { STACKS, synthesizeMany } from "../../helpers/stacks";
import { readStackFile } from "../../../tools/check/stack-file";
import type { SynthResult } from "../../../tools/check/synth";
import { priceStack } from "../../../tools/cost/estimate";
import { PriceBook } from "../../../tools/cost/prices";
import { NO_CHARGE, RULES, unpricedTypes } from "../../../tools/cost/rules";
import { loadThroughputTable } from "../../../tools/cost/throughput";
import { resolveUsage } from "../../../tools/cost/usage";

let synth: Record<string, SynthResult>;
before(async () => {
  synth = await synthesizeMany(Object.fromEntries(STACKS.map((s) => [s, readStackFile(s)])), { preview: true });
});

describe("price rules cover what the program declares", () => {
  for (const stack of STACKS) {
    test(`${stack}: every resource type has a price rule or a no-charge reason`, () => {
      const missing = unpricedTypes(synth[stack].registrations);
      assert.deepEqual(missing, [], `resource types without a price rule in ${stack}: ${missing.join(", ")}. Add a rule to RULES or a reason to NO_CHARGE in tools/cost/rules.ts`);
    });
  }
  test("no type is both priced and free", () => {
    assert.deepEqual(Object.keys(RULES).filter((t) => t in NO_CHARGE), []);
  });
});

describe("committed stacks are priced", () => {
  const book = new PriceBook();
  const table = loadThroughputTable();
  for (const stack of STACKS) {
    test(`${stack}: a total, and every unpriced line names its price key and region`, () => {
      const file = readStackFile(stack);
      const region = file.config["aws:region"];
      const usage = resolveUsage({ modelStorageGiB: 100 });
      const c = priceStack({ regs: synth[stack].registrations, region, book, table, usage });
      assert.ok(c.total.desired > 0);
      assert.ok(c.total.max >= c.total.desired && c.total.desired >= c.total.min);
      for (const l of c.missing) assert.match(l.missing ?? "", new RegExp(`in ${region}|unknown at preview|is billed by usage|is billed per`));
      // The GPU node groups are the bulk of every stack that runs one at its minimum size.
      const gpu = c.lines.filter((l) => l.nodeGroup && l.nodeGroup !== "system" && l.monthly);
      assert.ok(gpu.length > 0);
      for (const m of c.models) assert.ok(m.throughput || m.throughputMissing, `${m.name}: neither throughput nor a reason`);
    });
  }
  test("prod (us-east-1) has a price for every line but the usage-billed detection services and backup vaults, which say so", () => {
    const c = priceStack({ regs: synth.prod.registrations, region: "us-east-1", book, table, usage: resolveUsage({ modelStorageGiB: 240 }) });
    // The rules' evaluations are one stack-wide line (no resource type).
    assert.deepEqual(c.missing.map((l) => l.type).sort(), ["", "aws:backup/vault:Vault", "aws:backup/vault:Vault", "aws:cfg/recorder:Recorder", "aws:guardduty/detector:Detector", "aws:securityhub/account:Account"]);
    for (const l of c.missing) assert.match(l.missing ?? "", /billed .*--prices FILE/);
  });
});
