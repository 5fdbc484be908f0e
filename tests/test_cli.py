"""The CLI as a user runs it: a real process talking to the real daemon."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from nanoforge.daemon import paths

from .conftest import EXAMPLE, nanoforge, small_ncc_benchmark, smooth_rows, write_signals


def test_clean_file_is_silent(clean_file: Path) -> None:
    r = nanoforge("check", str(clean_file))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_errors_are_linter_lines_and_exit_1(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    rows = smooth_rows()
    lines = [",".join(f"{v:.4f}" for v in r) for r in rows]
    lines[2] = lines[2].replace(",", ";", 1)
    p.write_text("time,x\n" + "\n".join(lines) + "\n")
    r = nanoforge("check", "bad.csv", cwd=tmp_path)
    assert r.returncode == 1
    first = r.stdout.splitlines()[0]
    assert first.startswith("bad.csv:1:1: error NF101 ")
    assert any(ln.startswith("bad.csv:4:") and " error NF103 " in ln for ln in r.stdout.splitlines())


def test_json_output(tmp_path: Path) -> None:
    p = tmp_path / "w.csv"
    rows = smooth_rows()
    p.write_text("\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n" + "1,2\n")
    r = nanoforge("check", "--json", str(p))
    out = json.loads(r.stdout)
    assert r.returncode == 1
    assert set(out[0]) == {"path", "line", "column", "end_line", "end_column", "severity", "code", "message", "hint"}
    assert out[0]["line"] == 31 and out[0]["code"] == "NF105"


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert nanoforge("check").returncode == 2
    r = nanoforge("check", str(tmp_path / "missing.csv"))
    assert r.returncode == 2 and "missing.csv" in r.stderr


def test_axes_flag(tmp_path: Path) -> None:
    p = write_signals(tmp_path / "a.csv", smooth_rows(n=70, length=64, axes=3))
    assert nanoforge("check", str(p), "--axes", "3").returncode == 0
    r = nanoforge("check", str(p), "--axes", "5")
    assert r.returncode == 1 and "NF112" in r.stdout


def test_new_add_check_project(tmp_path: Path) -> None:
    proj = tmp_path / "fan"
    assert nanoforge("new", str(proj), "--type", "ncc", "--axes", "1", "--buffer", "64", "--hz", "100").returncode == 0
    a = write_signals(proj / "signals" / "a.csv", smooth_rows(seed=1))
    b = write_signals(proj / "signals" / "b.csv", smooth_rows(seed=2))
    assert nanoforge("signals", "add", str(proj), "--class", "a", str(a)).returncode == 0
    r = nanoforge("check", str(proj))
    assert r.returncode == 1 and "NF305" in r.stdout  # one class is not a classification
    assert nanoforge("signals", "add", str(proj), "--class", "b", str(b)).returncode == 0
    assert nanoforge("check", str(proj)).returncode == 0
    r = nanoforge("signals", "add", str(proj), "--nominal", str(a))
    assert r.returncode == 1 and "--class NAME FILE" in r.stderr
    r = nanoforge("new", str(proj), "--type", "ncc")
    assert r.returncode == 1 and "already exists" in r.stderr


def test_example_project_is_clean() -> None:
    r = nanoforge("check", str(EXAMPLE))
    assert (r.returncode, r.stdout) == (0, "")


def test_summary_and_data_tools(tmp_path: Path) -> None:
    p = write_signals(tmp_path / "s.csv", smooth_rows())
    before = p.read_bytes()
    s = json.loads(nanoforge("signals", "summary", str(p), "--json").stdout)
    assert s["signals"] == 30 and len(s["raw"][0]["std"]) == 64
    r = nanoforge("data", "extract", str(p), "--lines", "1-5")
    assert r.returncode == 0 and Path(tmp_path / "s_extract.csv").read_text().count("\n") == 5
    assert nanoforge("data", "remove-columns", str(p), "--columns", "1,3-10").returncode == 0
    assert nanoforge("data", "reshape", str(p), "--columns", "32").returncode == 0
    assert nanoforge("data", "shuffle", str(p), "--seed", "1").returncode == 0
    assert nanoforge("data", "concat", str(p), str(tmp_path / "s_extract.csv")).returncode == 0
    r = nanoforge("data", "extract", str(p), "--lines", "40")
    assert r.returncode == 1 and "outside 1…30" in r.stderr
    assert p.read_bytes() == before


def test_daemon_is_private_and_reports_status() -> None:
    r = nanoforge("daemon", "status", "--json")
    st = json.loads(r.stdout)
    assert st["running"] and st["pid"] > 0
    home = paths.home()
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(paths.socket_path()).st_mode) == 0o600


def test_new_takes_the_types_the_daemon_lists(tmp_path: Path) -> None:
    kinds = json.loads(nanoforge("types", "--json").stdout)
    assert [t["name"] for t in kinds] == ["ad", "1cc", "ncc", "ext"]
    assert all(t["title"] and t["roles"] and t["usage"] for t in kinds)
    r = nanoforge("new", str(tmp_path / "p"), "--type", "ncx")
    assert r.returncode == 2 and "unknown project type 'ncx'" in r.stderr
    assert all(f"{t['name']} ({t['title']})" in r.stderr for t in kinds)
    assert not (tmp_path / "p").exists()


def test_a_zero_budget_or_zero_cores_is_refused_not_replaced(tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert nanoforge("new", str(root), "--type", "ncc").returncode == 0
    for flag in (["--time-budget", "0"], ["--cores", "0"], ["--cores", "two"]):
        r = nanoforge("bench", "start", str(root), *flag)
        assert r.returncode == 2 and flag[0] in r.stderr, r.stderr
    assert not (root / ".nanoforge" / "benchmarks").exists()


def test_a_failed_benchmark_says_what_is_wrong_in_the_users_words(tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert nanoforge("new", str(root), "--type", "ncc", "--axes", "1", "--buffer", "64").returncode == 0
    data = tmp_path / "data"
    data.mkdir()
    for cls in ("a", "b"):
        write_signals(data / f"{cls}.csv", smooth_rows(seed=ord(cls)))
        assert nanoforge("signals", "add", str(root), "--class", cls, str(data / f"{cls}.csv")).returncode == 0
    toml = root / "nanoforge.toml"
    toml.write_text(toml.read_text().replace(f'"{data}/b.csv"', f'"{root}/signals/../../data/b.csv"'))
    (data / "b.csv").write_text("1.0,x\n" * 30)  # broken after it was added
    r = nanoforge("bench", "start", str(root), "--time-budget", "30", "--cores", "1", "--wait", "--json")
    st = json.loads(r.stdout)
    assert st["state"] == "failed", st
    assert st["error"].startswith(f"{data / 'b.csv'}:1:") and "Error:" not in st["error"], st["error"]


def test_a_benchmark_that_finds_nothing_within_the_budget_says_why_and_exits_1(tmp_path: Path) -> None:
    """A buffer that alone fills max_ram passes NF113, yet leaves no library room to work:
    the benchmark must not end as if it had simply not been started."""
    root = tmp_path / "p"
    assert nanoforge("new", str(root), "--type", "ncc", "--axes", "1", "--buffer", "64").returncode == 0
    for cls in ("a", "b"):
        write_signals(tmp_path / f"{cls}.csv", smooth_rows(seed=ord(cls)))
        assert nanoforge("signals", "add", str(root), "--class", cls, str(tmp_path / f"{cls}.csv")).returncode == 0
    toml = root / "nanoforge.toml"
    toml.write_text(toml.read_text().replace("max_ram = 16384", "max_ram = 256"))  # 64 floats: the buffer
    assert nanoforge("check", str(root)).returncode == 0
    r = nanoforge("bench", "start", str(root), "--time-budget", "5", "--cores", "1", "--wait", "--json")
    st = json.loads(r.stdout)
    assert r.returncode == 1 and st["state"] == "failed" and st["best"] is None, st
    assert st["error"].startswith("no candidate fits the budget: the leanest of "), st["error"]
    assert "(max_ram 256)" in st["error"] and "raise max_ram" in st["error"], st["error"]


def test_a_damaged_state_file_does_not_hide_the_best_library(tmp_path: Path) -> None:
    root = small_ncc_benchmark(tmp_path)
    r = nanoforge("bench", "status", str(root), "--json")
    assert json.loads(r.stdout)["best"]
    r = nanoforge("deploy", str(root), "--dir", str(tmp_path / "fw"), "--json")
    best = json.loads(r.stdout)["neai_id"]
    state = next((root / ".nanoforge" / "benchmarks").iterdir()) / "state.json"
    for damage in ("{\"best\": ", "[]", ""):
        state.write_text(damage)
        r = nanoforge("emulate", str(root), "--file", str(tmp_path / "a.csv"), "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["results"]
        r = nanoforge("deploy", str(root), "--dir", str(tmp_path / "fw"), "--json")
        assert r.returncode == 0 and json.loads(r.stdout)["neai_id"] == best, r.stderr


def test_one_id_everywhere_candidates_deploy_header_and_metadata(tmp_path: Path) -> None:
    """The candidate list said 9f9d96e8a8 and the deployed library NEAI_ID "226a62ab31be"
    for the same library: now the candidate's id is the library's id in every place."""
    log = Path(os.environ["NANOFORGE_HOME"]) / "daemon.log"
    seen = log.stat().st_size if log.exists() else 0
    root = small_ncc_benchmark(tmp_path)
    with log.open("rb") as f:  # the CLI's session sends no `initialize`: its progress is not an error
        f.seek(seen)
        assert b"progress listener failed" not in f.read()
    r = nanoforge("bench", "status", str(root), "--json")
    best = json.loads(r.stdout)["best"]["library"]
    listed = json.loads(nanoforge("bench", "candidates", str(root), "--json").stdout)["candidates"]
    assert listed[0]["library"] == best
    other = listed[-1]["library"]
    for key in (None, other):
        fw = tmp_path / f"fw-{key}"
        r = nanoforge("deploy", str(root), "--dir", str(fw), *(["--library", key] if key else []), "--json")
        assert r.returncode == 0, r.stderr
        want = key or best
        assert json.loads(r.stdout)["neai_id"] == want
        assert f'#define NEAI_ID "{want}"' in (fw / "NanoEdgeAI.h").read_text()
        assert json.loads((fw / "metadata.json").read_text())["neai_id"] == want
