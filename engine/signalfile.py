"""Reading signal files: one signal example (or one multi-sensor sample) per line.

Two paths share one result. Clean files, the common case and the large one, go through
numpy's C parser in one call. Anything it refuses goes through a line-by-line scanner
that knows *where* each problem is (line, column, token) so that the user can fix it.
Both paths return the rows that are usable, so that later checks still run on a file
with a few bad lines.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import fastparse
from .diagnostics import Diagnostic, make

MAX_FILE_BYTES = 1 << 30
MAX_VALUES_PER_LINE = 16_384
MAX_LINES = 100_000
# Beyond this many diagnostics of one code in one file, more add noise, not information.
MAX_PER_CODE = 100

_NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # one way to read each number: no backtracking blow-up
_NUM_RE = re.compile(_NUM)
_DECIMAL_COMMA_RE = re.compile(r"[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?")
_NONFINITE_RE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "space"}


def _line_re(sep: str) -> re.Pattern[str]:
    """A whole valid line: numbers joined by `sep`, spaces allowed around them, one
    trailing separator tolerated (printf loops write it)."""
    if sep == " ":
        return re.compile(rf" *{_NUM}(?: +{_NUM})* *\r?")
    s = re.escape(sep)
    return re.compile(rf" *{_NUM} *(?:{s} *{_NUM} *)*(?:{s} *)?\r?")


@dataclass
class ParsedFile:
    """What a signal file holds once read: usable rows and where they came from."""

    path: str
    values: np.ndarray  # float32, (rows, width)
    line_numbers: np.ndarray  # 1-based line number of each row
    separator: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    line_count: int = 0
    _line_lengths: dict[int, int] = field(default_factory=dict)
    _data: bytes = b""

    @property
    def width(self) -> int:
        return int(self.values.shape[1]) if self.values.ndim == 2 else 0

    def line_length(self, line: int) -> int:
        """Character length of a line, found lazily: only lines that get a diagnostic
        need it, and the fast path never splits the file into lines."""
        return self.line_lengths([line])[line]

    def line_lengths(self, lines: list[int]) -> dict[int, int]:
        """Lengths for many lines in one pass over the data."""
        wanted = sorted(set(lines) - set(self._line_lengths))
        if wanted:
            starts = np.concatenate(([0], np.flatnonzero(np.frombuffer(self._data, np.uint8) == 10) + 1))
            for ln in wanted:
                if ln - 1 < len(starts):
                    s = int(starts[ln - 1])
                    e = self._data.find(b"\n", s)
                    chunk = self._data[s : None if e < 0 else e]
                    self._line_lengths[ln] = len(chunk.rstrip(b"\r").decode("utf-8", "replace"))
                else:
                    self._line_lengths[ln] = 1
        return {ln: self._line_lengths.get(ln, 1) for ln in lines}


class _Collector:
    """Keeps at most MAX_PER_CODE diagnostics per code and says how many it dropped."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self.counts: dict[str, int] = {}

    def add(self, d: Diagnostic) -> None:
        n = self.counts.get(d.code, 0) + 1
        self.counts[d.code] = n
        if n <= MAX_PER_CODE:
            self.items.append(d)

    def result(self) -> list[Diagnostic]:
        out = list(self.items)
        for code, n in self.counts.items():
            if n > MAX_PER_CODE:
                idx = max(i for i, d in enumerate(out) if d.code == code)
                d = out[idx]
                out[idx] = make(
                    d.path, d.code,
                    f"{d.message} ({n - MAX_PER_CODE} more like this not shown)", d.hint,
                    d.line, d.column, d.end_column, d.end_line,
                )
        return out


def detect_separator(lines: list[str]) -> tuple[str, bool]:
    """The file's separator and whether commas in it are decimal commas.

    Decided by the majority of lines, so that one odd line is reported as mixed
    separators rather than turning the whole file into errors.
    """
    sample = [ln for ln in lines[:200] if ln.strip()]
    counts = {c: sum(1 for ln in sample if c in ln) for c in (";", "\t", ",")}
    best = max(counts.values(), default=0)
    if best == 0:
        return " ", False
    sep = next(c for c in (";", "\t", ",") if counts[c] == best)
    if sep == "," and sample:
        # "1,5 2,3": commas inside numbers, spaces between them.
        dec = sum(1 for ln in sample if _DECIMAL_COMMA_RE.search(ln))
        spaced = sum(1 for ln in sample if re.search(r"[0-9],[0-9]+ +[+-]?[0-9]", ln))
        if spaced * 2 > len(sample) and dec * 2 > len(sample) and not any(", " in ln for ln in sample):
            return " ", True
    decimal_comma = sep != "," and counts[","] * 2 > len(sample)
    return sep, decimal_comma


