"""Where the daemon lives: one private directory per user.

Derived from XDG_RUNTIME_DIR (per-user, tmpfs, cleaned at logout) or else HOME, and
overridable with NANOFORGE_HOME so that tests, CI and parallel users never collide.
Clients import this module to find the socket; it imports nothing of the engine.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import os
import stat
from pathlib import Path


class UnsafeHome(PermissionError):
    """The daemon's folder, or a file in it, could have been placed by another user: the
    socket there would answer our clients (and see the paths they send), and a planted
    symlink would make the daemon write where its owner points it. Refused, never repaired."""


def home() -> Path:
    env = os.environ.get("NANOFORGE_HOME")
    if env:
        d = Path(env).absolute()
    elif os.environ.get("XDG_RUNTIME_DIR"):
        d = Path(os.environ["XDG_RUNTIME_DIR"]) / "nanoforge"
    else:
        d = Path.home() / ".nanoforge"
    d.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(d)
    fix = "set NANOFORGE_HOME to a folder of yours that only you can open, or remove it and let nanoforge create it"
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeHome(f"{d} is a symbolic link, which nanoforge does not follow for its daemon; {fix}")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeHome(f"{d} is not a folder; {fix}")
    if st.st_uid != os.getuid():
        raise UnsafeHome(f"{d} belongs to another user; {fix}")
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise UnsafeHome(f"{d} can be opened by other users (mode {stat.S_IMODE(st.st_mode):o}), so its files "
                         f"may not be yours; check them, then `chmod 700 {d}`, or {fix}")
    return d


def open_private(path: Path, flags: int) -> int:
    """A file descriptor on `path` in the daemon's folder, never through a symlink, and
    only when the file is ours (created 0600 when `flags` has O_CREAT)."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafeHome(f"{path} is a symbolic link, not written by nanoforge; remove it") from None
        raise
    st = os.fstat(fd)
    if st.st_uid != os.getuid() or not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise UnsafeHome(f"{path} is not a file of yours; remove it (it was not written by nanoforge)")
    return fd


def check_socket(path: Path) -> bool:
    """Whether a daemon socket exists at `path`; UnsafeHome when something there is not
    a socket of ours (a client must never talk to a socket another user planted)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
        raise UnsafeHome(f"{path} is not a nanoforge socket of yours; remove it, then try again")
    return True


def socket_path() -> Path:
    return home() / "daemon.sock"


def lock_path() -> Path:
    return home() / "daemon.lock"


def log_path() -> Path:
    return home() / "daemon.log"


def stderr_path() -> Path:
    """What a daemon prints before its log is open: why it refused to start, a crash."""
    return home() / "daemon.stderr"


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
