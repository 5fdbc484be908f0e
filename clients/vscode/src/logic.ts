// The extension's own logic, free of the `vscode` module so that unit tests run in plain Node.

import type { BenchStatus, Candidate, ClassifyResult, EmulateResult, ExperimentLine, TimingResult } from "./protocol";

/** What the status bar and the tree show of a benchmark (a progress notification or a status). */
export type BenchLine = Pick<BenchStatus, "state" | "elapsed_s" | "candidates_evaluated" | "best">
  & Partial<Pick<BenchStatus, "time_budget_s">>;

/** What a candidate's tree item shows. */
export type CandidateLine = Pick<Candidate, "library" | "score" | "state" | "ram" | "flash" | "pipeline" | "model"
  | "r2" | "balanced_accuracy"> & Partial<Pick<Candidate, "measured" | "cycles" | "over_latency" | "harder" | "harder_noisy">>;

/** Where a candidate's cycles are turned into time: the project's clock and core. */
export interface CoreClock {
  clock_hz?: number;
  target?: string;
}

/** Which interpreter starts the daemon: the setting wins, then the Python extension's. */
export function choosePython(setting: string | undefined, fromPythonExtension: string | undefined,
                             platform: string = process.platform): string {
  const s = (setting ?? "").trim();
  if (s) return s;
  const p = (fromPythonExtension ?? "").trim();
  if (p) return p;
  return platform === "win32" ? "python" : "python3";
}

export function bytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

function mainMetric(b: { r2?: number; balanced_accuracy?: number }): string {
  if (b.r2 !== undefined && b.r2 !== null) return `R² ${b.r2.toFixed(3)}`;
  if (b.balanced_accuracy !== undefined && b.balanced_accuracy !== null) return `BA ${b.balanced_accuracy.toFixed(3)}`;
  return "";
}

/** The best library's warning (extrapolation: the signals hardly predict the target), once,
 * when a benchmark has just finished; undefined otherwise. */
export function finishWarning(previousState: string, s: Pick<BenchStatus, "state" | "best">): string | undefined {
  if (s.state !== "finished" || previousState === "finished" || !s.best?.warning) return undefined;
  return `nanoforge: ${s.best.warning}`;
}

/** The status-bar text for a benchmark; undefined hides the item. */
export function statusText(s: BenchLine | undefined): string | undefined {
  if (!s || !["running", "starting", "paused"].includes(s.state)) return undefined;
  const icon = s.state === "paused" ? "$(debug-pause)" : "$(sync~spin)";
  const budget = s.time_budget_s ? `/${Math.round(s.time_budget_s)}` : "";
  const best = s.best ? ` · best ${s.best.score.toFixed(1)} · ${bytes(s.best.ram)} RAM · ${bytes(s.best.flash)} flash` : "";
  return `${icon} nanoforge ${Math.round(s.elapsed_s)}${budget} s · ${s.candidates_evaluated} candidates${best}`;
}

function ms(cycles: number, clockHz: number | undefined): string {
  return clockHz ? ` = ${(cycles * 1000 / clockHz).toPrecision(3)} ms` : "";
}

function mhz(clockHz: number | undefined): string {
  return clockHz ? ` at ${+(clockHz / 1e6).toFixed(1)} MHz` : "";
}

/** The per-buffer cost a firmware's loop pays: the slowest call but init (as the daemon's
 *  max_latency_ms check counts it). */
export function inferenceCycles(cycles: Record<string, number> | null | undefined): [string, number] | undefined {
  const calls = Object.entries(cycles ?? {}).filter(([fn]) => !fn.endsWith("_init"));
  return calls.length ? calls.reduce((a, b) => (b[1] > a[1] ? b : a)) : undefined;
}

/** A candidate's tree item: the search's figures, and once its library has been built
 *  (deployed or timed) the measured flash/RAM and cycles per inference on the project's core. */
export function candidateLabel(c: CandidateLine, core: CoreClock = {}): { label: string; description: string; tooltip: string } {
  const metric = mainMetric(c);
  const size = c.measured
    ? `${bytes(c.measured.ram)} RAM · ${bytes(c.measured.flash)} flash measured`
    : `${bytes(c.ram)} RAM · ${bytes(c.flash)} flash`;
  const inference = inferenceCycles(c.cycles);
  const time = inference ? ` · ${inference[1].toLocaleString("en-US")} cycles${ms(inference[1], core.clock_hz)}` : "";
  const tip = [`${c.pipeline.join(" → ")} → ${c.model}${c.state === "full" ? "" : " (pruned early)"}`,
               `estimated: ${bytes(c.ram)} RAM, ${bytes(c.flash)} flash`];
  if (c.measured) tip.push(`measured on ${core.target ?? "the project's core"}: ${bytes(c.measured.ram)} RAM, ${bytes(c.measured.flash)} flash`);
  for (const [fn, n] of Object.entries(c.cycles ?? {})) tip.push(`${fn}: ${n.toLocaleString("en-US")} cycles${ms(n, core.clock_hz)}${mhz(core.clock_hz)}`);
  if (c.over_latency) tip.push("over the project's max_latency_ms");
  if (c.harder !== undefined) tip.push(`perfect on every split; ${c.harder.toFixed(3)} with half of the signals held out (what orders the perfect ones)`);
  if (c.harder_noisy !== undefined) tip.push(`${c.harder_noisy.toFixed(3)} with noise added to the held-out signals (orders the perfect ones too)`);
  return {
    label: c.library,
    description: `score ${c.score.toFixed(2)}${metric ? " · " + metric : ""} · ${size}${time}${c.over_latency ? " (too slow)" : ""}`,
    tooltip: tip.join("\n"),
  };
}

