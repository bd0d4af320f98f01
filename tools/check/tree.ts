/** Text views of a synthesis: the resource tree (type, name, parent) and the count per type. */
import { countByType } from "./evidence";
import type { Registration } from "./synth";

export function renderTree(registrations: Registration[]): string {
  const children = new Map<string, Registration[]>();
  const urns = new Set(registrations.map((r) => r.urn));
  for (const r of registrations) {
    // A parent that was never registered (should not happen) is shown at the top level.
    const parent = r.parent && urns.has(r.parent) ? r.parent : "";
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const flags = [r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""].filter(Boolean);
      lines.push(`${"  ".repeat(depth)}${r.type}  ${r.name}${flags.length > 0 ? `  [${flags.join(", ")}]` : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n");
}

export function renderCounts(registrations: Registration[]): string {
  const counts = countByType(registrations);
  const width = Math.max(...Object.values(counts).map((n) => String(n).length), 1);
  return Object.entries(counts)
    .map(([type, n]) => `${String(n).padStart(width)}  ${type}`)
    .join("\n");
}
