"""`nanoforge timing`: a library's execution time per call on every Cortex-M core (the
daemon builds and runs it in the emulator; this prints the table)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .benchcmds import EXIT_OK, _abs, _positive
from .rpc import Client


def table(res: dict[str, Any]) -> str:
    mhz = res["clock_hz"] / 1e6
    lines = [f"library {res['library']} (NEAI_ID {res['neai_id']}): cycles per call, mean over {res['signals']} "
             f"project signals; ms at {mhz:g} MHz, zero wait states (an estimate: see `nanoforge timing --help`)",
             f"{'core':<15}{'function':<36}{'cycles':>12}{'max':>12}{'ms':>10}"]
    for c in res["cores"]:
        mark = " *" if c["core"] == res["target"] else ""
        if not c["available"]:
            lines.append(f"{c['core'] + mark:<15}— {c.get('reason', 'not available')}")
            continue
        for i, (fn, t) in enumerate(c["calls"].items()):
            lines.append(f"{(c['core'] + mark) if i == 0 else '':<15}{fn:<36}{t['cycles']:>12}{t['max']:>12}"
                         f"{t['ms']:>10.3f}")
    lines.append("* the project's core" + (f"; max_latency_ms = {res['max_latency_ms']:g}"
                                           if res.get("max_latency_ms") is not None else ""))
    return "\n".join(lines)


def cmd_timing(c: Client, a: argparse.Namespace) -> int:
    res = c.request("nanoforge/timing", {"project": _abs(a.project), "library": a.library, "clock": a.clock})
    print(json.dumps(res) if a.json else table(res))
    return EXIT_OK


HELP = """Counts the cycles of init and of each inference call (and learn, for anomaly detection)
by running the library's Cortex-M build in an instruction-level emulator (unicorn) on a
few of the project's signals, each executed instruction charged what Arm's technical
reference manuals give for the core (zero wait states; divides at their middle latency;
the Cortex-M7's dual issue not modelled, so its figure is an upper bound; the Cortex-M33
charged the M4F's table). Milliseconds are at --clock, else the project's clock_hz
(80 MHz unless set). The Cortex-M55 cannot be emulated."""


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("timing", help="execution time per call on every core (emulated)", description=HELP)
    p.add_argument("project")
    p.add_argument("--library", metavar="ID", help="default: the best of the latest benchmark")
    p.add_argument("--clock", type=_positive(float), metavar="HZ", help="default: the project's clock_hz (80 MHz unless set)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_timing)
