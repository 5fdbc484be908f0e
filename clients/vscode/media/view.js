// Draws nanoforge webviews from the data the extension posts. No libraries, no network.
(function () {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById("root");
  const COLORS = ["#4e9ad6", "#e07b39", "#5bb85b", "#c75a9e", "#d4b93c", "#8a7bd6", "#3cbcb4", "#b5651d"];
  const fg = () => getComputedStyle(document.body).getPropertyValue("--vscode-foreground") || "#ccc";

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function range(values) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    if (hi === lo) { hi += 1; lo -= 1; }
    return [lo, hi];
  }

  // series: [{x, y, color, lo, hi, step, dots, label}]; opts: {xlabel, ylabel, hline, ymin, ymax}
  function chart(parent, series, opts) {
    const c = el("canvas", { "data-series": String(series.length) });
    parent.appendChild(c);
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 600, h = c.clientHeight || 220;
    c.width = w * dpr; c.height = h * dpr;
    const g = c.getContext("2d");
    g.scale(dpr, dpr);
    const L = 56, R = 10, T = 10, B = 30;
    const xs = [], ys = [];
    for (const s of series) {
      xs.push(...s.x);
      ys.push(...(s.lo || s.y), ...(s.hi || s.y));
    }
    if (opts.hline !== undefined) ys.push(opts.hline);
    const [x0, x1] = range(xs);
    let [y0, y1] = range(ys);
    if (opts.ymin !== undefined) y0 = opts.ymin;
    if (opts.ymax !== undefined) y1 = opts.ymax;
    const px = (x) => L + ((x - x0) / (x1 - x0)) * (w - L - R);
    const py = (y) => T + (1 - (y - y0) / (y1 - y0)) * (h - T - B);
    g.strokeStyle = fg(); g.fillStyle = fg(); g.globalAlpha = 0.6; g.lineWidth = 1; g.font = "11px sans-serif";
    g.beginPath(); g.moveTo(L, T); g.lineTo(L, h - B); g.lineTo(w - R, h - B); g.stroke();
    for (let i = 0; i <= 4; i++) {
      const y = y0 + ((y1 - y0) * i) / 4;
      g.fillText(Math.abs(y) >= 1000 || (Math.abs(y) < 0.01 && y !== 0) ? y.toExponential(1) : y.toFixed(2), 2, py(y) + 4);
      const x = x0 + ((x1 - x0) * i) / 4;
      g.fillText(Math.abs(x) >= 1000 ? x.toExponential(1) : String(Math.round(x * 100) / 100), px(x) - 8, h - B + 14);
    }
    if (opts.xlabel) g.fillText(opts.xlabel, w - R - g.measureText(opts.xlabel).width, h - 4);
    if (opts.ylabel) g.fillText(opts.ylabel, L + 4, T + 10);
    g.globalAlpha = 1;
    for (const s of series) {
      if (s.lo && s.hi) {
        g.fillStyle = s.color; g.globalAlpha = s.alpha || 0.2; g.beginPath();
        s.x.forEach((x, i) => (i ? g.lineTo(px(x), py(s.hi[i])) : g.moveTo(px(x), py(s.hi[i]))));
        for (let i = s.x.length - 1; i >= 0; i--) g.lineTo(px(s.x[i]), py(s.lo[i]));
        g.closePath(); g.fill(); g.globalAlpha = 1;
      }
      if (s.y) {
        g.strokeStyle = s.color; g.fillStyle = s.color; g.lineWidth = 1.5;
        if (s.dots) {
          s.x.forEach((x, i) => { g.beginPath(); g.arc(px(x), py(s.y[i]), 3, 0, 6.3); g.fill(); });
        } else {
          g.beginPath();
          s.x.forEach((x, i) => {
            if (!i) g.moveTo(px(x), py(s.y[i]));
            else if (s.step) { g.lineTo(px(x), py(s.y[i - 1])); g.lineTo(px(x), py(s.y[i])); }
            else g.lineTo(px(x), py(s.y[i]));
          });
          g.stroke();
        }
      }
    }
    if (opts.hline !== undefined) {
      g.strokeStyle = "#d9534f"; g.setLineDash([5, 4]); g.beginPath();
      g.moveTo(L, py(opts.hline)); g.lineTo(w - R, py(opts.hline)); g.stroke(); g.setLineDash([]);
    }
    const legend = series.filter((s) => s.label);
    if (legend.length) {
      const d = el("div", { class: "legend" });
      for (const s of legend) {
        const sp = el("span"); const i = el("i"); i.style.background = s.color;
        sp.appendChild(i); sp.appendChild(document.createTextNode(s.label)); d.appendChild(sp);
      }
      parent.appendChild(d);
    }
    c.setAttribute("data-drawn", "true");
    return c;
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

  function bench(d) {
    const s = d.status;
    const b = s.best;
    root.appendChild(el("div", { class: "meta", id: "bench-state" },
      `${s.id}: ${s.state}, ${Math.round(s.elapsed_s)} s, ${s.candidates_evaluated} candidates` +
      (b ? ` · best ${b.library} score ${b.score.toFixed(2)}, ${b.ram} B RAM, ${b.flash} B flash` : "")));
    const hist = s.history || [];
    root.appendChild(el("h3", {}, "Best score over time"));
    if (hist.length) {
      chart(root, [{ x: hist.map((p) => p[0]), y: hist.map((p) => p[1]), color: COLORS[0], step: true }],
            { xlabel: "s", ylabel: "score" });
    } else {
      root.appendChild(el("div", {}, "no candidate evaluated yet"));
    }
    if (d.probabilities && d.probabilities.length) {
      root.appendChild(el("h3", {}, "Per-signal probability of its own class (best library, training files)"));
      let offset = 0;
      const series = d.probabilities.map((p, k) => {
        const x = p.values.map((_, i) => offset + i);
        offset += p.values.length;
        return { x, y: p.values, color: COLORS[k % COLORS.length], dots: true, label: p.class };
      });
      chart(root, series, { xlabel: "signal", ymin: 0, ymax: 1, hline: 0.5 });
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

  function fmt(v) {
    return v === null || v === undefined ? "–" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v);
  }

  function validation(d) {
    const libs = d.libraries || [];
    const main = d.main_metric;
    root.appendChild(el("div", { class: "meta" },
      `${d.inputs.length} file(s), ${fmt((libs[0] || { metrics: {} }).metrics.signals)} signals · ranked by ${d.main_label}`));
    const keys = libs.length ? Object.keys(libs[0].metrics).filter((k) => k !== main && k !== "signals"
      && typeof libs[0].metrics[k] === "number") : [];
    const t = el("table", { class: "validation" });
    const head = el("tr");
    for (const k of ["rank", "library", d.main_label, ...keys.map((k) => k.replace(/_/g, " ")), "benchmark score"]) {
      head.appendChild(el("th", {}, k));
    }
    t.appendChild(head);
    for (const r of libs) {
      const row = el("tr", r.benchmark_best ? { class: "best" } : {});
      row.appendChild(el("td", {}, String(r.rank)));
      row.appendChild(el("td", {}, r.library + (r.benchmark_best ? " ★" : "")));
      for (const k of [main, ...keys]) row.appendChild(el("td", {}, fmt(r.metrics[k])));
      row.appendChild(el("td", {}, fmt(r.benchmark_score)));
      t.appendChild(row);
    }
    root.appendChild(t);
    root.appendChild(el("p", { class: "advice" }, d.advice));
    root.appendChild(el("div", { class: "meta" }, "★ the benchmark's best"));
    for (const r of libs) {
      const rec = r.metrics.per_class_recall;
      if (rec) root.appendChild(el("div", { class: "meta" },
        `${r.library} recall per class: ` + Object.entries(rec).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")));
    }
    root.appendChild(el("h3", {}, "Files"));
    const f = el("table");
    for (const i of d.inputs) {
      const row = el("tr");
      for (const v of [i.role, i.label || "", i.file, i.sha256.slice(0, 12) + "…"]) row.appendChild(el("td", {}, v));
      f.appendChild(row);
    }
    root.appendChild(f);
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
    try {
      ({ preview, bench, emulate, validation, sampling })[m.view](m.data);
    } catch (e) {
      root.appendChild(el("div", { class: "bad" }, String(e)));
    }
  });
  vscode.postMessage({ type: "ready" });
})();
