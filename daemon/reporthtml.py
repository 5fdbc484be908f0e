"""The report as one self-contained HTML file (inline CSS and SVG, nothing remote), and
the PDF of that same HTML laid out by WeasyPrint (print CSS: A4 pages, no table or
chart cut across a page)."""

from __future__ import annotations

from html import escape
from typing import Any

from .reportplots import chart, splits_chart

CSS = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: "page " counter(page) " / " counter(pages);
  font-size: 8pt; color: #777; } }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 10pt; color: #222; margin: 0 auto;
  max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; } h2 { font-size: 13pt; border-bottom: 1px solid #ccc; margin-top: 7mm; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
.meta { color: #555; margin-bottom: 4mm; }
table { border-collapse: collapse; margin: 2mm 0; page-break-inside: avoid; font-size: 8.5pt; }
th, td { border: 1px solid #ccc; padding: 1mm 2.5mm; text-align: left; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.stars { color: #e0a800; font-size: 13pt; letter-spacing: 1px; }
.flow { page-break-inside: avoid; }
.step { display: block; width: 120mm; border: 1.5px solid #1f77b4; border-radius: 2mm; padding: 1.5mm 3mm;
  background: #f4f8fc; }
.step.model { border-color: #d62728; background: #fcf4f4; } .step.io { border-color: #555; background: #f6f6f6; }
.arrow { margin: 0.5mm 0 0.5mm 8mm; color: #555; }
.params { color: #555; font-size: 8.5pt; }
.plot { page-break-inside: avoid; margin: 2mm 0; } .plot svg { max-width: 100%; height: auto; }
.verdict { border-left: 4px solid #1f77b4; padding: 1mm 3mm; background: #f4f8fc; }
.best { font-weight: bold; }
"""


def _n(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) >= 1000 else f"{v:.3f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_n(x) for x in v)
    return escape(str(v))


def _table(head: list[str], rows: list[list[Any]], best: int | None = None) -> str:
    h = "".join(f"<th>{escape(c)}</th>" for c in head)
    body = []
    for i, r in enumerate(rows):
        cls = ' class="best"' if i == best else ""
        cells = "".join(f'<td class="n">{_n(v)}</td>' if isinstance(v, (int, float)) and not isinstance(v, bool)
                        else f"<td>{_n(v)}</td>" for v in r)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{h}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _data(f: dict[str, Any]) -> str:
    d = f["data"]
    rows = [[x["role"], x["file"], x["signals"], x["values_per_signal"]] for x in d["files"]]
    stars = "★" * d["stars"] + "☆" * (5 - d["stars"])
    counts = ", ".join(f"{escape(k)}: {v}" for k, v in d["per_role"].items())
    return (f"<h2>Data</h2><p>Sensor: {escape(d['sensor'])}, {d['axes']} axes; signal length "
            f"{_n(d['total_length'])} values in total, {_n(d['buffer'])} samples per axis; sampling "
            f"{d['sampling_hz']:g} Hz.</p>"
            + _table(["class / role", "file", "signals", "values per signal"], rows)
            + f'<p>Repartition: <span class="stars">{stars}</span> ({d["stars"]}/5 — smallest class / largest '
            f"class; {counts})</p>")


def _performance(f: dict[str, Any]) -> str:
    p = f["performance"]
    ci = p["ci95"]
    ci_text = f" (95 % interval {_n(ci[0])}–{_n(ci[1])})" if ci else ""
    fp = p["footprint"]
    m = fp["measured"]
    fp_text = (f"RAM {m['ram']} B (static {m['ram_static']} + stack {m['stack']}), flash {m['flash']} B "
               f"(code {m['flash_code']} + knowledge {m['flash_knowledge']}), measured on {escape(fp['core'])}"
               if m else f"RAM and flash not measured ({escape(str(fp['why']))})")
    cyc = p["cycles"]
    cyc_html = (_table(["core / measure", "cycles"], [[k, v] for k, v in cyc.items()]) if cyc
                else "<p>Execution time per core: not measured.</p>")
    sec = _table(["metric", "value"], [[k.replace("_", " "), v] for k, v in p["secondary"].items()])
    best = " — the benchmark's best" if f["benchmark_best"] else ""
    return (f"<h2>Performance</h2><p><b>Score {_n(p['score'])}</b>{best}; {escape(p['main_label'])} "
            f"{_n(p['main'])}{ci_text} on the benchmark's worst split.</p>{_selection(p)}<p>{fp_text}.</p>"
            + ("<h3>Execution time per core</h3>" + cyc_html if cyc else cyc_html)
            + "<h3>Secondary metrics</h3>" + sec + _recall(f))


def _selection(p: dict[str, Any]) -> str:
    sel = p.get("selection")
    if not sel:
        return ""
    return (f"<p>Expected on new data like the project's: {escape(p['main_label'])} <b>{_n(sel['expected'])}</b> — "
            f"the benchmark's {_n(sel['stated'])} less the selection's optimism {_n(sel['optimism'])}, the drop "
            f"expected from choosing the best of {sel['candidates']} candidates on the same splits "
            f"(the same choice on {100 * sel['stable']:.0f} % of half-split re-runs)."
            + (" It is perfect on every split, so the splits cannot show how much lower new data may score: "
               "only new recordings can (nanoforge validate)." if sel.get("saturated") else "")
            + (" Its detection counted synthetic faults (1-class always; anomaly detection for a machine with "
               "fewer than 10 abnormal signals), so "
               "this is what to expect on faults like those: real anomalies may be caught more or less often, "
               "and only recorded abnormal signals can tell (nanoforge validate)." if sel.get("synthetic") else "")
            + "</p>")


def _recall(f: dict[str, Any]) -> str:
    exp = f["experiment"]
    mine = next((r for r in (exp or {}).get("libraries", []) if r["library"] == f["library"]), None)
    recall = (mine or {}).get("metrics", {}).get("per_class_recall")
    if not recall:
        return ""
    return (f"<h3>Recall per class (validation {escape(exp['id'])})</h3>"
            + _table(["class", "recall"], [[k, v] for k, v in recall.items()]))


def _splits(f: dict[str, Any]) -> str:
    vals = f["splits"]
    if not vals:
        return ""
    label = f["performance"]["main_label"]
    return (f"<h2>Benchmark splits</h2><p>{escape(label)} on each of the {len(vals)} evaluation splits of "
            f"benchmark {escape(f['benchmark'])}; candidates are ranked by the lower confidence bound over them.</p>"
            + _table(["split", label], [[i + 1, v] for i, v in enumerate(vals)])
            + f'<div class="plot">{splits_chart(vals, label)}</div>')


def _experiment(f: dict[str, Any]) -> str:
    exp = f["experiment"]
    if not exp:
        return ("<h2>Validation</h2><p>No validation experiment for this library "
                "(<code>nanoforge validate</code> runs one).</p>")
    main = exp["main_metric"]
    keys = [k for k, v in exp["libraries"][0]["metrics"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in (main, "signals")]
    rows = [[r["rank"], r["library"] + (" ★" if r["benchmark_best"] else ""),
             r["metrics"].get(main), *[r["metrics"].get(k) for k in keys], r["benchmark_score"]]
            for r in exp["libraries"]]
    this = next((i for i, r in enumerate(exp["libraries"]) if r["library"] == f["library"]), None)
    files = _table(["role", "label", "file", "sha256"],
                   [[i["role"], i["label"], i["file"].rsplit("/", 1)[-1], i["sha256"][:16] + "…"]
                    for i in exp["inputs"]])
    conf = ""
    mine = exp["libraries"][this] if this is not None else None
    if mine and mine["metrics"].get("confusion"):
        cls = exp["classes"]
        conf = ("<h3>Confusion matrix (rows: true class, columns: detected)</h3>"
                + _table(["", *cls], [[c, *row] for c, row in zip(cls, mine["metrics"]["confusion"], strict=False)]))
    return (f"<h2>Validation experiment {escape(exp['id'])}</h2><p>{len(exp['inputs'])} files the benchmark never "
            f"saw, {_n(exp['libraries'][0]['metrics'].get('signals'))} signals; each library's host build run "
            "as the emulator.</p>" + files
            + _table(["rank", "library", exp["main_label"], *[k.replace("_", " ") for k in keys], "bench. score"],
                     rows, best=this)
            + "<p>★ the benchmark's best; in bold, the library of this report.</p>"
            + f'<p class="verdict">{escape(exp["advice"])}</p>' + conf)


def _flowchart(f: dict[str, Any]) -> str:
    out = []
    for s in f["flowchart"]:
        params = ", ".join(f"{escape(str(k))} = {_n(v)}" for k, v in s["params"].items())
        cls = {"model": "step model", "input": "step io", "output": "step io"}.get(s["kind"], "step")
        title = {"input": "Input", "output": "Output", "model": f"Model: {escape(s['name'])}"}.get(
            s["kind"], f"Block: {escape(s['name'])}")
        body = escape(s["text"]) if s["text"] else f'<span class="params">{params or "no parameters"}</span>'
        out.append(f'<div class="{cls}"><b>{title}</b><br>{body}</div>')
    return ('<h2>Algorithm</h2><div class="flow">' + '<div class="arrow">↓</div>'.join(out) + "</div>")


def _plots(f: dict[str, Any]) -> str:
    if not f["plots"]:
        return ""
    return "<h2>Results plot</h2>" + "".join(f'<div class="plot">{chart(c)}</div>' for c in f["plots"])


def html(f: dict[str, Any]) -> str:
    title = f"nanoforge report — {f['project']}, library {f['library']}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p class=\"meta\">{escape(f['type_title'])} · benchmark "
            f"{escape(f['benchmark'])} · written {escape(f['created'])} by nanoforge</p>"
            + _data(f) + _performance(f) + _splits(f) + _experiment(f) + _flowchart(f) + _plots(f)
            + "</body></html>\n")


def pdf(page: str) -> bytes:
    """The same HTML, printed; it holds no link to fetch (a url_fetcher that refuses
    everything keeps it so)."""
    from weasyprint import HTML

    def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing ({url})")

    return bytes(HTML(string=page, url_fetcher=refuse).write_pdf())
