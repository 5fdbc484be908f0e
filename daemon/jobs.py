"""Benchmark jobs seen from the daemon: start, pause, resume, stop, list, progress.

The daemon only spawns job processes and reads their files; all search state is on disk
(benchstore), so a restarted daemon knows everything the old one knew.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nanoforge.engine.project import CLUSTER_ADDRESS, load

from . import benchstore as bs

log = logging.getLogger("nanoforge.jobs")
Notify = Callable[[dict[str, Any]], None]


class Jobs:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.procs: dict[Path, subprocess.Popen[bytes]] = {}
        self.listeners: list[Notify] = []
        self._last: dict[Path, str] = {}
        self._task: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- queries

    def active(self) -> bool:
        self._reap()
        return bool(self.procs)

    def latest(self, root: Path) -> Path:
        benches = bs.all_benches(root)
        if not benches:
            raise ValueError(f"{root}: no benchmark yet; run `nanoforge bench start {root}`")
        return benches[-1]

    def status(self, root: Path) -> dict[str, Any]:
        return {"project": str(root), **bs.summary(self.latest(root))}

    def list(self, root: Path) -> list[dict[str, Any]]:
        return [{"project": str(root), **bs.summary(d)} for d in bs.all_benches(root)]

    # ---------------------------------------------------------------- control

    def start(self, root: Path, time_budget: float, cores: int, seed: int | None,
              cluster: str | None = None) -> dict[str, Any]:
        """`cluster`: a Dask scheduler's address (else the project's `cluster`; "local"
        runs on this machine even when the project names one)."""
        project, diags = load(root)
        if project is None:
            first = diags[0] if diags else None
            where = f"{first.path}:{first.line}:{first.column}: {first.message}" if first else "not found"
            raise ValueError(f"{where}; `nanoforge check {root}` lists every problem")
        for d in bs.all_benches(root):
            if bs.settle(d).get("state") in bs.ACTIVE:
                raise ValueError(f"{root}: benchmark {d.name} is still running; stop it first "
                                 f"(`nanoforge bench stop {root}`)")
        if time_budget <= 0 or cores < 1:
            raise ValueError("time budget must be > 0 seconds and cores ≥ 1")
        address = project.cluster if cluster is None else (None if cluster == "local" else cluster)
        if address and not CLUSTER_ADDRESS.match(address):
            raise ValueError(f"cluster address {address!r} is not like tcp://HOST:PORT (a Dask scheduler's address), "
                             "or 'local'")
        d = bs.new_bench_dir(root)
        bs.write_json(d / "job.json", {"id": d.name, "project": str(root), "type": project.type,
                                       "time_budget": float(time_budget), "max_ram": project.max_ram,
                                       "max_flash": project.max_flash, "backstop": project.backstop,
                                       "cores": int(cores), "seed": project.seed if seed is None else int(seed),
                                       "cluster": address, "created": bs.now()})
        bs.write_json(d / "state.json", {"elapsed_s": 0.0, "candidates_evaluated": 0})
        self._spawn(d)
        return self.status(root)

    def _spawn(self, d: Path) -> None:
        (d / "control").write_text("run")
        st = bs.read_state(d)
        st.update(state="starting", pid=None, updated=bs.now())
        bs.write_json(d / "state.json", st)
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        with open(d / "job.log", "ab") as logf:
            p = subprocess.Popen([sys.executable, "-m", "nanoforge.daemon.benchjob", str(d)], stdin=subprocess.DEVNULL,
                                 stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=str(d))
        self.procs[d] = p
        self._ensure_watch()

    def control(self, root: Path, word: str) -> dict[str, Any]:
        d = self.latest(root)
        st = bs.settle(d)
        state = st.get("state")
        if word == "resume":
            if state in ("running", "paused", "starting"):
                (d / "control").write_text("run")
            elif state in ("interrupted", "stopped", "failed"):
                self._spawn(d)
            elif state == "finished":
                raise ValueError(f"benchmark {d.name} has finished; start a new one with a larger --time-budget")
        elif word in ("pause", "stop"):
            if state not in bs.ACTIVE:
                raise ValueError(f"benchmark {d.name} is {state}, not running")
            (d / "control").write_text(word)
        return self.status(root)

    # ---------------------------------------------------------------- progress

    def _reap(self) -> None:
        for d, p in list(self.procs.items()):
            if p.poll() is not None:
                del self.procs[d]
                bs.settle(d)

    def _ensure_watch(self) -> None:
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._watch())

    async def _watch(self) -> None:
        """Tells every connected client how running benchmarks progress."""
        while True:
            await asyncio.sleep(0.5)
            dirs = list(self.procs)
            self._reap()
            for d in dirs:
                s = bs.summary(d)
                s["project"] = str(Path(bs.read_json(d / "job.json", {}).get("project", "")))
                sig = f"{s['state']}|{s['candidates_evaluated']}|{(s.get('best') or {}).get('library')}"
                if self._last.get(d) != sig:
                    self._last[d] = sig
                    for fn in list(self.listeners):
                        try:
                            fn(s)
                        except Exception:
                            log.exception("progress listener failed")
            if not self.procs:
                self._task = None
                return

    def close(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
