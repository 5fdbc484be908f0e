"""Writing a library into the user's firmware tree.

Promises: nothing is written outside the deploy directory; each file appears whole or
not at all (written in a private temp folder inside the directory, then renamed); a file
we did not write before is never replaced unless the user says --force; nothing is ever
deleted. A manifest (`.nanoforge-deploy.json`) remembers what we wrote.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MANIFEST = ".nanoforge-deploy.json"


def resolve_dir(root: Path, configured: str | None, override: str | None) -> Path:
    raw = override or configured
    if not raw:
        raise ValueError(f"{root}/nanoforge.toml has no [deploy] dir; pass --dir DIR or add [deploy] dir = \"…\"")
    p = Path(raw).expanduser()
    return (p if p.is_absolute() else (root / p)).resolve()


def write(target: Path, files: dict[str, bytes], force: bool = False) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    man_path = target / MANIFEST
    try:
        manifest = json.loads(man_path.read_text())
    except (OSError, ValueError):
        manifest = {"files": []}
    ours = set(manifest.get("files", []))
    for name in files:
        if "/" in name or name.startswith(".") or name in ("", ".."):
            raise ValueError(f"refusing to write '{name}': not a plain file name")
        dest = target / name
        if dest.resolve().parent != target:
            raise ValueError(f"refusing to write {dest}: it resolves outside {target}")
        if dest.exists() and name not in ours and not force:
            raise FileExistsError(f"{dest} exists and was not written by nanoforge; move it away or pass --force")
    tmp = Path(tempfile.mkdtemp(prefix=".nanoforge-deploy-", dir=target))
    try:
        for name, data in files.items():
            p = tmp / name
            p.write_bytes(data)
            if name.startswith("neai_emulator"):
                p.chmod(0o755)
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        for name in files:
            os.replace(tmp / name, target / name)
        manifest["files"] = sorted(ours | set(files))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(tmp / MANIFEST, man_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return sorted(files)


def summary(target: Path, written: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    return {"dir": str(target), "files": written, "neai_id": meta.get("neai_id"), "target": meta.get("target"),
            "footprint": meta.get("footprint")}
