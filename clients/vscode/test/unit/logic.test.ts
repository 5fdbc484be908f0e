import assert from "node:assert/strict";
import { test } from "node:test";
import {
  benchTooltip, candidateLabel, choosePython, inferenceCycles, timingTable, experimentDescription, fileDescription, finishWarning, nonce, page, statusText,
  trueClassProbabilities,
} from "../../src/logic";

test("the python setting wins, then the Python extension, then python3", () => {
  assert.equal(choosePython("/opt/py/bin/python", "/venv/bin/python"), "/opt/py/bin/python");
  assert.equal(choosePython("  ", "/venv/bin/python"), "/venv/bin/python");
  assert.equal(choosePython(undefined, undefined, "linux"), "python3");
  assert.equal(choosePython("", "", "win32"), "python");
});

test("the status bar shows a running or paused benchmark and hides otherwise", () => {
  const s = { id: "b1", state: "running", elapsed_s: 12.4, time_budget_s: 300, candidates_evaluated: 87,
              best: { library: "abc", score: 97.126, ram: 2660, flash: 9000 } };
  assert.equal(statusText(s), "$(sync~spin) nanoforge 12/300 s · 87 candidates · best 97.1 · 2.6 KB RAM · 8.8 KB flash");
  assert.match(statusText({ ...s, state: "paused", best: null })!, /^\$\(debug-pause\) nanoforge 12\/300 s · 87 candidates$/);
  assert.equal(statusText({ ...s, state: "finished" }), undefined);
  assert.equal(statusText(undefined), undefined);
});

test("candidates show their score, main metric and footprint", () => {
  const c = { library: "0123456789ab", score: 91.5, state: "pruned", r2: 0.8123, ram: 708, flash: 1075,
              pipeline: ["diff", "minirocket"], model: "ridge" };
  const l = candidateLabel(c);
  assert.equal(l.description, "score 91.50 · R² 0.812 · 708 B RAM · 1.0 KB flash");
  assert.equal(l.tooltip, "diff → minirocket → ridge (pruned early)\nestimated: 708 B RAM, 1.0 KB flash");
  const built = candidateLabel({ ...c, measured: { ram: 800, flash: 2048 },
                                 cycles: { neai_classification_init: 90000, neai_classification: 123456 } },
                               { clock_hz: 80e6, target: "cortex-m4" });
  assert.equal(built.description, "score 91.50 · R² 0.812 · 800 B RAM · 2.0 KB flash measured · 123,456 cycles = 1.54 ms");
  assert.match(built.tooltip, /measured on cortex-m4: 800 B RAM, 2.0 KB flash/);
  assert.match(built.tooltip, /neai_classification_init: 90,000 cycles = 1.13 ms at 80 MHz/);
  const perfect = candidateLabel({ ...c, state: "full", r2: undefined, balanced_accuracy: 1, harder: 0.9625 });
  assert.match(perfect.tooltip, /perfect on every split; 0\.963 with half of the signals held out/);
  assert.doesNotMatch(l.tooltip, /perfect on every split/);
  assert.doesNotMatch(perfect.tooltip, /with noise added/);
  const robust = candidateLabel({ ...c, state: "full", r2: undefined, balanced_accuracy: 1, harder: 1, harder_noisy: 0.8876 });
  assert.match(robust.tooltip, /0\.888 with noise added to the held-out signals/);
  assert.equal(inferenceCycles({ neai_anomalydetection_init: 5, neai_anomalydetection_learn: 900, neai_anomalydetection_detect: 700 })?.[1], 900);
  assert.equal(inferenceCycles(null), undefined);
  assert.equal(fileDescription({ lines: 80, columns: 768, exists: true }), "80 lines × 768 values");
  assert.equal(fileDescription({ lines: null, columns: null, exists: false }), "missing");
});

