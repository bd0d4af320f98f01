/**
 * The access matrix for `check`: computed from an update-mode synthesis (identifiers known), and
 * rendered for the terminal (failures first) and for the evidence report (the auditor's
 * questions as tables).
 */
import type { StackFile } from "../stack-file";
import type { SynthOutcome } from "../synth";
import { accessMatrix, matrixFailures, type AccessMatrix, type Question } from "./matrix";
import { readAccessModel } from "./model";

export type AccessOutcome = { ok: true; matrix: AccessMatrix } | { ok: false; message: string };

/** The matrix of a stack from its update-mode synthesis; a synthesis that failed is reported, not thrown. */
export async function accessFromSynthesis(outcome: SynthOutcome, file: StackFile): Promise<AccessOutcome> {
  if (!outcome.ok) return { ok: false, message: outcome.kind === "config" ? outcome.problems.join("\n") : outcome.message };
  return { ok: true, matrix: await accessMatrix(readAccessModel(outcome.result, file.config)) };
}

export function renderAccessText(m: AccessMatrix): string {
  const allowed = m.flows.filter((f) => f.expect === "allow");
  const denied = m.flows.filter((f) => f.expect === "deny");
  const ok = (fs: typeof m.flows) => fs.filter((f) => f.passed).length;
  const lines = [
    `Access matrix (simulated with the platform's own identity, bucket, key, trust and endpoint policies):`,
    `  ${ok(allowed)}/${allowed.length} flows that must be allowed are allowed; ${ok(denied)}/${denied.length} flows that must be denied are denied; ${m.unknownActions.length} unknown action(s).`,
  ];
  const failures = matrixFailures(m);
  if (failures.length > 0) lines.push("  FAILED:", ...failures.map((f) => `  - ${f}`));
  return lines.join("\n");
}

function esc(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

const DECISION: Record<string, string> = { Allowed: "**allowed**", ExplicitlyDenied: "denied (explicit deny)", ImplicitlyDenied: "denied (nothing allows it)", Error: "**not evaluable**" };

function questionTable(q: Question): string[] {
  // One row per principal: the decisions of its requests, allowed ones spelled out.
  const byPrincipal = new Map<string, Question["rows"]>();
  for (const r of q.rows) byPrincipal.set(r.principal, [...(byPrincipal.get(r.principal) ?? []), r]);
  const out = [`### ${q.question}`, "", "| Principal | Permissions taken from | Result |", "|---|---|---|"];
  for (const [principal, rows] of byPrincipal) {
    const allowed = rows.filter((r) => r.decision === "Allowed");
    const result =
      allowed.length === 0
        ? `no (${[...new Set(rows.map((r) => DECISION[r.decision]))].join(", ")})`
        : `**yes**: ${allowed.map((r) => `${r.action}${r.through ? ` through ${r.through}` : r.action.startsWith("s3:") ? " from outside the VPC" : ""} (${esc(r.why)})`).join("; ")}`;
    out.push(`| ${esc(principal)} | ${rows[0].basis} | ${result} |`);
  }
  out.push("");
  return out;
}

export function renderAccessMarkdown(m: AccessMatrix): string {
  const out: string[] = ["## Who can access what", ""];
  out.push(`**Result: ${m.passed ? "every flow holds" : "FAILED"}.** Each flow below is a set of requests evaluated as AWS evaluates them: the caller's identity policies, the resource's policy (bucket, key, or role trust policy) and the policy of the VPC endpoint the request passes.`, "");
  out.push("Assumptions:", "", ...m.assumptions.map((a) => `- ${a}`), "");
  out.push("| Flow | Must be | Result | Requests |", "|---|---|---|---|");
  for (const f of m.flows) out.push(`| ${esc(f.title)} (\`${f.id}\`) | ${f.expect === "allow" ? "allowed" : "denied"} | ${f.passed ? "holds" : `**FAILS**: ${esc(f.failure ?? "")}`} | ${f.requests.length} |`);
  out.push("");
  if (m.unknownActions.length > 0) {
    out.push("Unknown actions (not in AWS's catalogue):", "", ...m.unknownActions.map((u) => `- \`${u.action}\` in ${esc(u.policy)} (${esc(u.statement)}): ${u.reason}`), "");
  }
  for (const q of m.questions) out.push(...questionTable(q));
  if (m.managedPolicies.length > 0) {
    out.push("Roles that also carry AWS-managed policies (AWS's text, not evaluated offline; their answers above cover only the program's own policies):", "");
    for (const r of m.managedPolicies) out.push(`- ${r.role}: ${r.policyArns.map((a) => `\`${a}\``).join(", ")}`);
    out.push("");
  }
  return out.join("\n");
}
