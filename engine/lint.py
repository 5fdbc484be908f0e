"""What to check for a path: a project folder, its nanoforge.toml, or one signal file.

A signal file is read the way its project says (axes, buffer, type); a file outside any
project is read with the caller's axes. Kept here, not in the daemon, so that every
client gets the same answer for the same path.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from . import bandpass, summary
from .checks import Layout, check_file, read_signals
from .diagnostics import Diagnostic
from .project import PROJECT_FILE, SIGNAL_SUFFIXES, Project, find_root, load


def is_watched_file(path: str | Path) -> bool:
    p = Path(path)
    return p.name == PROJECT_FILE or p.suffix.lower() in SIGNAL_SUFFIXES


def context(path: str | Path, axes: int | None = None) -> tuple[Project | None, Layout]:
    """The project a file belongs to (if any) and the layout to read it with. A file in a
    project that its [[signals]] do not list is one to emulate, not benchmark data: any
    number of signals is fine there (NF107 and NF208 are the benchmark's rules)."""
    root = find_root(path)
    project = load(root)[0] if root else None
    layout = project.layout if project else Layout()
    if project and Path(path).resolve() not in {f.resolve() for _, f in project.signal_files()}:
        layout = replace(layout, benchmark=False)
    if axes is not None:
        layout = replace(layout, axes=axes, buffer=None)
    return project, layout


def lint_path(path: str | Path, axes: int | None = None, text: bytes | None = None) -> list[Diagnostic]:
    """Diagnostics for a file or a project folder. `text` is an editor's unsaved buffer."""
    p = Path(path).resolve()
    if p.is_dir():
        if not (p / PROJECT_FILE).is_file():
            return lint_path(p / PROJECT_FILE)  # reports the missing project file
        project, diags = load(p)
        if project is None:
            return diags
        layout = project.layout if axes is None else replace(project.layout, axes=axes, buffer=None)
        seen: set[Path] = set()
        for _, f in project.signal_files():
            f = f.resolve()
            if f in seen or not f.is_file():
                continue
            seen.add(f)
            diags += check_file(f, layout)[0]
        return diags
    if p.name == PROJECT_FILE:
        return load(p.parent, text.decode("utf-8", "replace") if text is not None else None)[1]
    _, layout = context(p, axes)
    return check_file(p, layout, data=text, label=str(p))[0]


def summarize_path(path: str | Path, axes: int | None = None) -> dict[str, object]:
    """Per-axis statistics and FFT of a file, plus the filtered view when the project
    has a band-pass filter enabled."""
    p = Path(path).resolve()
    project, layout = context(p, axes)
    values = read_signals(p, layout)
    if layout.kind == "multi":
        x = values[None, :, :]
    else:
        v = values[:, 1:] if layout.kind == "targets" else values
        x = v.reshape(v.shape[0], v.shape[1] // layout.axes, layout.axes)
    hz = project.sampling_hz if project else 1000.0
    sos = None
    if project and project.filter.enabled:
        f = project.filter
        sos = bandpass.design(f.low_hz, f.high_hz, hz, f.order)
    out = summary.summarize(np.asarray(x, np.float32), hz, sos)
    out["path"] = str(p)
    return out
