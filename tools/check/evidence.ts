/**
 * The evidence report: for each framework requirement a stack must meet, which automated checks
 * (policies) serve it, which resources of the planned deployment they examined, and the result.
 * Built from the pack runs (what the packs said over gRPC) and the control library (which
 * requirement each policy answers to, which resource types it examines).
 */
import { spawnSync } from "node:child_process";
import type { Control, Framework } from "../../policy-packs/controls/types";
import type { Diagnostic, EnforcementLevel, PackRun } from "./analyzer";
import { REPO_ROOT } from "./stack-file";
import type { Registration, SynthResult } from "./synth";

export type PolicyResult = "pass" | "violated" | "advisory" | "not-evaluable" | "no-resources" | "disabled";

export interface ExaminedResource {
  urn: string;
  type: string;
  name: string;
}

export interface PolicyEvidence {
  name: string;
  description: string;
  severity: string;
  enforcementLevel: EnforcementLevel;
  remediation: string;
  /** Public rules the policy corresponds to (AWS Config, cdk-nag, Pod Security Standards). */
  references: string[];
  resourceTypes: string[];
  examined: ExaminedResource[];
  violations: { urn: string; enforcementLevel: EnforcementLevel; message: string }[];
  notEvaluable: { urn: string; message: string }[];
  result: PolicyResult;
}

export interface RequirementEvidence {
  id: string;
  result: PolicyResult;
  policies: PolicyEvidence[];
}

export interface FrameworkEvidence {
  framework: string;
  title: string;
  pack: string;
  packVersion: string;
  requirements: RequirementEvidence[];
}

export interface Evidence {
  schema: "sovereign-llm/evidence/v1";
  stack: string;
  project: string;
  generatedAt: string;
  mode: "preview" | "update";
  program: { commit: string; dirty: boolean; dirtyFiles: string[] };
  tools: { node: string; pulumi: string; policy: string };
  resources: { total: number; byType: Record<string, number> };
  packs: { name: string; dir: string; framework: string; version: string; policies: number; durationMs: number }[];
  frameworks: FrameworkEvidence[];
  findings: (Diagnostic & { remediation: string })[];
  outcome: { mandatoryViolations: number; advisoryViolations: number; notEvaluable: number; passed: boolean };
}

export const FRAMEWORK_TITLES: Record<string, string> = {
  hipaa: "HIPAA Security Rule (45 CFR Part 164, Subpart C)",
  gdpr: "GDPR (Regulation (EU) 2016/679)",
  soc2: "SOC 2 Trust Services Criteria",
  "fedramp-moderate": "FedRAMP Moderate (NIST SP 800-53 rev 5)",
};

const RESULT_ORDER: PolicyResult[] = ["violated", "advisory", "not-evaluable", "pass", "no-resources", "disabled"];
function worst(results: PolicyResult[]): PolicyResult {
  for (const r of RESULT_ORDER) if (results.includes(r)) return r;
  return "no-resources";
}

export function isBlocking(d: Diagnostic): boolean {
  return !d.notEvaluable && (d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate");
}

/** The program's commit and whether files that decide the result differ from it. */
export function programVersion(): Evidence["program"] {
  const run = (args: string[]) => spawnSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" });
  const head = run(["rev-parse", "HEAD"]);
  if (head.status !== 0) return { commit: "unknown (not a git checkout)", dirty: true, dirtyFiles: [] };
  const status = run(["status", "--porcelain", "--", "infra", "components", "policy-packs", "stacks", "tools/check", "Pulumi.yaml", "package.json", "package-lock.json"]);
  const dirtyFiles = status.stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.slice(3));
  return { commit: head.stdout.trim(), dirty: dirtyFiles.length > 0, dirtyFiles };
}

function sdkVersion(pkg: string): string {
  try {
    return (require(`@pulumi/${pkg}/package.json`) as { version: string }).version.replace(/^v/, "");
  } catch {
    return "unknown";
  }
}

