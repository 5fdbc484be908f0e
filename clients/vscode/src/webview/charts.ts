// The webviews' charts, drawn with Chart.js (bundled into dist/webview/charts.js by build.mjs: no
// CDN, nothing remote, so the pages keep their strict content-security policy) and its
// zoom plugin, from the chart shape of ./chartdata. media/view.js calls
// `window.nfCharts.draw(parent, spec, key)`.
import { Chart, registerables, type ChartOptions, type Plugin, type TooltipItem } from "chart.js";
import zoomPlugin from "chartjs-plugin-zoom";
import { alpha, type ChartSpec, COLORS, type Data, datasets, INSIDE } from "./chartdata";

Chart.register(...registerables, zoomPlugin);

/** Paints the grid cells inside the boundary, each the size it has on screen now. */
function gridFill(g: NonNullable<ChartSpec["grid"]>): Plugin<"scatter"> {
  const edges = (v: number[]) => v.map((_, i) => [i ? (v[i - 1] + v[i]) / 2 : v[0], i + 1 < v.length ? (v[i] + v[i + 1]) / 2
                                                                                                       : v[i]]);
  const xs = edges(g.x);
  const ys = edges(g.y);
  return {
    id: "nfGridFill",
    beforeDatasetsDraw(chart) {
      const k = chart.data.datasets.findIndex((d) => d.label === INSIDE);
      if (k < 0 || !chart.isDatasetVisible(k)) return;
      const { ctx, chartArea: a, scales } = chart;
      ctx.save();
      ctx.beginPath();
      ctx.rect(a.left, a.top, a.width, a.height);
      ctx.clip();
      ctx.fillStyle = alpha("#5bb85b", 0.16);
      g.inside.forEach((row, r) => row.forEach((v, c) => {
        if (v <= 0.5) return;
        const x0 = scales.x.getPixelForValue(xs[c][0]);
        const x1 = scales.x.getPixelForValue(xs[c][1]);
        const y0 = scales.y.getPixelForValue(ys[r][0]);
        const y1 = scales.y.getPixelForValue(ys[r][1]);
        ctx.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0) + 0.5, Math.abs(y1 - y0) + 0.5);
      }));
      ctx.restore();
    },
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Math.round(v * 1000) / 1000);
}

/** A 1-class chart shows the grid's extent: the far synthetic signals lie outside it. */
function span(v: number[]): { min: number; max: number } | Record<string, never> {
  return v.length ? { min: Math.min(v[0], v[v.length - 1]), max: Math.max(v[0], v[v.length - 1]) } : {};
}

function options(spec: ChartSpec): ChartOptions<"scatter"> {
  const fg = getComputedStyle(document.body).getPropertyValue("--vscode-foreground").trim() || "#cccccc";
  const grid = alpha("#888888", 0.25);
  const axis = (label?: string) => ({ title: { display: !!label, text: label ?? "", color: fg },
                                      ticks: { color: fg }, grid: { color: grid } });
  const right = spec.series.some((s) => s.right);
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    interaction: { mode: "nearest", intersect: false },
    scales: {
      x: { type: "linear", bounds: spec.x_tight ? "data" : "ticks", ...axis(spec.x_label),
           ...(spec.grid ? span(spec.grid.x) : {}) },
      y: { type: "linear", ...axis(spec.y_label),
           ...(spec.grid ? span(spec.grid.y) : {}),
           ...(spec.y_range ? { min: spec.y_range[0], max: spec.y_range[1] } : {}) },
      ...(right ? { y2: { type: "linear" as const, position: "right" as const, ...axis(spec.y2_label),
                          grid: { drawOnChartArea: false } } } : {}),
    },
    plugins: {
      title: { display: !!spec.title, text: spec.title ?? "", color: fg },
      legend: { labels: { color: fg, boxWidth: 12,
                          filter: (item, data) => (data.datasets[item.datasetIndex ?? 0] as Data).nfLegend !== false } },
      tooltip: {
        filter: (item: TooltipItem<"scatter">) => (item.dataset as Data).nfLegend !== false
          && item.dataset.label !== "boundary",
        callbacks: {
          label: (item: TooltipItem<"scatter">) => {
            const d = item.dataset as Data;
            const y = d.nfRaw?.[item.dataIndex] ?? item.parsed.y;
            const note = d.nfNotes?.[item.dataIndex];
            return `${d.label}: ${fmt(y ?? NaN)} at ${spec.x_label ? `${spec.x_label} ` : ""}${fmt(item.parsed.x ?? NaN)}`
              + (note ? ` (${note})` : "");
          },
        },
      },
      zoom: {
        zoom: { wheel: { enabled: true, modifierKey: "ctrl" }, pinch: { enabled: true },
                drag: { enabled: true, modifierKey: "shift" }, mode: "xy" },
        pan: { enabled: true, mode: "xy" },
      },
    },
  };
}

const live = new Map<string, { chart: Chart<"scatter", { x: number; y: number }[]>; box: HTMLElement }>();

/** Draws `spec` into `parent`; with a key, a chart drawn before under that key is moved
 *  here and given the new data, keeping the user's zoom and hidden series. */
export function draw(parent: HTMLElement, spec: ChartSpec, key?: string): HTMLCanvasElement {
  const sets = datasets(spec);
  const known = key ? live.get(key) : undefined;
  if (known) {
    const old = known.chart.data.datasets;
    if (old.length === sets.length) {
      sets.forEach((s, i) => Object.assign(old[i], { data: s.data, label: s.label, nfRaw: s.nfRaw, nfNotes: s.nfNotes }));
    } else {
      known.chart.data.datasets = sets;
    }
    const title = known.chart.options.plugins?.title;
    if (title) title.text = spec.title ?? "";
    parent.appendChild(known.box);
    known.chart.update("none");
    return known.chart.canvas;
  }
  const box = document.createElement("div");
  box.className = "chart";
  const canvas = document.createElement("canvas");
  box.appendChild(canvas);
  parent.appendChild(box);
  const chart = new Chart<"scatter", { x: number; y: number }[]>(canvas, {
    type: "scatter", data: { datasets: sets }, options: options(spec), plugins: spec.grid ? [gridFill(spec.grid)] : [] });
  canvas.addEventListener("dblclick", () => chart.resetZoom());
  canvas.setAttribute("data-drawn", "true");
  canvas.setAttribute("data-series", String(spec.series.length));
  if (key) live.set(key, { chart, box });
  return canvas;
}

/** Forgets the charts whose key starts with `prefix` (a page showing something else). */
export function forget(prefix: string): void {
  for (const [k, v] of live) {
    if (k.startsWith(prefix)) {
      v.chart.destroy();
      live.delete(k);
    }
  }
}

if (typeof window !== "undefined") (window as unknown as { nfCharts: unknown }).nfCharts = { draw, forget, COLORS };
