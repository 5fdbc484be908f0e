"""The `nanoforge` command: quiet on success, precise on failure, `--json` for machines.

Exit codes: 0 success (warnings alone do not fail), 1 errors found or the action
failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from nanoforge.daemon.paths import UnsafeHome

from . import benchcmds, dataloggercmds, samplingcmds, serialcmds, timingcmds, validatecmds
from .rpc import Client, DaemonUnavailable, RpcError, connect

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _abs(p: str) -> str:
    return str(Path(p).expanduser().resolve())


def _show(path: str) -> str:
    """Paths as the user would type them: relative below the current folder."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _fail(msg: str, code: int = EXIT_ERRORS) -> int:
    print(f"nanoforge: error: {msg}", file=sys.stderr)
    return code


# ---------------------------------------------------------------- commands


def _print_diagnostics(out: list[dict[str, Any]]) -> None:
    for d in out:
        print(f"{d['path']}:{d['line']}:{d['column']}: {d['severity']} {d['code']} {d['message']}")
        print(f"    fix: {d['hint']}")


def cmd_fix(c: Client, a: argparse.Namespace) -> int:
    """`check --fix`: the daemon writes fixed copies (or fixes in place); what is left is
    reported like `check` does, in the files written."""
    files: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for target in a.paths:
        try:
            res = c.request("nanoforge/fix", {"path": _abs(target), "axes": a.axes, "in_place": a.in_place,
                                              "out_dir": _abs(a.output) if a.output else None})
        except RpcError as e:
            return _fail(e.message, EXIT_USAGE)
        for f in res["files"]:
            files.append({**f, "source": _show(f["source"]), "path": _show(f["path"])})
        for d in res["diagnostics"]:
            out.append({**d, "path": _show(d["path"])})
    if a.json:
        print(json.dumps({"files": files, "diagnostics": out}))
    else:
        for f in files:
            what = ", ".join(f"{code} ×{n}" for code, n in sorted(f["fixes"].items()))
            where = "in place" if f["path"] == f["source"] else f"→ {f['path']}"
            print(f"fixed {f['source']} {where} ({what})")
        _print_diagnostics(out)
    return EXIT_ERRORS if any(d["severity"] == "error" for d in out) else EXIT_OK


def cmd_check(c: Client, a: argparse.Namespace) -> int:
    if a.fix:
        return cmd_fix(c, a)
    if a.in_place or a.output:
        return _fail("--in-place and -o/--output go with --fix", EXIT_USAGE)
    out: list[dict[str, Any]] = []
    for target in a.paths:
        try:
            res = c.request("nanoforge/check", {"path": _abs(target), "axes": a.axes})
        except RpcError as e:
            return _fail(e.message, EXIT_USAGE)
        for d in res["diagnostics"]:
            d["path"] = _show(d["path"])
            out.append(d)
    if a.json:
        print(json.dumps(out))
    else:
        _print_diagnostics(out)
    return EXIT_ERRORS if any(d["severity"] == "error" for d in out) else EXIT_OK


def cmd_types(c: Client, a: argparse.Namespace) -> int:
    kinds = c.request("nanoforge/types")["types"]
    if a.json:
        print(json.dumps(kinds))
        return EXIT_OK
    for t in kinds:
        print(f"{t['name']:<6} {t['title']:<28} signals add {t['usage']}")
        if t.get("validation_usage"):
            print(f"{'':<6} {'':<28} validate {t['validation_usage']}")
    return EXIT_OK


def cmd_new(c: Client, a: argparse.Namespace) -> int:
    kinds = c.request("nanoforge/types")["types"]
    if a.type not in [t["name"] for t in kinds]:
        choices = ", ".join(f"{t['name']} ({t['title']})" for t in kinds)
        return _fail(f"argument --type: unknown project type {a.type!r}; choose one of: {choices}", EXIT_USAGE)
    params = {"dir": _abs(a.dir), "type": a.type, "axes": a.axes, "buffer": a.buffer, "sampling_hz": a.hz,
              "max_ram": a.max_ram, "max_flash": a.max_flash, "target": a.target, "sensor": a.sensor, "seed": a.seed}
    res = c.request("nanoforge/project/new", params)
    if a.json:
        print(json.dumps(res))
    return EXIT_OK


