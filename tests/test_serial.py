"""Recording from a datalogger: a real pseudo-terminal pair, the real CLI and daemon.
The test holds the pty's controller side and speaks like a board (a banner after reset,
a cut first line, garbage on the wire, CRLF line ends) and pulls the cable mid-line."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import tomlkit

from .conftest import FIXTURES, bench_wait, nanoforge


@dataclass
class Board:
    device: str
    controller: int
    port_side: int

    def wait_opened(self, timeout: float = 60.0) -> None:
        """Until the recorder has put the port in raw mode (pyserial does on open): bytes
        sent before would be echoed and line-edited by the tty layer, not received."""
        end = time.monotonic() + timeout
        while termios.tcgetattr(self.port_side)[3] & termios.ICANON:
            if time.monotonic() > end:
                raise TimeoutError("the recorder never opened the port")
            time.sleep(0.02)

    def send(self, data: bytes) -> None:
        os.write(self.controller, data)

    def unplug(self) -> None:
        """Once the recorder has read what was sent: a tty drops unread input on hangup,
        and a slow reader (the emulator under load) must not lose lines to that here."""
        end = time.monotonic() + 60
        while struct.unpack("i", fcntl.ioctl(self.port_side, termios.FIONREAD, b"\0\0\0\0"))[0]:
            if time.monotonic() > end:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        os.close(self.controller)


@pytest.fixture
def board() -> Iterator[Board]:
    controller, port_side = pty.openpty()
    b = Board(os.ttyname(port_side), controller, port_side)
    yield b
    for fd in (controller, port_side):
        try:
            os.close(fd)
        except OSError:
            pass


def signal_lines(n: int, width: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    t = np.arange(width)
    rows = [np.sin(2 * np.pi * (2 + rng.random()) * t / width + rng.random()) + 0.01 * rng.standard_normal(width)
            for _ in range(n)]
    return [",".join(f"{v:.4f}" for v in r) for r in rows]


def speak(b: Board, script: list[bytes], unplug: bool = True) -> threading.Thread:
    def run() -> None:
        b.wait_opened()
        for chunk in script:
            b.send(chunk)
            time.sleep(0.005)
        if unplug:
            b.unplug()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_buffered_recording_skips_garbage_and_keeps_everything_before_a_pulled_cable(
        board: Board, tmp_path: Path) -> None:
    good = signal_lines(30, 32)
    script = [b"0.25,0.5\r\n",  # the end of a line sent before the port opened
              b"nanoforge datalogger v1: 32 samples, 1 axis\r\n"]
    script += [(ln + "\r\n").encode() for ln in good[:20]]
    script += [b"\x00\xff\xfe\x13#\r\n", good[20][:50].encode()]  # noise, then a line cut in two writes
    script += [(good[20][50:] + "\r\n").encode()]
    script += [(ln + "\r\n").encode() for ln in good[21:]]
    script += [b"0.1,0.2,0.3"]  # the cable is pulled mid-line
    writer = speak(board, script)
    out = tmp_path / "rec.csv"
    r = nanoforge("signals", "record", "--port", board.device, "--baud", "115200", "--out", str(out), "--json")
    writer.join()
    assert r.returncode == 1 and "the port closed" in r.stderr, r.stderr
    s = json.loads(r.stdout)
    assert s["ended_by"] == "disconnected" and s["signals"] == 30
    assert s["skipped"] == {"partial": 2, "banner": 1, "garbage": 1, "width": 0}
    assert out.read_text().splitlines() == good  # nothing partial, everything before kept, LF line ends
    assert nanoforge("check", str(out)).returncode == 0


def test_continuous_recording_into_a_project_cuts_buffers_and_adds_the_file(board: Board, tmp_path: Path) -> None:
    proj = tmp_path / "fan"
    assert nanoforge("new", str(proj), "--type", "ncc", "--axes", "2", "--buffer", "8", "--hz", "100").returncode == 0
    samples = [f"{i} {-i}.5" for i in range(100)]
    writer = speak(board, [b"12 -1", b"2.5\nboot\n"] + [(s + "\n").encode() for s in samples], unplug=False)
    r = nanoforge("signals", "record", str(proj), "--class", "idle", "--port", board.device, "--baud", "9600",
                  "--continuous", "--buffer", "8", "--overlap", "4", "--lines", "5", "--json")
    writer.join()
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["ended_by"] == "lines" and s["signals"] == 5
    lines = (proj / "signals" / "idle.csv").read_text().splitlines()
    assert len(lines) == 5 and all(len(ln.split(" ")) == 16 for ln in lines)
    assert lines[0].split(" ")[:2] == ["12", "-12.5"] and lines[1].split(" ")[:2] == ["3", "-3.5"]  # 4 shared
    doc = tomlkit.parse((proj / "nanoforge.toml").read_text()).unwrap()
    assert {"class": "idle", "file": "signals/idle.csv"} in doc["signals"]
    again = nanoforge("signals", "record", str(proj), "--class", "idle", "--port", board.device, "--baud", "9600")
    assert again.returncode == 1 and "already have signals/idle.csv" in again.stderr  # never dropped from the project


def test_usage_errors_and_port_list(tmp_path: Path) -> None:
    r = nanoforge("signals", "record", "--list-ports", "--json")
    assert r.returncode == 0 and isinstance(json.loads(r.stdout), list)
    assert nanoforge("signals", "record", "--out", str(tmp_path / "x.csv")).returncode == 2
    r = nanoforge("signals", "record", "--port", "/dev/nonexistent-tty", "--baud", "9600", "--out",
                  str(tmp_path / "x.csv"))
    assert r.returncode == 1 and "nonexistent-tty" in r.stderr
    assert not (tmp_path / "x.csv").exists()
    existing = tmp_path / "mine.csv"
    existing.write_text("1,2\n")
    r = nanoforge("signals", "record", "--port", "/dev/null", "--baud", "9600", "--out", str(existing))
    assert r.returncode == 1 and "already exists" in r.stderr and existing.read_text() == "1,2\n"


def test_live_emulation_answers_each_signal_as_the_file_emulator_does(board: Board, tmp_path: Path) -> None:
    root = tmp_path / "motion"
    assert nanoforge("new", str(root), "--type", "ncc", "--axes", "6", "--buffer", "100", "--hz", "10").returncode == 0
    for name in ("standing", "walking", "running", "badminton"):
        r = nanoforge("signals", "add", str(root), "--class", name, str(FIXTURES / f"basicmotions_train_{name}.csv"))
        assert r.returncode == 0, r.stderr
    assert bench_wait(root, 6)["state"] == "finished"
    sent = tmp_path / "sent.csv"
    lines = [ln for name in ("walking", "running") for ln in
             (FIXTURES / f"basicmotions_train_{name}.csv").read_text().splitlines()[:5]]
    sent.write_text("\n".join(lines) + "\n")
    script = [b"\x00garbage\r\n", b"ready\r\n"] + [(ln + "\r\n").encode() for ln in lines] + [lines[0][:300].encode()]
    writer = speak(board, script)
    r = nanoforge("emulate", str(root), "--port", board.device, "--baud", "115200", "--json")
    writer.join()
    assert r.returncode == 1 and "the port closed" in r.stderr  # the cable was pulled mid-signal
    live = json.loads(r.stdout)
    assert live["status"]["skipped"]["partial"] == 1 and live["status"]["skipped"]["garbage"] == 1
    ref = json.loads(nanoforge("emulate", str(root), "--file", str(sent), "--json").stdout)["results"]
    assert [a["signal"] for a in live["results"]] == list(range(1, 11))
    assert [a["class"] for a in live["results"]] == [b["class"] for b in ref]
    assert [a["probabilities"] for a in live["results"]] == [b["probabilities"] for b in ref]
    text = nanoforge("emulate", str(root), "--port", "/dev/null", "--baud", "9600", "--learn", "x")
    assert text.returncode == 2 and "--learn N" in text.stderr


def test_live_emulation_learns_the_first_n_signals_then_detects(board: Board, tmp_path: Path) -> None:
    root = tmp_path / "motion"
    assert nanoforge("new", str(root), "--type", "ad", "--axes", "6", "--buffer", "100", "--hz", "10").returncode == 0
    fx = {n: (FIXTURES / f"basicmotions_train_{n}.csv").read_text().splitlines()
          for n in ("standing", "walking", "running", "badminton")}
    nominal, abnormal = root / "signals" / "nominal.csv", root / "signals" / "abnormal.csv"
    nominal.write_text("\n".join(fx["standing"] + fx["walking"]) + "\n")
    abnormal.write_text("\n".join(fx["running"] + fx["badminton"]) + "\n")
    assert nanoforge("signals", "add", str(root), "--nominal", str(nominal), "--abnormal", str(abnormal)).returncode == 0
    assert bench_wait(root, 6)["state"] == "finished"
    learn = fx["standing"][:5] + fx["walking"][:5]
    detect = fx["standing"][5:10] + fx["running"][:5]
    (tmp_path / "learn.csv").write_text("\n".join(learn) + "\n")
    (tmp_path / "detect.csv").write_text("\n".join(detect) + "\n")
    writer = speak(board, [(ln + "\n").encode() for ln in learn + detect])
    r = nanoforge("emulate", str(root), "--port", board.device, "--baud", "115200", "--learn", "10", "--json")
    writer.join()
    assert r.stdout, r.stderr
    live = json.loads(r.stdout)["results"]
    assert [a.get("learning", False) for a in live] == [True] * 10 + [False] * 10
    r = nanoforge("emulate", str(root), "--learn", str(tmp_path / "learn.csv"), "--detect", str(tmp_path / "detect.csv"),
                  "--json")
    assert r.returncode == 0, r.stderr
    ref = json.loads(r.stdout)["results"]
    assert [(a["similarity"], a["status"]) for a in live[10:]] == [(b["similarity"], b["status"]) for b in ref]


def test_recording_one_role_keeps_the_other_files_of_its_signals_table(tmp_path: Path) -> None:
    """1-class keeps nominal and abnormal in its one [[signals]] table: recording the
    abnormal signals must not drop the nominal file from the project; a table the type
    does not take (anomaly detection: abnormal without nominal) is refused before recording."""
    from nanoforge.daemon.serialsinks import _project, _target

    for kind in ("1cc", "ad"):
        root = tmp_path / kind
        assert nanoforge("new", str(root), "--type", kind, "--axes", "1", "--buffer", "32").returncode == 0
        nominal = root / "signals" / "nominal.csv"
        nominal.write_text("\n".join(signal_lines(20, 32)) + "\n")
        assert nanoforge("signals", "add", str(root), "--nominal", str(nominal)).returncode == 0
    with pytest.raises(ValueError, match="the nominal signals already have signals/nominal.csv"):
        _target({"project": str(tmp_path / "1cc"), "nominal": True}, _project(str(tmp_path / "1cc")))
    path, add = _target({"project": str(tmp_path / "ad"), "nominal": True}, _project(str(tmp_path / "ad")))
    assert add == {"nominal": str(tmp_path / "ad" / "signals" / "nominal_2.csv")}  # a table beside the first
    path, add = _target({"project": str(tmp_path / "1cc"), "abnormal": True}, _project(str(tmp_path / "1cc")))
    assert add == {"abnormal": str(path), "nominal": str(tmp_path / "1cc" / "signals" / "nominal.csv")}
    with pytest.raises(ValueError, match="takes --nominal FILE"):
        _target({"project": str(tmp_path / "ad"), "abnormal": True}, _project(str(tmp_path / "ad")))


def test_a_recording_that_received_no_signal_leaves_no_file(board: Board, tmp_path: Path) -> None:
    writer = speak(board, [b"bootloader v2\r\n", b"\xff\xfe\r\n", b"1,2,3"])
    out = tmp_path / "nothing.csv"
    r = nanoforge("signals", "record", "--port", board.device, "--baud", "9600", "--out", str(out), "--json")
    writer.join()
    s = json.loads(r.stdout)
    assert r.returncode == 1 and s["signals"] == 0 and s["path"] is None and not out.exists()
    assert s["skipped"] == {"partial": 1, "banner": 1, "garbage": 1, "width": 0}