export function countByType(registrations: Registration[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function buildEvidence(args: { synth: SynthResult; runs: { pack: string; run: PackRun }[]; controls: Control[]; program?: Evidence["program"]; now?: Date }): Evidence {
  const { synth, runs, controls } = args;
  const byPolicy = new Map(controls.map((c) => [c.policy.name, c]));
  const frameworks: FrameworkEvidence[] = [];
  const findings: Evidence["findings"] = [];
  for (const { pack, run } of runs) {
    const requirements = new Map<string, PolicyEvidence[]>();
    for (const info of run.info.policies) {
      const control = byPolicy.get(info.name);
      const level = run.config[info.name]?.enforcementLevel ?? info.enforcementLevel;
      const resourceTypes = control?.resourceTypes ?? [];
      const mine = run.diagnostics.filter((d) => d.policyName === info.name);
      // A resource counts as examined unless the pack said the policy does not apply to it.
      const skipped = new Set(run.notApplicable.filter((n) => n.policyName === info.name && n.urn).map((n) => n.urn));
      // A control that lists no types examines every cloud resource (a region allow-list, say).
      const inScope = (r: Registration) => (resourceTypes.length > 0 ? resourceTypes.includes(r.type) : r.custom);
      const examined = synth.registrations
        .filter((r) => inScope(r) && !skipped.has(r.urn))
        .map((r) => ({ urn: r.urn, type: r.type, name: r.name }));
      const violations = mine.filter((d) => !d.notEvaluable).map((d) => ({ urn: d.urn, enforcementLevel: d.enforcementLevel, message: d.message }));
      const notEvaluable = mine.filter((d) => d.notEvaluable).map((d) => ({ urn: d.urn, message: d.message }));
      const result: PolicyResult =
        level === "disabled"
          ? "disabled"
          : violations.some((v) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate")
            ? "violated"
            : violations.length > 0
              ? "advisory"
              : notEvaluable.length > 0
                ? "not-evaluable"
                : examined.length > 0
                  ? "pass"
                  : "no-resources";
      const evidence: PolicyEvidence = {
        name: info.name,
        description: info.description,
        severity: info.severity,
        enforcementLevel: level,
        remediation: control?.remediation ?? info.remediation,
        references: control?.references ?? [],
        resourceTypes,
        examined,
        violations,
        notEvaluable,
        result,
      };
      const ids = control?.frameworks[pack as Framework] ?? (info.framework?.reference ? info.framework.reference.split("; ") : []);
      for (const id of ids.length > 0 ? ids : ["(not mapped to a requirement)"]) {
        requirements.set(id, [...(requirements.get(id) ?? []), evidence]);
      }
      for (const d of mine) findings.push({ ...d, remediation: evidence.remediation });
    }
    frameworks.push({
      framework: pack,
      title: FRAMEWORK_TITLES[pack] ?? pack,
      pack: run.info.name,
      packVersion: run.info.version,
      requirements: [...requirements.entries()]
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([id, policies]) => ({ id, result: worst(policies.map((p) => p.result)), policies })),
    });
  }
  const real = findings.filter((f) => !f.notEvaluable);
  return {
    schema: "sovereign-llm/evidence/v1",
    stack: synth.stack,
    project: synth.project,
    generatedAt: (args.now ?? new Date()).toISOString(),
    mode: synth.preview ? "preview" : "update",
    program: args.program ?? programVersion(),
    tools: { node: process.version, pulumi: sdkVersion("pulumi"), policy: sdkVersion("policy") },
    resources: { total: synth.registrations.length, byType: countByType(synth.registrations) },
    packs: runs.map(({ pack, run }) => ({ name: run.info.name, dir: pack, framework: pack, version: run.info.version, policies: run.info.policies.length, durationMs: run.durationMs })),
    frameworks,
    findings,
    outcome: {
      mandatoryViolations: real.filter(isBlocking).length,
      advisoryViolations: real.filter((f) => !isBlocking(f)).length,
      notEvaluable: findings.filter((f) => f.notEvaluable).length,
      passed: !real.some(isBlocking),
    },
  };
}

const RESULT_TEXT: Record<PolicyResult, string> = {
  pass: "Pass",
  violated: "**FAIL**",
  advisory: "Pass with advisory findings",
  "not-evaluable": "Not evaluable before deployment",
  "no-resources": "Nothing to examine",
  disabled: "Check disabled by configuration",
};

/** `aws:s3/bucket:Bucket` → "AWS s3 Bucket"; readable without knowing Pulumi's type tokens. */
export function friendlyType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  if (pkg === "pulumi") return mod === "pulumi" ? "Deployment (stack)" : `${mod ?? ""} ${name ?? ""}`.trim();
  if (pkg === "sovereign-llm") return `Platform component: ${name ?? mod}`;
  const module = (mod ?? "").split("/")[0];
  return `${pkg.toUpperCase()} ${module} ${name ?? ""}`.trim();
}

function esc(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

export function renderMarkdown(e: Evidence): string {
  const out: string[] = [];
  const verdict = e.outcome.passed ? "PASSED: no mandatory check failed" : `FAILED: ${e.outcome.mandatoryViolations} mandatory finding(s)`;
  out.push(`# Compliance evidence: stack \`${e.stack}\``, "");
  out.push(`**Result: ${verdict}.**`, "");
  out.push("| | |", "|---|---|");
  out.push(`| System | ${e.project} (deployment \`${e.stack}\`) |`);
  out.push(`| Generated | ${e.generatedAt} |`);
  out.push(`| Source code version | git commit \`${e.program.commit}\`${e.program.dirty ? ` **with uncommitted changes** (${e.program.dirtyFiles.length} file(s))` : " (no uncommitted changes)"} |`);
  out.push(`| What was examined | the planned deployment (${e.resources.total} cloud resources and groupings), computed from the source code without access to any cloud account |`);
  out.push(`| Frameworks | ${e.frameworks.map((f) => f.title).join("; ") || "none"} |`);
  out.push(`| Findings | ${e.outcome.mandatoryViolations} blocking, ${e.outcome.advisoryViolations} advisory, ${e.outcome.notEvaluable} not evaluable before deployment |`);
  out.push("");
  out.push("## How to read this report", "");
  out.push(
    "The infrastructure of this system is defined as source code. Before anything is deployed, the code is run in a dry-run mode that",
    "produces the full list of cloud resources it would create, with their settings. Automated checks (*policies*) then examine that list.",
    "Each policy serves one or more requirements of a compliance framework; a requirement below lists the policies that serve it, the",
    "resources they examined, and the outcome:",
    "",
    "- **Pass**: every examined resource meets the policy.",
    "- **FAIL**: at least one resource breaks a *mandatory* policy. A deployment is refused until it is fixed.",
    "- **Pass with advisory findings**: a non-blocking policy reported something worth reviewing.",
    "- **Not evaluable before deployment**: a value the policy needs (for example an identifier assigned by the cloud provider) is only known once",
    "  the resource exists; the same policy runs again at deployment time and blocks the deployment if it fails then.",
    "- **Nothing to examine**: the deployment contains no resource of the kinds the policy checks.",
    "",
    "The same policies run when an operator deploys (`pulumi up --policy-pack ...`), so a deployment cannot drop a control this report shows as passing.",
    "",
  );
  out.push("## Policy packs", "");
  out.push("| Framework | Policy pack | Version | Policies | Requirements | Result |", "|---|---|---|---|---|---|");
  for (const f of e.frameworks) {
    const failed = f.requirements.filter((r) => r.result === "violated").length;
    const pack = e.packs.find((p) => p.framework === f.framework);
    out.push(`| ${f.title} | \`${f.pack}\` | ${f.packVersion} | ${pack?.policies ?? 0} | ${f.requirements.length} | ${failed > 0 ? `**${failed} requirement(s) failed**` : "all requirements pass"} |`);
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
      out.push(`| ${esc(r.id)} | ${RESULT_TEXT[r.result]} | ${r.policies.map((p) => `\`${p.name}\``).join(", ")} | ${examined} |`);
    }
    out.push("");
    for (const r of f.requirements) {
      out.push(`### ${f.framework.toUpperCase()} ${r.id}: ${RESULT_TEXT[r.result]}`, "");
      for (const p of r.policies) {
        out.push(`- **\`${p.name}\`** (${p.severity} severity, ${p.enforcementLevel}): ${esc(p.description)}`);
        out.push(`  - Result: ${RESULT_TEXT[p.result]}`);
        if (p.references.length > 0) out.push(`  - Corresponds to: ${p.references.map(esc).join("; ")}`);
        if (p.examined.length > 0) {
          const byType = new Map<string, string[]>();
          for (const x of p.examined) byType.set(x.type, [...(byType.get(x.type) ?? []), x.name]);
          out.push(`  - Examined ${p.examined.length} resource(s): ${[...byType.entries()].map(([t, names]) => `${friendlyType(t)} (\`${t}\`): ${names.join(", ")}`).join("; ")}`);
        } else {
          out.push(`  - Examined: none (the deployment has no ${p.resourceTypes.map((t) => `\`${t}\``).join(", ") || "resources of the kinds this policy checks"})`);
        }
        for (const v of p.violations) out.push(`  - ${v.enforcementLevel === "advisory" ? "Advisory" : "**Violation**"} on \`${v.urn}\`: ${esc(v.message)}`);
        for (const n of p.notEvaluable) out.push(`  - Not evaluable on \`${n.urn || "the stack"}\`: ${esc(n.message)}`);
        if (p.violations.length > 0) out.push(`  - Remediation: ${esc(p.remediation)}`);
      }
      out.push("");
    }
  }
  out.push("## Resources in the planned deployment", "");
  out.push("| Kind | Type | Count |", "|---|---|---|");
  for (const [type, n] of Object.entries(e.resources.byType)) out.push(`| ${friendlyType(type)} | \`${type}\` | ${n} |`);
  out.push("");
  out.push("## Provenance", "");
  out.push(`- Packs: ${e.packs.map((p) => `${p.name} ${p.version} (\`policy-packs/${p.dir}\`)`).join(", ") || "none"}`);
  out.push(`- Tools: Node.js ${e.tools.node}, Pulumi SDK ${e.tools.pulumi}, Pulumi policy SDK ${e.tools.policy}`);
  if (e.program.dirty) out.push(`- Uncommitted changes in: ${e.program.dirtyFiles.map((f) => `\`${f}\``).join(", ")}`);
  out.push(`- The machine-readable form of this report is \`evidence.json\` beside this file.`, "");
  return out.join("\n");
}
