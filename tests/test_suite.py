"""bench/suite.py on a tiny datasets folder with a tiny budget: the tasks it composes by
its fixed rule, one task run end to end (benchmark, emulator on test, baselines, rank,
optimism, the rank study), and nothing left out without saying so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from .conftest import nanoforge, smooth_rows, write_signals

SUITE = Path(__file__).resolve().parent.parent / "bench" / "suite.py"
LENGTH = 32


def _dataset(root: Path) -> Path:
    """Three classes of sines told apart by amplitude, and a folder that is not a task."""
    d = root / "Tiny"
    files: dict[str, dict[str, str]] = {"train": {}, "test": {}}
    for k, cls in enumerate(("low", "mid", "high")):
        for split, n in (("train", 12), ("test", 4)):
            (d / split).mkdir(parents=True, exist_ok=True)
            write_signals(d / split / f"{cls}.csv", smooth_rows(n, LENGTH, seed=10 * k + n) * (1 + 2 * k))
            files[split][cls] = f"{split}/{cls}.csv"
    (d / "dataset.json").write_text(json.dumps({"kind": "n-class classification", "axes": 1,
                                                "buffer_length": LENGTH, "sampling_hz": None, "files": files}))
    (root / "Stream").mkdir()
    (root / "Stream" / "dataset.json").write_text(json.dumps({"kind": "continuous recording"}))
    return root


def _suite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SUITE), *args], capture_output=True, text=True, timeout=300)


def _load_suite(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/suite.py as a module, for its task discovery."""
    import importlib.util

    monkeypatch.syspath_prepend(str(SUITE.parent))  # the suite imports bench/common.py as `common`
    monkeypatch.delitem(sys.modules, "common", raising=False)  # and drops it again afterwards
    spec = importlib.util.spec_from_file_location("nf_suite", SUITE)
    assert spec is not None and spec.loader is not None
    suite = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "nf_suite", suite)  # dataclasses look their module up
    spec.loader.exec_module(suite)
    return suite


