"""What an editor shows of a project without reading every value: its settings and,
per signal file, the line and column counts (a tree view refreshes on every save)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .project import find_root, load
from .signalfile import read_regular

_SEP = re.compile(rb"[,;\t ]+")


def file_counts(path: Path) -> tuple[int, int] | None:
    """(non-empty lines, values on the first of them); None when the file is missing."""
    try:
        data = read_regular(path)
    except OSError:  # missing, unreadable, special (a FIFO must not hold the tree view), too big
        return None
    lines = [ln for ln in data.splitlines() if ln.strip()]
    cols = len([v for v in _SEP.split(lines[0].strip()) if v]) if lines else 0
    return len(lines), cols


def project_info(where: str | Path) -> dict[str, Any]:
    root = find_root(where)
    if root is None:
        raise ValueError(f"{where}: no nanoforge.toml here or above")
    project, diags = load(root)
    errors = sum(d.severity == "error" for d in diags)
    if project is None:
        return {"root": str(root), "valid": False, "errors": errors, "signals": []}
    files = []
    for role, path in project.signal_files():
        counts = file_counts(path)
        files.append({"role": role, "path": str(path), "exists": counts is not None,
                      "lines": counts[0] if counts else None, "columns": counts[1] if counts else None})
    return {"root": str(root), "valid": True, "errors": errors, "type": project.type,
            "type_name": project.kind.title, "axes": project.axes, "buffer": project.buffer,
            "sampling_hz": project.sampling_hz, "target": project.target, "signals": files}