test("webview pages allow only nonce scripts and local resources", () => {
  const n = nonce(() => 0.5);
  assert.equal(n.length, 32);
  const html = page({ title: "<Preview>", cspSource: "vscode-resource:", nonce: n, scriptUri: "vscode-resource:/v.js",
                      styleUri: "vscode-resource:/v.css", view: "preview" });
  assert.match(html, new RegExp(`script-src 'nonce-${n}'`));
  assert.match(html, /default-src 'none'/);
  assert.ok(!/https?:\/\//.test(html), "no remote resources");
  assert.ok(html.includes("&lt;Preview&gt;") && !html.includes("<Preview>"));
  for (const m of html.matchAll(/<script[^>]*>/g)) assert.ok(m[0].includes(`nonce="${n}"`));
});

test("the probability plot takes each signal's own class", () => {
  const r = [{ class_id: 2, probabilities: [0.1, 0.9] }, { class_id: 1, probabilities: [0.7, 0.3] }];
  assert.deepEqual(trueClassProbabilities(r, 2), [0.9, 0.3]);
});

test("a weak extrapolation library is reported once, when its benchmark finishes", () => {
  const best = { library: "abc", score: 20.1, r2: 0.04, ram: 496, flash: 6260, warning: "R² 0.040 on the worst repeat: …" };
  const s = { id: "b1", state: "finished", elapsed_s: 300, candidates_evaluated: 22680, best };
  assert.equal(finishWarning("running", s), "nanoforge: R² 0.040 on the worst repeat: …");
  assert.equal(finishWarning("finished", s), undefined);
  assert.equal(finishWarning("running", { ...s, state: "running" }), undefined);
  assert.equal(finishWarning("running", { ...s, best: { ...best, warning: undefined } }), undefined);
});

test("a validation experiment shows its best library and the verdict", () => {
  const e = { id: "e0002", created: 0, libraries: ["a", "b"], inputs: 4, best: "b", main_metric: "balanced_accuracy",
              best_value: 0.9375, verdict: "other" };
  assert.equal(experimentDescription(e), "best b (balanced accuracy 0.938) · another library does better");
  assert.match(experimentDescription({ ...e, best_value: null, verdict: "none" }), /\(balanced accuracy –\) · none works well$/);
});

test("the timing table gives a line per core and call, and why a core has no figure", () => {
  const lines = timingTable({ library: "abc", neai_id: "abc", clock_hz: 80e6, signals: 3, target: "cortex-m4",
                              max_latency_ms: null, cores: [
    { core: "cortex-m4", available: true, calls: { neai_classification: { cycles: 52300, max: 52400, calls: 3, ms: 0.65375 } } },
    { core: "cortex-m55", available: false, reason: "the emulator cannot run it" }] });
  assert.equal(lines.length, 3);
  assert.match(lines[0], /clock 80 MHz · project core cortex-m4$/);
  assert.match(lines[1], /^cortex-m4 +neai_classification +52300 cycles +0\.654 ms$/);
  assert.match(lines[2], /^cortex-m55 +not counted: the emulator cannot run it$/);
});

test("a benchmark's tooltip says what its best is expected to do on new data", () => {
  const sel = { metric: "balanced_accuracy", stated: 1.0, optimism: 0.042, expected: 0.958, drop: 0.015, stable: 0.14,
                saturated: false, candidates: 39, splits: 10, halves: 252 };
  const b = { id: "b0001", state: "finished", elapsed_s: 30, candidates_evaluated: 39,
              best: { library: "abc", score: 99.5, ram: 1200, flash: 2400, balanced_accuracy: 1.0, selection: sel } };
  const t = benchTooltip(b);
  assert.match(t, /Expected on new data: balanced accuracy 0\.958 \(benchmark 1\.000 − selection optimism 0\.042, best among 39/);
  assert.doesNotMatch(t, /Perfect on every split/);
  assert.doesNotMatch(t, /synthetic faults/);
  assert.match(benchTooltip({ ...b, best: { ...b.best, selection: { ...sel, synthetic: true } } }),
               /Detection counted synthetic faults: real anomalies may be caught more or less often/);
  assert.match(benchTooltip({ ...b, best: { ...b.best, selection: { ...sel, optimism: 0, expected: 1, saturated: true } } }),
               /Perfect on every split/);
  assert.equal(benchTooltip({ ...b, best: null }), "b0001: finished · 39 candidates");
});
