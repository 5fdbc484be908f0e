"""Where the daemon lives: one private directory per user.

Derived from XDG_RUNTIME_DIR (per-user, tmpfs, cleaned at logout) or else HOME, and
overridable with NANOFORGE_HOME so that tests, CI and parallel users never collide.
Clients import this module to find the socket; it imports nothing of the engine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import stat
from pathlib import Path


def home() -> Path:
    env = os.environ.get("NANOFORGE_HOME")
    if env:
        d = Path(env)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        d = Path(os.environ["XDG_RUNTIME_DIR"]) / "nanoforge"
    else:
        d = Path.home() / ".nanoforge"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = d.stat()
    if st.st_uid != os.getuid():
        raise PermissionError(f"{d} belongs to another user; set NANOFORGE_HOME to a folder of yours")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(d, 0o700)  # the socket inside must be reachable by this user only
    return d


def socket_path() -> Path:
    return home() / "daemon.sock"


def lock_path() -> Path:
    return home() / "daemon.lock"


def log_path() -> Path:
    return home() / "daemon.log"


def build_id() -> str:
    """Identifies the code a daemon runs, so that a client of a newer install replaces a
    daemon still running the older one (it is long-lived; installs change under it)."""
    h = hashlib.sha256()
    for mod in ("nanoforge.engine", "nanoforge.codegen", "nanoforge.daemon"):
        spec = importlib.util.find_spec(mod)
        for loc in (spec.submodule_search_locations or []) if spec else []:
            for f in sorted(Path(loc).rglob("*.py")):
                st = f.stat()
                h.update(f"{f}:{st.st_mtime_ns}:{st.st_size}".encode())
    return h.hexdigest()[:16]
