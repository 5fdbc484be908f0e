"""What a serial run does with each signal: append it to a file (recording), or run the
library's host build on it (live emulation). See daemon/serialrun.py for why the daemon
owns the port."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nanoforge.codegen import library
from nanoforge.engine.atomic import fresh_path
from nanoforge.engine.linestream import LineStream
from nanoforge.engine.project import add_signals, find_root, load

from . import benchstore as bs
from .serialrun import LineFile, SerialRun


def _project(path: str) -> Any:
    root = find_root(path)
    if root is None:
        raise ValueError(f"{path}: no nanoforge.toml here or above")
    project, diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    return project


def _target(params: dict[str, Any], project: Any) -> tuple[Path, dict[str, Any]]:
    """The new file to record into, and the `add_signals` arguments that add it at the end."""
    roles = [k for k in ("class_name", "nominal", "abnormal") if params.get(k)]
    if params.get("out"):
        if roles and project is not None:
            raise ValueError("give either --out FILE or a project with --class/--nominal/--abnormal, not both")
        out = Path(params["out"])
        if out.exists():
            raise FileExistsError(f"{out}: already exists; recordings go to a new file (choose another name)")
        return out, {}
    if project is None or len(roles) != 1:
        raise ValueError("say where the signals go: --out FILE, or PROJECT with one of --class NAME, "
                         "--nominal, --abnormal")
    role = roles[0]
    name = params["class_name"] if role == "class_name" else role
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"class name {name!r}: use letters, digits, '_', '-' or '.' (it names the file)")
    path = fresh_path(project.root / "signals" / f"{name}.csv")
    add = {"cls": name, "file": str(path)} if role == "class_name" else {role: str(path)}
    add = {**_kept(project, add, path), **add}
    try:  # the table must be one the project type takes: known now, not after the recording
        project.kind.entry(add.get("cls"), add.get("file"), add.get("nominal"), add.get("abnormal"))
    except ValueError as e:
        raise ValueError(f"{e}; record with --out FILE, then add it with `nanoforge signals add`") from None
    return path, add


def _kept(project: Any, add: dict[str, str], path: Path) -> dict[str, str]:
    """The files of the [[signals]] table the recording will replace (as the project type
    decides), kept beside the new one; a recording never drops a file from the project.
    If the recorded role already has a file, the user chooses: refused with the way."""
    key = {"cls": "class", "file": "file", "nominal": "nominal", "abnormal": "abnormal"}
    new = {key[k]: (v if k == "cls" else "?") for k, v in add.items()}
    recorded = "file" if "cls" in add else next(iter(add))
    for e in project.signals:
        existing = {k: v for k, v in (("class", e.cls), ("file", e.file), ("nominal", e.nominal),
                                      ("abnormal", e.abnormal)) if v is not None}
        if not project.kind.replaces(existing, new):
            continue
        if existing.get(recorded):
            what = f"class '{add['cls']}'" if "cls" in add else f"the {recorded} signals"
            raise ValueError(f"{project.file}: {what} already have {existing[recorded]}; record with --out "
                             f"{path.name}, then `nanoforge data concat` the two files and `signals add` the result")
        return {k: str(project.root / v) for k, v in existing.items() if k in ("nominal", "abnormal", "file")}
    return {}


def start_record(params: dict[str, Any]) -> SerialRun:
    project = _project(params["project"]) if params.get("project") else None
    axes = params.get("axes") or (project.axes if project else 1)
    continuous = bool(params.get("continuous"))
    buffer = params.get("buffer") or (project.buffer if project else None)
    stream = LineStream(axes=axes, buffer=buffer, continuous=continuous, overlap=params.get("overlap") or 0)
    path, add = _target(params, project)
    out = LineFile(path)

    def on_end(run: SerialRun) -> None:
        out.close()
        if not run.signals:  # nothing received: no empty file left behind
            path.unlink(missing_ok=True)
            run.path = None
        elif add and project is not None:
            add_signals(project.root, **add)

    def sink(line: str) -> None:
        out.write(line)

    try:
        run = SerialRun(params["port"], params["baud"], stream, sink, params.get("lines"), params.get("seconds"),
                        on_end, str(path))
    except BaseException:
        out.close()
        path.unlink(missing_ok=True)
        raise
    return run


def live_emulator(root: Path, key: str | None, learn: int) -> tuple[Callable[[str], dict[str, Any]], Path]:
    """`sink(line)`: the library's answer for one signal, through its type's own `emulate`
    (files in, answers out), so live emulation needs nothing from a project type that
    file emulation does not: each signal is run as a one-line file."""
    spec, _ = bs.find_library(root, key)
    cache = root / ".nanoforge" / "build"
    work = Path(tempfile.mkdtemp(prefix="nanoforge-live-"))
    learn_file, one = work / "learn.csv", work / "signal.csv"
    seen = {"n": 0}

    def sink(line: str) -> dict[str, Any]:
        seen["n"] += 1
        n = seen["n"]
        if n <= learn:
            with open(learn_file, "a", encoding="ascii") as f:
                f.write(line + "\n")
            return {"signal": n, "learning": True, "learned": n}
        one.write_text(line + "\n", encoding="ascii")
        inputs: dict[str, Any] = {"file": None, "targets": None, "learn": None, "detect": None, "sensitivity": None}
        if learn:
            inputs.update(learn=[str(learn_file)], detect=[str(one)])
        else:
            inputs["file"] = str(one)
        res = library.emulate(spec, cache, inputs)
        first = dict(res["results"][0])
        first.pop("file", None)
        first.pop("line", None)
        return {"signal": n, "library": res["library"], **first}

    return sink, work


def start_emulate(params: dict[str, Any]) -> SerialRun:
    root = _project(params["project"]).root
    learn = params.get("learn") or 0
    sink, work = live_emulator(root, params.get("library"), learn)
    spec, _ = bs.find_library(root, params.get("library"))
    # a multi-sensor library takes one sample (every variable) per line
    stream = LineStream(axes=int(spec["axes"]), buffer=1 if spec.get("sensor") == "multi" else spec.get("buffer"))
    try:
        return SerialRun(params["port"], params["baud"], stream, sink, params.get("lines"), params.get("seconds"),
                         lambda _run: shutil.rmtree(work, ignore_errors=True))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