def _tokens(line: str, sep: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each value, 0-based, end exclusive, spaces trimmed."""
    out: list[tuple[int, int, str]] = []
    if sep == " ":
        for m in re.finditer(r"[^ \r]+", line):
            out.append((m.start(), m.end(), m.group()))
        return out
    start = 0
    for part in line.split(sep):
        end = start + len(part)
        stripped = part.strip(" \r")
        lead = len(part) - len(part.lstrip(" \r"))
        out.append((start + lead, start + lead + len(stripped), stripped))
        start = end + len(sep)
    if len(out) > 1 and out[-1][2] == "":
        out.pop()  # one trailing separator is tolerated
    return out


def _diagnose_line(
    path: str, lineno: int, line: str, sep: str, out: _Collector
) -> None:
    """Says exactly what is wrong with a line the strict grammar refused. A decimal
    comma is reported once per line (with a count): the fix is one replace-all."""
    toks = _tokens(line, sep)
    commas = [t for t in toks if sep != "," and _DECIMAL_COMMA_RE.fullmatch(t[2])]
    if commas:
        start, _, tok = commas[0]
        at = start + 1 + tok.index(",")
        more = f" ({len(commas) - 1} more on this line)" if len(commas) > 1 else ""
        out.add(make(path, "NF104", f"decimal comma in '{tok}'{more}",
                     f"use a decimal point: '{tok.replace(',', '.')}'; replace every ',' with '.'",
                     lineno, at, at + 1))
    for start, end, tok in toks:
        col, endcol = start + 1, max(end, start + 1) + 1
        if tok == "":
            out.add(make(path, "NF115", "empty value between two separators",
                         "put a number here or remove the extra separator", lineno, col, col + 1))
        elif _NUM_RE.fullmatch(tok):
            continue
        elif _NONFINITE_RE.fullmatch(tok):
            out.add(make(path, "NF106", f"'{tok}' is not a finite number",
                         "remove this signal or fix the sensor reading; every value must be finite",
                         lineno, col, endcol))
        elif sep != "," and _DECIMAL_COMMA_RE.fullmatch(tok):
            continue
        else:
            others = [c for c in (",", ";", "\t", " ") if c != sep and c in tok]
            if others and all(_NUM_RE.fullmatch(p.strip()) for p in re.split(r"[,;\t ]+", tok) if p.strip()):
                c = others[0]
                at = col + tok.index(c)
                out.add(make(path, "NF103",
                             f"{_SEP_NAMES[c]} used as a separator in a {_SEP_NAMES[sep]}-separated file",
                             f"use {_SEP_NAMES[sep]} ('{sep}') between all values",
                             lineno, at, at + 1))
            else:
                shown = tok if len(tok) <= 40 else tok[:37] + "..."
                out.add(make(path, "NF102", f"'{shown}' is not a number",
                             "only numbers with a decimal point are allowed, e.g. -0.25 or 1.5e-3",
                             lineno, col, endcol))


def _is_header(line: str, sep: str) -> bool:
    toks = [t for _, _, t in _tokens(line, sep) if t]
    if not toks:
        return False
    wordy = sum(1 for t in toks if re.search(r"[A-Za-z_]", t) and not _NONFINITE_RE.fullmatch(t))
    return wordy * 2 >= len(toks)


def _fast_parse(text_bytes: bytes, sep: str) -> np.ndarray | None:
    """numpy's C parser on the whole file; None when it refuses anything. A blank input
    is simply no rows (the caller counts them), not a warning for the user's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            arr = np.loadtxt(
                io.BytesIO(text_bytes),
                delimiter=None if sep == " " else sep,
                dtype=np.float32,
                comments=None,
                ndmin=2,
            )
        except (ValueError, OverflowError):
            return None
    return arr


class NotRegularFile(OSError):
    """A FIFO, socket, device or folder where a signal file was expected."""


class FileTooBig(OSError):
    """A file over MAX_FILE_BYTES: reading it whole would only exhaust memory."""


