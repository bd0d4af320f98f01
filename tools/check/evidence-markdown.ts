/**
 * The evidence report as Markdown (evidence.md): the verdict and the deployment's facts first,
 * then every deviation from the default pack config, when each check runs, what could not be
 * checked before deployment, and per framework the requirements with their checks and resources.
 */
import type { CheckCounts, Evidence, PolicyResult } from "./evidence";
import { friendlyType } from "./evidence";
import { show } from "./evidence-config";
import type { ReportSection } from "./evidence-sections";

export const RESULT_TEXT: Record<PolicyResult, string> = {
  pass: "Pass",
  violated: "FAIL",
  advisory: "Pass with advisory findings",
  "not-evaluable": "Not evaluable before deployment",
  "no-resources": "Nothing to examine",
  disabled: "NOT CHECKED: disabled by pack config",
};

export const READING_GUIDE = [
  "The infrastructure of this system is defined as source code. Before anything is deployed, the code is run in a dry-run mode that produces the full list of cloud resources it would create, with their settings. Automated checks (policies) then examine that list. Each policy serves one or more requirements of a compliance framework; each requirement below lists the policies that serve it, the resources they examined, and the outcome:",
  "Pass: every examined resource meets the policy.",
  "FAIL: at least one resource breaks the policy. If the policy is mandatory (the default) a deployment is refused until it is fixed; if pack config lowered it to advisory, the deployment would go ahead, and the report says so.",
  "Pass with advisory findings: a policy that is advisory by design reported something worth reviewing.",
  "Not evaluable before deployment: a value the policy needs (for example an identifier assigned by AWS) only exists once a resource is created. The section \"Not evaluable before deployment\" says, for each such item, what checks it later and what a failure then means.",
  "Nothing to examine: the deployment contains no resource of the kinds the policy checks.",
  "NOT CHECKED: the pack config in force disabled the policy, so the requirement is not fully evidenced.",
];

/**
 * When each kind of check runs in a real deploy, in plain words (shared with the HTML report).
 * Resource policies see a resource's inputs before it is created or modified; stack policies run
 * once every resource is registered: at preview on what is known, during an update after the
 * resources were provisioned, failing the update without blocking the change. See "Stack Policy
 * Timing" in https://www.pulumi.com/docs/iac/using-pulumi/crossguard/core-concepts/.
 */
export function timingText(e: Evidence): { before: string; after: string } {
  const kinds = new Map<string, "resource" | "stack">();
  for (const f of e.frameworks) for (const r of f.requirements) for (const p of r.policies) kinds.set(p.name, p.kind);
  const resource = [...kinds.values()].filter((k) => k === "resource").length;
  const stack = kinds.size - resource;
  const pendingStack = e.pending.filter((p) => p.kind === "stack").length;
  return {
    before: `${resource} resource polic${resource === 1 ? "y runs" : "ies run"} on each resource's planned settings, at \`pulumi preview\` and again during \`pulumi up\` just before the resource is created or changed: a mandatory finding stops the deployment before that change. ${stack} stack polic${stack === 1 ? "y runs" : "ies run"} on the whole planned deployment at preview: whatever they can decide there also stops \`pulumi up\` before any change (\`pulumi up --skip-preview\` skips that: stack policies then run only after the changes).`,
    after:
      pendingStack > 0
        ? `${pendingStack} item(s) of stack policies could not be decided at preview (listed below). In a real \`pulumi up\` they are decided only after the resources were created or changed: a failure marks the update failed, but does not prevent or undo the change.`
        : "Every stack-policy check was decided at preview: nothing is left to be checked only after resources change.",
  };
}

export function countsText(c: CheckCounts): string {
  const parts = [`${c.pass} of ${c.total} checks pass`];
  if (c.violated) parts.push(`${c.violated} fail`);
  if (c.advisory) parts.push(`${c.advisory} with advisory findings`);
  if (c.notEvaluable) parts.push(`${c.notEvaluable} not evaluable before deployment`);
  if (c.noResources) parts.push(`${c.noResources} with nothing to examine`);
  if (c.disabled) parts.push(`${c.disabled} disabled`);
  return c.pass + c.violated + c.advisory === 0 ? `nothing could be evaluated (${parts.join(", ")})` : parts.join(", ");
}

/** A control's citations: rules it implements, rules it is only related to ("Related: ..."), and notes. */
export function splitReferences(refs: string[]): { corresponds: string[]; related: string[]; notes: string[] } {
  return {
    corresponds: refs.filter((r) => !r.startsWith("Related: ") && !r.startsWith("Beyond the public lists")),
    related: refs.filter((r) => r.startsWith("Related: ")).map((r) => r.slice("Related: ".length)),
    notes: refs.filter((r) => r.startsWith("Beyond the public lists")),
  };
}

