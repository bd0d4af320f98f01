/** Reading Markdown tables in the docs tests. */
import assert from "node:assert/strict";

/** The cells of a Markdown table row, trimmed (a `\|` inside a cell stays in it). */
export function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** The rows of the first table after the line `heading` in `markdown`, by their first cell. */
export function tableAfter(markdown: string, heading: string): Map<string, string[]> {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `no heading "${heading}"`);
  const lines = markdown.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    const [label, ...rest] = cells(line);
    rows.set(label!, rest);
  }
  return rows;
}
