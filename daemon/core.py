"""The state every connection shares: projects, the file watcher, the check pool.

pygls serves one client per LanguageServer, so each connection gets its own session
(see session.py); what must be seen the same way by the editor and by a CLI call lives
here, once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from nanoforge.engine.diagnostics import Diagnostic
from nanoforge.engine.lint import is_watched_file, lint_path
from nanoforge.engine.project import PROJECT_FILE, find_root, load

from .jobs import Jobs
from .paths import build_id
from .positions import wide_lines

log = logging.getLogger("nanoforge.daemon")
# Editors save in bursts (temp file, rename, touch); one check per burst is enough.
DEBOUNCE_S = 0.15
MAX_WATCHED = 16
Publisher = Callable[[str, list[Diagnostic], dict[int, str]], None]
"""(file, its diagnostics, the text of the lines they point into whose columns an editor counts differently)."""


class _Events(FileSystemEventHandler):
    def __init__(self, core: Core) -> None:
        self.core = core

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("modified", "created", "moved", "deleted", "closed"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = raw.decode() if isinstance(raw, bytes) else raw
            if path and is_watched_file(path) and "/.nanoforge/" not in path:
                self.core.loop.call_soon_threadsafe(self.core.file_changed, Path(path))


class Core:
    def __init__(self, loop: asyncio.AbstractEventLoop, idle_timeout: float) -> None:
        self.loop = loop
        self.idle_timeout = idle_timeout
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="check")
        self.build_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="build")
        self.jobs = Jobs(loop)
        self.sessions: set[Any] = set()
        self._watches: OrderedDict[Path, ObservedWatch] = OrderedDict()  # least recently used first
        self.last_activity = time.monotonic()
        self.started = time.time()
        self.build = build_id()
        self._observer = Observer()
        self._observer.daemon = True
        self._observer.start()
        self._pending: dict[Path, asyncio.TimerHandle] = {}
        self._publishers: dict[int, Publisher] = {}
        self._lock = threading.Lock()
        self.stop_requested = asyncio.Event()

    # ---------------------------------------------------------------- sessions

    def attach(self, session: Any, publish: Publisher) -> None:
        self.sessions.add(session)
        self._publishers[id(session)] = publish
        self.touch()

    def detach(self, session: Any) -> None:
        listener = getattr(session, "_nanoforge_listener", None)
        if listener in self.jobs.listeners:
            self.jobs.listeners.remove(listener)
        self.sessions.discard(session)
        self._publishers.pop(id(session), None)
        self.touch()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_for(self) -> float:
        if self.sessions or self.jobs.active():
            self.touch()
            return 0.0
        return time.monotonic() - self.last_activity

    # ---------------------------------------------------------------- projects

    @property
    def projects(self) -> list[Path]:
        """The projects watched now, least recently used first."""
        with self._lock:
            return list(self._watches)

    def register(self, path: str | Path) -> Path | None:
        """Watches the project that holds `path`; returns its root. Each watch is a thread
        of the file watcher, so only the MAX_WATCHED projects used last are watched: a
        long-lived daemon that checked a thousand folders keeps MAX_WATCHED threads, not
        a thousand; a project used again is watched again."""
        root = find_root(path)
        if root is None:
            return None
        with self._lock:
            if root in self._watches:
                self._watches.move_to_end(root)
                return root
            self._watches[root] = self._observer.schedule(_Events(self), str(root), recursive=True)
            log.info("watching project %s", root)
            while len(self._watches) > MAX_WATCHED:
                old, watch = self._watches.popitem(last=False)
                self._observer.unschedule(watch)
                log.info("no longer watching project %s (not used lately)", old)
        return root

    def discover(self, folder: str | Path, depth: int = 3) -> list[Path]:
        """Projects inside an editor's workspace folder, so their problems show at once."""
        found: list[Path] = []
        base = Path(folder)
        if not base.is_dir():
            return found
        for f in sorted(base.rglob(PROJECT_FILE)):
            rel = f.relative_to(base)
            if len(rel.parts) - 1 <= depth and not any(p.startswith(".") or p == "node_modules" for p in rel.parts):
                root = self.register(f)
                if root:
                    found.append(root)
        return found

    def project_files(self, root: Path) -> list[Path]:
        """nanoforge.toml and every signal file the project names."""
        files = [root / PROJECT_FILE]
        project, _ = load(root)
        if project:
            files += [f.resolve() for _, f in project.signal_files() if f.is_file()]
        return files

    # ---------------------------------------------------------------- checks

    async def lint(self, path: str | Path, axes: int | None = None, text: bytes | None = None) -> list[Diagnostic]:
        self.touch()
        return await self.loop.run_in_executor(self.pool, lint_path, path, axes, text)

    async def lint_for_editor(self, path: str | Path, axes: int | None = None,
                              text: bytes | None = None) -> tuple[list[Diagnostic], dict[int, str]]:
        """The diagnostics and what an editor needs to place them (positions.wide_lines)."""
        self.touch()

        def run() -> tuple[list[Diagnostic], dict[int, str]]:
            diags = lint_path(path, axes, text)
            return diags, wide_lines(path, text, diags)

        return await self.loop.run_in_executor(self.pool, run)

    def file_changed(self, path: Path) -> None:
        """Called on the event loop for every watched change; debounced per file."""
        handle = self._pending.pop(path, None)
        if handle:
            handle.cancel()
        self._pending[path] = self.loop.call_later(DEBOUNCE_S, lambda: asyncio.ensure_future(self._recheck(path)))

    async def _recheck(self, path: Path) -> None:
        self._pending.pop(path, None)
        targets = [path]
        if path.name == PROJECT_FILE:
            # axes, buffer or type may have changed: every signal file reads differently now
            targets += [f for f in self.project_files(path.parent) if f != path]
        for t in targets:
            if not t.exists():
                self.publish(str(t), [], {})
                continue
            try:
                diags, lines = await self.lint_for_editor(t)
            except Exception:  # a check must never take the daemon down
                log.exception("check failed for %s", t)
                continue
            self.publish(str(t), diags, lines)

    async def publish_project(self, root: Path, publish: Publisher) -> None:
        """A scan of files on disk: documents open in the editor keep the diagnostics of
        their buffer, which the session checked on open."""
        for f in self.project_files(root):
            try:
                publish(str(f), *await self.lint_for_editor(f), skip_open=True)  # type: ignore[call-arg]
            except Exception:
                log.exception("check failed for %s", f)

    def publish(self, path: str, diags: list[Diagnostic], lines: dict[int, str]) -> None:
        for pub in list(self._publishers.values()):
            try:
                pub(path, diags, lines)
            except Exception:
                log.exception("publishing diagnostics failed")

    def close(self) -> None:
        self.jobs.close()
        self.build_pool.shutdown(wait=False, cancel_futures=True)
        self._observer.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
