// The validation view's page (bundled into dist/webview/validation.js): the experiments of a
// project, filterable, and one experiment's results — per library the type's metrics,
// ranked, the benchmark's best marked, the verdict — with "Open Report" and "Save as PDF"
// on each library. It draws what the extension posts and posts back what the user asks.
import type { Experiment, ExperimentLine } from "../protocol";
import { filterExperiments, fmt, VERDICTS } from "./experiments";

export interface ValidationData {
  project: string;
  experiments: ExperimentLine[];
  experiment?: Experiment;
  error?: string;
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById("root")!;
let data: ValidationData | undefined;
let filter = ((vscode.getState() as { filter?: string } | undefined)?.filter) ?? "";

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function row(cells: (string | HTMLElement)[], head = false, attrs: Record<string, string> = {}): HTMLElement {
  const tr = el("tr", attrs);
  for (const c of cells) {
    const td = el(head ? "th" : "td");
    if (typeof c === "string") td.textContent = c;
    else td.appendChild(c);
    tr.appendChild(td);
  }
  return tr;
}

function button(text: string, message: Record<string, unknown>, cls = ""): HTMLElement {
  const b = el("button", { class: cls }, text);
  b.addEventListener("click", () => vscode.postMessage(message));
  return b;
}

function experimentsTable(list: ExperimentLine[], shown?: string): HTMLElement {
  const t = el("table", { id: "experiments", class: "experiments" });
  t.appendChild(row(["experiment", "date", "libraries", "files", "best", "verdict"], true));
  for (const e of filterExperiments(list, filter).slice().reverse()) {
    const r = row([e.id, new Date(e.created * 1000).toLocaleString(), e.libraries.join(", "), String(e.inputs),
                   `${e.best} (${e.main_metric.replace(/_/g, " ")} ${fmt(e.best_value)})`, VERDICTS[e.verdict] ?? e.verdict],
                  false, { "data-id": e.id, class: e.id === shown ? "selected" : "" });
    r.addEventListener("click", () => vscode.postMessage({ type: "show", id: e.id }));
    t.appendChild(r);
  }
  return t;
}

function results(x: Experiment): HTMLElement {
  const box = el("section", { id: "experiment" });
  const libs = x.libraries;
  const signals = libs.length ? fmt(libs[0].metrics.signals) : "–";
  box.appendChild(el("h3", {}, `Experiment ${x.id}: ${x.inputs.length} file(s), ${signals} signals · ranked by ${x.main_label}`));
  box.appendChild(el("p", { class: `advice verdict-${x.verdict}` }, x.advice));
  const main = x.main_metric;
  const keys = libs.length ? Object.keys(libs[0].metrics).filter((k) => k !== main && k !== "signals"
    && typeof libs[0].metrics[k] === "number") : [];
  const t = el("table", { class: "validation", id: "results" });
  t.appendChild(row(["rank", "library", x.main_label, ...keys.map((k) => k.replace(/_/g, " ")), "benchmark score",
                     "RAM est.", "flash est.", ""], true));
  for (const r of libs) {
    const actions = el("span", { class: "actions" });
    actions.appendChild(button("Open Report", { type: "report", library: r.library, experiment: x.id }));
    actions.appendChild(button("Save as PDF", { type: "pdf", library: r.library, experiment: x.id }, "secondary"));
    t.appendChild(row([String(r.rank), r.library + (r.benchmark_best ? " ★" : ""), fmt(r.metrics[main]),
                       ...keys.map((k) => fmt(r.metrics[k])), fmt(r.benchmark_score), fmt(r.ram_estimate),
                       fmt(r.flash_estimate), actions], false, r.benchmark_best ? { class: "best" } : {}));
  }
  box.appendChild(t);
  box.appendChild(el("div", { class: "meta" }, "★ the benchmark's best · each library ran as its host build (the emulator)"));
  for (const r of libs) {
    const rec = r.metrics.per_class_recall as Record<string, number> | undefined;
    if (rec) {
      box.appendChild(el("div", { class: "meta" }, `${r.library} recall per class: ` +
                         Object.entries(rec).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")));
    }
  }
  box.appendChild(el("h3", {}, "Files"));
  const f = el("table", { class: "files" });
  f.appendChild(row(["role", "label", "file", "sha256"], true));
  for (const i of x.inputs) f.appendChild(row([i.role, i.label ?? "", i.file, i.sha256.slice(0, 12) + "…"]));
  box.appendChild(f);
  return box;
}

function render(): void {
  root.textContent = "";
  if (!data) return;
  const bar = el("div", { class: "toolbar" });
  bar.appendChild(button("Run a new experiment…", { type: "validate" }));
  const input = el("input", { id: "filter", type: "search", placeholder: "filter: id, library, verdict…" }) as HTMLInputElement;
  input.value = filter;
  input.addEventListener("input", () => {
    filter = input.value;
    vscode.setState({ filter });
    const old = document.getElementById("experiments");
    if (old && data) old.replaceWith(experimentsTable(data.experiments, data.experiment?.id));
  });
  bar.appendChild(input);
  root.appendChild(bar);
  if (data.error) root.appendChild(el("div", { class: "bad" }, data.error));
  root.appendChild(el("h3", {}, `Experiments (${data.experiments.length})`));
  if (data.experiments.length) root.appendChild(experimentsTable(data.experiments, data.experiment?.id));
  else root.appendChild(el("div", { class: "meta" }, "none yet: run one on files the benchmark never saw"));
  if (data.experiment) root.appendChild(results(data.experiment));
}

window.addEventListener("message", (ev: MessageEvent) => {
  const m = ev.data as { type?: string; data?: ValidationData };
  if (m?.type !== "data" || !m.data) return;
  data = m.data;
  try {
    render();
  } catch (e) {
    root.appendChild(el("div", { class: "bad" }, String(e)));
  }
});
vscode.postMessage({ type: "ready" });
