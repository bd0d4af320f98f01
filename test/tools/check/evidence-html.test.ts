/// <reference lib="dom" />
/**
 * The HTML evidence report in a real browser (Debian's Chromium through playwright-core): it
 * loads nothing from anywhere, the summary comes first and fits the first screen, nothing
 * overflows sideways, ids are unique, and every link resolves to an element of the page. Once
 * for a report built here (failing residency, deviations, not-evaluable items, a chart section)
 * and once for the report `check` writes for the dev stack.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { PackRun, PolicyInfo } from "../../../tools/check/analyzer";
import { buildEvidence } from "../../../tools/check/evidence";
import { escapeHtml, renderHtml } from "../../../tools/check/evidence-html";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import type { Registration } from "../../../tools/check/synth";
import type { Control } from "../../../policy-packs/controls/types";
import { browserMissing, withBrowser } from "../../helpers/browser";

const tmp = mkdtempSync(join(tmpdir(), "evidence-html-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function reg(type: string, name: string): Registration {
  return { urn: `urn:pulumi:s::p::${type}::${name}`, type, name, custom: true, parent: "", provider: "", id: "", protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependencies: [], propertyDependencies: {}, additionalSecretOutputs: [], inputs: {}, outputs: {} };
}

function builtReport(): string {
  const long = "a-resource-name-that-is-much-longer-than-any-table-cell-would-like-it-to-be-".repeat(3);
  const registrations = [reg("aws:s3/bucket:Bucket", "models"), reg("aws:iam/rolePolicy:RolePolicy", long), reg("aws:kms/key:Key", "key <b>&</b>")];
  const control = (name: string, types: string[], frameworks: Control["frameworks"]): Control => ({ policy: { name, description: `${name} checks`, validateResource: () => undefined }, severity: "high", remediation: "fix", frameworks, references: ["AWS Config (related): example"], resourceTypes: types });
  const info = (name: string, extra: Partial<PolicyInfo> = {}): PolicyInfo => ({ name, displayName: "", description: `${name} <description>`, enforcementLevel: "mandatory", kind: "resource", severity: "high", remediation: "fix", ...extra });
  const policies = [info("sovereign-llm-region-allow-list", { kind: "stack", configSchema: { properties: { allowedRegions: { type: "array", default: [] } }, required: [] } }), info("keys"), info("pending")];
  const run: PackRun = {
    dir: "/x",
    info: { name: "sovereign-llm-gdpr", version: "0.1.0", displayName: "", description: "", policies },
    config: { "sovereign-llm-region-allow-list": { enforcementLevel: "mandatory", properties: { allowedRegions: ["eu-central-1"] } }, keys: { enforcementLevel: "disabled", properties: {} }, pending: { enforcementLevel: "mandatory", properties: {} } },
    diagnostics: [
      { policyName: "sovereign-llm-region-allow-list", packName: "p", packVersion: "0.1.0", description: "", message: "placed in us-east-1 <outside>", enforcementLevel: "mandatory", severity: "high", urn: registrations[0].urn, phase: "analyzeStack", notEvaluable: false },
      { policyName: "pending", packName: "p", packVersion: "0.1.0", description: "", message: "can't run policy 'pending' from policy pack 'p@v0.1.0' during preview: string value at .policy unknown can't be known during preview", enforcementLevel: "advisory", severity: "high", urn: registrations[1].urn, phase: "analyze", notEvaluable: true },
    ],
    notApplicable: [],
    analyzed: 3,
    stackResources: 3,
    stderr: "",
    durationMs: 1,
  };
  const evidence = buildEvidence({
    synth: { stack: "s", project: "p", preview: true, registrations, stackOutputs: { evidenceSections: [{ id: "monthly-cost", title: "Monthly cost", summary: "Estimated from list prices.", chart: { unit: "USD", bars: [{ label: "GPU nodes", value: 21000 }, { label: "Network Firewall", value: 1200 }] } }] } },
    runs: [{ pack: "gdpr", run }],
    controls: [control("sovereign-llm-region-allow-list", ["*"], { gdpr: ["Art. 44"] }), control("keys", ["aws:kms/key:Key"], { gdpr: ["Art. 32(1)(a)"] }), control("pending", ["aws:iam/rolePolicy:RolePolicy"], { gdpr: ["Art. 32(1)(b)"] })],
    program: { commit: "c0ffee", dirty: false, dirtyFiles: [] },
    stackConfig: { "aws:region": "eu-central-1", "sovereign-llm:residency": '["eu"]', "sovereign-llm:compliance": '["gdpr"]' },
    stackImplied: { "sovereign-llm-region-allow-list": { allowedRegions: ["eu-central-1"] } },
    explicit: { keys: "disabled" },
    explicitFile: "weak.json",
  });
  const file = join(tmp, "built.html");
  writeFileSync(file, renderHtml(evidence, registrations));
  return file;
}

function runCheck(...args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "tools", "check", "cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.resume();
    child.on("close", resolve);
  });
}

/** Opens the file and checks what holds for every report; returns the page for more. */
async function inspect(page: Page, file: string): Promise<void> {
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(url);
  assert.deepEqual(requests, [url], "the report loads nothing but itself");
  const dom = await page.evaluate(() => {
    const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
    const hrefs = [...document.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "");
    const firstSection = document.querySelector("body > section");
    const verdict = document.getElementById("verdict")!.getBoundingClientRect();
    return {
      duplicateIds: ids.filter((id, i) => ids.indexOf(id) !== i),
      unresolved: hrefs.filter((h) => !h.startsWith("#") || document.getElementById(decodeURIComponent(h.slice(1))) === null),
      links: hrefs.length,
      external: document.querySelectorAll("script, link, iframe, object, embed, img, [src]").length,
      firstSection: firstSection?.id,
      verdictVisible: verdict.top >= 0 && verdict.bottom <= window.innerHeight && verdict.height > 0,
      verdictText: document.getElementById("verdict")!.textContent ?? "",
    };
  });
  assert.deepEqual(dom.duplicateIds, []);
  assert.deepEqual(dom.unresolved, [], "every link points at an element of the page");
  assert.ok(dom.links > 10, `the report links its parts (${dom.links} links)`);
  assert.equal(dom.external, 0, "no script, stylesheet link, frame or image");
  assert.equal(dom.firstSection, "summary", "the summary is the first thing an auditor reads");
  assert.ok(dom.verdictVisible, "the verdict is on the first screen");
  assert.match(dom.verdictText, /^Result: (PASSED|FAILED|NOTHING EVALUATED)/);
  for (const width of [1280, 800]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `nothing overflows sideways at ${width}px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  // Following the first framework link lands on that framework's section.
  const link = page.locator("#framework-summary a").first();
  const target = (await link.getAttribute("href"))!;
  await link.click();
  await page.waitForFunction((hash) => location.hash === hash, target);
  const top = await page.evaluate((id) => document.getElementById(id)!.getBoundingClientRect().top, target.slice(1));
  assert.ok(top >= -1 && top < 800, `the framework section is on screen after following its link (top ${top})`);
}

describe("HTML evidence report in Chromium", () => {
  test("a report built here: summary first, links resolve, text escaped, chart drawn", { skip: browserMissing }, async () => {
    const file = builtReport();
    const html = readFileSync(file, "utf8");
    assert.ok(html.includes(escapeHtml("placed in us-east-1 <outside>")), "finding text is escaped");
    assert.ok(!html.includes("<outside>"));
    await withBrowser(async (context) => {
      const page = await context.newPage();
      await inspect(page, file);
      const facts = await page.evaluate(() => ({
        deviations: [...document.querySelectorAll("#deviations li")].map((li) => li.textContent),
        regions: [...document.querySelectorAll("dl.facts dt")].find((dt) => dt.textContent === "Regions enforced")?.nextElementSibling?.textContent,
        bars: document.querySelectorAll("#sec-monthly-cost svg rect").length,
        violationLink: document.querySelector(".policy.bad a[href^='#res-']")?.getAttribute("href"),
      }));
      assert.deepEqual(facts.deviations, ["Weakened: keys is disabled (default mandatory): it examined nothing"]);
      assert.match(facts.regions ?? "", /^eu-central-1/);
      assert.equal(facts.bars, 2);
      const row = await page.evaluate((id) => document.getElementById(id)?.textContent ?? "", facts.violationLink!.slice(1));
      assert.match(row, /models/, "a violation links down to its resource");
    });
  });

  test("the report check writes for the dev stack", { skip: browserMissing }, async () => {
    const out = join(tmp, "dev");
    assert.equal(await runCheck("dev", "--out", out), 0);
    await withBrowser(async (context) => inspect(await context.newPage(), join(out, "evidence.html")));
  });
});
