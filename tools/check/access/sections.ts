/**
 * The access matrix as sections of the evidence report (tools/check/evidence-sections.ts): the
 * flows and their results, then the auditor's questions, one table each. Plain data: every
 * report format renders it.
 */
import type { ReportSection } from "../evidence-sections";
import type { AccessMatrix, Question } from "./matrix";

const DECISION: Record<string, string> = { Allowed: "allowed", ExplicitlyDenied: "denied (explicit deny)", ImplicitlyDenied: "denied (nothing allows it)", Error: "not evaluable" };

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function questionSection(q: Question): ReportSection {
  const byPrincipal = new Map<string, Question["rows"]>();
  for (const r of q.rows) byPrincipal.set(r.principal, [...(byPrincipal.get(r.principal) ?? []), r]);
  const rows = [...byPrincipal.entries()].map(([principal, rs]) => {
    const allowed = rs.filter((r) => r.decision === "Allowed");
    const answer =
      allowed.length === 0
        ? `no: ${[...new Set(rs.map((r) => DECISION[r.decision]))].join(", ")}`
        : `YES: ${allowed.map((r) => `${r.action}${r.through ? ` through ${r.through}` : r.action.startsWith("s3:") ? ` from outside the VPC${r.label.includes("MFA") ? ", signed in with MFA" : ""}` : ""} (${r.why})`).join("; ")}`;
    return [principal, rs[0].basis, answer];
  });
  return {
    id: `access-${slug(q.question)}`,
    title: q.question,
    summary: "Simulated against the policies the program declares (identity, resource, key, trust and VPC endpoint policies). Roles outside the program are given unrestricted identity policies: their answer is the most the platform's own policies allow them.",
    table: { columns: ["Principal", "Permissions taken from", "Can it?"], rows },
  };
}

export function accessSections(m: AccessMatrix): ReportSection[] {
  const failing = m.flows.filter((f) => !f.passed);
  const flows: ReportSection = {
    id: "access-matrix",
    title: failing.length === 0 && m.passed ? "Access matrix: every flow holds" : `Access matrix: FAILED (${failing.length} flow(s), ${m.unknownActions.length} unknown action(s), ${m.endpointGaps.length} call(s) from inside the VPC without an endpoint)`,
    summary:
      "The flows the platform exists for, which AWS must allow, and the flows it must refuse, each evaluated request by request as AWS evaluates them, with @cloud-copilot/iam-simulate, from the policies the program declares.",
    table: {
      columns: ["Flow", "Must be", "Result", "Requests simulated"],
      rows: m.flows.map((f) => [`${f.title} (${f.id})`, f.expect === "allow" ? "allowed" : "denied", f.passed ? "holds" : `FAILS: ${f.failure ?? ""}`, f.requests.length]),
    },
    notes: [
      ...m.assumptions,
      ...m.unknownActions.map((u) => `Unknown action ${u.action} in ${u.policy} (${u.statement}): ${u.reason}.`),
      ...m.endpointGaps.map((g) => `Rule ${g.rule}: ${g.resource} ${g.message}.`),
      ...m.problems,
      ...m.managedPolicies.map((r) => `${r.role} also carries AWS-managed policies (${r.policyArns.join(", ")}); their text is AWS's and is not evaluated offline.`),
    ],
  };
  return [flows, ...m.questions.map(questionSection)];
}
