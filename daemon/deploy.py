"""Writing a library into the user's firmware tree.

Promises: nothing is written outside the deploy directory; a file we did not write is
never replaced unless the user says --force; nothing of the user's is ever deleted; and
the library's files change as a set — a deploy killed at any moment leaves either the old
set or, once the next deploy (or any deploy) has run, the new one complete, never headers
of two libraries side by side.

How: every file is staged whole and synced in a private folder inside the directory;
then a journal naming that folder and the new files' hashes is written (atomically), and
only then are the files moved in. A journal found at the start of a deploy means the last
one was killed while moving files: the staged rest is moved in (rolled forward) before
anything else. Staging folders without a journal were never committed and are removed.
The manifest (`.nanoforge-deploy.json`) records each file we wrote with its content hash,
so a file is ours only while it still holds what we wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nanoforge.engine.project import deploy_dir_problem

MANIFEST = ".nanoforge-deploy.json"
JOURNAL = ".nanoforge-deploy.journal.json"
STAGING = ".nanoforge-deploy-"


def resolve_dir(root: Path, configured: str | None, override: str | None) -> Path:
    raw = override or configured
    if not raw:
        raise ValueError(f"{root}/nanoforge.toml has no [deploy] dir; pass --dir DIR or add [deploy] dir = \"…\"")
    p = Path(raw).expanduser()
    p = (p if p.is_absolute() else (root / p)).resolve()
    if (why := deploy_dir_problem(p)) is not None:
        raise ValueError(f"{why}; deploy into the firmware project's own folder (--dir DIR or [deploy] dir)")
    return p


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(p: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(p, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _write_json(p: Path, obj: Any) -> None:
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(json.dumps(obj, indent=1) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, p)


def _read_manifest(target: Path) -> dict[str, str | None]:
    """Our files and the hash of what we wrote (None: recorded before hashes were kept)."""
    try:
        files = json.loads((target / MANIFEST).read_text()).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if isinstance(files, list):  # the first manifests listed names only
        return {str(n): None for n in files}
    return {str(n): (h if isinstance(h, str) else None) for n, h in files.items()} if isinstance(files, dict) else {}


def recover(target: Path) -> None:
    """Finishes a deploy that was killed after its journal was written, and removes the
    staging folders of deploys killed before that."""
    journal = target / JOURNAL
    try:
        j = json.loads(journal.read_text())
    except (OSError, ValueError):
        j = None
    if isinstance(j, dict) and isinstance(j.get("files"), dict) and isinstance(j.get("staging"), str):
        staged = target / Path(j["staging"]).name
        for name in j["files"]:
            if (staged / name).is_file():
                (target / name).parent.mkdir(exist_ok=True)
                os.replace(staged / name, target / name)
        _write_json(target / MANIFEST, {"files": {**_read_manifest(target), **j["files"]}})
    journal.unlink(missing_ok=True)
    for p in target.iterdir():
        if not p.name.startswith(".nanoforge-deploy") or p.is_symlink() or p.lstat().st_uid != os.getuid():
            continue
        if p.name.startswith(STAGING) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.endswith(".tmp") and p.is_file():  # a manifest or journal cut by a kill
            p.unlink(missing_ok=True)


def write(target: Path, files: dict[str, bytes], force: bool = False) -> list[str]:
    target.mkdir(parents=True, exist_ok=True)
    recover(target)
    ours = _read_manifest(target)
    for name in files:
        # a plain file name, or one folder deep (emulators/libneai.so)
        parts = name.split("/")
        if len(parts) > 2 or any(p.startswith(".") or p == "" for p in parts):
            raise ValueError(f"refusing to write '{name}': not a plain file name")
        dest = target / name
        if len(parts) == 2:
            dest.parent.mkdir(exist_ok=True)
        if dest.resolve().parent != (target / parts[0] if len(parts) == 2 else target):
            raise ValueError(f"refusing to write {dest}: it resolves outside {target}")
        if dest.exists() and not force:
            recorded = ours.get(name, "")
            if name not in ours or (recorded is not None and _file_sha(dest) != recorded):
                raise FileExistsError(f"{dest} exists and was not written by nanoforge (or was changed since); "
                                      "move it away or pass --force")
    hashes = {name: _sha(data) for name, data in files.items()}
    staged = Path(tempfile.mkdtemp(prefix=STAGING, dir=target))
    try:
        for name, data in files.items():
            (staged / name).parent.mkdir(exist_ok=True)
            with open(staged / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if Path(name).name.startswith("neai_emulator"):
                (staged / name).chmod(0o755)
    except BaseException:  # a full disk, say: nothing was committed, nothing is left
        shutil.rmtree(staged, ignore_errors=True)
        raise
    _write_json(target / JOURNAL, {"staging": staged.name, "files": hashes})  # the commit point
    for name in files:
        os.replace(staged / name, target / name)
    _write_json(target / MANIFEST, {"files": {**ours, **hashes}})
    (target / JOURNAL).unlink()
    shutil.rmtree(staged, ignore_errors=True)
    return sorted(files)


def summary(target: Path, written: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    return {"dir": str(target), "files": written, "neai_id": meta.get("neai_id"), "target": meta.get("target"),
            "footprint": meta.get("footprint")}
