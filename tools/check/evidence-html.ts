/**
 * The evidence report as one self-contained HTML file (evidence.html): no script, no external
 * style, font or image, and a Content-Security-Policy that forbids fetching anything, so it
 * opens the same offline, from an archive or an e-mail. The summary an auditor reads first comes
 * at the top; per-framework tables link down to each requirement's checks and from there to the
 * resources examined, all within the page.
 */
import { createHash } from "node:crypto";
import type { Evidence, PolicyEvidence, PolicyResult, Verdict } from "./evidence";
import { friendlyType } from "./evidence";
import { show } from "./evidence-config";
import { READING_GUIDE, RESULT_TEXT, countsText, requirementLabel, splitReferences, timingText } from "./evidence-markdown";
import type { ReportSection } from "./evidence-sections";

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
const h = escapeHtml;
/** Escapes text and shows its `code spans` as code (the plain-words texts are shared with Markdown). */
const inline = (text: string) => h(text).replace(/`([^`]+)`/g, "<code>$1</code>");

/** Stable in-page anchors: short hashes, so URNs of any length make valid, compact ids. */
export const anchor = {
  resource: (urn: string) => `res-${createHash("sha256").update(urn).digest("hex").slice(0, 12)}`,
  framework: (fw: string) => `fw-${fw}`,
  requirement: (fw: string, id: string) => `req-${fw}-${createHash("sha256").update(id).digest("hex").slice(0, 10)}`,
  section: (id: string) => `sec-${id}`,
};

const RESULT_CLASS: Record<PolicyResult, string> = { pass: "ok", violated: "bad", advisory: "warn", "not-evaluable": "warn", "no-resources": "muted", disabled: "bad" };
const VERDICT_CLASS: Record<Verdict, string> = { pass: "ok", "pass-modified": "warn", fail: "bad", "nothing-evaluated": "bad" };

const badge = (r: PolicyResult) => `<span class="badge ${RESULT_CLASS[r]}">${h(RESULT_TEXT[r])}</span>`;
const code = (t: string) => `<code>${h(t)}</code>`;

const STYLE = `
:root{--ok:#1a7f37;--bad:#b42318;--warn:#9a6700;--muted:#59636e;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;padding:0 1.5rem 3rem;max-width:75rem;margin-inline:auto}
h1{font-size:1.6rem;margin:1.2rem 0 .6rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;table-layout:auto}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg);overflow-wrap:normal}
.verdict{border:2px solid;border-radius:6px;padding:.8rem 1rem;font-size:1.1rem;font-weight:600;margin:.5rem 0 1rem}
.verdict.ok{border-color:var(--ok);color:var(--ok)}.verdict.bad{border-color:var(--bad);color:var(--bad)}.verdict.warn{border-color:var(--warn);color:var(--warn)}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.85rem;font-weight:600;white-space:nowrap}
.badge.ok{background:#dafbe1;color:var(--ok)}.badge.bad{background:#ffebe9;color:var(--bad)}.badge.warn{background:#fff8c5;color:var(--warn)}.badge.muted{background:var(--bg);color:var(--muted)}
dl.facts{display:grid;grid-template-columns:minmax(10rem,16rem) 1fr;gap:.25rem 1rem;margin:0 0 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
nav.toc{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem;margin:1rem 0}nav.toc ul{margin:.2rem 0;padding-left:1.2rem}
.policy{border-left:3px solid var(--line);padding:.2rem 0 .2rem .8rem;margin:.6rem 0}
.policy.bad{border-color:var(--bad)}.policy.warn{border-color:var(--warn)}.policy.ok{border-color:var(--ok)}
.muted{color:var(--muted)}.bad-text{color:var(--bad)}
ul.deviations li{color:var(--bad)}
svg.chart text{font:12px system-ui,sans-serif}
@media print{nav.toc{display:none}details{display:block}details>summary{display:none}}
`;

function factsHtml(e: Evidence): string {
  const d = e.deployment;
  const cfg = e.packConfig;
  const rows: [string, string][] = [
    ["System", `${h(e.project)} (deployment ${code(e.stack)})`],
    ["AWS region", h(d.region)],
    ["Data residency", h(d.residency.join(", ") || "not declared")],
    ["Regions enforced", `${h(d.regionsEnforced.join(", ") || "none")} <span class="muted">(${h(d.regionsSource)})</span>`],
    ["Frameworks the stack declares", h(d.declaredFrameworks.join(", ") || "none")],
    ["Frameworks checked", e.frameworks.map((f) => `<a href="#${anchor.framework(f.framework)}">${h(f.title)}</a>`).join("; ") || "none"],
    ["Pack config", cfg.deviations.length === 0 ? "the default for this stack (no deviation)" : `<strong class="bad-text">${cfg.deviations.length} deviation(s) from the default</strong>: <a href="#deviations">listed below</a>`],
    ["Checks", h(countsText(e.checks))],
    ["Not evaluable before deployment", e.pending.length === 0 ? "none" : `<a href="#pending">${e.pending.length} item(s)</a>, each with what checks it later`],
    ["What was examined", `the planned deployment (<a href="#resources">${e.resources.total} cloud resources and groupings</a>), computed from the source code without access to any cloud account`],
    ["Source code version", `git commit ${code(e.program.commit)}${e.program.dirty ? ` <strong>with uncommitted changes</strong> (${e.program.dirtyFiles.length} file(s))` : " (no uncommitted changes)"}`],
    ["Generated", h(e.generatedAt)],
  ];
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function resourceLink(urn: string, known: Set<string>, label?: string): string {
  const text = label ?? urn;
  return urn && known.has(urn) ? `<a href="#${anchor.resource(urn)}">${code(text)}</a>` : code(text || "the stack");
}

function policyHtml(p: PolicyEvidence, known: Set<string>): string {
  const level = p.enforcementLevel === p.defaultLevel ? h(p.enforcementLevel) : `<strong>${h(p.enforcementLevel)}</strong> (default ${h(p.defaultLevel)})`;
  const parts = [
    `<div class="policy ${RESULT_CLASS[p.result]}">`,
    `<p>${code(p.name)} ${badge(p.result)} <span class="muted">${h(p.severity)} severity, ${level}, ${p.kind === "resource" ? "checked per resource before it changes" : "checked on the whole deployment"}</span></p>`,
    `<p>${h(p.description)}</p>`,
  ];
  if (p.deviations.length > 0) parts.push(`<ul class="deviations">${p.deviations.map((d) => `<li>Pack config deviation: ${inline(d)}</li>`).join("")}</ul>`);
  const params = Object.entries(p.parameters);
  if (params.length > 0) parts.push(`<p>Enforced with: ${params.map(([k, v]) => `${h(k)} = ${code(show(v))}`).join("; ")}</p>`);
  const refs = splitReferences(p.references);
  if (refs.corresponds.length > 0) parts.push(`<p class="muted">Implements the public rule(s): ${refs.corresponds.map(h).join("; ")}</p>`);
  if (refs.related.length > 0) parts.push(`<p class="muted">Related rule(s), not what this check implements: ${refs.related.map(h).join("; ")}</p>`);
  for (const n of refs.notes) parts.push(`<p class="muted">${h(n)}</p>`);
  if (p.violations.length > 0) {
    parts.push(`<ul>${p.violations.map((v) => `<li><strong>${v.enforcementLevel === "advisory" ? (p.result === "violated" ? "Violation (not blocking: made advisory by pack config)" : "Advisory") : "Violation"}</strong> on ${resourceLink(v.urn, known)}: ${h(v.message)}</li>`).join("")}</ul>`);
    parts.push(`<p>Remediation: ${h(p.remediation)}</p>`);
  }
  if (p.notEvaluable.length > 0) parts.push(`<p>Not evaluable before deployment on ${p.notEvaluable.map((n) => resourceLink(n.urn, known)).join(", ")}: <a href="#pending">see what checks it later</a>.</p>`);
  if (p.examined.length > 0) {
    parts.push(`<details><summary>Examined ${p.examined.length} resource(s)</summary><ul>${p.examined.map((x) => `<li>${resourceLink(x.urn, known, x.name)} <span class="muted">${h(friendlyType(x.type))}</span></li>`).join("")}</ul></details>`);
  } else {
    parts.push(`<p class="muted">Examined: none (${p.result === "disabled" ? "disabled by pack config" : `the deployment has no ${h(p.resourceTypes.join(", ") || "resources of the kinds this policy checks")}`})</p>`);
  }
  parts.push("</div>");
  return parts.join("\n");
}

function chartSvg(chart: NonNullable<ReportSection["chart"]>): string {
  const max = Math.max(1, ...chart.bars.map((b) => b.value));
  const rowH = 22;
  const width = 640;
  const labelW = 220;
  const bars = chart.bars
    .map((b, i) => {
      const w = Math.round(((width - labelW - 90) * b.value) / max);
      const y = i * rowH;
      return `<text x="0" y="${y + 15}">${h(b.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="#0969da"></rect><text x="${labelW + w + 6}" y="${y + 15}">${h(String(b.value))} ${h(chart.unit)}</text>`;
    })
    .join("");
  return `<svg class="chart" role="img" aria-label="bar chart" viewBox="0 0 ${width} ${chart.bars.length * rowH}" width="100%" style="max-width:${width}px">${bars}</svg>`;
}

function sectionHtml(s: ReportSection): string {
  const parts = [`<section id="${anchor.section(s.id)}"><h2>${h(s.title)}</h2><p>${h(s.summary)}</p>`];
  if (s.chart) parts.push(chartSvg(s.chart));
  if (s.table) parts.push(`<table><thead><tr>${s.table.columns.map((c) => `<th>${h(c)}</th>`).join("")}</tr></thead><tbody>${s.table.rows.map((r) => `<tr>${r.map((c) => `<td>${h(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`);
  if (s.notes?.length) parts.push(`<ul>${s.notes.map((n) => `<li>${h(n)}</li>`).join("")}</ul>`);
  parts.push("</section>");
  return parts.join("\n");
}

export function renderHtml(e: Evidence, registrations?: { urn: string; type: string; name: string; parent: string }[]): string {
  // Every resource any part of the report names gets an anchor in the resource list.
  const named = new Map<string, { urn: string; type: string; name: string; parent: string }>();
  for (const r of registrations ?? []) named.set(r.urn, r);
  for (const f of e.frameworks)
    for (const r of f.requirements)
      for (const p of r.policies) for (const x of p.examined) if (!named.has(x.urn)) named.set(x.urn, { ...x, parent: "" });
  const urnOf = (u: string) => u.split("::").pop() ?? u;
  for (const f of e.findings) if (f.urn && !named.has(f.urn)) named.set(f.urn, { urn: f.urn, type: f.urn.split("::")[2]?.split("$").pop() ?? "", name: urnOf(f.urn), parent: "" });
  const known = new Set(named.keys());
  const findingsBy = new Map<string, string[]>();
  for (const f of e.findings) if (f.urn) findingsBy.set(f.urn, [...(findingsBy.get(f.urn) ?? []), `${f.notEvaluable ? "not evaluable" : f.enforcementLevel}: ${f.policyName}`]);

  const cfg = e.packConfig;
  const timing = timingText(e);
  const toc = [
    ["summary", "Summary"],
    ...(cfg.deviations.length > 0 ? [["deviations", "Deviations from the default pack config"]] : []),
    ["timing", "What is checked before any change, and what after"],
    ["pending", "Not evaluable before deployment"],
    ...e.frameworks.map((f) => [anchor.framework(f.framework), f.title]),
    ["config", "Pack configuration in force"],
    ...e.sections.map((s) => [anchor.section(s.id), s.title]),
    ["resources", "Resources in the planned deployment"],
    ["reading", "How to read this report"],
    ["provenance", "Provenance"],
  ];
  const body: string[] = [];
  body.push(`<header><h1>Compliance evidence: stack ${code(e.stack)}</h1></header>`);
  body.push(`<section id="summary" aria-label="Summary"><div class="verdict ${VERDICT_CLASS[e.outcome.verdict]}" id="verdict">Result: ${h(e.outcome.summary)}.</div>`);
  body.push(factsHtml(e));
  body.push(`<table id="framework-summary"><thead><tr><th>Framework</th><th>Requirements</th><th>Checks</th><th>Result</th></tr></thead><tbody>`);
  for (const f of e.frameworks) {
    const failed = f.requirements.filter((r) => r.result === "violated").length;
    const unchecked = f.requirements.filter((r) => r.result === "disabled").length;
    const result = failed > 0 ? `<span class="badge bad">${failed} requirement(s) failed</span>` : unchecked > 0 ? `<span class="badge bad">${unchecked} requirement(s) not fully checked</span>` : f.checks.pass === 0 ? `<span class="badge bad">nothing evaluated</span>` : `<span class="badge ok">no requirement failed</span>`;
    body.push(`<tr><td><a href="#${anchor.framework(f.framework)}">${h(f.title)}</a><br><span class="muted">${code(f.pack)} ${h(f.packVersion)}</span></td><td>${f.requirements.length}</td><td>${h(countsText(f.checks))}</td><td>${result}</td></tr>`);
  }
  body.push(`</tbody></table></section>`);
  body.push(`<nav class="toc" aria-label="Contents"><strong>Contents</strong><ul>${toc.map(([id, t]) => `<li><a href="#${id}">${h(t)}</a></li>`).join("")}</ul></nav>`);
  if (cfg.deviations.length > 0) {
    body.push(`<section id="deviations"><h2>Deviations from the default pack config</h2><p>Each line changes what the checks enforce compared with this stack's default. The result above holds only under them.</p><ul class="deviations">${cfg.deviations.map((d) => `<li><strong>${d.weakens ? "Weakened" : d.weakens === false ? "Strengthened" : "Changed"}</strong>: ${h(d.text)}</li>`).join("")}</ul></section>`);
  }
  body.push(`<section id="timing"><h2>What is checked before any change, and what after</h2><ul><li><strong>Before any change</strong>: ${inline(timing.before)}</li><li><strong>After resources change</strong>: ${inline(timing.after)}</li></ul></section>`);
  body.push(`<section id="pending"><h2>Not evaluable before deployment</h2>`);
  if (e.pending.length === 0) body.push("<p>Every check could be decided before deployment.</p>");
  else {
    body.push(`<p>Each item once, whichever packs include the policy.</p><table><thead><tr><th>Check</th><th>Resource</th><th>Why it could not be decided</th><th>What checks it, and when</th><th>Packs</th></tr></thead><tbody>`);
    for (const p of e.pending) body.push(`<tr><td>${code(p.policy)}</td><td>${p.urn ? resourceLink(p.urn, known, p.resource) : h(p.resource)}</td><td>${inline(p.reason)}</td><td>${inline(p.checkedBy)}</td><td>${h(p.packs.join(", "))}</td></tr>`);
    body.push("</tbody></table>");
  }
  body.push("</section>");
  for (const f of e.frameworks) {
    body.push(`<section id="${anchor.framework(f.framework)}"><h2>${h(f.title)}</h2><p>${code(f.pack)} ${h(f.packVersion)}: ${h(countsText(f.checks))}.</p>`);
    if (f.requirements.length === 0) {
      body.push("<p>The pack contains no policies yet, so no requirement of this framework is evidenced by this report.</p></section>");
      continue;
    }
    body.push(`<table><thead><tr><th>Requirement</th><th>Result</th><th>Checks</th><th>Resources examined</th></tr></thead><tbody>`);
    for (const r of f.requirements) {
      const examined = new Set(r.policies.flatMap((p) => p.examined.map((x) => x.urn))).size;
      body.push(`<tr><td><a href="#${anchor.requirement(f.framework, r.id)}">${h(r.id)}</a> ${h(r.title)}</td><td>${badge(r.result)}</td><td>${r.policies.length}</td><td>${examined}</td></tr>`);
    }
    body.push("</tbody></table>");
    for (const r of f.requirements) {
      body.push(`<section id="${anchor.requirement(f.framework, r.id)}"><h3>${h(f.framework.toUpperCase())} ${h(requirementLabel(r.id, r.title))} ${badge(r.result)}</h3>`);
      for (const p of r.policies) body.push(policyHtml(p, known));
      body.push(`<p><a href="#${anchor.framework(f.framework)}">Back to ${h(f.title)}</a> · <a href="#summary">Back to the summary</a></p></section>`);
    }
    body.push("</section>");
  }
  body.push(`<section id="config"><h2>Pack configuration in force</h2><p>Every policy with tunable parameters, the value enforced, the default for this stack and where the value came from. Policies not listed have no parameters and run at their default level.</p>`);
  body.push(`<table><thead><tr><th>Policy</th><th>Level</th><th>Parameter</th><th>Value enforced</th><th>Default</th><th>Source</th></tr></thead><tbody>`);
  for (const p of cfg.policies) {
    const level = p.level === p.defaultLevel ? h(p.level) : `<strong>${h(p.level)}</strong> (default ${h(p.defaultLevel)}, from ${h(p.levelSource)})`;
    if (p.parameters.length === 0 && p.level !== p.defaultLevel) body.push(`<tr><td>${code(p.policy)}</td><td>${level}</td><td></td><td></td><td></td><td></td></tr>`);
    for (const param of p.parameters) body.push(`<tr><td>${code(p.policy)}</td><td>${level}</td><td>${h(param.name)}</td><td>${code(show(param.value))}</td><td>${code(show(param.baseline))}</td><td>${h(param.source)}</td></tr>`);
  }
  body.push(`</tbody></table><p>Who may change the config:</p><ul>${cfg.governance.map((g) => `<li>${h(g.source)}: ${h(g.where)}; changed by ${h(g.changedBy)}.</li>`).join("")}</ul></section>`);
  for (const s of e.sections) body.push(sectionHtml(s));
  body.push(`<section id="resources"><h2>Resources in the planned deployment</h2><p>${e.resources.total} resources and groupings. Resources that a check examined or reported on are listed here with the findings about them.</p>`);
  body.push(`<table><thead><tr><th>Kind</th><th>Type</th><th>Count</th></tr></thead><tbody>${Object.entries(e.resources.byType).map(([t, n]) => `<tr><td>${h(friendlyType(t))}</td><td>${code(t)}</td><td>${n}</td></tr>`).join("")}</tbody></table>`);
  body.push(`<table><thead><tr><th>Resource</th><th>Kind</th><th>Findings</th></tr></thead><tbody>`);
  for (const r of [...named.values()].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name))) {
    body.push(`<tr id="${anchor.resource(r.urn)}"><td>${code(r.name)}<br><span class="muted">${code(r.urn)}</span></td><td>${h(friendlyType(r.type))}</td><td>${h((findingsBy.get(r.urn) ?? []).join("; ") || "none")}</td></tr>`);
  }
  body.push("</tbody></table></section>");
  body.push(`<section id="reading"><h2>How to read this report</h2><p>${inline(READING_GUIDE[0])}</p><ul>${READING_GUIDE.slice(1).map((l) => `<li>${inline(l)}</li>`).join("")}</ul></section>`);
  body.push(`<section id="provenance"><h2>Provenance</h2><ul><li>Packs: ${e.packs.map((p) => `${h(p.name)} ${h(p.version)} (${code(`policy-packs/${p.dir}`)})`).join(", ") || "none"}</li><li>Tools: Node.js ${h(e.tools.node)}, Pulumi SDK ${h(e.tools.pulumi)}, Pulumi policy SDK ${h(e.tools.policy)}</li>${e.program.dirty ? `<li>Uncommitted changes in: ${e.program.dirtyFiles.map(code).join(", ")}</li>` : ""}<li>The same report is written beside this file as evidence.md and evidence.json (machine-readable).</li></ul></section>`);
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Compliance evidence: ${h(e.stack)} (${h(e.outcome.verdict)})</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    "</body></html>",
    "",
  ].join("\n");
}
