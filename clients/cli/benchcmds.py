"""`nanoforge bench …`, `nanoforge emulate`, `nanoforge deploy`: thin, the daemon does the work."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from . import serialcmds
from .plotmap import ascii_map
from .rpc import Client

EXIT_OK, EXIT_ERRORS = 0, 1


def _abs(p: str) -> str:
    from pathlib import Path

    return str(Path(p).expanduser().resolve())


def _best_line(s: dict[str, Any]) -> str:
    b = s.get("best") or {}
    main = f"R² {b['r2']:.3f}, RMSE {b['rmse']:.4g}" if "r2" in b else f"bal. acc. {b.get('balanced_accuracy', 0):.3f}"
    best = f"best {b['score']:.2f} ({main}, {b['ram']} B RAM, {b['flash']} B flash)" if b else "no library yet"
    budget = s.get("time_budget_s")
    t = f"{s['elapsed_s']:.0f}/{budget:.0f} s" if budget else f"{s['elapsed_s']:.0f} s"
    line = f"{s['id']} {s['state']:<11} {t}  {s['candidates_evaluated']} candidates  {best}"
    if s.get("state") in ("running", "paused") and s.get("workers") is not None:
        where = f" on {s['cluster']}" if s.get("cluster") else ""
        rate = s.get("evals_per_s_per_worker")
        line += f"  [{s['workers']} workers{where}" + (f", {rate:.2f} eval/s each]" if rate else "]")
    if s.get("message"):
        line += f"  ({s['message']})"
    return line


def _selection_line(sel: dict[str, Any] | None) -> str | None:
    """What the best's figure should become on new data (docs/selection.md)."""
    if not sel:
        return None
    label = METRIC_LABELS.get(sel["metric"], sel["metric"])
    return (f"expected on new data: {label} {sel['expected']:.3f} (benchmark {sel['stated']:.3f} − selection "
            f"optimism {sel['optimism']:.3f}, best among {sel['candidates']} candidates; same pick on "
            f"{100 * sel['stable']:.0f} % of half-split choices)"
            + ("; perfect on every split, so the splits cannot show how much lower new data may score — "
               "validate on new recordings" if sel.get("saturated") else "")
            + ("; detection counted synthetic faults, so real anomalies may be caught more or less often — "
               "validate with recorded abnormal signals" if sel.get("synthetic") else ""))


def _wait(c: Client, project: str, as_json: bool) -> dict[str, Any]:
    tty = sys.stderr.isatty() and not as_json
    while True:
        s = c.request("nanoforge/bench/status", {"project": project})
        if tty:
            sys.stderr.write("\r\033[K" + _best_line(s))
            sys.stderr.flush()
        if s["state"] not in ("running", "starting", "paused"):
            if tty:
                sys.stderr.write("\n")
            return s
        time.sleep(0.5)


def _print_status(s: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(s))
    else:
        print(_best_line(s))
        if line := _selection_line((s.get("best") or {}).get("selection")):
            print(f"    {line}")
        if (s.get("best") or {}).get("warning"):
            print(f"    warning: {s['best']['warning']}")
        if s.get("error"):
            print(f"    error: {s['error']}")


def _harder_note(r: dict[str, Any]) -> str:
    """What ordered a candidate perfect on every split (docs/selection.md, "Ties at the top")."""
    if "harder" not in r:
        return ""
    noisy = f", {r['harder_noisy']:.3f} with noise added" if "harder_noisy" in r else ""
    return f"  (perfect on every split; {r['harder']:.3f} with half held out{noisy})"


