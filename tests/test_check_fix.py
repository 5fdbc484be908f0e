"""`nanoforge check --fix` as a user runs it: fixed copies beside the originals (the
user's file untouched), `-o DIR`, `--in-place`, and what is left to fix by hand."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from .conftest import nanoforge, smooth_rows


def broken(path: Path, extra: str = "") -> tuple[Path, str]:
    """A file with a header, an empty line, decimal commas and a stray separator."""
    lines = [";".join(f"{v:.4f}" for v in r) for r in smooth_rows()]
    clean = "\n".join(lines) + "\n"
    lines[2] = lines[2].replace(".", ",")
    lines[5] = lines[5].replace(";", " ", 1)
    path.write_text("t;x\n" + "\n".join(lines[:8] + [""] + lines[8:]) + "\n" + extra)
    return path, clean


def test_fix_writes_a_fixed_copy_and_leaves_the_original(tmp_path: Path) -> None:
    src, clean = broken(tmp_path / "bad.csv")
    before = src.read_bytes()
    r = nanoforge("check", "bad.csv", "--fix", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "fixed bad.csv → bad_fixed.csv (NF101 ×1, NF103 ×1, NF104 ×1, NF110 ×1)\n"
    assert src.read_bytes() == before
    assert (tmp_path / "bad_fixed.csv").read_text() == clean
    assert nanoforge("check", str(tmp_path / "bad_fixed.csv")).returncode == 0


def test_what_cannot_be_fixed_is_kept_and_reported_in_the_copy(tmp_path: Path) -> None:
    src, _ = broken(tmp_path / "bad.csv", extra="1.0;abc;2.0\n")
    r = nanoforge("check", "bad.csv", "--fix", "--json", cwd=tmp_path)
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["files"] == [{"source": "bad.csv", "path": "bad_fixed.csv",
                             "fixes": {"NF101": 1, "NF103": 1, "NF104": 1, "NF110": 1}}]
    assert {(d["path"], d["code"]) for d in out["diagnostics"]} >= {("bad_fixed.csv", "NF102")}
    assert (tmp_path / "bad_fixed.csv").read_text().endswith("1.0;abc;2.0\n")


def test_output_folder_and_in_place(tmp_path: Path) -> None:
    src, clean = broken(tmp_path / "bad.csv")
    r = nanoforge("check", str(src), "--fix", "-o", str(tmp_path / "out"), "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["files"][0]["path"].endswith("out/bad_fixed.csv")
    assert (tmp_path / "out" / "bad_fixed.csv").read_text() == clean
    os.chmod(src, 0o640)
    r = nanoforge("check", "bad.csv", "--fix", "--in-place", cwd=tmp_path)
    assert r.returncode == 0 and "fixed bad.csv in place" in r.stdout
    assert src.read_text() == clean and stat.S_IMODE(src.stat().st_mode) == 0o640
    again = nanoforge("check", "bad.csv", "--fix", "--in-place", "--json", cwd=tmp_path)
    assert json.loads(again.stdout) == {"files": [], "diagnostics": []}  # fixing twice is fixing once


def test_fix_usage_errors_exit_2(tmp_path: Path) -> None:
    src, _ = broken(tmp_path / "bad.csv")
    assert nanoforge("check", str(src), "--in-place").returncode == 2
    assert nanoforge("check", str(src), "-o", str(tmp_path)).returncode == 2
    r = nanoforge("check", str(src), "--fix", "--in-place", "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "in_place or out_dir" in r.stderr
    assert nanoforge("check", str(tmp_path / "missing.csv"), "--fix").returncode == 2


def test_fix_a_project_folder(tmp_path: Path) -> None:
    proj = tmp_path / "fan"
    assert nanoforge("new", str(proj), "--type", "ncc", "--axes", "1", "--buffer", "64").returncode == 0
    sig = proj / "signals"
    sig.mkdir(exist_ok=True)
    broken(sig / "a.csv")
    (sig / "b.csv").write_text("\n".join(",".join(f"{v:.4f}" for v in r) for r in smooth_rows(seed=2)) + "\n")
    toml = proj / "nanoforge.toml"
    toml.write_text(toml.read_text().replace("buffer = 64", "bufer = 64") + '\n[[signals]]\nclass = "a"\n'
                    'file = "signals/a.csv"\n\n[[signals]]\nclass = "b"\nfile = "signals/b.csv"\n')
    r = nanoforge("check", str(proj), "--fix", "--in-place", "--json")
    out = json.loads(r.stdout)
    assert sorted(Path(f["path"]).name for f in out["files"]) == ["a.csv", "nanoforge.toml"]
    assert "buffer = 64" in toml.read_text()
    assert nanoforge("check", str(proj)).returncode == 0, nanoforge("check", str(proj)).stdout