_SPECIAL = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def read_regular(p: Path) -> bytes:
    """The bytes of `p` when it is a regular file of at most MAX_FILE_BYTES. Opened without
    blocking and checked on the open descriptor, so a FIFO (or a file swapped for one after
    a check) can never hold a reader forever; a symlink loop is an OSError like any other."""
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(next((what for test, what in _SPECIAL if test(st.st_mode)), "a special file"))
        if st.st_size > MAX_FILE_BYTES:
            raise FileTooBig(st.st_size)
        with open(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def parse(path: str | Path, data: bytes | None = None, label: str | None = None) -> ParsedFile:
    """Reads a signal file, collecting every format problem with its exact position.

    `data` lets the daemon check an editor buffer that is not saved yet.
    """
    p = Path(path)
    label = label or str(path)
    out = _Collector()
    empty = np.zeros((0, 0), np.float32)
    if data is None:
        try:
            data = read_regular(p)
        except NotRegularFile as e:
            out.add(make(label, "NF100", f"this is not a regular file but {e}",
                         "point the project at the recorded .csv/.txt file itself"))
            return ParsedFile(label, empty, np.zeros(0, np.int64), ",", out.result())
        except FileTooBig as e:
            size = e.args[0]
            out.add(make(label, "NF114", f"file is {size / 2**20:.0f} MiB; the limit is {MAX_FILE_BYTES >> 20} MiB",
                         "split it into several files or keep fewer signals"))
            return ParsedFile(label, empty, np.zeros(0, np.int64), ",", out.result())
        except OSError as e:
            out.add(make(label, "NF100", f"cannot read the file: {e.strerror or e}",
                         "check that the file exists and that you may read it"))
            return ParsedFile(label, empty, np.zeros(0, np.int64), ",", out.result())
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _is_binary(data):
        out.add(make(label, "NF100", "this is a binary file, or text in UTF-16",
                     "save the signals as plain text (ASCII or UTF-8), one signal per line"))
        return ParsedFile(label, empty, np.zeros(0, np.int64), ",", out.result(), _data=data)
    if _blank(data):
        out.add(make(label, "NF111", "the file holds no signal",
                     "record signals into it: one signal example per line"))
        return ParsedFile(label, empty, np.zeros(0, np.int64), ",", out.result(), _data=data)

    head = data[: 1 << 16].decode("utf-8", "replace").split("\n")
    if len(data) > 1 << 16 and len(head) > 1:
        head = head[:-1]  # cut at the limit: the last line is partial
    sep, decimal_comma = detect_separator(head)

    fast: _Fast | None = None
    if not decimal_comma:
        width = _usual_width(head, sep)
        got = fastparse.parse(data, sep, width)
        clean: np.ndarray | None = None
        if got is not None:
            fast = _Fast(got[0], got[1], width)
            clean = None if fast.bad.any() else fast.values
        elif data.isascii():
            clean = _fast_parse(data, sep)
            expected = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            if clean is not None and not (clean.shape[0] == expected and np.isfinite(clean).all()):
                clean = None
        if clean is not None:
            pf = ParsedFile(label, clean, np.arange(1, clean.shape[0] + 1), sep, [], clean.shape[0], _data=data)
            _line_limits(pf, out, {})
            pf.diagnostics = out.result()
            return pf

    text = data.decode("ascii") if data.isascii() else data.decode("utf-8", errors="replace")
    return _slow_parse(label, data, text, sep, decimal_comma, out, fast)


@dataclass
class _Fast:
    """What the C scanner made of every line: rows of good lines need no second look."""

    values: np.ndarray
    bad: np.ndarray
    width: int


def _blank(data: bytes) -> bool:
    """Whitespace only; looks at the whole file only when its start is blank."""
    return not data[:4096].strip() and not data.strip()


def _is_binary(data: bytes) -> bool:
    return b"\x00" in data[:65536] or b"\x00" in data[-65536:]


def _usual_width(head: list[str], sep: str) -> int:
    """The most common number of values on the first lines: the width clean lines have."""
    counts: dict[int, int] = {}
    for ln in head[:200]:
        body = ln.strip(" \r\t")
        if not body:
            continue
        if sep == " ":
            n = len(body.split())
        else:
            body = body[: -len(sep)].rstrip(" ") if body.endswith(sep) else body
            n = body.count(sep) + 1
        counts[n] = counts.get(n, 0) + 1
    return max(counts, key=lambda n: counts[n]) if counts else 0


def _slow_parse(
    label: str, data: bytes, text: str, sep: str, decimal_comma: bool, out: _Collector, fast: _Fast | None = None
) -> ParsedFile:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # A last line holding only "\r" or spaces is what some tools end files with.
    while lines and not lines[-1].strip(" \r\t"):
        lines.pop()
    line_re = _line_re(sep)
    n_scanned = fast.bad.size if fast is not None else 0

    def body_of(i: int) -> str:
        body = lines[i].rstrip(" \r")
        return body[: -len(sep)] if sep != " " and body.endswith(sep) else body

    good: list[tuple[int, int]] = []  # (line index, count)
    lengths: dict[int, int] = {}
    for i, line in enumerate(lines):
        lineno = i + 1
        lengths[lineno] = len(line.rstrip("\r"))
        if i < n_scanned and not fast.bad[i]:  # type: ignore[union-attr]
            good.append((i, fast.width))  # type: ignore[union-attr]
            continue
        if not line.strip(" \r\t"):
            out.add(make(label, "NF110", "empty line", "delete this line: every line must hold one signal",
                         lineno, 1, 2))
            continue
        if line_re.fullmatch(line):
            body = body_of(i)
            good.append((i, len(body.split()) if sep == " " else body.count(sep) + 1))
            continue
        if lineno == 1 and _is_header(line, sep):
            out.add(make(label, "NF101", "the first line is a header, not a signal",
                         "delete the header line: signal files hold numbers only",
                         1, 1, max(2, len(line.rstrip("\r")) + 1)))
            continue
        _diagnose_line(label, lineno, line.rstrip("\r"), sep, out)

    # The width most lines agree on is the right one; the others are ragged.
    counts = np.array([g[1] for g in good], dtype=np.int64)
    if counts.size:
        values_, freq = np.unique(counts, return_counts=True)
        width = int(values_[np.argmax(freq)])
    else:
        width = 0
    keep: list[int] = []
    for i, n in good:
        if n == width:
            keep.append(i)
            continue
        lineno = i + 1
        if n > width and width > 0:
            s = _tokens(body_of(i), sep)[width][0] + 1
            out.add(make(label, "NF105", f"line has {n} values; the other lines have {width}",
                         f"remove the {n - width} extra value(s) or delete this line",
                         lineno, s, lengths[lineno] + 1))
        else:
            out.add(make(label, "NF105", f"line has {n} values; the other lines have {width}",
                         f"add the {width - n} missing value(s) or delete this line",
                         lineno, 1, lengths[lineno] + 1))
    if keep:
        idx = np.array(keep, dtype=np.int64)
        arr = np.empty((len(keep), width), np.float32)
        scanned = np.zeros(len(keep), bool)
        if fast is not None and fast.width == width:
            scanned = idx < n_scanned
            scanned[scanned] = ~fast.bad[idx[scanned]]
            arr[scanned] = fast.values[idx[scanned]]
        rest = [int(i) for i in idx[~scanned]]
        if rest:
            blob = "\n".join(body_of(i) for i in rest).encode()
            part = _fast_parse(blob, sep)
            if part is None:  # cannot happen once the grammar matched; keep a sound fallback
                part = np.array([[float(t) for t in (body_of(i).split() if sep == " " else body_of(i).split(sep))]
                                 for i in rest], dtype=np.float32)
            arr[~scanned] = part.reshape(len(rest), width)
        finite = np.isfinite(arr).all(axis=1)
        rows = idx + 1
        for ln in rows[~finite]:
            out.add(make(label, "NF106", "a value overflows 32-bit float",
                         "values must be within ±3.4e38", int(ln), 1, lengths[int(ln)] + 1))
        arr, rows = arr[finite], rows[finite]
    else:
        arr, rows = np.zeros((0, width), np.float32), np.zeros(0, np.int64)
    pf = ParsedFile(label, arr, rows, sep, [], len(lines), dict(lengths), data)
    _line_limits(pf, out, lengths)
    pf.diagnostics = out.result()
    return pf


def _line_limits(pf: ParsedFile, out: _Collector, lengths: dict[int, int]) -> None:
    if pf.width > MAX_VALUES_PER_LINE and pf.values.shape[0]:
        ln = int(pf.line_numbers[0])
        out.add(make(pf.path, "NF108", f"{pf.width} values per line; the limit is {MAX_VALUES_PER_LINE}",
                     "record shorter buffers, or fewer axes, per signal", ln, 1,
                     (lengths.get(ln) or pf.line_length(ln)) + 1))
    if pf.line_count > MAX_LINES:
        out.add(make(pf.path, "NF109", f"{pf.line_count} lines; the limit is {MAX_LINES}",
                     "split the file or keep fewer signals", MAX_LINES + 1, 1, 2))
