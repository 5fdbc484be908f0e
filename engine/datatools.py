"""Data manipulation on signal files: extract lines, remove columns, reshape, shuffle, concatenate.

Values are moved as the text the user recorded, never re-printed from floats, so no
tool changes a digit. Originals are never modified: each result is a new file named
after the action and its source, and never overwrites anything.
"""

from __future__ import annotations

import random
from pathlib import Path

from .atomic import fresh_path, write_atomic
from .signalfile import detect_separator, read_regular


class DataToolError(ValueError):
    """A request the tool cannot honour; the message names the file and the fix."""


def parse_ranges(spec: str, upper: int, what: str) -> list[int]:
    """'3,10-20' → sorted 1-based indices; each must be within 1…upper."""
    out: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        try:
            if "-" in part:
                a_s, b_s = part.split("-", 1)
                a, b = int(a_s), int(b_s)
            else:
                a = b = int(part)
        except ValueError:
            raise DataToolError(f"'{part}' is not a {what} number or range; write e.g. 3,10-20") from None
        if a > b:
            raise DataToolError(f"range '{part}' runs backwards; write {b}-{a}")
        if a < 1 or b > upper:
            raise DataToolError(f"{what} {part} is outside 1…{upper}")
        out.update(range(a, b + 1))
    if not out:
        raise DataToolError(f"no {what}s given; write e.g. 3,10-20")
    return sorted(out)


def _read(path: str | Path) -> tuple[Path, list[str], str]:
    p = Path(path)
    try:
        text = read_regular(p).decode("utf-8", errors="replace")
    except OSError as e:
        raise DataToolError(f"{p}: cannot read: {e.strerror or e}") from None
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataToolError(f"{p}: the file is empty")
    sep, _ = detect_separator(lines)
    return p, lines, sep


def _split(line: str, sep: str) -> list[str]:
    if sep == " ":
        return line.split()
    toks = [t.strip() for t in line.split(sep)]
    if len(toks) > 1 and toks[-1] == "":
        toks.pop()
    return toks


def _write(src: Path, action: str, lines: list[str], out_dir: Path | None = None) -> Path:
    target = fresh_path((out_dir or src.parent) / f"{src.stem}_{action}{src.suffix or '.csv'}")
    write_atomic(target, "\n".join(lines) + "\n")
    return target


def _ranges_in(p: Path, spec: str, upper: int, what: str) -> list[int]:
    try:
        return parse_ranges(spec, upper, what)
    except DataToolError as e:
        raise DataToolError(f"{p}: {e}") from None


def extract(path: str | Path, lines_spec: str, out_dir: Path | None = None) -> Path:
    p, lines, _ = _read(path)
    keep = _ranges_in(p, lines_spec, len(lines), "line")
    return _write(p, "extract", [lines[i - 1] for i in keep], out_dir)


def remove_columns(path: str | Path, columns_spec: str, out_dir: Path | None = None) -> Path:
    p, lines, sep = _read(path)
    rows = [_split(ln, sep) for ln in lines]
    width = max(len(r) for r in rows)
    drop = set(_ranges_in(p, columns_spec, width, "column"))
    if len(drop) == width:
        raise DataToolError(f"{p}: removing every column would leave nothing; keep at least one")
    joiner = sep
    out = [joiner.join(t for j, t in enumerate(r, start=1) if j not in drop) for r in rows]
    return _write(p, "remove-columns", out, out_dir)


def reshape(path: str | Path, columns: int, out_dir: Path | None = None) -> Path:
    """Re-wraps the file's values, in order, `columns` per line (e.g. a continuous
    recording cut into buffers)."""
    p, lines, sep = _read(path)
    if columns < 1:
        raise DataToolError("--columns must be at least 1")
    flat = [t for ln in lines for t in _split(ln, sep)]
    if len(flat) < columns:
        raise DataToolError(f"{p}: {len(flat)} values cannot fill one line of {columns}")
    usable = len(flat) - len(flat) % columns
    out = [sep.join(flat[i : i + columns]) for i in range(0, usable, columns)]
    return _write(p, f"reshape-{columns}", out, out_dir)


def dropped_by_reshape(path: str | Path, columns: int) -> int:
    _, lines, sep = _read(path)
    return sum(len(_split(ln, sep)) for ln in lines) % columns


def shuffle(path: str | Path, seed: int = 0, out_dir: Path | None = None) -> Path:
    p, lines, _ = _read(path)
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    return _write(p, "shuffle", [lines[i] for i in order], out_dir)


def concat(paths: list[str | Path], out_dir: Path | None = None) -> Path:
    if len(paths) < 2:
        raise DataToolError("concat takes two files or more")
    first, lines, sep = _read(paths[0])
    width = len(_split(lines[0], sep))
    out = list(lines)
    for other in paths[1:]:
        q, more, sep2 = _read(other)
        w2 = len(_split(more[0], sep2))
        if w2 != width:
            raise DataToolError(f"{q}: {w2} values per line, but {first} has {width}; concatenate files of one width")
        out += more if sep2 == sep else [sep.join(_split(ln, sep2)) for ln in more]
    return _write(first, "concat", out, out_dir)
