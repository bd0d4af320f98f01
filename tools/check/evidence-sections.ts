/**
 * Optional sections of the evidence report: facts beside the policy results that an auditor asks
 * for (the images a deployment runs, an access matrix, pinned model digests, what is monitored,
 * what it costs). A section is plain data, rendered by every format (Markdown table, HTML table,
 * HTML bar chart) and present only when its source has something to say.
 *
 * Two ways to add one:
 * - a source function here, reading the synthesized stack or the pack runs (`SECTION_SOURCES`);
 * - the program exports a stack output `evidenceSections`: an array of `ReportSection` objects
 *   (values must be known at preview to appear).
 */
import type { PackRun } from "./analyzer";
import type { SynthResult } from "./synth";

export interface ReportSection {
  /** Anchor in the HTML report, lower-case words joined by hyphens ("access-matrix"). */
  id: string;
  title: string;
  /** One or two sentences saying what the section shows and where the data comes from. */
  summary: string;
  table?: { columns: string[]; rows: (string | number)[][] };
  /** Rendered as a bar chart in HTML and as a table in Markdown. */
  chart?: { unit: string; bars: { label: string; value: number }[] };
  notes?: string[];
}

export type SectionSource = (ctx: { synth: SynthResult; runs: { pack: string; run: PackRun }[] }) => ReportSection | undefined;

const WORKLOAD_TYPES = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job", "kubernetes:core/v1:Pod"]);
const DIGEST = /@sha256:[0-9a-f]{64}$/;

function podSpec(inputs: Record<string, unknown>, type: string): Record<string, unknown> | undefined {
  const spec = inputs.spec as Record<string, unknown> | undefined;
  if (type === "kubernetes:core/v1:Pod") return spec;
  return ((spec?.template as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined) ?? undefined;
}

/** Every container image the planned Kubernetes workloads run, and whether each is pinned by digest. */
export const imagesSection: SectionSource = ({ synth }) => {
  const rows: (string | number)[][] = [];
  for (const r of synth.registrations) {
    if (!WORKLOAD_TYPES.has(r.type)) continue;
    const spec = podSpec(r.inputs, r.type);
    for (const kind of ["initContainers", "containers"] as const) {
      const list = Array.isArray(spec?.[kind]) ? (spec[kind] as Record<string, unknown>[]) : [];
      for (const c of list) {
        const image = typeof c.image === "string" ? c.image : "(not known before deployment)";
        rows.push([r.name, String(c.name ?? ""), kind === "initContainers" ? "init" : "main", image, DIGEST.test(image) ? "yes" : "no"]);
      }
    }
  }
  if (rows.length === 0) return undefined;
  return {
    id: "container-images",
    title: "Container images",
    summary: "Every container the planned Kubernetes workloads run. An image pinned by digest cannot change without a reviewed deploy; a tag can be moved to other content.",
    table: { columns: ["Workload", "Container", "Kind", "Image", "Pinned by digest"], rows },
  };
};

function isSection(v: unknown): v is ReportSection {
  const s = v as ReportSection | null;
  return s !== null && typeof s === "object" && typeof s.id === "string" && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.id) && typeof s.title === "string" && typeof s.summary === "string";
}

/** Sections the program exports as the stack output `evidenceSections`. */
export const programSections = (synth: SynthResult): ReportSection[] => {
  const raw = synth.stackOutputs.evidenceSections;
  return Array.isArray(raw) ? raw.filter(isSection) : [];
};

// Sources that read other tools' models are imported lazily: this module is also loaded by tests
// that only need the section shape.
export const SECTION_SOURCES: SectionSource[] = [
  imagesSection,
  (ctx) => (require("./evidence-monitoring") as typeof import("./evidence-monitoring")).monitoringSection(ctx),
  (ctx) => (require("./evidence-monitoring") as typeof import("./evidence-monitoring")).costSection(ctx),
  (ctx) => (require("./evidence-monitoring") as typeof import("./evidence-monitoring")).pinnedModelsSection(ctx),
];

export function collectSections(ctx: Parameters<SectionSource>[0], sources: SectionSource[] = SECTION_SOURCES): ReportSection[] {
  const out = [...sources.map((s) => s(ctx)).filter((s): s is ReportSection => s !== undefined), ...programSections(ctx.synth)];
  const ids = new Set<string>();
  return out.filter((s) => !ids.has(s.id) && ids.add(s.id));
}
