/**
 * The break-even chart as a self-contained SVG (no scripts, no fonts or images fetched): monthly
 * cost of the stack and of each compared API against daily token volume, both axes logarithmic,
 * with each break-even point marked and labelled.
 */

export interface Series {
  label: string;
  /** Appended to the legend entry (e.g. the break-even volume). */
  legendNote?: string;
  points: [number, number][];
  /** Drawn as a step line (the stack) rather than a straight one (an API). */
  step?: boolean;
}

export interface Marker {
  x: number;
  y: number;
  label: string;
  /** Index of the series the marker belongs to (its colour). */
  series: number;
}

const W = 860;
const H = 520;
const M = { left: 84, right: 330, top: 40, bottom: 56 };
/** The stack is drawn in black; the APIs in colours that stay apart in print and for common colour blindness. */
const STACK_COLOR = "#000000";
const COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999", "#f0e442"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function fmtTokens(v: number): string {
  if (v >= 1e9) return `${+(v / 1e9).toPrecision(3)}B`;
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function fmtUsd(v: number): string {
  if (v >= 1e6) return `$${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `$${+(v / 1e3).toPrecision(3)}k`;
  return `$${+v.toPrecision(3)}`;
}

export function renderChart(title: string, series: Series[], markers: Marker[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const x0 = Math.floor(Math.log10(Math.min(...xs)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs)));
  // Two decades below the stack's cheapest point is as low as the comparison needs to go.
  const stackYs = series.filter((s) => s.step).flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const y0 = Math.max(Math.floor(Math.log10(Math.min(...ys))), stackYs.length > 0 ? Math.floor(Math.log10(Math.min(...stackYs))) - 2 : -Infinity);
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (v: number) => M.left + ((Math.log10(v) - x0) / Math.max(1, x1 - x0)) * pw;
  const py = (v: number) => M.top + ph - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / Math.max(1, y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`);
  out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e);
    out.push(`<line x1="${x.toFixed(1)}" y1="${M.top}" x2="${x.toFixed(1)}" y2="${M.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${fmtTokens(10 ** e)}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${M.left}" y1="${y.toFixed(1)}" x2="${M.left + pw}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmtUsd(10 ** e)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">tokens per day (prompt + completion)</text>`);
  out.push(`<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">USD per month</text>`);
  const colorOf = (i: number) => (series[i]?.step ? STACK_COLOR : COLORS[(i - 1 + COLORS.length) % COLORS.length]);
  series.forEach((s, i) => {
    const color = colorOf(i);
    const pts = s.points.filter((p) => p[0] > 0 && p[1] >= 10 ** y0);
    let d = "";
    pts.forEach(([x, y], j) => {
      if (j === 0) d += `M${px(x).toFixed(1)},${py(y).toFixed(1)}`;
      else if (s.step) d += `H${px(x).toFixed(1)}V${py(y).toFixed(1)}`;
      else d += `L${px(x).toFixed(1)},${py(y).toFixed(1)}`;
    });
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.step ? 3 : 1.6}"${s.step ? "" : ' stroke-dasharray="6 3"'}/>`);
    const ly = M.top + 14 + i * 20;
    out.push(`<line x1="${W - M.right + 14}" y1="${ly - 4}" x2="${W - M.right + 40}" y2="${ly - 4}" stroke="${color}" stroke-width="${s.step ? 3 : 1.6}"${s.step ? "" : ' stroke-dasharray="6 3"'}/>`);
    out.push(`<text x="${W - M.right + 46}" y="${ly}">${esc(s.label)}${s.legendNote ? ` <tspan font-weight="bold">${esc(s.legendNote)}</tspan>` : ""}</text>`);
  });
  // Break-even points are marked in their API's colour; the volumes are in the legend, where
  // they cannot overlap.
  for (const m of markers) {
    out.push(`<circle cx="${px(m.x).toFixed(1)}" cy="${py(m.y).toFixed(1)}" r="5" fill="${colorOf(m.series)}" stroke="#000"><title>${esc(m.label)}: ${esc(fmtTokens(m.x))} tokens/day</title></circle>`);
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
