"""A file to emulate holds any number of signals (issue #15, item 5): NF107's minimum is
a rule for the benchmark's splits, so one line, or five, is a valid file to run through
a library, for every project type; the project's own signal files keep the rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nanoforge.engine.checks import Layout, check_file

from .conftest import bench_wait, nanoforge, smooth_rows, write_signals

LENGTH = 32


def _new(root: Path, kind: str) -> None:
    r = nanoforge("new", str(root), "--type", kind, "--axes", "1", "--buffer", str(LENGTH), "--seed", "3")
    assert r.returncode == 0, r.stderr


def _add(root: Path, *args: str) -> None:
    r = nanoforge("signals", "add", str(root), *args)
    assert r.returncode == 0, r.stderr


def _emulate(root: Path, *args: str) -> dict:
    r = nanoforge("emulate", str(root), *args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _rows(n: int, seed: int, scale: float = 1.0) -> np.ndarray:
    return smooth_rows(n, LENGTH, seed=seed) * scale


COUNTS = (1, 5)


def test_ncc_and_1cc_emulate_any_count(tmp_path: Path) -> None:
    ncc, occ = tmp_path / "ncc", tmp_path / "occ"
    _new(ncc, "ncc")
    for cls, scale in (("low", 1.0), ("high", 3.0)):
        _add(ncc, "--class", cls, str(write_signals(tmp_path / f"{cls}.csv", _rows(20, ord(cls[0]), scale))))
    _new(occ, "1cc")
    _add(occ, "--nominal", str(tmp_path / "low.csv"))
    (ncc / "test").mkdir()
    for root in (ncc, occ):
        bench_wait(root, 3)
    for count in COUNTS:
        few = write_signals(ncc / "test" / f"few{count}.csv", _rows(count, 99, 3.0))
        for root in (ncc, occ):
            em = _emulate(root, "--file", str(few))
            assert [x["line"] for x in em["results"]] == list(range(1, count + 1))
        # A file in the project that its [[signals]] do not list is one to run: `check` does
        # not hold NF107 (nor NF208) against it.
        r = nanoforge("check", str(few), "--json")
        assert r.returncode == 0 and not {d["code"] for d in json.loads(r.stdout or "[]")} & {"NF107", "NF208"}


def test_ad_learns_and_detects_any_count(tmp_path: Path) -> None:
    root = tmp_path / "ad"
    _new(root, "ad")
    _add(root, "--nominal", str(write_signals(tmp_path / "nom.csv", _rows(20, 1))),
         "--abnormal", str(write_signals(tmp_path / "abn.csv", _rows(20, 2, 4.0))))
    bench_wait(root, 3)
    for count in COUNTS:
        learn = write_signals(tmp_path / f"learn{count}.csv", _rows(count, 5))
        detect = write_signals(tmp_path / f"detect{count}.csv", _rows(count, 6, 4.0))
        em = _emulate(root, "--learn", str(learn), "--detect", str(detect))
        assert em["summary"]["learned"] == count and len(em["results"]) == count


def test_ext_emulates_any_count_with_targets(tmp_path: Path) -> None:
    root = tmp_path / "ext"
    _new(root, "ext")
    x = _rows(30, 1)
    y = x[:, :4].sum(axis=1, keepdims=True)
    _add(root, "--file", str(write_signals(tmp_path / "train.csv", np.hstack([y, x]))))
    bench_wait(root, 3)
    for count in COUNTS:
        signals = write_signals(tmp_path / f"signals{count}.csv", x[:count])
        targets = write_signals(tmp_path / f"targets{count}.csv", y[:count])
        em = _emulate(root, "--file", str(signals), "--targets", str(targets))
        assert len(em["results"]) == count and "rmse" in em["summary"]


def test_benchmark_data_keeps_the_minimum(tmp_path: Path) -> None:
    """The same 5-signal file: an error as benchmark data, fine as a file to run."""
    f = write_signals(tmp_path / "five.csv", smooth_rows(5))
    as_data = check_file(f, Layout())[0]
    as_run = check_file(f, Layout(benchmark=False))[0]
    assert [d.code for d in as_data if d.severity == "error"] == ["NF107"]
    assert not [d for d in as_run if d.severity == "error" or d.code in ("NF107", "NF208")]
    root = tmp_path / "p"
    _new(root, "ncc")
    _add(root, "--class", "a", str(f))
    listed = nanoforge("check", str(root), "--json")
    assert listed.returncode == 1 and "NF107" in {d["code"] for d in json.loads(listed.stdout)}
