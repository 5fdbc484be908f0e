// The datasets of the webviews' charts, from one chart shape: the project types'
// `report_plots` charts (title, axis labels, series of points or lines, horizontal lines,
// y = x, the 1-class boundary grid), plus bands and a right-hand axis for the previews and
// the benchmark. Free of the browser so that unit tests run in plain Node.
import type { ChartDataset } from "chart.js";

export interface SeriesSpec {
  name?: string;
  x: number[];
  y?: number[];
  /** points (default), line, step (best so far), cross (wrong answers). */
  style?: string;
  color?: string;
  /** A band between lo and hi (min–max, ±std). */
  lo?: number[];
  hi?: number[];
  alpha?: number;
  /** Drawn against the right-hand axis. */
  right?: boolean;
  /** Per point, shown on hover instead of y (a value plotted scaled). */
  raw?: number[];
  /** Per point, a note shown on hover (the library id). */
  notes?: string[];
}

export interface ChartSpec {
  title?: string;
  x_label?: string;
  y_label?: string;
  y2_label?: string;
  series: SeriesSpec[];
  hlines?: { y: number; label?: string }[];
  y_range?: number[];
  diagonal?: boolean;
  grid?: { x: number[]; y: number[]; inside: number[][] };
  /** The x axis ends where the data does (sample indices, frequencies), not on a round tick. */
  x_tight?: boolean;
}

export const COLORS = ["#4e9ad6", "#e07b39", "#5bb85b", "#c75a9e", "#d4b93c", "#8a7bd6", "#3cbcb4", "#b5651d"];
const LINE = "#888888";
export const INSIDE = "inside the boundary";

export type Data = ChartDataset<"scatter", { x: number; y: number }[]> & { nfLegend?: boolean; nfRaw?: number[];
                                                                     nfNotes?: string[] };

export function alpha(color: string, a: number): string {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function points(x: number[], y: number[]): { x: number; y: number }[] {
  const out = [];
  for (let i = 0; i < x.length && i < y.length; i++) if (Number.isFinite(y[i])) out.push({ x: x[i], y: y[i] });
  return out;
}

function seriesData(s: SeriesSpec, k: number): Data[] {
  const color = s.color ?? COLORS[k % COLORS.length];
  const yAxisID = s.right ? "y2" : "y";
  const out: Data[] = [];
  if (s.lo && s.hi) {
    const base = { type: "scatter" as const, showLine: true, pointRadius: 0, borderWidth: 0, yAxisID, nfLegend: false };
    out.push({ ...base, label: `${s.name ?? ""} low`, data: points(s.x, s.lo), borderColor: color });
    out.push({ ...base, label: `${s.name ?? ""} high`, data: points(s.x, s.hi), borderColor: color,
               backgroundColor: alpha(color, s.alpha ?? 0.2), fill: "-1" });
  }
  if (s.y) {
    const style = s.style ?? "points";
    const line = style === "line" || style === "step";
    out.push({ type: "scatter", label: s.name ?? "", data: points(s.x, s.y), yAxisID, borderColor: color,
               backgroundColor: style === "cross" ? color : alpha(color, 0.75), showLine: line,
               stepped: style === "step" ? "before" : false, borderWidth: line ? 1.5 : 1,
               pointRadius: style === "cross" ? 5 : line ? (s.x.length > 60 ? 0 : 2) : 2.5,
               pointStyle: style === "cross" ? "crossRot" : "circle", nfLegend: s.name !== undefined,
               nfRaw: s.raw, nfNotes: s.notes });
  }
  return out;
}

/** The 1-class boundary: the cells on its edge as points; the cells inside it are
 *  painted under the points by `gridFill` (this dataset only carries the legend entry). */
function gridData(g: NonNullable<ChartSpec["grid"]>): Data[] {
  const edge: { x: number; y: number }[] = [];
  const rows = g.inside.length;
  const cols = rows ? g.inside[0].length : 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = g.inside[r][c] > 0.5;
      const right = c + 1 < cols && (g.inside[r][c + 1] > 0.5) !== v;
      const up = r + 1 < rows && (g.inside[r + 1][c] > 0.5) !== v;
      if (right || up) edge.push({ x: g.x[c], y: g.y[r] });
    }
  }
  const green = "#2a7a2a";
  return [
    { type: "scatter", label: INSIDE, data: [], pointStyle: "rect", pointRadius: 5,
      backgroundColor: alpha("#5bb85b", 0.3), borderWidth: 0, nfLegend: true },
    { type: "scatter", label: "boundary", data: edge, pointRadius: 1.5, backgroundColor: green, borderColor: green,
      borderWidth: 0, nfLegend: true },
  ];
}

function extent(spec: ChartSpec): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of spec.series) {
    for (const v of s.x) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** Every dataset of a chart, in drawing order (Chart.js draws the first on top). */
export function datasets(spec: ChartSpec): Data[] {
  const out: Data[] = [];
  spec.series.forEach((s, k) => out.push(...seriesData(s, k)));
  const [x0, x1] = extent(spec);
  for (const h of spec.hlines ?? []) {
    out.push({ type: "scatter", label: h.label ?? `y = ${h.y}`, data: [{ x: x0, y: h.y }, { x: x1, y: h.y }],
               showLine: true, borderColor: "#d9534f", borderDash: [6, 4], borderWidth: 1.2, pointRadius: 0,
               nfLegend: true });
  }
  if (spec.diagonal) {
    const all = spec.series.flatMap((s) => [...s.x, ...(s.y ?? [])]).filter(Number.isFinite);
    if (all.length) {
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      out.push({ type: "scatter", label: "estimated = real", data: [{ x: lo, y: lo }, { x: hi, y: hi }], showLine: true,
                 borderColor: LINE, borderDash: [6, 4], borderWidth: 1.2, pointRadius: 0, nfLegend: true });
    }
  }
  if (spec.grid) out.push(...gridData(spec.grid));
  return out;
}