function esc(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

export function requirementLabel(id: string, title: string): string {
  return title ? `${id} ${title}` : id;
}

function renderSection(s: ReportSection, out: string[]): void {
  out.push(`## ${s.title}`, "", s.summary, "");
  const table = s.table ?? (s.chart ? { columns: ["Item", s.chart.unit], rows: s.chart.bars.map((b) => [b.label, b.value]) } : undefined);
  if (table) {
    out.push(`| ${table.columns.map(esc).join(" | ")} |`, `|${table.columns.map(() => "---").join("|")}|`);
    for (const row of table.rows) out.push(`| ${row.map((c) => esc(String(c))).join(" | ")} |`);
    out.push("");
  }
  for (const n of s.notes ?? []) out.push(`- ${esc(n)}`);
  if (s.notes?.length) out.push("");
}

export function renderMarkdown(e: Evidence): string {
  const out: string[] = [];
  const d = e.deployment;
  const cfg = e.packConfig;
  out.push(`# Compliance evidence: stack \`${e.stack}\``, "");
  out.push(`**Result: ${e.outcome.summary}.**`, "");
  out.push("| | |", "|---|---|");
  out.push(`| System | ${e.project} (deployment \`${e.stack}\`) |`);
  out.push(`| AWS region | ${d.region} |`);
  out.push(`| Data residency | ${d.residency.join(", ") || "not declared"} |`);
  out.push(`| Regions enforced | ${d.regionsEnforced.join(", ") || "none"} (${d.regionsSource}) |`);
  out.push(`| Frameworks the stack declares | ${d.declaredFrameworks.join(", ") || "none"} |`);
  out.push(`| Frameworks checked | ${e.frameworks.map((f) => f.title).join("; ") || "none"} |`);
  out.push(`| Pack config | ${cfg.deviations.length === 0 ? "the default for this stack (no deviation)" : `**${cfg.deviations.length} deviation(s) from the default**, listed below`}; explicit config file: ${cfg.explicitFile ? `\`${cfg.explicitFile}\`` : "none"} |`);
  out.push(`| Checks | ${countsText(e.checks)} |`);
  out.push(`| Findings | ${e.outcome.mandatoryViolations} blocking, ${e.outcome.advisoryViolations} advisory, ${e.pending.length} not evaluable before deployment |`);
  out.push(`| What was examined | the planned deployment (${e.resources.total} cloud resources and groupings), computed from the source code without access to any cloud account |`);
  out.push(`| Source code version | git commit \`${e.program.commit}\`${e.program.dirty ? ` **with uncommitted changes** (${e.program.dirtyFiles.length} file(s))` : " (no uncommitted changes)"} |`);
  out.push(`| Generated | ${e.generatedAt} |`);
  out.push("");
  if (cfg.deviations.length > 0) {
    out.push("## Deviations from the default pack config", "");
    out.push("Each line changes what the checks enforce compared with this stack's default. The result above holds only under them.", "");
    for (const dev of cfg.deviations) out.push(`- ${dev.weakens ? "**Weakened**: " : dev.weakens === false ? "Strengthened: " : "Changed: "}${esc(dev.text)}`);
    out.push("");
  }
  out.push("## How to read this report", "");
  out.push(READING_GUIDE[0], "");
  for (const line of READING_GUIDE.slice(1)) out.push(`- ${line}`);
  out.push("");
  const timing = timingText(e);
  out.push("## What is checked before any change, and what after", "");
  out.push(`- **Before any change**: ${timing.before}`, `- **After resources change**: ${timing.after}`, "");
  out.push("## Not evaluable before deployment", "");
  if (e.pending.length === 0) out.push("Every check could be decided before deployment.", "");
  else {
    out.push("Each item once, whichever packs include the policy.", "");
    out.push("| Check | Resource | Why it could not be decided | What checks it, and when | Packs |", "|---|---|---|---|---|");
    for (const p of e.pending) out.push(`| \`${p.policy}\` | ${esc(p.resource)} | ${esc(p.reason)} | ${esc(p.checkedBy)} | ${p.packs.join(", ")} |`);
    out.push("");
  }
  out.push("## Policy packs", "");
  out.push("| Framework | Policy pack | Version | Requirements | Checks | Result |", "|---|---|---|---|---|---|");
  for (const f of e.frameworks) {
    const failed = f.requirements.filter((r) => r.result === "violated").length;
    const unchecked = f.requirements.filter((r) => r.result === "disabled").length;
    const result = failed > 0 ? `**${failed} requirement(s) failed**` : unchecked > 0 ? `**${unchecked} requirement(s) not fully checked**` : f.checks.pass === 0 ? "nothing evaluated" : "no requirement failed";
    out.push(`| ${f.title} | \`${f.pack}\` | ${f.packVersion} | ${f.requirements.length} | ${countsText(f.checks)} | ${result} |`);
  }
  out.push("");
  for (const f of e.frameworks) {
    out.push(`## ${f.title}`, "");
    if (f.requirements.length === 0) {
      out.push("The pack contains no policies yet, so no requirement of this framework is evidenced by this report.", "");
      continue;
    }
    out.push("| Requirement | Result | Policies | Resources examined |", "|---|---|---|---|");
    for (const r of f.requirements) {
      const examined = new Set(r.policies.flatMap((p) => p.examined.map((x) => x.urn))).size;
      out.push(`| ${esc(requirementLabel(r.id, r.title))} | ${RESULT_TEXT[r.result]} | ${r.policies.map((p) => `\`${p.name}\``).join(", ")} | ${examined} |`);
    }
    out.push("");
    for (const r of f.requirements) {
      out.push(`### ${f.framework.toUpperCase()} ${requirementLabel(r.id, r.title)}: ${RESULT_TEXT[r.result]}`, "");
      for (const p of r.policies) {
        const level = p.enforcementLevel === p.defaultLevel ? p.enforcementLevel : `**${p.enforcementLevel}, default ${p.defaultLevel}**`;
        out.push(`- **\`${p.name}\`** (${p.severity} severity, ${level}, ${p.kind === "resource" ? "checked per resource before it changes" : "checked on the whole deployment"}): ${esc(p.description)}`);
        out.push(`  - Result: ${RESULT_TEXT[p.result]}`);
        for (const dev of p.deviations) out.push(`  - Pack config deviation: ${esc(dev)}`);
        const params = Object.entries(p.parameters);
        if (params.length > 0) out.push(`  - Enforced with: ${params.map(([k, v]) => `${k} = ${esc(show(v))}`).join("; ")}`);
        const refs = splitReferences(p.references);
        if (refs.corresponds.length > 0) out.push(`  - Implements the public rule(s): ${refs.corresponds.map(esc).join("; ")}`);
        if (refs.related.length > 0) out.push(`  - Related rule(s), not what this check implements: ${refs.related.map(esc).join("; ")}`);
        for (const n of refs.notes) out.push(`  - ${esc(n)}`);
        if (p.examined.length > 0) {
          const byType = new Map<string, string[]>();
          for (const x of p.examined) byType.set(x.type, [...(byType.get(x.type) ?? []), x.name]);
          out.push(`  - Examined ${p.examined.length} resource(s): ${[...byType.entries()].map(([t, names]) => `${friendlyType(t)} (\`${t}\`): ${names.join(", ")}`).join("; ")}`);
        } else if (p.result === "disabled") {
          out.push("  - Examined: none (disabled by pack config)");
        } else {
          out.push(`  - Examined: none (the deployment has no ${p.resourceTypes.map((t) => `\`${t}\``).join(", ") || "resources of the kinds this policy checks"})`);
        }
        for (const v of p.violations) out.push(`  - ${v.enforcementLevel === "advisory" ? (p.result === "violated" ? "**Violation** (not blocking: made advisory by pack config)" : "Advisory") : "**Violation**"} on \`${v.urn || "the stack"}\`: ${esc(v.message)}`);
        for (const n of p.notEvaluable) out.push(`  - Not evaluable before deployment on \`${n.urn || "the stack"}\` (see "Not evaluable before deployment")`);
        if (p.violations.length > 0) out.push(`  - Remediation: ${esc(p.remediation)}`);
      }
      out.push("");
    }
  }
  out.push("## Pack configuration in force", "");
  out.push("Every policy with tunable parameters, the value enforced, the default for this stack and where the value came from.", "");
  out.push("| Policy | Level | Parameter | Value enforced | Default | Source |", "|---|---|---|---|---|---|");
  for (const p of cfg.policies) {
    const level = p.level === p.defaultLevel ? p.level : `**${p.level}** (default ${p.defaultLevel}, from ${p.levelSource})`;
    if (p.parameters.length === 0) {
      if (p.level !== p.defaultLevel) out.push(`| \`${p.policy}\` | ${level} | | | | |`);
      continue;
    }
    for (const param of p.parameters) out.push(`| \`${p.policy}\` | ${level} | ${param.name} | ${esc(show(param.value))} | ${esc(show(param.baseline))} | ${param.source} |`);
  }
  out.push("", `Policies not listed have no parameters and run at their default level${cfg.policies.every((p) => p.level === p.defaultLevel) ? "" : " unless shown above"}.`, "");
  out.push("Who may change the config:", "");
  for (const g of cfg.governance) out.push(`- ${g.source}: ${esc(g.where)}; changed by ${esc(g.changedBy)}.`);
  out.push("");
  for (const s of e.sections) renderSection(s, out);
  out.push("## Resources in the planned deployment", "");
  out.push("| Kind | Type | Count |", "|---|---|---|");
  for (const [type, n] of Object.entries(e.resources.byType)) out.push(`| ${friendlyType(type)} | \`${type}\` | ${n} |`);
  out.push("");
  out.push("## Provenance", "");
  out.push(`- Packs: ${e.packs.map((p) => `${p.name} ${p.version} (\`policy-packs/${p.dir}\`)`).join(", ") || "none"}`);
  out.push(`- Tools: Node.js ${e.tools.node}, Pulumi SDK ${e.tools.pulumi}, Pulumi policy SDK ${e.tools.policy}`);
  if (e.program.dirty) out.push(`- Uncommitted changes in: ${e.program.dirtyFiles.map((f) => `\`${f}\``).join(", ")}`);
  out.push("- The same report is written beside this file as `evidence.html` (self-contained) and `evidence.json` (machine-readable).", "");
  return out.join("\n");
}
