/**
 * `npm run check -- <stack> [--pack NAME ...] [--config FILE] [--format text|json|markdown] [--out DIR]`
 *
 * Synthesizes the stack under mocks in preview mode, prints the resource tree, runs every policy
 * pack the stack requires over the Analyzer gRPC protocol (as `pulumi preview --policy-pack`
 * would), prints violations grouped by control, and writes the evidence report.
 *
 * It also simulates the access matrix (tools/check/access) on a second synthesis in update mode,
 * where identifiers are known, run by the same synthesis process right after the preview.
 *
 * Exit codes: 0 no mandatory violation and every access flow holds; 1 at least one mandatory
 * violation or a failing access flow (or an action AWS does not have); 2 bad input (unknown
 * stack, unknown pack, invalid stack config, invalid pack config, bad arguments); 3 the program or
 * a pack failed to run (nothing could be concluded).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { PackRun } from "./analyzer";
import type { Evidence } from "./evidence";
import type { PackConfigFile } from "./pack-config";
import type { PendingPacks } from "./session";
import { InputError, REPO_ROOT, availableStacks, readStackFile } from "./stack-file";
import { validateCliConfig } from "../../infra/validate";

export const EXIT = { ok: 0, violations: 1, input: 2, failure: 3 } as const;
type Format = "text" | "json" | "markdown";

const USAGE = `usage: npm run check -- <stack> [--pack NAME ...] [--config FILE] [--format text|json|markdown] [--out DIR] [--stacks-dir DIR]

  <stack>          a stack with a stacks/Pulumi.<stack>.yaml
  --pack NAME      run only this pack (repeatable); it must be one the stack declares in sovereign-llm:compliance
  --config FILE    pack config (JSON): { "<policy>": "advisory" | { "enforcementLevel": ..., "<property>": ... }, "all": ... }
  --format F       text (default), json (the evidence JSON on stdout, no progress), markdown;
                   pipe JSON with \`npm run -s check -- ...\` (without -s, npm prints a banner on stdout)
  --out DIR        where to write evidence.html, evidence.md and evidence.json (default evidence/<stack>)
  --stacks-dir DIR read stack files from DIR instead of stacks/
  --program FILE   synthesize FILE instead of infra/index.ts (tests use this to check a known-bad program)

exit codes: 0 pass, 1 mandatory violation, 2 bad input, 3 program or pack failure`;

interface Options {
  stack: string;
  packs?: string[];
  config?: string;
  format: Format;
  out?: string;
  stacksDir?: string;
  program?: string;
}

function parse(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        pack: { type: "string", multiple: true },
        config: { type: "string" },
        format: { type: "string", default: "text" },
        out: { type: "string" },
        "stacks-dir": { type: "string" },
        program: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new InputError(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new InputError(USAGE);
  if (positionals.length !== 1) throw new InputError(`expected exactly one stack name${positionals.length > 1 ? `, got ${positionals.join(" ")}` : ""}; known stacks: ${availableStacks().join(", ")}\n${USAGE}`);
  const format = values.format as string;
  if (!["text", "json", "markdown"].includes(format)) throw new InputError(`--format must be text, json or markdown, not "${format}"`);
  return { stack: positionals[0], packs: values.pack, config: values.config, format: format as Format, out: values.out, stacksDir: values["stacks-dir"], program: values.program ? resolve(values.program) : undefined };
}

function groupedViolations(runs: { pack: string; run: PackRun }[], remediationOf: (policy: string) => string, isBlocking: (d: PackRun["diagnostics"][number]) => boolean): string {
  type Group = { level: string; severity: string; packs: Set<string>; items: Map<string, { urn: string; message: string }>; remediation: string };
  const groups = new Map<string, Group>();
  for (const { pack, run } of runs) {
    for (const d of run.diagnostics) {
      if (d.notEvaluable) continue;
      const g = groups.get(d.policyName) ?? { level: d.enforcementLevel, severity: d.severity, packs: new Set(), items: new Map(), remediation: remediationOf(d.policyName) };
      if (isBlocking(d)) g.level = d.enforcementLevel;
      g.packs.add(pack);
      g.items.set(`${d.urn}\n${d.message}`, { urn: d.urn, message: d.message });
      groups.set(d.policyName, g);
    }
  }
  if (groups.size === 0) return "No violations.";
  const lines: string[] = [];
  const order = [...groups.entries()].sort(([, a], [, b]) => Number(b.level === "mandatory") - Number(a.level === "mandatory"));
  for (const [policy, g] of order) {
    lines.push(`${policy}  [${g.level}, ${g.severity} severity]  (packs: ${[...g.packs].join(", ")})`);
    for (const { urn, message } of g.items.values()) {
      lines.push(`  - ${urn || "(stack)"}`);
      for (const l of message.split("\n")) lines.push(`      ${l}`);
    }
    if (g.remediation) lines.push(`  remediation: ${g.remediation.replace(/\n/g, "\n    ")}`);
  }
  return lines.join("\n");
}

export async function main(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean } = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
}): Promise<number> {
  let pending: PendingPacks | undefined;
  let packErrorClass: (new (...args: never[]) => Error) | undefined;
  let format: Format = "text";
  const started = Date.now();
  const progress = (msg: string) => {
    if (io.isTTY && format !== "json") io.stderr(`[check ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);
  };
  try {
    const opts = parse(argv);
    format = opts.format;
    const file = opts.stacksDir ? readStackFile(opts.stack, resolve(opts.stacksDir)) : readStackFile(opts.stack);
    // The stack file first, before anything slow is loaded or started: a bad file is refused at once.
    const invalid = validateCliConfig(file).problems;
    if (invalid.length > 0) {
      io.stderr(`stack ${file.stack}: invalid configuration in ${relative(REPO_ROOT, file.path)} (${invalid.length} problem${invalid.length === 1 ? "" : "s"}):\n${invalid.map((p) => `  - ${p}`).join("\n")}\n`);
      return EXIT.input;
    }
    const { PackError } = require("./analyzer") as typeof import("./analyzer");
    const { buildEvidence, isBlocking, renderMarkdown } = require("./evidence") as typeof import("./evidence");
    const { renderHtml } = require("./evidence-html") as typeof import("./evidence-html");
    const { readPackConfigFile, stackPackConfig } = require("./pack-config") as typeof import("./pack-config");
    const { availablePacks, packsFromStackConfig } = require("./packs") as typeof import("./packs");
    const { analyzeAll, configure, startPacks } = require("./session") as typeof import("./session");
    const { synthesizeAsync, synthesizeEach } = require("./synth") as typeof import("./synth");
    const { accessFromSynthesis, accessStackFile, renderAccessMarkdown, renderAccessText } = require("./access/report") as typeof import("./access/report");
    const { accessSections } = require("./access/sections") as typeof import("./access/sections");
    const { renderCounts, renderTree } = require("./tree") as typeof import("./tree");
    packErrorClass = PackError;
    const declared = packsFromStackConfig(file.config);
    const packNames = opts.packs ?? declared;
    for (const p of packNames) if (!availablePacks().includes(p)) throw new InputError(`unknown policy pack "${p}": known packs are ${availablePacks().join(", ")}`);
    // A framework the stack is not configured for would be checked against settings chosen for
    // other frameworks (residency, retention, data classification): its "pass" would mean nothing.
    const undeclared = packNames.filter((p) => !declared.includes(p));
    if (undeclared.length > 0) {
      throw new InputError(
        `stack ${file.stack} does not declare ${undeclared.join(", ")} in sovereign-llm:compliance (it declares ${declared.join(", ") || "none"}): its settings were not chosen for ${undeclared.length === 1 ? "that framework" : "those frameworks"}, so a result would mean nothing. Add ${undeclared.join(", ")} to sovereign-llm:compliance in ${relative(REPO_ROOT, file.path)} (and meet what it requires), or pick --pack from ${declared.join(", ") || "the declared frameworks"}.`,
      );
    }
    if (opts.program && !existsSync(opts.program)) throw new InputError(`--program ${opts.program} does not exist`);
    // The stack's residency supplies the allowed regions unless --config says otherwise.
    const explicit = opts.config ? readPackConfigFile(opts.config) : undefined;
    const packConfig: PackConfigFile = stackPackConfig(file.config, explicit ?? {});

    // Packs compile while the program is synthesized.
    progress(`starting ${packNames.length} policy pack(s): ${packNames.join(", ") || "none"}`);
    pending = startPacks([...new Set(packNames)]);
    // The access matrix needs identifiers, which a preview does not have: the same process
    // synthesizes the stack again in update mode once the preview is out, while the packs analyze.
    const programOpt = opts.program ? { program: opts.program } : {};
    progress(`synthesizing stack ${file.stack} (preview, under mocks)`);
    // A stack file that defers the Kubernetes layer is simulated as applied (accessStackFile), in
    // a process of its own since it is a different stack file.
    const accessFile = accessStackFile(file);
    const [previewSynthesis, sameFileAccess] = synthesizeEach(file, accessFile.deferred ? [{ preview: true, ...programOpt }] : [{ preview: true, ...programOpt }, { preview: false, ...programOpt }]);
    const accessSynthesis = sameFileAccess ?? synthesizeAsync(accessFile.file, { preview: false, ...programOpt });
    const outcome = await previewSynthesis;
    if (!outcome.ok) {
      if (outcome.kind === "config") {
        io.stderr(`stack ${file.stack}: invalid configuration in ${relative(REPO_ROOT, file.path)}:\n${outcome.problems.map((p) => `  - ${p}`).join("\n")}\n`);
        return EXIT.input;
      }
      io.stderr(`stack ${file.stack}: the program failed under mocks:\n${outcome.message}\n`);
      return EXIT.failure;
    }
    const synth = outcome.result;
    progress(`synthesized ${synth.registrations.length} resources`);
    if (format === "text") {
      io.stdout(`Stack ${synth.stack}: ${synth.registrations.length} resources (preview)\n\nResource tree (type, name; children indented under their parent):\n${renderTree(synth.registrations)}\n\nCount per type:\n${renderCounts(synth.registrations)}\n\n`);
    }

    const packs = await pending.ready;
    progress(`packs serving: ${packs.map((p) => `${p.info.name}@${p.info.version} (${p.info.policies.length} policies)`).join(", ") || "none"}`);
    const configs = configure(packs, packConfig);
    const runs = await analyzeAll(packs, configs, synth, file, (p, run) => {
      const blocking = run.diagnostics.filter(isBlocking).length;
      progress(`pack ${p.name}: analyzed ${run.analyzed} resources and the stack in ${(run.durationMs / 1000).toFixed(1)}s, ${blocking} mandatory violation(s)`);
    });
    await pending.close();

    const access = await accessFromSynthesis(await accessSynthesis, file);
    if (!access.ok) {
      io.stderr(`stack ${file.stack}: the program failed under mocks in update mode (access matrix):\n${access.message}\n`);
      return EXIT.failure;
    }
    progress(`access matrix: ${access.matrix.flows.length} flows simulated, ${access.matrix.flows.filter((f) => !f.passed).length} failing`);

    const { controls } = require("../../policy-packs/controls") as typeof import("../../policy-packs/controls");
    const evidence: Evidence = buildEvidence({
      synth,
      runs,
      controls,
      stackConfig: file.config,
      stackFile: relative(REPO_ROOT, file.path),
      stackImplied: stackPackConfig(file.config, {}),
      ...(explicit ? { explicit, explicitFile: opts.config! } : {}),
    });
    // Who can access what, as sections of the report (and of evidence.json).
    evidence.sections.push(...accessSections(access.matrix));
    const outDir = resolve(opts.out ?? join(REPO_ROOT, "evidence", synth.stack));
    mkdirSync(outDir, { recursive: true });
    const markdown = renderMarkdown(evidence);
    writeFileSync(join(outDir, "evidence.json"), JSON.stringify(evidence, null, 2) + "\n");
    writeFileSync(join(outDir, "evidence.md"), markdown);
    writeFileSync(join(outDir, "evidence.html"), renderHtml(evidence, synth.registrations));
    writeFileSync(join(outDir, "access-matrix.json"), JSON.stringify(access.matrix, null, 2) + "\n");
    writeFileSync(join(outDir, "access-matrix.md"), `# Access matrix: stack \`${synth.stack}\`\n\n${renderAccessMarkdown(access.matrix)}`);
    // The same pack config for the real deploy: pulumi up --policy-pack-config <this file>.
    writeFileSync(join(outDir, "policy-pack-config.json"), JSON.stringify(packConfig, null, 2) + "\n");
    progress(`evidence written to ${relative(process.cwd(), outDir) || "."}/evidence.{md,html,json}`);

    if (format === "json") io.stdout(JSON.stringify(evidence, null, 2) + "\n");
    else if (format === "markdown") io.stdout(markdown);
    else {
      const remediationOf = (name: string) => evidence.findings.find((f) => f.policyName === name)?.remediation ?? "";
      io.stdout(`Policy packs:\n${runs.map(({ pack, run }) => `  ${run.info.name} ${run.info.version} (policy-packs/${pack}): ${run.info.policies.length} policies, ${run.diagnostics.filter(isBlocking).length} mandatory violation(s), ${run.diagnostics.filter((d) => d.notEvaluable).length} not evaluable at preview`).join("\n") || "  none (the stack names no compliance framework)"}\n\n`);
      io.stdout(`Violations by control:\n${groupedViolations(runs, remediationOf, isBlocking)}\n\n`);
      io.stdout(`${renderAccessText(access.matrix)}\n\n`);
      const o = evidence.outcome;
      const passed = o.passed && access.matrix.passed;
      io.stdout(`${passed ? "PASS" : "FAIL"}: ${o.mandatoryViolations} mandatory, ${o.advisoryViolations} advisory, ${o.notEvaluable} not evaluable at preview; access matrix ${access.matrix.passed ? "holds" : "FAILS"}.\n${o.summary}\nEvidence: ${join(outDir, "evidence.md")}, evidence.html and evidence.json; access matrix: access-matrix.md and access-matrix.json\n`);
    }
    if (!access.matrix.passed && format !== "text") io.stderr(`${renderAccessText(access.matrix)}\n`);
    return evidence.outcome.passed && access.matrix.passed ? EXIT.ok : EXIT.violations;
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`check: ${err.message}\n`);
      return EXIT.input;
    }
    if (packErrorClass && err instanceof packErrorClass) {
      io.stderr(`check: ${err.message}\n`);
      return EXIT.failure;
    }
    io.stderr(`check: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failure;
  } finally {
    await pending?.close();
  }
}

/** Exits once everything written to a piped stdout/stderr has been flushed (process.exit would cut it off). */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (err) => {
      console.error(err);
      process.exit(EXIT.failure);
    },
  );
}