def cmd_bench(c: Client, a: argparse.Namespace) -> int:
    project = _abs(a.project)
    if a.action == "start":
        s = c.request("nanoforge/bench/start", {"project": project, "time_budget": a.time_budget, "cores": a.cores,
                                                "seed": a.seed, "cluster": a.cluster})
        if a.wait:
            s = _wait(c, project, a.json)
        if a.json or a.wait:
            _print_status(s, a.json)
        return EXIT_ERRORS if s["state"] == "failed" else EXIT_OK
    if a.action in ("pause", "resume", "stop"):
        s = c.request("nanoforge/bench/control", {"project": project, "action": a.action})
        if a.action == "resume" and a.wait:
            s = _wait(c, project, a.json)
            _print_status(s, a.json)
        elif a.json:
            _print_status(s, True)
        return EXIT_OK
    if a.action == "status":
        s = c.request("nanoforge/bench/status", {"project": project})
        _print_status(s, a.json)
        return EXIT_ERRORS if s["state"] == "failed" else EXIT_OK
    if a.action == "list":
        res = c.request("nanoforge/bench/list", {"project": project})
        if a.json:
            print(json.dumps(res["benchmarks"]))
        else:
            for s in res["benchmarks"]:
                print(_best_line(s))
        return EXIT_OK
    if a.action == "plot":
        res = c.request("nanoforge/bench/plot", {"project": project, "library": a.library})
        if a.json:
            print(json.dumps(res))
        else:
            ev = res["explained_variance"]
            print(ascii_map(res))
            print(f"library {res['library']}: '·' inside the boundary, o nominal, x abnormal, + synthetic outlier; "
                  f"axes: the 2 main directions of the nominal features ({100 * (ev[0] + ev[1]):.0f} % of variance)")
        return EXIT_OK
    res = c.request("nanoforge/bench/candidates", {"project": project, "limit": a.limit})
    if a.json:
        print(json.dumps(res))
        return EXIT_OK
    main = res["main_metric"]
    label = METRIC_LABELS.get(main, main)
    print(f"{'library':<12}{'score':>8}{label:>9}  {'95% CI':<13}{'RAM':>7}{'flash':>8}{'measured':>13}"
          f"{'cycles':>10}  pipeline → model")
    for r in res["candidates"]:
        ci = r.get("ci95") or [0, 0]
        m = r.get("measured")
        measured = f"{m['ram']}/{m['flash']}" if m else "–"
        cyc = r.get("cycles")
        cycles = str(max((v for k, v in cyc.items() if not k.endswith("_init")), default=0)) if cyc else "–"
        print(f"{r['library']:<12}{r['score']:>8.2f}{r[main]:>9.3f}  "
              f"{ci[0]:.3f}–{ci[1]:.3f}  "
              f"{r['ram']:>7}{r['flash']:>8}{measured:>13}{cycles:>10}  {' → '.join(r['pipeline'])} → {r['model']}"
              + ("" if r["state"] == "full" else "  (pruned early)")
              + ("  (over max_latency_ms)" if r.get("over_latency") else "")
              + _harder_note(r))
    if line := _selection_line(res.get("selection")):
        print(f"best: {line}")
    print("RAM, flash: the search's estimate; measured RAM/flash and cycles per inference call on the project's "
          "core once a library is built (deploy, nanoforge timing)")
    return EXIT_OK


METRIC_LABELS = {"balanced_accuracy": "bal.acc", "r2": "R²", "accuracy": "acc"}


def cmd_emulate(c: Client, a: argparse.Namespace) -> int:
    if a.port:
        return serialcmds.cmd_emulate_live(c, a)
    if a.learn or a.detect:
        return _emulate_ad(c, a)
    if not a.file:
        print("nanoforge emulate: give --file F (classification) or --learn F --detect F (anomaly detection)",
              file=sys.stderr)
        return 2
    res = c.request("nanoforge/emulate", {"project": _abs(a.project), "library": a.library, "file": _abs(a.file),
                                          "targets": _abs(a.targets) if a.targets else None})
    if a.json:
        print(json.dumps({"results": res["results"], "summary": res["summary"]}))
        return EXIT_OK
    if res["results"] and "value" in res["results"][0]:
        for r in res["results"]:
            print(f"{r['line']:>6}  {r['value']:.6g}")
        s = res["summary"]
        metrics = f": R² {s['r2']:.3f}, RMSE {s['rmse']:.4g}, SMAPE {s['smape']:.1f} %" if "r2" in s else ""
        print(f"{s['signals']} signals with library {res['library']}{metrics}")
        return EXIT_OK
    if res["results"] and "outlier" in res["results"][0]:
        for r in res["results"]:
            print(f"{r['line']:>6}  {'outlier' if r['outlier'] else 'nominal':<8} score {r['score']:.4g}")
        s = res["summary"]
        print(f"{s['signals']} signals with library {res['library']}: {s['nominal']} nominal, "
              f"{s['outliers']} outliers (threshold {s['threshold']:.4g})")
        return EXIT_OK
    for r in res["results"]:
        probs = " ".join(f"{p:.3f}" for p in r["probabilities"])
        print(f"{r['line']:>6}  {r['class']:<16} id {r['class_id']}  [{probs}]")
    s = res["summary"]
    counts = ", ".join(f"{k}: {v}" for k, v in s["per_class"].items())
    print(f"{s['signals']} signals with library {res['library']}: {counts}")
    return EXIT_OK


def _emulate_ad(c: Client, a: argparse.Namespace) -> int:
    if not a.learn or not a.detect:
        print("nanoforge emulate: anomaly detection needs --learn F (nominal, repeatable) and --detect F",
              file=sys.stderr)
        return 2
    res = c.request("nanoforge/emulate", {"project": _abs(a.project), "library": a.library,
                                          "learn": [_abs(f) for f in a.learn], "detect": [_abs(f) for f in a.detect],
                                          "sensitivity": a.sensitivity})
    if a.json:
        print(json.dumps({"results": [{k: r[k] for k in ("file", "line", "similarity", "status")}
                                      for r in res["results"]], "summary": res["summary"]}))
        return EXIT_OK
    many = len(a.detect) > 1
    for r in res["results"]:
        where = f"{r['file']}:{r['line']}" if many else f"{r['line']:>6}"
        print(f"{where}  {r['similarity']:>3} %  {r['status']}")
    s = res["summary"]
    done = "" if s["learning_done"] else f" (fewer than the {s['minimum_learn_calls']} recommended)"
    print(f"learned {s['learned']} buffers{done}; {s['signals']} detected with library {res['library']}: "
          f"{s['nominal']} nominal, {s['anomalies']} anomalies")
    return EXIT_OK


