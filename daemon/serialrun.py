"""A datalogger's serial port read by the daemon: recording to a signal file, or feeding
each signal to a library's host build (live emulation).

Why the daemon and not the CLI process: the line checks are the engine's rules (the CLI
imports no engine), the editor records and emulates through the same requests as the
CLI, and the library's host build lives beside the daemon's build cache. A run is still
owned by its client: the client polls it (the live count and rate come from there), and
a run nobody has polled for `ORPHAN_S` stops by itself, so a killed CLI never leaves a
port held open. Each run has its own thread: serial reads block, and a run lasts
minutes, which the daemon's pools are not for.

A file is appended one whole line per write and flushed at once, so a pulled cable or a
stopped run keeps every signal received before it and never a partial one.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import serial
from serial.tools import list_ports

from nanoforge.engine.linestream import LineStream

ORPHAN_S = 15.0
KEEP_ENDED_S = 600.0  # an ended run's last status stays readable this long
READ_TIMEOUT_S = 0.1
MAX_RESULTS_KEPT = 10_000

_ids = itertools.count(1)
RUNS: dict[int, SerialRun] = {}
_lock = threading.Lock()


def ports() -> list[dict[str, str]]:
    return [{"device": p.device, "description": p.description or "", "hwid": p.hwid or ""}
            for p in sorted(list_ports.comports(), key=lambda p: p.device)]


class SerialRun:
    """One port read until `lines` signals, `seconds`, a stop request or a disconnect.
    `sink(line)` gets each accepted signal line (write it, run it) and may return a
    result for the client (live emulation)."""

    def __init__(self, port: str, baud: int, stream: LineStream, sink: Callable[[str], dict[str, Any] | None],
                 lines: int | None = None, seconds: float | None = None,
                 on_end: Callable[[SerialRun], None] | None = None, path: str | None = None) -> None:
        self.id = next(_ids)
        self.port, self.baud, self.stream = port, baud, stream
        self.sink, self.on_end = sink, on_end
        self.limit_lines, self.limit_s = lines, seconds
        self.signals = 0
        self.state = "running"
        self.error: str | None = None
        self.ended_by: str | None = None
        self.results: deque[dict[str, Any]] = deque(maxlen=MAX_RESULTS_KEPT)
        self.result_count = 0
        self.started = time.monotonic()
        self.ended: float | None = None
        self.polled = time.monotonic()
        self.path = path  # the file recorded into
        self._stop = threading.Event()
        self._serial = serial.serial_for_url(port, baudrate=baud, timeout=READ_TIMEOUT_S)  # fails here, not later
        self._thread = threading.Thread(target=self._run, name=f"serial-{self.id}", daemon=True)
        with _lock:
            now = time.monotonic()
            for old in [r for r in RUNS.values() if r.ended is not None and now - r.ended > KEEP_ENDED_S]:
                del RUNS[old.id]
            RUNS[self.id] = self
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def status(self, since: int = 0) -> dict[str, Any]:
        self.polled = time.monotonic()
        elapsed = (self.ended or time.monotonic()) - self.started
        first = self.result_count - len(self.results)
        new = list(itertools.islice(self.results, max(0, since - first), None))
        return {"id": self.id, "state": self.state, "port": self.port, "path": self.path,
                "accepted": self.stream.accepted, "signals": self.signals, "skipped": self.stream.counts(),
                "elapsed_s": elapsed, "rate": self.stream.accepted / elapsed if elapsed > 0 else 0.0,
                "results": new, "next": self.result_count, "error": self.error, "ended_by": self.ended_by}

    def _done(self) -> str | None:
        if self._stop.is_set():
            return "stopped"
        if self.limit_lines is not None and self.signals >= self.limit_lines:
            return "lines"
        if self.limit_s is not None and time.monotonic() - self.started >= self.limit_s:
            return "seconds"
        if time.monotonic() - self.polled > ORPHAN_S:
            return "orphaned"
        return None

    def _run(self) -> None:
        try:
            while (why := self._done()) is None:
                try:
                    data = self._serial.read(max(1, self._serial.in_waiting))
                except (serial.SerialException, OSError) as e:
                    why, self.error = "disconnected", f"{self.port}: {e}"
                    break
                for line in self.stream.feed(data):
                    res = self.sink(line)
                    self.signals += 1
                    if res is not None:
                        self.results.append(res)
                        self.result_count += 1
                    if self.limit_lines is not None and self.signals >= self.limit_lines:
                        break
            self.ended_by = why
            self.stream.close()
            if self.on_end is not None:
                self.on_end(self)
            self.state = "done"
        except Exception as e:  # a sink that fails (disk full, a library error) ends the run, visibly
            self.state, self.error = "failed", str(e)
        finally:
            self.ended = time.monotonic()
            self._serial.close()


def get(run_id: int) -> SerialRun:
    with _lock:
        run = RUNS.get(run_id)
    if run is None:
        raise ValueError(f"no serial run {run_id} (it ended, or the daemon restarted)")
    return run


class LineFile:
    """Appends signal lines to a new file, unbuffered: one write per whole line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._f = open(path, "xb", buffering=0)  # noqa: SIM115 (open for the whole run)

    def write(self, line: str) -> None:
        data = memoryview((line + "\n").encode("ascii"))
        while data:
            data = data[self._f.write(data) or 0 :]

    def close(self) -> None:
        self._f.close()
