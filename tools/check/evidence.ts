/**
 * The evidence report: for each framework requirement a stack must meet, which automated checks
 * (policies) serve it, which resources of the planned deployment they examined, and the result;
 * the deployment's region and residency; the pack configuration in force and every deviation
 * from it; and what could not be checked before deployment, with what checks it afterwards.
 * Built from the pack runs (what the packs said over gRPC), the control library (which
 * requirement each policy answers to, which resource types it examines) and the stack file.
 * Rendering lives in evidence-markdown.ts and evidence-html.ts.
 */
import { spawnSync } from "node:child_process";
import type { Control, Framework } from "../../policy-packs/controls/types";
import type { Diagnostic, EnforcementLevel, PackRun } from "./analyzer";
import { packConfigEvidence, type ConfigSource, type PackConfigEvidence } from "./evidence-config";
import { collectSections, type ReportSection } from "./evidence-sections";
import { requirementTitle } from "./evidence-titles";
import type { PackConfigFile } from "./pack-config";
import { REPO_ROOT } from "./stack-file";
import type { Registration, SynthResult } from "./synth";

export type PolicyResult = "pass" | "violated" | "advisory" | "not-evaluable" | "no-resources" | "disabled";
export type Verdict = "pass" | "pass-modified" | "fail" | "nothing-evaluated";

export interface ExaminedResource {
  urn: string;
  type: string;
  name: string;
}

export interface PolicyEvidence {
  name: string;
  description: string;
  severity: string;
  /** "resource": runs on each resource before it changes; "stack": runs on the whole deployment. */
  kind: "resource" | "stack";
  enforcementLevel: EnforcementLevel;
  /** The level the stack implies without --config (the pack's own level). */
  defaultLevel: EnforcementLevel;
  /** Parameter values in force (defaults filled). */
  parameters: Record<string, unknown>;
  /** Deviations of this policy's config from the default, in words. */
  deviations: string[];
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
  /** "Audit controls" for 164.312(b); empty when the title table lacks the id. */
  title: string;
  result: PolicyResult;
  policies: PolicyEvidence[];
}

export interface CheckCounts {
  total: number;
  pass: number;
  violated: number;
  advisory: number;
  notEvaluable: number;
  noResources: number;
  disabled: number;
}

export interface FrameworkEvidence {
  framework: string;
  title: string;
  pack: string;
  packVersion: string;
  checks: CheckCounts;
  requirements: RequirementEvidence[];
}

/** A check that could not be decided before deployment, once per policy and resource (not per pack). */
export interface PendingCheck {
  policy: string;
  packs: string[];
  kind: "resource" | "stack";
  /** '' when the stack policy could not name one resource. */
  urn: string;
  resource: string;
  /** What was not known, in plain words. */
  reason: string;
  /** What checks it after this report, and what a failure then means. */
  checkedBy: string;
}

export interface Evidence {
  schema: "sovereign-llm/evidence/v2";
  stack: string;
  project: string;
  generatedAt: string;
  mode: "preview" | "update";
  program: { commit: string; dirty: boolean; dirtyFiles: string[] };
  tools: { node: string; pulumi: string; policy: string };
  deployment: {
    region: string;
    residency: string[];
    declaredFrameworks: string[];
    /** The allowed regions the region allow-list enforced, and where they came from. */
    regionsEnforced: string[];
    regionsSource: string;
  };
  packConfig: PackConfigEvidence;
  resources: { total: number; byType: Record<string, number> };
  packs: { name: string; dir: string; framework: string; version: string; policies: number; durationMs: number }[];
  /** Every distinct check across packs, with its worst result. */
  checks: CheckCounts;
  frameworks: FrameworkEvidence[];
  pending: PendingCheck[];
  findings: (Diagnostic & { remediation: string })[];
  sections: ReportSection[];
  outcome: {
    verdict: Verdict;
    /** The verdict line, as the report prints it. */
    summary: string;
    /** Distinct findings (a finding reported by several packs counts once). */
    mandatoryViolations: number;
    advisoryViolations: number;
    notEvaluable: number;
    deviations: number;
    /** False when a mandatory check failed: the deploy would be refused. */
    passed: boolean;
  };
}