def test_suite_runs_a_task_and_lists_what_it_left_out(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "datasets")
    r = _suite(str(data), "--tasks", "Tiny/ncc", "--budget", "2", "--cores", "1", "--rank-study", "2",
               "--work", str(tmp_path / "work"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    [row] = out["tasks"]
    assert row["task"] == "Tiny/ncc" and row["metric"] == "accuracy" and "error" not in row
    assert 0 <= row["nanoforge"] <= 1 and set(row["baselines"]) == {"1NN-ED", "RF"}
    assert 1 <= row["rank"] <= 3 and out["mean_rank"] == row["rank"]
    # optimism: the benchmark's own figure (the record's mean balanced accuracy over the
    # splits) minus the test's
    assert np.isclose(row["estimate"], row["record"]["ba_mean"])
    assert np.isclose(row["optimism"], row["record"]["ba_mean"] - row["figures"]["balanced_accuracy"])
    assert Path(row["records"]).is_file()
    assert 1 <= len(row["rank_study"]) <= 2 and row["rank_study"][0]["library"] == row["library"]
    assert row["rank_study"][0]["test"] == row["figures"]["balanced_accuracy"]
    assert row["rank_study"][0]["estimate"] == row["record"]["worst"]["balanced_accuracy"]
    # the composed tasks (first and last class nominal), and the folder that is not a task
    left = " ".join(out["skipped"])
    for name in ("Tiny:low/1cc", "Tiny:low/ad", "Tiny:high/1cc", "Tiny:high/ad"):
        assert name in left
    assert "Tiny:mid" not in left and "Stream: not a task (continuous recording)" in left

    r = _suite(str(data), "--tasks", "Nothing", "--budget", "2")
    assert r.returncode == 2 and "no task" in r.stderr
    # An earlier run's folder is never resumed into a new table.
    r = _suite(str(data), "--tasks", "Tiny/ncc", "--budget", "2", "--work", str(tmp_path / "work"))
    assert r.returncode == 2 and "already holds projects of Tiny/ncc" in r.stderr


def test_the_held_out_compositions_are_the_classes_the_suite_never_composes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`--compose middle` makes every class but the first and the last nominal in turn:
    compositions no change to the search was judged on; a 2-class set has none."""
    suite = _load_suite(monkeypatch)
    data = _dataset(tmp_path / "datasets")
    names = {c: {t.name for t in suite.discover(data, c)[0]} for c in ("ends", "middle")}
    composed = {c: {n for n in v if ":" in n} for c, v in names.items()}
    assert composed["ends"] == {"Tiny:low/1cc", "Tiny:low/ad", "Tiny:high/1cc", "Tiny:high/ad"}
    assert composed["middle"] == {"Tiny:mid/1cc", "Tiny:mid/ad"}
    assert names["ends"] - composed["ends"] == names["middle"] - composed["middle"] == {"Tiny/ncc"}
    mid = next(t for t in suite.discover(data, "middle")[0] if t.name == "Tiny:mid/ad")
    assert [p.name for p in mid.train["abnormal"]] == ["low.csv", "high.csv"]
    assert suite.composed_classes(["a", "b"], "middle") == []


GENERATE = SUITE.parent / "generate.py"


def test_generated_datasets_are_seeded_suite_tasks_that_pass_the_checks(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/generate.py makes the README's generated-data check reproducible: the same
    seed writes the same bytes, the suite finds every set's tasks, nanoforge's own checks
    accept the files as benchmark data, and bad parameters stop with a usage error
    before anything is written."""
    def generate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(GENERATE), *args], capture_output=True, text=True, timeout=120)

    args = ["--classes", "3", "--train", "10", "--test", "10", "--length", "40", "--axes", "2", "--counts", "12,10,10"]
    for name in ("a", "b"):
        assert generate("prototypes", str(tmp_path / name / "P"), *args, "--seed", "5").returncode == 0
    assert generate("prototypes", str(tmp_path / "c" / "P"), *args, "--seed", "6").returncode == 0
    first = sorted(p.read_bytes() for p in (tmp_path / "a").rglob("*.csv"))
    assert first == sorted(p.read_bytes() for p in (tmp_path / "b").rglob("*.csv"))
    assert first != sorted(p.read_bytes() for p in (tmp_path / "c").rglob("*.csv"))
    meta = json.loads((tmp_path / "a" / "P" / "dataset.json").read_text())
    assert meta["axes"] == 2 and meta["buffer_length"] == 40 and list(meta["files"]["train"]) == ["c0", "c1", "c2"]
    d = tmp_path / "a" / "P"
    rows = np.loadtxt(d / "train" / "c0.csv", delimiter=",", ndmin=2)
    assert rows.shape == (12, 80) and len(np.loadtxt(d / "train" / "c1.csv", delimiter=",", ndmin=2)) == 10
    r = nanoforge("check", *map(str, sorted(d.rglob("*.csv"))), "--axes", "2", "--json")
    assert r.returncode == 0, r.stdout + r.stderr

    suite = _load_suite(monkeypatch)
    assert generate("cbf", str(tmp_path / "cbf" / "CBF"), "--length", "64", "--train", "10", "--test", "2").returncode == 0
    assert {t.name for t in suite.discover(tmp_path / "cbf")[0]} == {
        "CBF/ncc", "CBF:cylinder/1cc", "CBF:cylinder/ad", "CBF:funnel/1cc", "CBF:funnel/ad"}
    assert generate("checks", str(tmp_path / "checks")).returncode == 0
    tasks, skipped = suite.discover(tmp_path / "checks")
    assert len(tasks) == 30 and not skipped  # 6 sets: n-class, and 1-class and AD for two classes each

    for bad, says in ((["--counts", "10,10"], "--counts has 2 numbers for 3 classes"),
                      (["--counts", "10,x,3"], "whole numbers separated by commas"),
                      (["--noise", "nan"], "--noise and --offset finite"),
                      (["--shift", "1"], "--shift must be in [0, 1)"),
                      (["--seed", "-1"], "a seed is a whole number")):
        r = generate("prototypes", str(tmp_path / "bad"), "--classes", "3", *bad)
        assert r.returncode == 2 and says in r.stderr, r.stderr
    r = generate("cbf", str(tmp_path / "bad"), "--length", "3")
    assert r.returncode == 2 and "--length must be at least 4" in r.stderr
    assert not (tmp_path / "bad").exists()


