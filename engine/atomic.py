"""Atomic file writes: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes | str, mode: int | None = None) -> Path:
    """Writes beside the target then renames, so the old file survives any failure.
    `mode`: the permissions the file gets (a file rewritten in place keeps its own)."""
    p = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def fresh_path(path: str | Path) -> Path:
    """`path`, or `name_2.ext`, `name_3.ext`… whichever does not exist yet: results of
    tools never overwrite a file, the user's or an earlier result."""
    p = Path(path)
    if not p.exists():
        return p
    n = 2
    while True:
        q = p.with_name(f"{p.stem}_{n}{p.suffix}")
        if not q.exists():
            return q
        n += 1
