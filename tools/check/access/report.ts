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

/** Said in the matrix of a stack file that defers the Kubernetes layer. */
export const DEFERRED_LAYER_ASSUMPTION =
  "This stack file defers the Kubernetes layer (deploy.kubernetesLayer: deferred, the first run of a private-endpoint stack), which declares the Pod Identity roles of the model servers, the gateway and the Cluster Autoscaler. The matrix is therefore simulated on the same stack file with deploy.kubernetesLayer: applied, the platform as the second run leaves it: pod flows are proven from the roles that run will declare, and nothing about the AWS layer differs.";

/**
 * The stack file the access matrix is simulated on: the stack's own, except that a deferred
 * Kubernetes layer is taken as applied, so the pod flows are evaluated from the roles the stack
 * declares once it is complete rather than reported missing. The AWS layer is the same either way.
 */
export function accessStackFile(file: StackFile): { file: StackFile; deferred: boolean } {
  let deploy: Record<string, unknown>;
  try {
    deploy = JSON.parse(file.config["sovereign-llm:deploy"] ?? "{}") as Record<string, unknown>;
  } catch {
    return { file, deferred: false };
  }
  if (deploy.kubernetesLayer !== "deferred") return { file, deferred: false };
  const config = { ...file.config, "sovereign-llm:deploy": JSON.stringify({ ...deploy, kubernetesLayer: "applied" }) };
  return { file: { ...file, config }, deferred: true };
}

/** The matrix of a stack from its update-mode synthesis (of `accessStackFile(file)`); a synthesis that failed is reported, not thrown. */
export async function accessFromSynthesis(outcome: SynthOutcome, file: StackFile): Promise<AccessOutcome> {
  if (!outcome.ok) return { ok: false, message: outcome.kind === "config" ? outcome.problems.join("\n") : outcome.message };
  const matrix = await accessMatrix(readAccessModel(outcome.result, file.config));
  if (accessStackFile(file).deferred) matrix.assumptions = [...matrix.assumptions, DEFERRED_LAYER_ASSUMPTION];
  return { ok: true, matrix };
}

export function renderAccessText(m: AccessMatrix): string {
  const allowed = m.flows.filter((f) => f.expect === "allow");
  const denied = m.flows.filter((f) => f.expect === "deny");
  const ok = (fs: typeof m.flows) => fs.filter((f) => f.passed).length;
  const lines = [
    `Access matrix (simulated with the platform's own identity, bucket, key, trust and endpoint policies):`,
    `  ${ok(allowed)}/${allowed.length} flows that must be allowed are allowed; ${ok(denied)}/${denied.length} flows that must be denied are denied; ${m.unknownActions.length} unknown action(s); ${m.endpointGaps.length} call(s) from inside the VPC without an endpoint.`,
  ];
  if (m.assumptions.includes(DEFERRED_LAYER_ASSUMPTION)) lines.push("  The stack file defers the Kubernetes layer: pod flows are simulated with the roles the second run (deploy.kubernetesLayer: applied) declares.");
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
        : `**yes**: ${allowed.map((r) => `${r.action}${r.through ? ` through ${r.through}` : r.action.startsWith("s3:") ? ` from outside the VPC${r.label.includes("MFA") ? ", signed in with MFA" : ""}` : ""} (${esc(r.why)})`).join("; ")}`;
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
  if (m.endpointGaps.length > 0) {
    out.push("Calls from inside the VPC that no VPC endpoint carries (rule `called-apis-have-endpoints`):", "", ...m.endpointGaps.map((g) => `- ${esc(g.resource)}: ${esc(g.message)}`), "");
  } else {
    out.push("Every AWS API the platform calls from inside the VPC (its table of callers, and every action granted to node and Pod Identity roles) has a VPC endpoint whose policy admits the call (rule `called-apis-have-endpoints`).", "");
  }
  for (const q of m.questions) out.push(...questionTable(q));
  if (m.managedPolicies.length > 0) {
    out.push("Roles that also carry AWS-managed policies (AWS's text, not evaluated offline; their answers above cover only the program's own policies):", "");
    for (const r of m.managedPolicies) out.push(`- ${r.role}: ${r.policyArns.map((a) => `\`${a}\``).join(", ")}`);
    out.push("");
  }
  return out.join("\n");
}
