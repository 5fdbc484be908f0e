"""`nanoforge datalogger`: thin, the daemon writes the firmware project."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .rpc import Client

EXIT_OK, EXIT_USAGE = 0, 2


def cmd_datalogger(c: Client, a: argparse.Namespace) -> int:
    if a.list:
        res = c.request("nanoforge/datalogger/boards")
        if a.json:
            print(json.dumps(res))
        else:
            for b in res["boards"]:
                print(f"{b['name']:<16} {b['title']}")
            print(f"sensors (--sensor): {', '.join(res['sensors'])}")
        return EXIT_OK
    missing = [f"--{k}" for k in ("board", "hz", "buffer", "axes") if getattr(a, k) is None]
    if missing or not a.output:
        print(f"nanoforge datalogger: give {' '.join(missing + ([] if a.output else ['-o DIR']))} "
              "(--list shows the boards)", file=sys.stderr)
        return EXIT_USAGE
    res = c.request("nanoforge/datalogger", {
        "board": a.board, "sensor": a.sensor, "hz": a.hz, "buffer": a.buffer, "axes": a.axes,
        "continuous": a.continuous, "baud": a.baud, "out_dir": str(Path(a.output).expanduser().resolve())})
    if a.json:
        print(json.dumps(res))
        return EXIT_OK
    print(f"wrote a {res['framework']} datalogger for {res['board']} into {res['dir']} "
          f"({len(res['files'])} files; see its README.md)")
    for n in res["notes"]:
        print(f"note: {n}", file=sys.stderr)
    return EXIT_OK


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("datalogger", help="write firmware that sends signals in nanoforge's format")
    p.add_argument("--list", action="store_true", help="the boards and frameworks, then exit")
    p.add_argument("--board", metavar="NAME")
    p.add_argument("--sensor", metavar="NAME", help="accel, gyro, imu, magn or generic (Zephyr: the channels read)")
    p.add_argument("--hz", type=float, metavar="F", help="sampling rate")
    p.add_argument("--buffer", type=int, metavar="N", help="samples per axis in a signal")
    p.add_argument("--axes", type=int, metavar="N")
    p.add_argument("--continuous", action="store_true", help="one line per sample instead of one per buffer")
    p.add_argument("--baud", type=int, metavar="N", help="default 115200")
    p.add_argument("-o", "--output", metavar="DIR", help="a new folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_datalogger)
