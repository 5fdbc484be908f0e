"""The C scanner for clean signal files against the Python reference: same values bit for
bit, the same grammar as the line scanner, the same diagnostics with or without it."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoforge.engine import fastparse, signalfile
from nanoforge.engine.checks import Layout, check_file

pytestmark = pytest.mark.skipif(fastparse.load() is None, reason="no host C compiler")

WIDE = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-3e38, max_value=3e38)
# Halfway between two float32s: a decimal read to a double that is off by one unit rounds
# to the wrong float32 here half of the time, so these catch an inexact reader.
HALFWAY = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-2.0**100, max_value=2.0**100).map(
    lambda f: (float(f) + float(np.nextafter(np.float32(f), np.float32(np.inf)))) / 2)
FLOATS = st.one_of(WIDE, HALFWAY)


def _spell(x: float, how: int) -> str:
    """The ways loggers and printf write numbers."""
    forms = [repr(x), f"{x:.3f}", f"{x:.9e}", f"{x:.17g}", f"{x:+.6E}", f"{x:.0f}", f"{x:.25f}"]
    s = forms[how % len(forms)]
    if how >= len(forms) and s.startswith("0."):
        s = s[1:]  # ".5"
    return s


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(FLOATS, st.integers(0, 13)), min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from([",", ";", "\t", " "]), st.booleans())
def test_values_are_numpys_bit_for_bit(rows: list[list[tuple[float, int]]], sep: str, crlf: bool) -> None:
    lines = [sep.join(_spell(x, how) for x, how in row) + ("\r" if crlf else "") for row in rows]
    got = fastparse.parse("\n".join(lines).encode() + b"\n", sep, 3)
    assert got is not None
    values, bad = got
    ref = np.array([[np.float32(float(_spell(x, how))) for x, how in row] for row in rows], np.float32)
    assert not bad.any()
    assert np.array_equal(values.view(np.uint32), ref.view(np.uint32))


TOKEN = st.sampled_from(["1", "-2.5", "+.5", "3.", "1e5", "1E-3", "7e", ".", "-", "nan", "inf", "1e39", "0x10",
                         "1,5", "", " ", "  ", "12345678901234567890.5", "1e-50", "a"])


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKEN, min_size=0, max_size=5), st.sampled_from([",", ";", "\t", " "]),
       st.sampled_from(["", ",", ";", " ", "\t", "\r", " \r"]), st.integers(1, 4))
def test_grammar_is_the_line_scanners(tokens: list[str], sep: str, tail: str, width: int) -> None:
    line = sep.join(tokens) + tail
    got = fastparse.parse(line.encode() + b"\nX\n", sep, width)  # a bad second line keeps the first one a line
    assert got is not None
    values, bad = got
    body = line.rstrip(" \r")
    body = body[: -len(sep)] if sep != " " and body.endswith(sep) else body
    n = len(body.split()) if sep == " " else body.count(sep) + 1
    ok = bool(signalfile._line_re(sep).fullmatch(line)) and n == width
    if ok:
        parts = body.split() if sep == " " else body.split(sep)
        with np.errstate(over="ignore"):
            ref = np.array([float(t) for t in parts], np.float64).astype(np.float32)
        ok = bool(np.isfinite(ref).all())
    assert (not bad[0]) == ok, repr(line)
    if ok:
        assert np.array_equal(values[0], ref)


def _without_scanner(monkeypatch: pytest.MonkeyPatch, path: Path) -> signalfile.ParsedFile:
    monkeypatch.setattr(fastparse, "parse", lambda *a, **k: None)
    try:
        return signalfile.parse(path)
    finally:
        monkeypatch.undo()


BROKEN = [
    "1,2,3\n4,5,6\n7;8,9\n10,11,12\n",  # mixed separator
    "a,b,c\n1,2,3\n4,5,6\n",  # header
    "1,2,3\n\n4,5,6\n7,8,9\n\n\n",  # empty line, blank lines at the end
    "1,2,3\n4,5\n6,7,8\n9,10,11,12\n",  # ragged both ways
    "1,2\n3,4,5\n6,7,8\n9,10,11\n",  # the first line is the odd one
    "1,2,3\n4,1e39,6\n7,nan,9\n1,2,3",  # overflow, not finite, no final newline
    "1;2;3\n4;5,5;6\n",  # decimal comma
    "1 2 3\r\n4  5 6 \r\n7\t8 9\r\n",  # tab in a space-separated file
    "1,2,3\n4,5,6\n\u00e9,7,8\n",  # non-ASCII
    ",".join(["0"] * 9000) + "\n" + ",".join(["1"] * 9000) + "\n" + "1,2\n" * 4000,  # wide head, narrow rest
]


@pytest.mark.parametrize("text", BROKEN, ids=range(len(BROKEN)))
def test_broken_files_read_the_same_with_or_without_the_scanner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode())
    fast = signalfile.parse(path)
    slow = _without_scanner(monkeypatch, path)
    assert fast.diagnostics == slow.diagnostics
    assert np.array_equal(fast.line_numbers, slow.line_numbers)
    assert np.array_equal(fast.values, slow.values)
    assert fast.line_count == slow.line_count


def test_warnings_on_a_large_file_match_the_reference(tmp_path: Path) -> None:
    """The block-wise, two-thread statistics find the same duplicate, constant, stuck,
    clipped and outlier lines as a whole-array computation would."""
    rng = np.random.default_rng(3)
    t = np.arange(64)
    x = np.sin(t[None, :, None] * rng.uniform(0.05, 0.3, (3000, 1, 2))) + rng.normal(0, 0.05, (3000, 64, 2))
    x = np.clip(x, -1.0, 1.0)  # clipping on many lines, on both axes
    x[1700] = x[12]  # duplicate across the two threads' halves
    x[2999, :, 1] = 0.5  # constant axis in the last line
    x[2500, :, 0] = np.repeat(x[2500, ::4, 0], 4)  # stuck
    x[40] *= 0.01  # energy outlier (a quiet one: a loud one would move the extremes)
    path = tmp_path / "big.csv"
    path.write_text("\n".join(",".join(f"{v:.4f}" for v in row) for row in x.reshape(3000, -1)) + "\n")
    diags, pf = check_file(path, Layout(axes=2))
    got = {(d.code, d.line) for d in diags}
    assert ("NF202", 1701) in got and ("NF203", 3000) in got and ("NF204", 2501) in got and ("NF206", 41) in got
    v = pf.values.reshape(3000, 64, 2)
    vmax, vmin = v.max(axis=(0, 1)), v.min(axis=(0, 1))
    at_max, at_min = v == vmax, v == vmin
    runs = (at_max[:, 2:] & at_max[:, 1:-1] & at_max[:, :-2]) | (at_min[:, 2:] & at_min[:, 1:-1] & at_min[:, :-2])
    ref = [(int(r) + 1, f"axis {a + 1} ") for r, a in np.argwhere(runs.any(axis=1))]
    clipped = [d for d in diags if d.code == "NF207"]
    assert len(ref) > 100  # more than MAX_PER_CODE: the cap and the order matter
    assert [(d.line, d.message[:7]) for d in clipped] == ref[: len(clipped)]
    assert "more like this not shown" in clipped[-1].message


def test_no_scanner_still_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.csv"
    path.write_text("1,2,3\n4,5,6\n")
    pf = _without_scanner(monkeypatch, path)
    assert pf.values.tolist() == [[1, 2, 3], [4, 5, 6]] and not pf.diagnostics


def test_compiled_scanner_is_cached_by_source() -> None:
    assert re.fullmatch(r"fastparse-[0-9a-f]{16}\.so", Path(fastparse.load()._name).name)  # type: ignore[union-attr]
