"""The daemon process: one per user, on a Unix socket only that user can reach.

A file lock makes "one per user" hold even when two clients start it at once; the
loser exits quietly and both connect to the winner. It exits by itself after an idle
time with no client and no job, so nothing lingers after the editor closes.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import logging
import os
import signal
import sys
from pathlib import Path

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

from . import paths

DEFAULT_IDLE_TIMEOUT_S = 900.0


def _idle_default() -> float:
    try:
        return float(os.environ.get("NANOFORGE_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT_S))
    except ValueError:
        return DEFAULT_IDLE_TIMEOUT_S


async def _serve(sock: Path, idle_timeout: float) -> None:
    from .core import Core
    from .session import serve_connection

    loop = asyncio.get_running_loop()
    core = Core(loop, idle_timeout)
    if sock.exists() or sock.is_symlink():
        sock.unlink()  # we hold the lock: whatever is there is stale
    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(lambda r, w: serve_connection(core, r, w), path=str(sock),
                                                 limit=1 << 26)
    finally:
        os.umask(old)
    os.chmod(sock, 0o600)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, core.stop_requested.set)
    logging.getLogger("nanoforge.daemon").info("listening on %s (pid %d)", sock, os.getpid())

    async def idle_watch() -> None:
        while True:
            await asyncio.sleep(min(1.0, max(idle_timeout / 4, 0.05)))
            if core.idle_for() >= idle_timeout:
                core.stop_requested.set()
                return

    watcher = asyncio.ensure_future(idle_watch())
    try:
        await core.stop_requested.wait()
    finally:
        watcher.cancel()
        server.close()
        try:
            sock.unlink()
        except FileNotFoundError:
            pass
        core.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nanoforge.daemon", description="run the nanoforge daemon")
    ap.add_argument("--idle-timeout", type=float, default=None,
                    help="seconds with no client and no job before exiting (default 900, env NANOFORGE_IDLE_TIMEOUT)")
    args = ap.parse_args(argv)
    idle = args.idle_timeout if args.idle_timeout is not None else _idle_default()
    try:
        home = paths.home()
        lock_fd = paths.open_private(paths.lock_path(), os.O_RDWR | os.O_CREAT)
    except paths.UnsafeHome as e:
        print(f"nanoforge daemon: refusing to start: {e}", file=sys.stderr)
        return 1
    lock = os.fdopen(lock_fd, "r+")  # held for the life of the process
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another daemon serves this user
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    log = os.fdopen(paths.open_private(paths.log_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND), "a")
    logging.basicConfig(stream=log, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    try:
        asyncio.run(_serve(home / "daemon.sock", idle))
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
