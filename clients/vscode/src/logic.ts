// The extension's own logic, free of the `vscode` module so that unit tests run in plain Node.

import type { BenchStatus, Candidate, ClassifyResult, EmulateResult, ExperimentLine } from "./protocol";

/** What the status bar and the tree show of a benchmark (a progress notification or a status). */
export type BenchLine = Pick<BenchStatus, "state" | "elapsed_s" | "candidates_evaluated" | "best">
  & Partial<Pick<BenchStatus, "time_budget_s">>;

/** What a candidate's tree item shows. */
export type CandidateLine = Pick<Candidate, "library" | "score" | "state" | "ram" | "flash" | "pipeline" | "model"
  | "r2" | "balanced_accuracy">;

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

export function candidateLabel(c: CandidateLine): { label: string; description: string; tooltip: string } {
  const metric = mainMetric(c);
  return {
    label: c.library,
    description: `score ${c.score.toFixed(2)}${metric ? " · " + metric : ""} · ${bytes(c.ram)} RAM · ${bytes(c.flash)} flash`,
    tooltip: `${c.pipeline.join(" → ")} → ${c.model}${c.state === "full" ? "" : " (pruned early)"}`,
  };
}

export function benchDescription(s: BenchLine): string {
  const best = s.best ? ` · best ${s.best.score.toFixed(2)} ${mainMetric(s.best)}` : "";
  return `${s.state} · ${s.candidates_evaluated} candidates${best}`;
}

export function fileDescription(f: { lines: number | null; columns: number | null; exists: boolean }): string {
  if (!f.exists) return "missing";
  return `${f.lines} lines × ${f.columns} values`;
}

// ------------------------------------------------------------------ webviews

/** A webview page: strict content-security policy, scripts only with the nonce, nothing remote. */
/** A validation experiment in the tree: its best library and the verdict. */
export function experimentDescription(e: ExperimentLine): string {
  const v = e.best_value === null ? "–" : e.best_value.toFixed(3);
  const verdict = { confirmed: "benchmark's best confirmed", other: "another library does better",
                    none: "none works well" }[e.verdict] ?? e.verdict;
  return `best ${e.best} (${e.main_metric.replace(/_/g, " ")} ${v}) · ${verdict}`;
}

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
