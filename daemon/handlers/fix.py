"""`nanoforge/fix`: the mechanical fixes of `nanoforge check --fix`, written to files.

Fixed copies go next to the originals (or into `out_dir`) under a new name, so a user's
recording is never changed unless they ask for `in_place`; then the file is replaced
atomically, keeping its permissions. What remains to fix by hand is checked on the fixed
text with the original's project settings, so the answer does not depend on where the
copy went.
"""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path
from typing import Any

from nanoforge.engine.atomic import fresh_path, write_atomic
from nanoforge.engine.diagnostics import Diagnostic
from nanoforge.engine.fixes import Fixed, counts, fix_project_text, fix_signal_text
from nanoforge.engine.lint import lint_path
from nanoforge.engine.project import PROJECT_FILE, load
from nanoforge.engine.signalfile import MAX_FILE_BYTES

from ..core import Core
from ..protocol import FixParams, FixResult
from ..registry import handler


def _targets(p: Path) -> list[Path]:
    """A project folder means its nanoforge.toml and every signal file it names."""
    if not p.is_dir():
        return [p]
    toml = p / PROJECT_FILE
    if not toml.is_file():
        raise FileNotFoundError(f"{p}: no {PROJECT_FILE} in this folder")
    project, _ = load(p)
    files = [toml]
    for _, f in project.signal_files() if project else []:
        f = f.resolve()
        if f.is_file() and f not in files:
            files.append(f)
    return files


def _fixed(f: Path, text: str) -> Fixed:
    if f.name == PROJECT_FILE:
        return fix_project_text(text, load(f.parent, text)[1])
    return fix_signal_text(text)


def fix_path(path: str, axes: int | None, out_dir: str | None, in_place: bool) -> dict[str, Any]:
    p = Path(path).expanduser().resolve()
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or folder")
    dest_dir = Path(out_dir).expanduser().resolve() if out_dir else None
    if dest_dir is not None:
        dest_dir.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    remaining: list[Diagnostic] = []
    for f in _targets(p):
        if f.stat().st_size > MAX_FILE_BYTES:  # the checks refuse it (NF114): nothing to fix line by line
            remaining += lint_path(f, axes)
            continue
        raw = f.read_bytes()
        text = raw.decode("utf-8", "surrogateescape")  # undecodable bytes come back out as they were
        fixed = _fixed(f, text)
        if not fixed.fixes:
            remaining += lint_path(f, axes)
            continue
        data = fixed.text.encode("utf-8", "surrogateescape")
        if in_place:
            dest = write_atomic(f, data, mode=stat.S_IMODE(f.stat().st_mode))
        else:
            dest = write_atomic(fresh_path((dest_dir or f.parent) / f"{f.stem}_fixed{f.suffix}"), data)
        files.append({"source": str(f), "path": str(dest), "fixes": counts(fixed.fixes)})
        label = str(dest)
        remaining += [dataclasses.replace(d, path=label) if d.path == str(f) else d
                      for d in lint_path(f, axes, text=data)]
    return {"files": files, "diagnostics": [d.to_dict() for d in remaining]}


@handler("nanoforge/fix")
async def fix(core: Core, params: FixParams) -> FixResult:
    if params.get("in_place") and params.get("out_dir"):
        raise ValueError("a file fixed in place is not also written elsewhere: give in_place or out_dir, not both")
    core.register(params["path"])
    return await core.loop.run_in_executor(core.pool, fix_path, params["path"], params.get("axes"),
                                           params.get("out_dir"), bool(params.get("in_place")))