def test_generated_signals_interleave_their_axes_sample_by_sample() -> None:
    """x0 y0 x1 y1 …, as signal files hold them: a file written axis after axis would
    pass every count and shape check and be another signal to the benchmark."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("nf_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    flat, step = np.zeros(16), np.linspace(1.0, 2.0, 16)
    s = generate.prototype_signal(np.random.default_rng(0), [flat, step], 16, 0.0, 0.0, 0.0)
    assert s.shape == (32,) and np.all(s[0::2] == 0)
    ratio = s[1::2] / step  # one gain for the whole axis, the shape kept in time order
    assert np.allclose(ratio, ratio[0]) and 0.5 < ratio[0] < 1.5


def test_the_goals_are_issue_15s_and_one_out_of_reach_is_said_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    suite = _load_suite(monkeypatch)

    def row(kind: str, metric: str, mine: float, **base: float) -> dict:
        return {"type": kind, "metric": metric, "nanoforge": mine, "baselines": base, "ceiling": {}}

    ncc = row("ncc", "accuracy", 0.94, **{"1NN-ED": 0.913, "RF": 0.94})
    assert suite.goal(ncc) == (0.94, True)  # the better of the two, a tie meets it
    assert suite.goal(row("ext", "rmse", 0.0458, **{"5NN-ED": 0.0418, "RF": 0.0429})) == (0.0418, False)
    near = row("1cc", "balanced_accuracy", 0.921, LOF=0.787, IForest=0.788, OCSVM=0.827)
    target, met = suite.goal(near)
    assert np.isclose(target, 0.927) and met is False  # the best detector + 0.10
    beyond = row("ad", "balanced_accuracy", 1.0, LOF=1.0, IForest=0.975, OCSVM=1.0)
    assert suite.goal(beyond) == (None, None)
    line = suite.goals_line([ncc, near, beyond, {**ncc, "nanoforge": 0.97, "ceiling": {"MiniRocket": 0.993}}])
    assert "n-class 2 of 2" in line and "AD and 1-class 0 of 2 (1 out of reach" in line
    assert "extrapolation" not in line and "n-class 0.023 below MiniRocket on average over the 1 of 2" in line


def test_the_backstop_harness_reads_a_suite_run_and_agrees_with_the_emulator(tmp_path: Path) -> None:
    """bench/backstop.py on a suite run's 1-class task: its numpy figure for the library as
    stored is the suite's, which the emulator measured (numpy is the C's arithmetic), and
    this checkout's backstop, the one that library was fitted with, gives it again."""
    data = _dataset(tmp_path / "datasets")
    work = tmp_path / "work"
    r = _suite(str(data), "--tasks", "Tiny:low/1cc", "--budget", "2", "--cores", "1", "--work", str(work), "--json")
    assert r.returncode == 0, r.stderr
    [row] = json.loads(r.stdout)["tasks"]
    r = subprocess.run([sys.executable, str(SUITE.with_name("backstop.py")), str(data), str(work), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)["Tiny:low/1cc"]
    assert got["library"] == row["library"]
    assert np.isclose(got["stored"]["ba"], row["figures"]["balanced_accuracy"])
    assert got["now"] == got["stored"]
    # 32-sample buffers kept whole: 3 % of them is one sample either way
    assert got["now"]["shift"] == 1 and got["unshifted"]["shift"] == 0
    assert set(got) == {"library", "stored", "now", "unshifted", "alone"}
