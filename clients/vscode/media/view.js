// Draws nanoforge webviews from the data the extension posts. Charts: Chart.js, bundled
// (dist/webview/charts.js); nothing remote.
(function () {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById("root");
  const COLORS = window.nfCharts.COLORS;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // series: [{x, y, color, lo, hi, step, dots, label}]; opts: {xlabel, ylabel, hline, ymin, ymax}.
  // Drawn by Chart.js (dist/webview/charts.js, window.nfCharts): hover values, legend, zoom.
  let autoKey = 0;
  function chart(parent, series, opts) {
    const spec = {
      x_label: opts.xlabel, y_label: opts.ylabel, x_tight: true,
      series: series.map((s) => ({ name: s.label, x: s.x, y: s.y, lo: s.lo, hi: s.hi, alpha: s.alpha, color: s.color,
                                   style: s.dots ? "points" : s.step ? "step" : "line" })),
      hlines: opts.hline !== undefined ? [{ y: opts.hline, label: `${opts.hline}` }] : [],
      y_range: opts.ymin !== undefined && opts.ymax !== undefined ? [opts.ymin, opts.ymax] : undefined,
    };
    return window.nfCharts.draw(parent, spec, `auto${autoKey++}`);
  }

  function preview(d) {
    root.appendChild(el("div", { class: "meta" },
      `${d.signals} signals × ${d.buffer} samples × ${d.axes} axes at ${d.sampling_hz} Hz`));
    const views = [["raw", d.raw]].concat(d.filtered ? [["band-pass filtered", d.filtered]] : []);
    for (const [name, axes] of views) {
      axes.forEach((a, k) => {
        const color = COLORS[k % COLORS.length];
        const x = a.mean.map((_, i) => i);
        root.appendChild(el("h3", {}, `Axis ${a.axis} (${name}): mean ${a.overall.mean.toFixed(3)}, std ${a.overall.std.toFixed(3)}`));
        chart(root, [
          { x, lo: a.min, hi: a.max, color, alpha: 0.12 },
          { x, lo: a.mean.map((m, i) => m - a.std[i]), hi: a.mean.map((m, i) => m + a.std[i]), color, alpha: 0.3 },
          { x, y: a.mean, color, label: "mean (band: ±std, min–max)" },
        ], { xlabel: "sample" });
      });
      root.appendChild(el("h3", {}, `Mean FFT magnitude (${name})`));
      chart(root, axes.map((a, k) => ({ x: a.fft.freq_hz, y: a.fft.magnitude, color: COLORS[k % COLORS.length],
                                         label: `axis ${a.axis}` })), { xlabel: "Hz" });
    }
  }

  // The benchmark: the four indicators of the best library as it changed (Score and the
  // main metric on the left, RAM and flash on the right), and the project type's results
  // charts of the best so far; charts keep their zoom across the live updates.
  function bench(d) {
    const s = d.status;
    const b = s.best;
    const c = d.charts;
    root.appendChild(el("div", { class: "meta", id: "bench-state" },
      `${s.id}: ${s.state}, ${Math.round(s.elapsed_s)} s, ${s.candidates_evaluated} candidates` +
      (b ? ` · best ${b.library} score ${b.score.toFixed(2)}, ${b.ram} B RAM, ${b.flash} B flash` : "")));
    root.appendChild(el("div", { class: "meta hint" }, "hover for values · click a legend entry to hide it · " +
                                 "Ctrl+wheel or Shift+drag zooms, drag pans, double-click resets"));
    root.appendChild(el("h3", {}, "Performance evolution of the best library"));
    const evo = c && c.id === s.id ? c.evolution : [];
    if (evo.length) {
      const x = evo.map((p) => p.t).concat([Math.max(s.elapsed_s, evo[evo.length - 1].t)]);
      const last = (v) => v.concat([v[v.length - 1]]);
      const notes = last(evo.map((p) => `${p.library}, after ${p.candidates} candidates`));
      const main = evo.map((p) => (p.main === null ? NaN : p.main));
      const series = [
        { name: "Score", x, y: last(evo.map((p) => p.score)), style: "step", notes },
        { name: `${c.main_label} (%)`, x, y: last(main.map((v) => 100 * v)), raw: last(main), style: "step", notes },
        { name: "RAM (B)", x, y: last(evo.map((p) => p.ram)), style: "step", right: true, notes },
        { name: "flash (B)", x, y: last(evo.map((p) => p.flash)), style: "step", right: true, notes },
      ];
      if (c.scores.length) {
        series.push({ name: "each candidate's Score", x: c.scores.map((p) => p[0]), y: c.scores.map((p) => p[1]),
                      color: "#888888", style: "points" });
      }
      window.nfCharts.draw(root, { x_label: "seconds", y_label: "Score, metric (%)", y2_label: "bytes", series },
                           "evolution");
    } else if ((s.history || []).length) {
      const h = s.history;
      chart(root, [{ x: h.map((p) => p[0]), y: h.map((p) => p[1]), step: true, label: "Score" }],
            { xlabel: "seconds", ylabel: "Score" });
    } else {
      root.appendChild(el("div", {}, "no candidate evaluated yet"));
    }
    if (d.error) root.appendChild(el("div", { class: "bad" }, d.error));
    if (c && c.library && c.plots.length) {
      root.appendChild(el("h3", { id: "bench-plots" }, `Results of library ${c.library}`));
      c.plots.forEach((p, i) => window.nfCharts.draw(root, p, `plot${i}`));
    }
  }

  function emulate(d) {
    const r = d.results || [];
    const s = d.summary || {};
    root.appendChild(el("div", { class: "meta" }, `${d.file || ""} · library ${d.library}`));
    const x = r.map((v) => v.line);
    if (r.length && "probabilities" in r[0]) {
      const n = r[0].probabilities.length;
      const names = Object.keys(s.per_class || {});
      chart(root, Array.from({ length: n }, (_, k) => ({ x, y: r.map((v) => v.probabilities[k]), color: COLORS[k % COLORS.length],
                                                         dots: true, label: names[k] || `class ${k + 1}` })),
            { xlabel: "line", ymin: 0, ymax: 1 });
    } else if (r.length && "outlier" in r[0]) {
      chart(root, [{ x, y: r.map((v) => v.score), color: COLORS[0], dots: true, label: "score (outlier above the line)" }],
            { xlabel: "line", hline: s.threshold });
    } else if (r.length && "value" in r[0]) {
      chart(root, [{ x, y: r.map((v) => v.value), color: COLORS[0], label: "extrapolated value" }], { xlabel: "line" });
    } else if (r.length && "similarity" in r[0]) {
      chart(root, [{ x: r.map((_, i) => i + 1), y: r.map((v) => v.similarity), color: COLORS[0], dots: true,
                     label: "similarity % (anomaly below 90)" }], { xlabel: "signal", ymin: 0, ymax: 100, hline: 90 });
    }
    const t = el("table");
    const head = el("tr");
    for (const k of Object.keys(s)) head.appendChild(el("th", {}, k));
    t.appendChild(head);
    const row = el("tr");
    for (const v of Object.values(s)) row.appendChild(el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v)));
    t.appendChild(row);
    root.appendChild(t);
  }

  // The sampling finder's matrix as a heatmap: rates down, buffer lengths across, the
  // score as colour (chance = clear, 1 = full), the recommendation outlined.
  function sampling(d) {
    const rates = [...new Set(d.matrix.map((c) => c.hz))].sort((a, b) => b - a);
    const buffers = [...new Set(d.matrix.map((c) => c.buffer))].sort((a, b) => a - b);
    const rec = d.recommendation;
    root.appendChild(el("div", { class: "meta" }, `${d.files.length} recordings · ${d.variables} variables · ` +
                        `recorded at ${d.hz} Hz · chance ${d.chance.toFixed(2)}`));
    if (rec) {
      root.appendChild(el("h3", {}, `Recommended: ${rec.hz} Hz, buffer ${rec.buffer} (${(rec.duration_s * 1000).toFixed(0)} ms), ` +
                          `score ${rec.score.toFixed(3)}`));
      root.appendChild(el("div", { class: "meta" }, rec.why));
    }
    const t = el("table", { class: "heat" });
    const head = el("tr");
    head.appendChild(el("th", {}, "Hz \\ buffer"));
    for (const b of buffers) head.appendChild(el("th", {}, String(b)));
    t.appendChild(head);
    for (const hz of rates) {
      const row = el("tr");
      row.appendChild(el("th", {}, String(hz)));
      for (const b of buffers) {
        const c = d.matrix.find((m) => m.hz === hz && m.buffer === b);
        const cell = el("td", { title: c ? `${(c.duration_s * 1000).toFixed(0)} ms, ${c.windows} buffers per file` : "" },
                        c && c.score !== null ? c.score.toFixed(2) : "–");
        if (c && c.score !== null) {
          const a = Math.max(0, Math.min(1, (c.score - d.chance) / (1 - d.chance)));
          cell.style.background = `rgba(78, 154, 214, ${a.toFixed(2)})`;
        }
        if (rec && rec.hz === hz && rec.buffer === b) cell.className = "rec";
        row.appendChild(cell);
      }
      t.appendChild(row);
    }
    root.appendChild(t);
  }

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (!m || m.type !== "data" || !m.data) return;
    root.textContent = "";
    window.nfCharts.forget("auto");
    autoKey = 0;
    try {
      ({ preview, bench, emulate, sampling })[m.view](m.data);
    } catch (e) {
      root.appendChild(el("div", { class: "bad" }, String(e)));
    }
  });
  vscode.postMessage({ type: "ready" });
})();