def cmd_deploy(c: Client, a: argparse.Namespace) -> int:
    res = c.request("nanoforge/deploy", {"project": _abs(a.project), "library": a.library, "target": a.target,
                                         "dir": _abs(a.dir) if a.dir else None, "suffix": a.suffix, "force": a.force,
                                         "source": a.source, "api": a.api, "pretrained": a.pretrained,
                                         "cflags": a.cflags})
    for w in res.get("warnings") or []:
        print(f"nanoforge deploy: warning: {w}", file=sys.stderr)
    if a.json:
        print(json.dumps(res))
    else:
        m = (res.get("footprint") or {}).get("measured") or {}
        print(f"deployed {res['neai_id']} for {res['target']} into {res['dir']}: "
              f"flash {m.get('flash')} B (code {m.get('flash_code')} + knowledge {m.get('flash_knowledge')}), "
              f"RAM {m.get('ram')} B (static {m.get('ram_static')} + stack {m.get('stack')})")
    return EXIT_OK


def _positive(kind: type) -> Any:
    """An argparse type for a number that must be > 0: a bad value is a usage error (exit 2)."""

    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
        return v

    return parse


def add_parsers(sub: Any) -> None:
    bench = sub.add_parser("bench", help="benchmarks: search the best library").add_subparsers(
        dest="action", required=True)
    p = bench.add_parser("start", help="start a benchmark in the background")
    p.add_argument("project")
    p.add_argument("--time-budget", type=_positive(float), default=300.0, metavar="S", help="seconds (default 300)")
    p.add_argument("--cores", type=_positive(int), default=None, metavar="N",
                   help="worker processes (default: every core)")
    p.add_argument("--seed", type=int, default=None, help="default: the project's seed")
    p.add_argument("--cluster", metavar="tcp://HOST:PORT", default=None,
                   help="evaluate on this Dask scheduler's workers (needs nanoforge[cluster]); 'local': this "
                   "machine (default: the project's cluster, else local)")
    p.add_argument("--wait", action="store_true", help="wait for the end, with a live line in a terminal")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_bench)
    for name, helptext in (("status", "the latest benchmark"), ("pause", "pause the running benchmark"),
                           ("resume", "resume a paused or interrupted benchmark"), ("stop", "stop it, keeping results"),
                           ("list", "every benchmark of the project"), ("candidates", "ranked candidate libraries"),
                           ("plot", "1-class: signals and the boundary in 2-D")):
        p = bench.add_parser(name, help=helptext)
        p.add_argument("project")
        p.add_argument("--json", action="store_true")
        if name == "resume":
            p.add_argument("--wait", action="store_true")
        if name == "candidates":
            p.add_argument("--limit", type=int, default=20)
        if name == "plot":
            p.add_argument("--library", metavar="ID", help="default: the best of the latest benchmark")
        p.set_defaults(run=cmd_bench)

    p = sub.add_parser("emulate", help="run a library (host build of its C) on a signal file")
    p.add_argument("project")
    p.add_argument("--library", metavar="ID", help="default: the best of the latest benchmark")
    p.add_argument("--file", metavar="F", help="classification, extrapolation: the signals to run")
    p.add_argument("--targets", metavar="T", help="extrapolation: true values, one per line, for R², RMSE, SMAPE")
    p.add_argument("--learn", action="append", metavar="F", help="anomaly detection: nominal file to learn first "
                   "(repeat for more, learned in order); with --port: how many signals to learn first")
    p.add_argument("--detect", action="append", metavar="F", help="anomaly detection: file to detect (repeatable)")
    p.add_argument("--sensitivity", type=float, default=None, metavar="S", help="anomaly detection (default 1)")
    serialcmds.add_emulate_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_emulate)

    p = sub.add_parser("deploy", help="write the library into the firmware tree")
    p.add_argument("project")
    p.add_argument("--library", metavar="ID")
    p.add_argument("--target", metavar="CORE|MCU", help="default: the project's target")
    p.add_argument("--dir", metavar="DIR", help="default: the project's [deploy] dir")
    p.add_argument("--suffix", metavar="NAME", help="multi-library: appended to every symbol and file")
    p.add_argument("--force", action="store_true", help="replace files nanoforge did not write, and deploy "
                   "a library measured over max_flash / max_ram (refused otherwise)")
    p.add_argument("--source", action="store_true", help="also write the library's C source (neai.c) to build "
                   "with the firmware instead of linking libneai.a")
    p.add_argument("--api", choices=("v4", "v5"), default=None,
                   help="NanoEdge AI Library API: v4 (Studio 4.x) or v5 (5.x); default: the project's api, else v4")
    p.add_argument("--pretrained", action="store_true", help="anomaly detection: the library starts from the "
                   "project's nominal signals (4.x: knowledge.h + neai_anomalydetection_knowledge; 5.x: init(true))")
    p.add_argument("--cflags", metavar="FLAGS", default=None, help='your build choices, e.g. --cflags="-mfloat-abi='
                   'softfp -fshort-enums -O2" (float ABI, -fshort-enums, -fshort-wchar, -O level; write the = '
                   'before a single flag); default: [deploy] cflags')
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_deploy)