export const FRAMEWORK_TITLES: Record<string, string> = {
  hipaa: "HIPAA Security Rule (45 CFR Part 164, Subpart C)",
  gdpr: "GDPR (Regulation (EU) 2016/679)",
  soc2: "SOC 2 Trust Services Criteria",
  "fedramp-moderate": "FedRAMP Moderate (NIST SP 800-53 rev 5)",
};

export const REGION_POLICY = "sovereign-llm-region-allow-list";
const REGION_SOURCE: Record<ConfigSource, string> = {
  "stack file": "the regions of the stack's residency (sovereign-llm:residency)",
  "--config": "set by the --config file, not by the stack's residency",
  "pack default": "the pack's default",
};

const RESULT_ORDER: PolicyResult[] = ["violated", "disabled", "advisory", "not-evaluable", "pass", "no-resources"];
function worst(results: PolicyResult[]): PolicyResult {
  for (const r of RESULT_ORDER) if (results.includes(r)) return r;
  return "no-resources";
}

export function isBlocking(d: Diagnostic): boolean {
  return !d.notEvaluable && (d.enforcementLevel === "mandatory" || d.enforcementLevel === "remediate");
}

const blockingLevel = (l: EnforcementLevel) => l === "mandatory" || l === "remediate";

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

function countChecks(results: PolicyResult[]): CheckCounts {
  const n = (r: PolicyResult) => results.filter((x) => x === r).length;
  return { total: results.length, pass: n("pass"), violated: n("violated"), advisory: n("advisory"), notEvaluable: n("not-evaluable"), noResources: n("no-resources"), disabled: n("disabled") };
}

/** Does a control with these declared types examine this registration? `*` (or none) means every cloud resource. */
export function inScope(resourceTypes: string[], r: Registration): boolean {
  if (resourceTypes.length === 0 || resourceTypes.includes("*")) return r.custom && !r.type.startsWith("pulumi:providers:");
  return resourceTypes.includes(r.type);
}

/** The part of an analyzer's "can't run policy ... during preview" message that says what was unknown, in plain words. */
export function unknownReason(message: string): string {
  const detail = message.replace(/^can't run policy '[^']+' from policy pack '[^']+' during preview: /, "").replace(/ can't be known during preview$/, "");
  const atPath = /^\w+ value at \.([\w.[\]]+) unknown$/.exec(detail);
  if (atPath) return `its setting \`${atPath[1]}\` is computed from other resources and is only known once they exist`;
  const described = /^\w+ value at \.(.+): (.+) unknown$/.exec(detail);
  if (described) return `${described[2]} of ${described[1]} is computed from other resources and is only known once they exist`;
  return detail;
}

function checkedBy(kind: "resource" | "stack"): string {
  return kind === "resource"
    ? "the same policy during `pulumi up`, just before this resource is created or changed, once the values it needs exist; a failure stops the update there (resources changed earlier in the same update stay changed)"
    : "the same policy at the end of `pulumi up`, after the resources were created or changed; a failure marks the update failed but does not prevent or undo the change: fix it and deploy again";
}

function verdictLine(v: Verdict, o: { mandatory: number; checks: CheckCounts; deviations: number; weakened: number; hiddenFailures: number }): string {
  const c = o.checks;
  const evaluated = `${c.pass} of ${c.total} checks pass`;
  const rest = [
    c.violated > 0 ? `${c.violated} fail` : "",
    c.advisory > 0 ? `${c.advisory} with advisory findings` : "",
    c.notEvaluable > 0 ? `${c.notEvaluable} not evaluable before deployment` : "",
    c.noResources > 0 ? `${c.noResources} with nothing to examine` : "",
    c.disabled > 0 ? `${c.disabled} disabled` : "",
  ].filter(Boolean);
  const counts = `${evaluated}${rest.length > 0 ? `, ${rest.join(", ")}` : ""}`;
  switch (v) {
    case "fail":
      return `FAILED: ${o.mandatory} mandatory finding(s); ${counts}${o.deviations > 0 ? `; under a modified pack config (${o.deviations} deviation(s) from the default)` : ""}`;
    case "nothing-evaluated":
      return `NOTHING EVALUATED: no check could examine anything (${counts}); this report is no evidence of compliance`;
    case "pass-modified":
      return `PASSED ONLY UNDER A MODIFIED PACK CONFIG: ${o.deviations} deviation(s) from the default${o.weakened > 0 ? `, ${o.weakened} weakening enforcement` : ""}${o.hiddenFailures > 0 ? `; ${o.hiddenFailures} finding(s) would block under the default` : ""}; ${counts}`;
    case "pass":
      return `PASSED: ${counts}`;
  }
}

