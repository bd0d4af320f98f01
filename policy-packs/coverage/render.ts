/**
 * The public rule-set tables of policy-packs/README.md, rendered from this directory's data: one
 * table per rule set, every rule with the controls that enforce it, an exception or an open gap,
 * then the rules about resource types the platform does not declare.
 */
import type { Verdict } from "./types";
import * as awsConfig from "./aws-config";
import * as cdkNag from "./cdk-nag";
import * as securityHub from "./security-hub";
import * as podSecurity from "./pod-security";

export interface Table {
  title: string;
  source: string;
  rules: [string, Verdict][];
  /** Rules of services the platform uses nothing of, by service (rendered as a list). */
  otherServices?: Record<string, string[]>;
}

export function tables(): Table[] {
  const config = (pack: string): Table => ({
    title: `AWS Config conformance pack: Operational Best Practices for ${pack}`,
    source: awsConfig.SOURCE,
    rules: awsConfig.PACKS[pack]!.map((r) => [r, awsConfig.RULES[r]!]),
  });
  const nag = (pack: string): Table => ({
    title: `cdk-nag ${pack} rule pack`,
    source: cdkNag.SOURCE,
    rules: cdkNag.PACKS[pack]!.map((r) => [`${pack}-${r}`, cdkNag.verdict(r)!]),
  });
  return [
    config("HIPAA Security"),
    config("FedRAMP (Moderate)"),
    config("NIST 800-53 rev 5"),
    nag("HIPAA.Security"),
    nag("NIST.800.53.R5"),
    { title: "Security Hub: AWS Foundational Security Best Practices", source: securityHub.SOURCE, rules: securityHub.CONTROLS, otherServices: securityHub.OTHER_SERVICES },
    { title: "Kubernetes Pod Security Standards", source: podSecurity.SOURCE, rules: podSecurity.CONTROLS },
  ];
}

function cell(v: Verdict): string {
  if ("controls" in v) return v.controls.map((c) => `\`${c}\``).join(", ") + (v.note ? ` (${v.note})` : "");
  if ("exception" in v) return `Exception: ${v.exception}`;
  if ("gap" in v) return `**Gap**: ${v.gap}`;
  return `Not applicable: ${v.notApplicable}`;
}

export function renderTable(t: Table): string {
  const applies = t.rules.filter(([, v]) => !("notApplicable" in v));
  const elsewhere = t.rules.filter(([, v]) => "notApplicable" in v);
  const count = (k: string) => t.rules.filter(([, v]) => k in v).length;
  const other = Object.values(t.otherServices ?? {}).flat().length;
  const lines = [
    `### ${t.title}`,
    "",
    `Source: ${t.source}. ${t.rules.length + other} rules: ${count("controls")} enforced by a control, ${count("exception")} excepted with the reason, ${count("gap")} open, ${count("notApplicable") + other} about resource types the platform does not declare.`,
    "",
    "| Rule | What enforces it, or why not |",
    "|---|---|",
    ...applies.map(([r, v]) => `| ${r} | ${cell(v).replace(/\|/g, "\\|")} |`),
  ];
  if (elsewhere.length > 0 || other > 0) {
    lines.push("", "Not applicable, because the platform declares no resource of the type:", "");
    for (const [r, v] of elsewhere) lines.push(`- ${r}: ${"notApplicable" in v ? v.notApplicable : ""}`);
    for (const [service, ids] of Object.entries(t.otherServices ?? {})) lines.push(`- ${service}: ${ids.join(", ")}`);
  }
  return lines.join("\n");
}

export function renderTables(): string {
  return tables().map(renderTable).join("\n\n");
}
