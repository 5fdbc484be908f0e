"""`nanoforge sampling-finder`: thin, the daemon computes the matrix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .rpc import Client

EXIT_OK, EXIT_ERRORS = 0, 1


def _abs(p: str) -> str:
    return str(Path(p).expanduser().resolve())


def _duration(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2g} s" if s < 10 else f"{s:.0f} s"


def table(res: dict[str, Any]) -> str:
    """Rates down, buffer lengths across; each cell the score, the recommendation starred;
    the signal duration of each cell is its buffer / rate, printed below."""
    rates = sorted({c["hz"] for c in res["matrix"]}, reverse=True)
    buffers = sorted({c["buffer"] for c in res["matrix"]})
    cell = {(c["hz"], c["buffer"]): c for c in res["matrix"]}
    rec = res.get("recommendation") or {}
    lines = ["score (balanced accuracy, cross-validated) by rate × buffer length per axis; "
             f"chance {res['chance']:.2f}",
             f"{'Hz':>9} " + "".join(f"{b:>7}" for b in buffers)]
    for hz in rates:
        row = f"{hz:>9.4g} "
        for b in buffers:
            c = cell.get((hz, b))
            mark = "*" if rec and rec["hz"] == hz and rec["buffer"] == b else " "
            row += "      -" if c is None or c["score"] is None else f"{c['score']:>6.2f}{mark}"
        lines.append(row)
    lines.append("signal duration:")
    for hz in rates:
        lines.append(f"{hz:>9.4g} " + "".join(f"{_duration(b / hz).replace(' ', ''):>7}" for b in buffers))
    return "\n".join(lines)


def cmd_sampling_finder(c: Client, a: argparse.Namespace) -> int:
    res = c.request("nanoforge/sampling-finder", {"paths": [_abs(p) for p in a.files], "variables": a.variables,
                                                  "hz": a.hz, "min_hz": a.min_hz, "seed": a.seed})
    if a.json:
        print(json.dumps(res))
        return EXIT_OK
    print(table(res))
    rec = res["recommendation"]
    if rec is None:
        print("no recommendation: the recordings are too short for even 16-sample buffers at these rates")
        return EXIT_ERRORS
    print(f"recommended: {rec['hz']:g} Hz, buffer {rec['buffer']} samples per axis ({_duration(rec['duration_s'])}), "
          f"score {rec['score']:.3f} — {rec['why']}")
    if rec["best_score"] < res["chance"] + 0.5 * (1 - res["chance"]):
        print("warning: no rate or length separates these recordings well; check that they really differ")
    return EXIT_OK


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("sampling-finder", help="which sampling rate and buffer length to record with")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="continuous recordings at the highest rate, one sample per line, one file per class")
    p.add_argument("--variables", type=int, required=True, metavar="N", help="values per line (axes)")
    p.add_argument("--hz", type=float, required=True, metavar="F", help="the rate the files were recorded at")
    p.add_argument("--min-hz", type=float, metavar="F", help="lowest rate to try (default F/32)")
    p.add_argument("--seed", type=int, default=0, help="draws the buffers kept from long recordings")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_sampling_finder)
