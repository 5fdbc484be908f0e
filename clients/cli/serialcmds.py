"""`nanoforge signals record` and `nanoforge emulate --port`: a datalogger on a serial
port. The daemon owns the port (daemon/serialrun.py says why); these commands start a
run, show its live count and rate (or each answer) while polling it, and stop it on
Ctrl-C, keeping every signal received."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .rpc import Client

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
POLL_S = 0.2


def _abs(p: str) -> str:
    return str(Path(p).expanduser().resolve())


def _skipped(s: dict[str, Any]) -> str:
    parts = [f"{n} {why}" for why, n in s["skipped"].items() if n]
    return f", skipped {', '.join(parts)}" if parts else ""


def _line(s: dict[str, Any]) -> str:
    return (f"{s['signals']} signals ({s['accepted']} lines, {s['rate']:.1f} lines/s, "
            f"{s['elapsed_s']:.0f} s){_skipped(s)}")


def follow(c: Client, s: dict[str, Any], show: Any = None) -> dict[str, Any]:
    """Polls run `s` until it ends; `show(result)` for each live answer. Ctrl-C stops the
    run (the daemon keeps what it received)."""
    tty = sys.stderr.isatty() and show is None
    since = s["next"]
    try:
        while True:
            for r in s["results"]:
                show(r)
            if tty:
                sys.stderr.write("\r\033[K" + _line(s))
                sys.stderr.flush()
            if s["state"] != "running":
                break
            time.sleep(POLL_S)
            s = c.request("nanoforge/serial/status", {"id": s["id"], "since": since})
            since = s["next"]
    except KeyboardInterrupt:
        s = c.request("nanoforge/serial/stop", {"id": s["id"], "since": since})
        for r in s["results"]:
            if show is not None:
                show(r)
    if tty:
        sys.stderr.write("\n")
    return s


def _ended(s: dict[str, Any]) -> int:
    if s["state"] == "failed":
        print(f"nanoforge: error: {s['error']}", file=sys.stderr)
        return EXIT_ERRORS
    if s["ended_by"] == "disconnected":
        print(f"nanoforge: error: the port closed: {s['error']}; {s['signals']} signals kept", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def cmd_ports(c: Client, a: argparse.Namespace) -> int:
    ports = c.request("nanoforge/serial/ports")["ports"]
    if a.json:
        print(json.dumps(ports))
    else:
        for p in ports:
            print(f"{p['device']:<24} {p['description']}")
    return EXIT_OK


def cmd_record(c: Client, a: argparse.Namespace) -> int:
    if a.list_ports:
        return cmd_ports(c, a)
    if not a.port or not a.baud:
        print("nanoforge signals record: give --port DEV and --baud N (--list-ports shows the ports)", file=sys.stderr)
        return EXIT_USAGE
    if a.continuous and not a.buffer:
        print("nanoforge signals record: --continuous needs --buffer N (samples per axis of a signal)",
              file=sys.stderr)
        return EXIT_USAGE
    s = c.request("nanoforge/serial/record", {
        "port": a.port, "baud": a.baud, "axes": a.axes, "buffer": a.buffer, "continuous": a.continuous,
        "overlap": a.overlap, "lines": a.lines, "seconds": a.seconds, "out": _abs(a.out) if a.out else None,
        "project": _abs(a.project) if a.project else None, "class_name": a.cls, "nominal": a.nominal,
        "abnormal": a.abnormal})
    if not a.json:
        print(f"recording from {a.port} at {a.baud} baud into {s['path']} (Ctrl-C stops)", file=sys.stderr)
    s = follow(c, s)
    if a.json:
        print(json.dumps(s))
    else:
        print(f"{s['path']}: {_line(s)}")
    return _ended(s)


def _show_answer(r: dict[str, Any]) -> None:
    """One line per signal, whatever the library answers (a class, a similarity, …)."""
    if r.get("learning"):
        print(f"{r['signal']:>6}  learned")
    elif "class" in r:
        probs = " ".join(f"{p:.3f}" for p in r["probabilities"])
        print(f"{r['signal']:>6}  {r['class']:<16} id {r['class_id']}  [{probs}]")
    elif "similarity" in r:
        print(f"{r['signal']:>6}  {r['similarity']:>3} %  {r['status']}")
    elif "outlier" in r:
        print(f"{r['signal']:>6}  {'outlier' if r['outlier'] else 'nominal':<8} score {r['score']:.4g}")
    else:
        print(f"{r['signal']:>6}  " + " ".join(f"{k} {v}" for k, v in r.items() if k not in ("signal", "library")))
    sys.stdout.flush()


def cmd_emulate_live(c: Client, a: argparse.Namespace) -> int:
    if not a.baud:
        print("nanoforge emulate: --port needs --baud N", file=sys.stderr)
        return EXIT_USAGE
    learn = None
    if a.learn:
        if len(a.learn) != 1 or not a.learn[0].isdigit():
            print("nanoforge emulate: with --port, --learn N is how many signals to learn first", file=sys.stderr)
            return EXIT_USAGE
        learn = int(a.learn[0])
    s = c.request("nanoforge/serial/emulate", {"project": _abs(a.project), "library": a.library, "port": a.port,
                                                "baud": a.baud, "learn": learn, "lines": a.lines,
                                                "seconds": a.seconds})
    answers: list[dict[str, Any]] = []
    s = follow(c, s, answers.append if a.json else _show_answer)
    if a.json:
        print(json.dumps({"results": answers, "status": {k: v for k, v in s.items() if k != "results"}}))
    else:
        print(f"{s['signals']} signals from {a.port}{_skipped(s)}", file=sys.stderr)
    return _ended(s)


def add_parsers(sig: Any) -> None:
    """`signals record`, under the `signals` command."""
    p = sig.add_parser("record", help="record signals from a datalogger on a serial port")
    p.add_argument("project", nargs="?", help="add the recording to this project (with --class, --nominal, --abnormal)")
    p.add_argument("--port", metavar="DEV", help="e.g. /dev/ttyACM0 or COM3")
    p.add_argument("--baud", type=int, metavar="N")
    p.add_argument("--lines", type=int, metavar="N", help="stop after N signals")
    p.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--class", dest="cls", metavar="NAME", help="n-class: the class recorded")
    p.add_argument("--nominal", action="store_true", help="anomaly detection / 1-class: nominal signals")
    p.add_argument("--abnormal", action="store_true", help="anomaly detection: abnormal signals")
    p.add_argument("--out", metavar="FILE", help="record into this new file instead")
    p.add_argument("--axes", type=int, metavar="N", help="default: the project's, else 1")
    p.add_argument("--continuous", action="store_true", help="one sample per line, cut into signals of --buffer N")
    p.add_argument("--buffer", type=int, metavar="N", help="samples per axis of a signal")
    p.add_argument("--overlap", type=int, default=0, metavar="N",
                   help="continuous: samples shared by consecutive signals")
    p.add_argument("--list-ports", action="store_true", help="list the serial ports and exit")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_record)


def add_emulate_options(p: Any) -> None:
    """`emulate --port`: live emulation, on the `emulate` command benchcmds defines."""
    p.add_argument("--port", metavar="DEV", help="live: run the library on each signal a datalogger sends")
    p.add_argument("--baud", type=int, metavar="N")
    p.add_argument("--lines", type=int, metavar="N", help="live: stop after N signals")
    p.add_argument("--seconds", type=float, metavar="S", help="live: stop after S seconds")