def cmd_signals_add(c: Client, a: argparse.Namespace) -> int:
    cls, file = (a.cls[0], a.cls[1]) if a.cls else (None, a.file)
    params = {"dir": _abs(a.dir), "class_name": cls, "file": _abs(file) if file else None,
              "nominal": _abs(a.nominal) if a.nominal else None, "abnormal": _abs(a.abnormal) if a.abnormal else None}
    c.request("nanoforge/signals/add", params)
    return EXIT_OK


def cmd_signals_summary(c: Client, a: argparse.Namespace) -> int:
    res = c.request("nanoforge/signals/summary", {"path": _abs(a.file), "axes": a.axes})
    if a.json:
        print(json.dumps(res))
        return EXIT_OK
    print(f"{_show(res['path'])}: {res['signals']} signals × {res['buffer']} samples × {res['axes']} axes "
          f"at {res['sampling_hz']:g} Hz")
    for view in ("raw", "filtered"):
        if view not in res:
            continue
        print(f"{view}:")
        print("  axis        mean         min         max         std   strongest frequencies (Hz)")
        for ax in res[view]:
            o = ax["overall"]
            peaks = ", ".join(f"{f:g}" for f in ax["peaks_hz"])
            print(f"  {ax['axis']:>4} {o['mean']:>11.4g} {o['min']:>11.4g} {o['max']:>11.4g} {o['std']:>11.4g}   {peaks}")
    return EXIT_OK


def cmd_data(c: Client, a: argparse.Namespace) -> int:
    params: dict[str, Any] = {"action": a.action, "out_dir": _abs(a.output) if a.output else None}
    if a.action == "concat":
        params["paths"] = [_abs(p) for p in a.files]
    else:
        params["path"] = _abs(a.file)
    if a.action == "extract":
        params["lines"] = a.lines
    elif a.action == "remove-columns":
        params["columns"] = a.columns
    elif a.action == "reshape":
        params["columns"] = a.columns
    elif a.action == "shuffle":
        params["seed"] = a.seed
    res = c.request("nanoforge/data", params)
    if res.get("note"):
        print(f"nanoforge: note: {res['note']}", file=sys.stderr)
    print(_show(res["path"]))
    return EXIT_OK


