/**
 * The tables that describe the committed stacks (README "Stacks", docs/configuration.md "The
 * committed stacks") say what the stack files say: a changed stack file, or a hand-edited cell,
 * fails here instead of leaving a stale claim on the front page.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseStackConfig, PROTECTED_CLASSIFICATIONS } from "../../../infra/config.js";
import type { StackConfig } from "../../../infra/schema.js";
import { rawConfig, yamlConfig, STACKS } from "../../helpers/stacks.js";
import { tableAfter } from "./markdown.js";

const ROOT = join(__dirname, "..", "..", "..");

const stacks = Object.fromEntries(
  STACKS.map((name) => {
    const { raw, region } = rawConfig(yamlConfig(name));
    return [name, { region, cfg: parseStackConfig(raw, region) }];
  }),
) as Record<(typeof STACKS)[number], { region: string; cfg: StackConfig }>;

/** Whether the program protects the stack's data (the rule of loadSettings in infra/config.ts). */
const isProtected = (cfg: StackConfig) => cfg.environment === "prod" || PROTECTED_CLASSIFICATIONS.includes(cfg.dataClassification);

test("docs/configuration.md: the committed stacks table matches the stack files", () => {
  const table = tableAfter(readFileSync(join(ROOT, "docs", "configuration.md"), "utf8"), "## The committed stacks");
  const row = (label: string) => {
    const r = table.get(label);
    assert.ok(r, `row ${label}`);
    return r;
  };
  STACKS.forEach((name, i) => {
    const { region, cfg } = stacks[name];
    const say = (label: string) => `${name}: row ${label}`;
    assert.equal(row("`aws:region`")[i], region, say("aws:region"));
    assert.equal(row("`environment`")[i], cfg.environment, say("environment"));
    assert.equal(row("`dataClassification`")[i], cfg.dataClassification, say("dataClassification"));
    assert.equal(row("`residency`")[i], cfg.residency.join(", "), say("residency"));
    assert.equal(row("`compliance`")[i], cfg.compliance.join(", "), say("compliance"));
    assert.equal(row("`network.cidr`")[i], cfg.network.cidr, say("network.cidr"));
    assert.equal(row("zones")[i], cfg.network.availabilityZones.map((z) => z.slice(-1)).join(", "), say("zones"));
    assert.match(row("`egress.mode`")[i]!, new RegExp(`^${cfg.egress.mode}\\b`), say("egress.mode"));
    assert.equal(row("`logging.auditRetentionDays`")[i], String(cfg.logging.auditRetentionDays), say("logging.auditRetentionDays"));
    assert.match(row("`logging.content`")[i]!, new RegExp(`^${cfg.logging.content}\\b`), say("logging.content"));
    assert.equal(row("`storage.modelLockDays` / `auditLockDays`")[i], `${cfg.storage.modelLockDays} / ${cfg.storage.auditLockDays}`, say("storage"));
    assert.equal(row("Object Lock mode")[i], cfg.environment === "prod" ? "COMPLIANCE" : "GOVERNANCE", say("Object Lock mode"));
    assert.match(row("keys and buckets protected")[i]!, new RegExp(`^${isProtected(cfg) ? "yes" : "no"}\\b`), say("keys and buckets protected"));
    const sys = cfg.cluster.systemNodes;
    assert.match(row("system nodes")[i]!, new RegExp(`^${sys.instanceType.replace(".", "\\.")}, ${sys.minSize}–${sys.maxSize}\\b`), say("system nodes"));
    for (const g of cfg.gpuNodeGroups) {
      const sizes = `${g.minSize}–${g.maxSize}`;
      assert.ok(row("GPU node groups")[i]!.includes(`\`${g.name}\`: ${g.instanceTypes.join("/")}`), `${say("GPU node groups")}: ${g.name} and its types`);
      assert.match(row("GPU node groups")[i]!, new RegExp(`\`${g.name}\`: [^;]*\\b${sizes}\\b`), `${say("GPU node groups")}: ${g.name} ${sizes}`);
      if (g.dataVolumeGiB !== 200 || /GiB/.test(row("GPU node groups")[i]!)) {
        assert.match(row("GPU node groups")[i]!, new RegExp(`\`${g.name}\`: [^;]*\\b${g.dataVolumeGiB} GiB`), `${say("GPU node groups")}: ${g.name} ${g.dataVolumeGiB} GiB`);
      }
    }
    for (const m of cfg.models) assert.ok(row("models")[i]!.includes(`${m.name}`) && row("models")[i]!.includes(`×${m.replicas}`), `${say("models")}: ${m.name} ×${m.replicas}`);
  });
});

test("README: the Stacks table matches the stack files", () => {
  const table = tableAfter(readFileSync(join(ROOT, "README.md"), "utf8"), "## Stacks");
  for (const name of STACKS) {
    const { region, cfg } = stacks[name];
    const r = table.get(`\`${name}\``);
    assert.ok(r, `README Stacks has a row for ${name}`);
    const [regionCell, residency, packs, egress, , notes] = r;
    assert.equal(regionCell, region, `${name}: region`);
    assert.equal(residency, cfg.residency.join(", "), `${name}: residency`);
    assert.equal(packs, cfg.compliance.join(", "), `${name}: compliance packs`);
    assert.match(egress!, new RegExp(`^${cfg.egress.mode}\\b`), `${name}: egress`);
    // A protected stack is never described as lacking protection, and an unprotected one never as protected.
    if (isProtected(cfg)) assert.doesNotMatch(notes!, /without (prod )?protection/, `${name} is protected (environment ${cfg.environment}, data ${cfg.dataClassification})`);
    else assert.doesNotMatch(notes!, /\bprotected\b/, `${name} is not protected`);
  }
});
