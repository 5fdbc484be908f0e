"""`nanoforge validate …`: candidate libraries on new files, kept as experiments, and
`nanoforge report`, a library's report as HTML and PDF; thin, the daemon does the work. Every labelling flag becomes one input with the flag's role; the
daemon asks the project type whether those roles fit it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from .rpc import Client

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
ROLE_FLAGS = ("learn", "nominal", "abnormal", "file", "targets")  # --class NAME FILE carries its label


def _abs(p: str) -> str:
    return str(Path(p).expanduser().resolve())


def inputs_of(a: argparse.Namespace) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "class", "label": name, "file": _abs(f)} for name, f in a.cls or []]
    for role in ROLE_FLAGS:
        out += [{"role": role, "file": _abs(f)} for f in getattr(a, role) or []]
    out += [{"role": role, "file": _abs(f)} for role, f in a.input or []]
    return out


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def print_experiment(exp: dict[str, Any]) -> None:
    main = exp["main_metric"]
    cols = [k for k, v in exp["libraries"][0]["metrics"].items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and k != main and k != "signals"]
    print(f"experiment {exp['id']}: {len(exp['inputs'])} files, "
          f"{exp['libraries'][0]['metrics'].get('signals')} signals, ranked by {exp['main_label']}")
    w = {c: max(8, len(c) + 2) for c in (main, *cols)}
    print(f"{'rank':<5}{'library':<14}" + "".join(f"{c:>{w[c]}}" for c in (main, *cols)) + "  benchmark score")
    for r in exp["libraries"]:
        m = r["metrics"]
        mark = "  ← benchmark's best" if r["benchmark_best"] else ""
        print(f"{r['rank']:<5}{r['library']:<14}" + "".join(f"{_fmt(m.get(c)):>{w[c]}}" for c in (main, *cols))
              + f"  {_fmt(r['benchmark_score'])}{mark}")
    for r in exp["libraries"]:
        if r["metrics"].get("per_class_recall"):
            recalls = ", ".join(f"{k} {v:.3f}" for k, v in r["metrics"]["per_class_recall"].items())
            print(f"{r['library']} recall per class: {recalls}")
    print(exp["advice"])


def cmd_validate(c: Client, a: argparse.Namespace) -> int:
    words = a.words
    if words[0] in ("list", "show"):
        if len(words) < 2 or len(words) > (3 if words[0] == "show" else 2):
            print(f"usage: nanoforge validate {words[0]} PROJECT" + (" [ID]" if words[0] == "show" else ""), file=sys.stderr)
            return EXIT_USAGE
        if words[0] == "list":
            res = c.request("nanoforge/validate/list", {"project": _abs(words[1])})
            if a.json:
                print(json.dumps(res["experiments"]))
            for e in [] if a.json else res["experiments"]:
                when = datetime.fromtimestamp(e["created"]).strftime("%Y-%m-%d %H:%M")
                print(f"{e['id']}  {when}  {e['inputs']} files  {', '.join(e['libraries'])}  best {e['best']} "
                      f"({e['main_metric']} {_fmt(e['best_value'])})  {e['verdict']}")
            return EXIT_OK
        exp = c.request("nanoforge/validate/show", {"project": _abs(words[1]),
                                                     "id": words[2] if len(words) > 2 else None})
    else:
        if len(words) > 1:
            print(f"nanoforge validate: unexpected {words[1]!r}: label files with the project type's flags "
                  "(`nanoforge types` shows them)", file=sys.stderr)
            return EXIT_USAGE
        libs = [k for k in (a.libraries or "").split(",") if k.strip()]
        if not libs:
            print("nanoforge validate: give --libraries ID[,ID…] (`nanoforge bench candidates PROJECT` lists them)", file=sys.stderr)
            return EXIT_USAGE
        exp = c.request("nanoforge/validate", {"project": _abs(words[0]), "libraries": libs, "inputs": inputs_of(a)})
    if a.json:
        print(json.dumps(exp))
    else:
        print_experiment(exp)
    return EXIT_OK


def cmd_report(c: Client, a: argparse.Namespace) -> int:
    if not a.html and not a.pdf:
        print("nanoforge report: give --html FILE and/or --pdf FILE", file=sys.stderr)
        return EXIT_USAGE
    res = c.request("nanoforge/report", {"project": _abs(a.project), "library": a.library,
                                         "experiment": a.experiment, "html": _abs(a.html) if a.html else None,
                                         "pdf": _abs(a.pdf) if a.pdf else None})
    if a.json:
        print(json.dumps(res))
    else:
        wrote = " and ".join(p for p in (res["html"], res["pdf"]) if p)
        exp = f", validation {res['experiment']}" if res["experiment"] else ""
        print(f"report on library {res['library']}{exp}: {wrote}")
    return EXIT_OK


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("report", help="a library's report (data, performance, validation, algorithm, plots)")
    p.add_argument("project")
    p.add_argument("--library", metavar="ID", help="default: the best of the latest benchmark")
    p.add_argument("--experiment", metavar="ID", help="validation experiment (default: the latest with the library)")
    p.add_argument("--html", metavar="FILE", help="self-contained HTML file")
    p.add_argument("--pdf", metavar="FILE", help="PDF of the same content")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("validate", help="candidate libraries on new files (an experiment); also: list, show",
                       usage="nanoforge validate PROJECT --libraries ID[,ID…] FILES… [--json]\n"
                             "       nanoforge validate list PROJECT [--json]\n"
                             "       nanoforge validate show PROJECT [ID] [--json]")
    p.add_argument("words", nargs="+", metavar="PROJECT | list PROJECT | show PROJECT [ID]")
    p.add_argument("--libraries", metavar="ID[,ID…]", help="candidate libraries (`bench candidates` lists them)")
    p.add_argument("--class", dest="cls", nargs=2, action="append", metavar=("NAME", "FILE"),
                   help="n-class: every signal of FILE is of class NAME (repeat per file)")
    p.add_argument("--learn", action="append", metavar="FILE", help="anomaly detection: nominal file learned first")
    p.add_argument("--nominal", action="append", metavar="FILE", help="anomaly detection, 1-class: nominal signals")
    p.add_argument("--abnormal", action="append", metavar="FILE", help="anomaly detection, 1-class: abnormal signals")
    p.add_argument("--file", action="append", metavar="F", help="extrapolation: signals (with --targets)")
    p.add_argument("--targets", action="append", metavar="T", help="extrapolation: the true values of --file")
    p.add_argument("--input", nargs=2, action="append", metavar=("ROLE", "FILE"),
                   help="a file for a role of a project type defined outside nanoforge")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_validate)
