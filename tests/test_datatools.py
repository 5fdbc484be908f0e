"""Data manipulation writes new files, moves values as text, never touches the source."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nanoforge.engine import datatools as dt


@pytest.fixture
def src(tmp_path: Path) -> Path:
    p = tmp_path / "s.csv"
    p.write_text("".join(f"{i}.10,{i}.20,{i}.30,{i}.40\n" for i in range(1, 7)))
    return p


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_every_action_leaves_the_source_alone(src: Path) -> None:
    before = digest(src)
    e = dt.extract(src, "2-3,6")
    assert e.name == "s_extract.csv" and e.read_text().splitlines() == ["2.10,2.20,2.30,2.40", "3.10,3.20,3.30,3.40",
                                                                          "6.10,6.20,6.30,6.40"]
    r = dt.remove_columns(src, "1,3-4")
    assert r.read_text().splitlines()[0] == "1.20"
    s = dt.reshape(src, 8)
    assert s.read_text().splitlines()[0] == "1.10,1.20,1.30,1.40,2.10,2.20,2.30,2.40"
    sh1, sh2 = dt.shuffle(src, seed=3), dt.shuffle(src, seed=3)
    assert sh1.read_text() == sh2.read_text() and sorted(sh1.read_text().splitlines()) == src.read_text().splitlines()
    assert sh2.name == "s_shuffle_2.csv"  # never overwrites an earlier result
    c = dt.concat([src, e])
    assert len(c.read_text().splitlines()) == 9
    assert digest(src) == before


def test_reshape_reports_what_it_drops(src: Path) -> None:
    assert dt.dropped_by_reshape(src, 5) == 4
    assert len(dt.reshape(src, 5).read_text().splitlines()) == 4


@pytest.mark.parametrize("spec,msg", [("0", "outside"), ("3-1", "backwards"), ("a", "not a line"), ("", "no line")])
def test_bad_ranges_say_how_to_fix(src: Path, spec: str, msg: str) -> None:
    with pytest.raises(dt.DataToolError, match=msg):
        dt.extract(src, spec)


def test_concat_refuses_different_widths(src: Path, tmp_path: Path) -> None:
    other = tmp_path / "o.csv"
    other.write_text("1,2\n")
    with pytest.raises(dt.DataToolError, match="one width"):
        dt.concat([src, other])