def cmd_daemon(a: argparse.Namespace) -> int:
    if a.stdio:
        from .relay import relay

        return relay()
    if a.action == "start":
        try:
            with connect(autostart=False) as c:
                c.request("nanoforge/daemon/status")
            return EXIT_OK  # already running
        except DaemonUnavailable:
            pass
        with connect(autostart=True, idle_timeout=a.idle_timeout) as c:
            c.request("nanoforge/daemon/status")
        return EXIT_OK
    if a.action == "stop":
        try:
            with connect(autostart=False) as c:
                c.request("nanoforge/daemon/stop")
        except DaemonUnavailable:
            pass
        return EXIT_OK
    try:
        with connect(autostart=False) as c:
            st = c.request("nanoforge/daemon/status")
    except DaemonUnavailable:
        if a.json:
            print(json.dumps({"running": False}))
        else:
            print("not running")
        return EXIT_ERRORS
    st["running"] = True
    if a.json:
        print(json.dumps(st))
    else:
        print(f"running (pid {st['pid']}), {st['sessions'] - 1} other client(s), "
              f"{len(st['projects'])} project(s) watched")
    return EXIT_OK


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="nanoforge", description="Tiny ML libraries for Arm Cortex-M, from your signals.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check signal files or a project; linter-style output")
    p.add_argument("paths", nargs="+", metavar="FILE|PROJECT")
    p.add_argument("--axes", type=int, help="axes per signal (default: the project's, else 1)")
    p.add_argument("--json", action="store_true", help="print one JSON array (with --fix: an object)")
    p.add_argument("--fix", action="store_true",
                   help="apply the mechanical fixes into NAME_fixed copies beside the originals")
    p.add_argument("-o", "--output", metavar="DIR", help="with --fix: folder for the fixed copies")
    p.add_argument("--in-place", action="store_true", help="with --fix: replace the originals instead")
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("new", help="create a project (nanoforge.toml)")
    p.add_argument("dir")
    p.add_argument("--type", required=True, metavar="TYPE",
                   help="project type, as `nanoforge types` lists them")
    p.add_argument("--sensor", choices=["generic", "multi"], default=None)
    p.add_argument("--axes", type=int)
    p.add_argument("--buffer", type=int)
    p.add_argument("--hz", type=float)
    p.add_argument("--max-ram", type=int)
    p.add_argument("--max-flash", type=int)
    p.add_argument("--target")
    p.add_argument("--seed", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_new)

    p = sub.add_parser("types", help="the project types the daemon knows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_types)

    sig = sub.add_parser("signals", help="signal files of a project").add_subparsers(dest="sub", required=True)
    p = sig.add_parser("add", help="add signal files to a project")
    p.add_argument("dir")
    p.add_argument("--class", dest="cls", nargs=2, metavar=("NAME", "FILE"), help="n-class: a class and its file")
    p.add_argument("--nominal", metavar="FILE", help="anomaly detection / 1-class: nominal file")
    p.add_argument("--abnormal", metavar="FILE", help="anomaly detection / 1-class: abnormal file")
    p.add_argument("--file", metavar="FILE", help="extrapolation: the training file")
    p.set_defaults(run=cmd_signals_add)
    p = sig.add_parser("summary", help="per-axis statistics and FFT of a signal file")
    p.add_argument("file")
    p.add_argument("--axes", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_signals_summary)
    serialcmds.add_parsers(sig)

    data = sub.add_parser("data", help="data manipulation; results are new files").add_subparsers(
        dest="action", required=True)
    for name, helptext in (("extract", "keep some lines"), ("remove-columns", "drop columns"),
                           ("reshape", "re-wrap values N per line"), ("shuffle", "shuffle lines (seeded)"),
                           ("concat", "join files")):
        p = data.add_parser(name, help=helptext)
        if name == "concat":
            p.add_argument("files", nargs="+")
        else:
            p.add_argument("file")
        if name == "extract":
            p.add_argument("--lines", required=True, help="e.g. 1-100,150")
        if name == "remove-columns":
            p.add_argument("--columns", required=True, help="e.g. 3,10-20 (1-based)")
        if name == "reshape":
            p.add_argument("--columns", type=int, required=True, help="values per line")
        if name == "shuffle":
            p.add_argument("--seed", type=int, default=0)
        p.add_argument("-o", "--output", metavar="DIR", help="folder for the result (default: beside the source)")
        p.set_defaults(run=cmd_data)

    benchcmds.add_parsers(sub)
    validatecmds.add_parsers(sub)
    samplingcmds.add_parsers(sub)
    dataloggercmds.add_parsers(sub)
    timingcmds.add_parsers(sub)

    p = sub.add_parser("daemon", help="the background daemon (started automatically)")
    p.add_argument("action", nargs="?", choices=["start", "stop", "status"], default="status")
    p.add_argument("--stdio", action="store_true", help="relay an editor's stdio to the daemon")
    p.add_argument("--idle-timeout", type=float, help="seconds idle before the daemon exits")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=None)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "daemon":
            return cmd_daemon(args)
        with connect() as c:
            return args.run(c, args)
    except RpcError as e:
        return _fail(e.message)
    except DaemonUnavailable as e:
        return _fail(str(e))
    except UnsafeHome as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
