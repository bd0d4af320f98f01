/**
 * The generated tables of the READMEs: the control library in policy-packs/README.md (one row per
 * control, from the controls' own metadata), the public rule sets rule by rule (from
 * policy-packs/coverage/) and the packs in README.md (policies and requirements
 * counted from the library), so neither can drift from what the packs run. `npm run docs:packs`
 * rewrites the marked sections; `test/tools/docs/pack-tables.test.ts` fails when a committed README
 * differs from what this renders.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controls, controlsFor } from "../../policy-packs/controls";
import { FRAMEWORKS, type Control, type Framework } from "../../policy-packs/controls/types";
import { renderTables } from "../../policy-packs/coverage/render";

export const README = join(__dirname, "..", "..", "policy-packs", "README.md");
export const ROOT_README = join(__dirname, "..", "..", "README.md");

/** What each pack enforces, in short, and how its requirements are counted. */
const PACKS: Record<Framework, { unit: string; summary: string }> = {
  hipaa: {
    unit: "paragraphs of 45 CFR 164.308-316",
    summary:
      "encryption at rest with customer keys and in transit (164.312(a)(2)(iv), (e)), audit controls and 6-year log retention (164.312(b), 164.316(b)(2)), security incidents detected and reported (164.308(a)(6)(ii)), access control and least privilege (164.308(a)(3)-(4), 164.312(a)(1)), contingency: versioning, in-residency replication, key and firewall deletion safeguards (164.308(a)(7)), integrity of stored data and model files (164.312(c))",
  },
  gdpr: {
    unit: "articles and points",
    summary:
      "residency: resources and replication only in the stack's regions (Art. 44), storage limitation of content logs and old object versions (Art. 5(1)(e)), data protection by default: no public paths, default-deny egress, no vLLM telemetry, least privilege (Art. 25(2)), security of processing (Art. 32)",
  },
  soc2: {
    unit: "criteria",
    summary: "logical access (CC6.1-CC6.3), boundary protection (CC6.6), transmission (CC6.7), monitoring (CC7.1-CC7.3), change management (CC8.1), availability and confidentiality (A1.2, C1.1-C1.2)",
  },
  "fedramp-moderate": {
    unit: "NIST SP 800-53 rev 5 controls",
    summary:
      "boundary protection (SC-7 with enhancements), cryptographic protection (SC-8, SC-12, SC-13, SC-28), audit and continuous monitoring (AU-2/3/6/9/11/12, CA-7), incident handling: detection, tracking and automated reporting (IR-4, IR-5, IR-6(1)), contingency (CP-6, CP-9, CP-10), least functionality and configuration (CM-6/7), least privilege (AC-6)",
  },
};

/** The root README's table of packs: policies and requirements counted from the library. */
export function packsTable(): string {
  const rows = FRAMEWORKS.map((f) => {
    const selected = controlsFor(f);
    const requirements = new Set(selected.flatMap((c) => c.frameworks[f] ?? []));
    return `| \`${f}\` | ${selected.length} | ${requirements.size} ${PACKS[f].unit} | ${PACKS[f].summary} |`;
  });
  return ["| pack | policies | requirements served | what it enforces, in short |", "|---|---:|---:|---|", ...rows].join("\n");
}

const cell = (ids: string[] | undefined) => (ids && ids.length > 0 ? ids.join(", ") : "—");

function row(c: Control): string {
  const kind = "validateStack" in c.policy ? "stack" : "resource";
  const refs = c.references.length > 0 ? c.references.join("<br>") : "none: goes beyond the public lists (see description)";
  return `| \`${c.policy.name}\` | ${kind} | ${c.severity} | ${cell(c.frameworks.hipaa)} | ${cell(c.frameworks.gdpr)} | ${cell(c.frameworks.soc2)} | ${cell(c.frameworks["fedramp-moderate"])} | ${refs} |`;
}

export function controlsTable(): string {
  return [
    "| Control | Kind | Severity | HIPAA | GDPR | SOC 2 | FedRAMP Moderate (800-53 r5) | Corresponding public rules |",
    "|---|---|---|---|---|---|---|---|",
    ...controls.map(row),
  ].join("\n");
}

/** The sections each README owns, by marker name. */
export function sections(file: string): Record<string, string> {
  return file === ROOT_README ? { "packs-table": packsTable() } : { "controls-table": controlsTable(), "rule-sets": renderTables() };
}

/** `text` (the contents of `file`) with each marked section replaced by its rendering; throws when a marker is missing. */
export function render(text: string, file: string = README): string {
  let out = text;
  for (const [name, body] of Object.entries(sections(file))) {
    const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`${file} has no <!-- ${name}:start --> ... <!-- ${name}:end --> section`);
    out = out.replace(re, (_m, start: string, end: string) => `${start}${body}${end}`);
  }
  return out;
}

if (require.main === module) {
  for (const file of [README, ROOT_README]) {
    const before = readFileSync(file, "utf8");
    const after = render(before, file);
    if (after !== before) writeFileSync(file, after);
    process.stdout.write(`${file}: ${after === before ? "up to date" : "written"}\n`);
  }
}