/** The `nanoforge timing` table: one line per core and call. */
export function timingTable(t: TimingResult): string[] {
  const lines = [`library ${t.library} (${t.neai_id}) · ${t.signals} signals per call · clock ${t.clock_hz / 1e6} MHz` +
                 ` · project core ${t.target}${t.max_latency_ms === null ? "" : ` · max ${t.max_latency_ms} ms`}`];
  for (const c of t.cores) {
    if (!c.available) {
      lines.push(`${c.core.padEnd(12)} not counted: ${c.reason ?? "unavailable"}`);
      continue;
    }
    for (const [fn, x] of Object.entries(c.calls ?? {})) {
      lines.push(`${c.core.padEnd(12)} ${fn.padEnd(36)} ${String(x.cycles).padStart(10)} cycles ${x.ms.toFixed(3).padStart(9)} ms`);
    }
  }
  return lines;
}

export function benchDescription(s: BenchLine): string {
  const best = s.best ? ` · best ${s.best.score.toFixed(2)} ${mainMetric(s.best)}` : "";
  return `${s.state} · ${s.candidates_evaluated} candidates${best}`;
}

/** A benchmark's tooltip: what its best is expected to do on new data, the benchmark's
 * figure less the selection's own optimism (the CLI's `bench status` line). */
export function benchTooltip(s: BenchLine & { id: string }): string {
  const sel = s.best?.selection;
  if (!sel) return `${s.id}: ${benchDescription(s)}`;
  const metric = sel.metric.replace(/_/g, " ");
  const saturated = sel.saturated
    ? "\nPerfect on every split: the splits cannot show how much lower new data may score; validate on new recordings."
    : "";
  const synthetic = sel.synthetic
    ? "\nDetection counted synthetic faults: real anomalies may be caught more or less often; validate with recorded abnormal signals."
    : "";
  return `${s.id}: ${benchDescription(s)}\nExpected on new data: ${metric} ${sel.expected.toFixed(3)} (benchmark `
    + `${sel.stated.toFixed(3)} − selection optimism ${sel.optimism.toFixed(3)}, best among ${sel.candidates} `
    + `candidates; same pick on ${Math.round(100 * sel.stable)} % of half-split choices)${saturated}${synthetic}`;
}

export function fileDescription(f: { lines: number | null; columns: number | null; exists: boolean }): string {
  if (!f.exists) return "missing";
  return `${f.lines} lines × ${f.columns} values`;
}

// ------------------------------------------------------------------ webviews

/** A validation experiment in the tree: its best library and the verdict. */
export function experimentDescription(e: ExperimentLine): string {
  const v = e.best_value === null ? "–" : e.best_value.toFixed(3);
  const verdict = { confirmed: "benchmark's best confirmed", other: "another library does better",
                    none: "none works well" }[e.verdict] ?? e.verdict;
  return `best ${e.best} (${e.main_metric.replace(/_/g, " ")} ${v}) · ${verdict}`;
}

/** A webview page: strict content-security policy, scripts only with the nonce, nothing remote. */
export function page(opts: { title: string; cspSource: string; nonce: string; scriptUri: string; styleUri: string;
                             view: string; body?: string; libUris?: string[] }): string {
  const csp = [
    "default-src 'none'",
    `img-src ${opts.cspSource} data:`,
    `style-src ${opts.cspSource}`,
    `script-src 'nonce-${opts.nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${opts.styleUri}">
<title>${escapeHtml(opts.title)}</title>
</head>
<body data-view="${escapeHtml(opts.view)}">
<h2 id="title">${escapeHtml(opts.title)}</h2>
<div id="root">${opts.body ?? ""}</div>
${(opts.libUris ?? []).map((u) => `<script nonce="${opts.nonce}" src="${u}"></script>\n`).join("")}<script nonce="${opts.nonce}" src="${opts.scriptUri}"></script>
</body>
</html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function nonce(random: () => number = Math.random): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < 32; i++) out += chars[Math.floor(random() * chars.length)];
  return out;
}

/** Whether an emulator result is a classifier's (n-class), whose lines carry probabilities. */
export function isClassifyResult(r: EmulateResult): r is ClassifyResult {
  return "per_class" in r.summary;
}

/** Per signal, the probability the library gives to the signal's own class (n-class plot). */
export function trueClassProbabilities(results: { class_id: number; probabilities: number[] }[], classId: number): number[] {
  return results.map((r) => r.probabilities[classId - 1] ?? 0);
}
