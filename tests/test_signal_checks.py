"""Every blocking and optional check finds its problem at the exact line and column."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nanoforge.engine.checks import Layout, SignalFileError, check_file, read_signals
from nanoforge.engine.projectinfo import file_counts
from nanoforge.engine.signalfile import parse

from .conftest import FIXTURES, nanoforge, smooth_rows, write_signals


def only(diags, code):
    found = [d for d in diags if d.code == code]
    assert found, f"{code} not found in {[(d.code, d.message) for d in diags]}"
    return found


def lines_of(rows: np.ndarray, sep: str = ",") -> list[str]:
    return [sep.join(f"{v:.5f}" for v in r) for r in rows]


def write(tmp_path: Path, lines: list[str], name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_clean_file_has_no_diagnostics(clean_file: Path) -> None:
    diags, pf = check_file(clean_file, Layout())
    assert diags == []
    assert pf.values.shape == (30, 64) and pf.values.dtype == np.float32


@pytest.mark.parametrize("sep", [",", ";", "\t", " "])
def test_every_separator_reads_the_same_values(tmp_path: Path, sep: str) -> None:
    rows = smooth_rows()
    p = write(tmp_path, lines_of(rows, sep))
    diags, pf = check_file(p, Layout())
    assert [d for d in diags if d.severity == "error"] == []
    np.testing.assert_array_equal(pf.values, np.round(rows, 5).astype(np.float32))


def test_header_line(tmp_path: Path) -> None:
    p = write(tmp_path, ["ax,ay,az"] + lines_of(smooth_rows()))
    d = only(check_file(p, Layout())[0], "NF101")[0]
    assert (d.line, d.column, d.severity) == (1, 1, "error")


def test_mixed_separators_points_at_the_odd_separator(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    first_comma = ls[6].index(",")
    ls[6] = ls[6][:first_comma] + ";" + ls[6][first_comma + 1 :]
    d = only(check_file(write(tmp_path, ls), Layout())[0], "NF103")[0]
    assert (d.line, d.column, d.end_column) == (7, first_comma + 1, first_comma + 2)


def test_decimal_comma(tmp_path: Path) -> None:
    ls = [ln.replace(",", ";").replace(".", ",") for ln in lines_of(smooth_rows())]
    diags = check_file(write(tmp_path, ls), Layout())[0]
    ds = only(diags, "NF104")
    assert len(ds) == 30  # one per line, not one per value
    assert ds[0].line == 1 and ds[0].column == ls[0].index(",") + 1


def test_ragged_line(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    ls[11] = ls[11].rsplit(",", 1)[0]  # one value short
    d = only(check_file(write(tmp_path, ls), Layout())[0], "NF105")[0]
    assert d.line == 12 and "63 values" in d.message and "64" in d.message


def test_extra_value_is_highlighted(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    ls[3] += ",9.5"
    d = only(check_file(write(tmp_path, ls), Layout())[0], "NF105")[0]
    assert d.line == 4 and d.column == len(ls[3]) - 2


def test_non_numeric_token(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    toks = ls[4].split(",")
    toks[5] = "12a"
    ls[4] = ",".join(toks)
    col = len(",".join(toks[:5])) + 2
    d = only(check_file(write(tmp_path, ls), Layout())[0], "NF102")[0]
    assert (d.line, d.column, d.end_column) == (5, col, col + 3)


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Inf"])
def test_nan_and_inf(tmp_path: Path, bad: str) -> None:
    ls = lines_of(smooth_rows())
    toks = ls[8].split(",")
    toks[0] = bad
    ls[8] = ",".join(toks)
    d = only(check_file(write(tmp_path, ls), Layout())[0], "NF106")[0]
    assert (d.line, d.column, d.end_column) == (9, 1, len(bad) + 1)


def test_too_few_lines(tmp_path: Path) -> None:
    diags = check_file(write(tmp_path, lines_of(smooth_rows(5))), Layout())[0]
    assert only(diags, "NF107")[0].severity == "error"


def test_fewer_than_recommended_warns(tmp_path: Path) -> None:
    diags = check_file(write(tmp_path, lines_of(smooth_rows(12))), Layout())[0]
    assert only(diags, "NF208")[0].severity == "warning"
    assert not [d for d in diags if d.severity == "error"]


def test_too_many_values_on_a_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = np.cumsum(rng.normal(size=(12, 16_385)), axis=1)
    d = only(check_file(write(tmp_path, lines_of(rows)), Layout())[0], "NF108")[0]
    assert d.severity == "error" and "16385" in d.message


def test_empty_line_and_empty_value(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    ls.insert(5, "")
    ls[9] = ls[9].replace(",", ",,", 1)
    diags = check_file(write(tmp_path, ls), Layout())[0]
    assert only(diags, "NF110")[0].line == 6
    assert only(diags, "NF115")[0].line == 10


def test_crlf_trailing_separator_and_spaces_are_accepted(tmp_path: Path) -> None:
    rows = smooth_rows()
    p = tmp_path / "w.csv"
    p.write_bytes(("\r\n".join(", ".join(f"{v:.5f}" for v in r) + "," for r in rows) + "\r\n").encode())
    diags, pf = check_file(p, Layout())
    assert [d for d in diags if d.severity == "error"] == []
    assert pf.values.shape == (30, 64)


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes("1,2,3\n".encode("utf-16"))
    assert only(check_file(p, Layout())[0], "NF100")


def test_duplicate_and_constant_signals_warn(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    ls.append(ls[2])
    ls.append(",".join(["0.25000"] * 64))
    diags = check_file(write(tmp_path, ls), Layout())[0]
    dup = only(diags, "NF202")[0]
    assert (dup.line, dup.severity) == (31, "warning") and "line 3" in dup.message
    const = only(diags, "NF203")[0]
    assert (const.line, const.severity) == (32, "warning")
    assert not [d for d in diags if d.severity == "error"]


def test_random_clipping_stuck_and_outlier_warnings(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(30, 64))
    assert only(check_file(write(tmp_path, lines_of(noise), "n.csv"), Layout())[0], "NF205")
    rows = smooth_rows()
    rows[4, 10:15] = rows.max() + 0.1  # saturates at the file's maximum
    rows[6] = np.repeat(rows[6, ::4], 4)  # sensor slower than the sampling
    diags = check_file(write(tmp_path, lines_of(rows), "c.csv"), Layout())[0]
    assert only(diags, "NF207")[0].line == 5
    assert only(diags, "NF204")[0].line == 7
    assert not [d for d in diags if d.code == "NF206"]
    rows = smooth_rows()
    rows[8] *= 1000  # a glitch
    assert [d.line for d in check_file(write(tmp_path, lines_of(rows), "o.csv"), Layout())[0]
            if d.code == "NF206"] == [9]


def test_axes_buffer_and_ram_come_from_the_layout(tmp_path: Path) -> None:
    p = write_signals(tmp_path / "a.csv", smooth_rows(n=70, length=50, axes=3))  # 150 values
    assert only(check_file(p, Layout(axes=4))[0], "NF112")
    assert only(check_file(p, Layout(axes=3, buffer=64))[0], "NF112")
    assert only(check_file(p, Layout(axes=3))[0], "NF201")[0].severity == "warning"
    assert only(check_file(p, Layout(axes=3, max_ram=256))[0], "NF113")
    # 600 bytes: fits, but leaves a library no room to work in 700 (a warning), and does in 1024
    tight = only(check_file(p, Layout(axes=3, max_ram=700))[0], "NF209")
    assert tight[0].severity == "warning" and "max_ram" in tight[0].hint
    assert not [d for d in check_file(p, Layout(axes=3, max_ram=1024))[0] if d.code in ("NF113", "NF209")]
    assert [d for d in check_file(p, Layout(axes=3))[0] if d.severity == "error"] == []


def test_real_dataset_slices_read_clean() -> None:
    for name, axes in (("gunpoint_class1.csv", 1), ("basicmotions_walking.csv", 6)):
        diags, pf = check_file(FIXTURES / name, Layout(axes=axes))
        assert [d for d in diags if d.severity == "error"] == [], name
        assert pf.width % axes == 0


def test_read_signals_raises_with_position(tmp_path: Path) -> None:
    ls = lines_of(smooth_rows())
    ls[2] = "x" + ls[2]
    with pytest.raises(SignalFileError, match=r"s\.csv:3:1: NF102"):
        read_signals(write(tmp_path, ls), Layout())


def test_a_bad_line_does_not_hide_the_rest(tmp_path: Path) -> None:
    rows = smooth_rows()
    ls = lines_of(rows)
    ls[0] = "oops" + ls[0]
    pf = parse(write(tmp_path, ls))
    assert pf.values.shape == (29, 64)
    assert list(pf.line_numbers[:2]) == [2, 3]


def test_a_line_of_whole_numbers_then_a_word_is_read_in_linear_time(tmp_path: Path) -> None:
    """Each number has one reading, so a bad line costs one pass: with `\\d+\\.?\\d*`, 40
    whole numbers then a word made the line regex try 2^40 splits and froze the daemon.
    Run in a child with a timeout far above the linear cost, so a regression fails
    instead of hanging the test run."""
    f = tmp_path / "r.csv"
    f.write_text("\n".join(" ".join(["123"] * 40) + " x" for _ in range(12)) + "\n")
    code = ("import sys; from nanoforge.engine.checks import Layout, check_file; "
            "print(len(check_file(sys.argv[1], Layout(axes=1))[0]))")
    r = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and int(r.stdout) >= 12, r.stderr


def test_special_files_are_refused_before_they_are_opened_for_reading(tmp_path: Path) -> None:
    """A FIFO named *.csv blocked a check worker forever (two of them blocked every later
    check); a symlink loop gave a traceback. Both are diagnostics now, on the file."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    loop_a, loop_b = tmp_path / "a.csv", tmp_path / "b.csv"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    for f, words in ((fifo, "FIFO"), (loop_a, "symbolic links"), (tmp_path, "folder")):
        diags = check_file(f, Layout(axes=1))[0]
        assert [d.code for d in diags] == ["NF100"] and words in diags[0].message, diags
    assert file_counts(fifo) is None


def test_a_fifo_in_a_project_does_not_stop_later_checks(tmp_path: Path) -> None:
    root = tmp_path / "p"
    assert nanoforge("new", str(root), "--type", "ncc").returncode == 0
    for name in ("x.csv", "y.csv"):
        os.mkfifo(root / "signals" / name)
    for name in ("x.csv", "y.csv"):
        r = nanoforge("check", str(root / "signals" / name))
        assert r.returncode == 1 and "NF100" in r.stdout, r.stdout + r.stderr
    clean = write_signals(tmp_path / "clean.csv", smooth_rows())
    assert nanoforge("check", str(clean)).returncode == 0


def test_digits_other_than_ascii_are_not_numbers(tmp_path: Path) -> None:
    """Python's \\d takes fullwidth and other scripts' digits; a C parser on the device
    never would, so the file would check clean and fail on the board."""
    f = tmp_path / "wide.csv"
    f.write_text("\n".join(["1.0,2.0"] * 12 + ["\uff11.5,2.0", "1.0,\u0663"]) + "\n", encoding="utf-8")
    errors = [(d.code, d.line) for d in check_file(f, Layout(axes=1))[0] if d.severity == "error"]
    assert errors == [("NF102", 13), ("NF102", 14)]