export interface EvidenceInput {
  synth: SynthResult;
  runs: { pack: string; run: PackRun }[];
  controls: Control[];
  program?: Evidence["program"];
  now?: Date;
  /** The stack file's config (`namespace:key` → CLI string) and path, for region, residency and declared frameworks. */
  stackConfig?: Record<string, string>;
  stackFile?: string;
  /** The pack config the stack implies on its own, and the --config file (contents and path) when given. */
  stackImplied?: PackConfigFile;
  explicit?: PackConfigFile;
  explicitFile?: string;
}

function jsonList(value: string | undefined): string[] {
  try {
    const v = JSON.parse(value ?? "[]") as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export function buildEvidence(args: EvidenceInput): Evidence {
  const { synth, runs, controls } = args;
  const stackConfig = args.stackConfig ?? {};
  const byPolicy = new Map(controls.map((c) => [c.policy.name, c]));
  const byUrn = new Map(synth.registrations.map((r) => [r.urn, r]));
  const packConfig = packConfigEvidence({ runs, stackImplied: args.stackImplied ?? {}, explicit: args.explicit, explicitFile: args.explicitFile, stackFile: args.stackFile ?? `stacks/Pulumi.${synth.stack}.yaml` });
  const deviationsOf = (name: string) => packConfig.deviations.filter((d) => d.policy === name).map((d) => d.text);
  const frameworks: FrameworkEvidence[] = [];
  const findings: Evidence["findings"] = [];
  const overall = new Map<string, PolicyResult>();
  const pending = new Map<string, PendingCheck>();
  let hiddenFailures = 0;
  for (const { pack, run } of runs) {
    const requirements = new Map<string, PolicyEvidence[]>();
    const results: PolicyResult[] = [];
    for (const info of run.info.policies) {
      const control = byPolicy.get(info.name);
      const level = run.config[info.name]?.enforcementLevel ?? info.enforcementLevel;
      const defaultLevel = packConfig.policies.find((p) => p.policy === info.name)?.defaultLevel ?? info.enforcementLevel;
      const resourceTypes = control?.resourceTypes ?? [];
      const mine = run.diagnostics.filter((d) => d.policyName === info.name);
      // A resource counts as examined unless the pack said the policy does not apply to it.
      const skipped = new Set(run.notApplicable.filter((n) => n.policyName === info.name && n.urn).map((n) => n.urn));
      const examined =
        level === "disabled"
          ? []
          : synth.registrations.filter((r) => inScope(resourceTypes, r) && !skipped.has(r.urn)).map((r) => ({ urn: r.urn, type: r.type, name: r.name }));
      const violations = mine.filter((d) => !d.notEvaluable).map((d) => ({ urn: d.urn, enforcementLevel: d.enforcementLevel, message: d.message }));
      const notEvaluable = mine.filter((d) => d.notEvaluable).map((d) => ({ urn: d.urn, message: d.message }));
      // A policy whose default blocks fails when it finds something, even if pack config made it advisory.
      const result: PolicyResult =
        level === "disabled"
          ? "disabled"
          : violations.length > 0 && (blockingLevel(defaultLevel) || violations.some((v) => blockingLevel(v.enforcementLevel)))
            ? "violated"
            : violations.length > 0
              ? "advisory"
              : notEvaluable.length > 0
                ? "not-evaluable"
                : examined.length > 0
                  ? "pass"
                  : "no-resources";
      if (result === "violated" && !violations.some((v) => blockingLevel(v.enforcementLevel)) && !overall.has(info.name)) hiddenFailures += violations.length;
      results.push(result);
      overall.set(info.name, worst([result, ...(overall.has(info.name) ? [overall.get(info.name)!] : [])]));
      const evidence: PolicyEvidence = {
        name: info.name,
        description: info.description,
        severity: info.severity,
        kind: info.kind,
        enforcementLevel: level,
        defaultLevel,
        parameters: run.config[info.name]?.properties ?? {},
        deviations: deviationsOf(info.name),
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
      for (const n of notEvaluable) {
        const key = `${info.name}\n${n.urn}`;
        const seen = pending.get(key);
        if (seen) {
          if (!seen.packs.includes(pack)) seen.packs.push(pack);
          continue;
        }
        const r = byUrn.get(n.urn);
        pending.set(key, {
          policy: info.name,
          packs: [pack],
          kind: info.kind,
          urn: n.urn,
          resource: r ? `${r.name} (${friendlyType(r.type)})` : n.urn || "the deployment as a whole",
          reason: unknownReason(n.message),
          checkedBy: checkedBy(info.kind),
        });
      }
    }
    frameworks.push({
      framework: pack,
      title: FRAMEWORK_TITLES[pack] ?? pack,
      pack: run.info.name,
      packVersion: run.info.version,
      checks: countChecks(results),
      requirements: [...requirements.entries()]
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([id, policies]) => ({ id, title: requirementTitle(pack, id) ?? "", result: worst(policies.map((p) => p.result)), policies })),
    });
  }
  const real = findings.filter((f) => !f.notEvaluable);
  const checks = countChecks([...overall.values()]);
  // The same finding from several packs is one finding.
  const unique = (list: Diagnostic[]) => new Set(list.map((f) => `${f.policyName}\n${f.urn}\n${f.message}`)).size;
  const mandatory = unique(real.filter(isBlocking));
  const deviations = packConfig.deviations.length;
  const weakened = packConfig.deviations.filter((d) => d.weakens).length;
  const verdict: Verdict = mandatory > 0 ? "fail" : checks.pass + checks.advisory + checks.violated === 0 ? "nothing-evaluated" : deviations > 0 ? "pass-modified" : "pass";
  const regionConfig = runs.map(({ run }) => run.config[REGION_POLICY]).find((c) => c !== undefined);
  const allowed = Array.isArray(regionConfig?.properties.allowedRegions) ? (regionConfig.properties.allowedRegions as string[]) : [];
  const region = stackConfig["aws:region"] ?? "(not set)";
  return {
    schema: "sovereign-llm/evidence/v2",
    stack: synth.stack,
    project: synth.project,
    generatedAt: (args.now ?? new Date()).toISOString(),
    mode: synth.preview ? "preview" : "update",
    program: args.program ?? programVersion(),
    tools: { node: process.version, pulumi: sdkVersion("pulumi"), policy: sdkVersion("policy") },
    deployment: {
      region,
      residency: jsonList(stackConfig["sovereign-llm:residency"]),
      declaredFrameworks: jsonList(stackConfig["sovereign-llm:compliance"]),
      regionsEnforced: regionConfig === undefined ? [] : allowed.length > 0 ? allowed : [region],
      regionsSource:
        regionConfig === undefined
          ? "no pack in this report enforces a region allow-list"
          : allowed.length > 0
            ? REGION_SOURCE[packConfig.policies.find((p) => p.policy === REGION_POLICY)?.parameters.find((p) => p.name === "allowedRegions")?.source ?? "pack default"]
            : "no allowedRegions configured: the stack's provider region only",
    },
    packConfig,
    resources: { total: synth.registrations.length, byType: countByType(synth.registrations) },
    packs: runs.map(({ pack, run }) => ({ name: run.info.name, dir: pack, framework: pack, version: run.info.version, policies: run.info.policies.length, durationMs: run.durationMs })),
    checks,
    frameworks,
    pending: [...pending.values()],
    findings,
    sections: collectSections({ synth, runs }),
    outcome: {
      verdict,
      summary: verdictLine(verdict, { mandatory, checks, deviations, weakened, hiddenFailures }),
      mandatoryViolations: mandatory,
      advisoryViolations: unique(real.filter((f) => !isBlocking(f))),
      notEvaluable: pending.size,
      deviations,
      passed: mandatory === 0,
    },
  };
}

/** `aws:s3/bucket:Bucket` → "AWS s3 Bucket"; readable without knowing Pulumi's type tokens. */
export function friendlyType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  if (pkg === "pulumi") return mod === "pulumi" ? "Deployment (stack)" : `${mod ?? ""} ${name ?? ""}`.trim();
  if (pkg === "sovereign-llm") return `Platform component: ${name ?? mod}`;
  const module = (mod ?? "").split("/")[0];
  return `${pkg.toUpperCase()} ${module} ${name ?? ""}`.trim();
}

export { renderMarkdown } from "./evidence-markdown";
