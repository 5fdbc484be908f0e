"""Checks of a signal file against the project it belongs to: the blocking ones say why
the file cannot be benchmarked, the optional ones what may hurt the library.

Blocking checks stop a benchmark; optional ones only warn, because a real recording can
legitimately look odd (a machine at rest is constant, a noisy sensor looks random), and
the engineer knows better than we do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .diagnostics import Diagnostic, make
from .signalfile import MAX_PER_CODE, ParsedFile, parse

Kind = Literal["buffer", "multi", "targets"]
MIN_LINES_PER_AXIS = 20
# Blocking minimum: one signal per evaluation split. NanoEdge asks for 20 per axis as a
# blocking check, but real datasets (BasicMotions: 10 signals per class, 6 axes) must
# still be benchmarkable, so 20 per axis is a recommendation (NF208).
MIN_SIGNALS = 10
FLOAT_BYTES = 4
WORKING_RAM = 256  # bytes of max RAM a signal should leave: the leanest library's stack and scratch took 128 (NF209)
# Cheap statistics do not need every row of a 100 000-line file to tell the truth.
_SAMPLE_ROWS = 2000


@dataclass(frozen=True)
class Layout:
    """How the numbers on a line are to be read: from the project, or the CLI flags."""

    kind: Kind = "buffer"
    axes: int = 1  # for "multi": variables per sample
    buffer: int | None = None  # samples per axis the project expects, when it says
    max_ram: int | None = None
    # The minimum count (NF107) and the recommended count (NF208) exist for the benchmark's
    # splits; a file only run through a library (emulate, validation) may hold any number
    # of signals, one line included.
    benchmark: bool = True


def check_file(
    path: str | Path, layout: Layout, data: bytes | None = None, label: str | None = None
) -> tuple[list[Diagnostic], ParsedFile]:
    """Every diagnostic for one file, errors first then warnings, in line order."""
    pf = parse(path, data=data, label=label)
    diags = list(pf.diagnostics)
    if pf.values.size and not any(d.code in ("NF100", "NF111") for d in diags):
        diags += _layout_checks(pf, layout)
        if not any(d.code in ("NF112",) for d in diags):
            diags += _optional_checks(pf, layout)
    diags.sort(key=lambda d: (d.severity != "error", d.line, d.column, d.code))
    return diags, pf


def _whole_line(pf: ParsedFile, code: str, line: int, message: str, hint: str) -> Diagnostic:
    return make(pf.path, code, message, hint, line, 1, pf.line_length(line) + 1)


def _layout_checks(pf: ParsedFile, layout: Layout) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    width = pf.width
    first = int(pf.line_numbers[0])
    axes = max(1, layout.axes)
    if layout.kind == "multi":
        if width != axes:
            out.append(_whole_line(pf, "NF112", first, f"{width} values per line; the project has {axes} variables",
                                   "each line of a multi-sensor file is one sample: one value per variable"))
        if layout.benchmark and pf.line_count < MIN_LINES_PER_AXIS:
            out.append(make(pf.path, "NF107", f"{pf.line_count} samples; at least {MIN_LINES_PER_AXIS} are needed",
                            "record more samples", 1, 1, 2))
        return out
    signal = width - 1 if layout.kind == "targets" else width
    what = "values after the target" if layout.kind == "targets" else "values per line"
    if signal <= 0 or signal % axes:
        out.append(_whole_line(pf, "NF112", first, f"{signal} {what} is not a multiple of {axes} axes",
                               f"each line must hold {axes} × buffer length values, interleaved x0 y0 z0 x1 …"))
        return out
    buffer = signal // axes
    if layout.buffer and buffer != layout.buffer:
        out.append(_whole_line(pf, "NF112", first,
                               f"{signal} {what} = {axes} axes × {buffer}; the project's buffer length is {layout.buffer}",
                               f"record {layout.buffer} samples per axis, or set buffer = {buffer} in nanoforge.toml"))
    if buffer & (buffer - 1):
        lo = 1 << (buffer.bit_length() - 1)
        out.append(_whole_line(pf, "NF201", first, f"buffer length {buffer} per axis is not a power of two",
                               f"record {lo} or {lo * 2} samples per axis; FFT-based preprocessing will pad or crop"))
    need = MIN_LINES_PER_AXIS * axes
    if layout.benchmark and pf.line_count < MIN_SIGNALS:
        out.append(make(pf.path, "NF107", f"{pf.line_count} signals; at least {MIN_SIGNALS} are needed",
                        f"record more signal examples ({need} or more are recommended)", 1, 1, 2))
    elif layout.benchmark and pf.line_count < need:
        out.append(make(pf.path, "NF208", f"{pf.line_count} signals; {need} or more are recommended "
                        f"({MIN_LINES_PER_AXIS} per axis)", "record more signal examples for a reliable benchmark",
                        1, 1, 2))
    if layout.max_ram is not None and signal * FLOAT_BYTES > layout.max_ram:
        out.append(_whole_line(pf, "NF113", first,
                               f"one signal takes {signal * FLOAT_BYTES} bytes; max RAM is {layout.max_ram} bytes",
                               "use a shorter buffer, fewer axes, or raise max_ram in nanoforge.toml"))
    elif layout.max_ram is not None and signal * FLOAT_BYTES > layout.max_ram - WORKING_RAM:
        out.append(_whole_line(pf, "NF209", first,
                               f"one signal takes {signal * FLOAT_BYTES} of the {layout.max_ram} bytes of max RAM, "
                               f"leaving under {WORKING_RAM} for the library's own work: the benchmark may find "
                               "no library that fits",
                               "use a shorter buffer, fewer axes, or raise max_ram in nanoforge.toml"))
    return out


def _signals(pf: ParsedFile, layout: Layout) -> np.ndarray:
    """(rows, samples, axes) view of the signal part of each line."""
    v = pf.values[:, 1:] if layout.kind == "targets" else pf.values
    axes = max(1, layout.axes)
    return v.reshape(v.shape[0], v.shape[1] // axes, axes)


@dataclass
class _RowStats:
    """Per-line, per-axis statistics: everything the optional checks need from the whole
    file, gathered in one pass over cache-sized blocks so that 100 000 × 768 values take
    a fraction of a second."""

    high: np.ndarray  # (rows, axes) maximum
    low: np.ndarray  # (rows, axes) minimum
    equal: np.ndarray  # (rows, axes) count of consecutive equal values
    energy: np.ndarray  # (rows,) RMS around each axis's mean, float64
    digest: np.ndarray  # (rows,) uint64 hash of the line's bits (duplicates)


_BLOCK_ROWS = 512
_THREADS = 2


def _row_stats(pf: ParsedFile, layout: Layout) -> _RowStats:
    x = _signals(pf, layout)
    rows, _, axes = x.shape
    bits = np.ascontiguousarray(pf.values).view(np.uint32)
    mult = np.random.default_rng(0x5EED).integers(1, 2**63, bits.shape[1], dtype=np.uint64) | np.uint64(1)
    st = _RowStats(np.empty((rows, axes), np.float32), np.empty((rows, axes), np.float32),
                   np.empty((rows, axes), np.int64), np.empty(rows), np.empty(rows, np.uint64))

    def run(start: int, stop: int) -> None:
        for a in range(start, stop, _BLOCK_ROWS):
            b = min(stop, a + _BLOCK_ROWS)
            t = np.ascontiguousarray(x[a:b].transpose(0, 2, 1))  # (n, axes, samples): reductions run contiguous
            st.high[a:b] = t.max(axis=2)
            st.low[a:b] = t.min(axis=2)
            st.equal[a:b] = (t[:, :, 1:] == t[:, :, :-1]).sum(axis=2)
            d = t - t.mean(axis=2, keepdims=True)
            st.energy[a:b] = np.sqrt(np.mean(d * d, axis=(1, 2)).astype(np.float64))
            st.digest[a:b] = (bits[a:b].astype(np.uint64) * mult).sum(axis=1)

    # numpy releases the GIL inside its loops: the two halves run on two cores.
    half = (rows // 2 // _BLOCK_ROWS) * _BLOCK_ROWS if rows > 4 * _BLOCK_ROWS else rows
    other = threading.Thread(target=run, args=(half, rows)) if half < rows else None
    if other:
        other.start()
    run(0, half)
    if other:
        other.join()
    return st


def _duplicates(pf: ParsedFile, digest: np.ndarray) -> list[tuple[int, int]]:
    """(row, first row with the same values): equal digests, confirmed bit for bit."""
    _, first_idx, inverse = np.unique(digest, return_index=True, return_inverse=True)
    first = first_idx[inverse.ravel()]
    bits = pf.values.view(np.uint32)
    return [(int(i), int(first[i])) for i in np.flatnonzero(first != np.arange(len(digest)))
            if np.array_equal(bits[i], bits[first[i]])]


def _clipped(x: np.ndarray, st: _RowStats) -> np.ndarray:
    """(row, axis) pairs that sit at the file's extreme value for 3 samples in a row.
    Only lines whose own extreme is the file's can, so only those are looked at."""
    vmax, vmin = st.high.max(axis=0), st.low.min(axis=0)
    span = vmax > vmin
    cand = np.flatnonzero((((st.high == vmax) | (st.low == vmin)) & span).any(axis=1))
    found = []
    for a in range(0, len(cand), _BLOCK_ROWS):
        rows = cand[a : a + _BLOCK_ROWS]
        at_max = (x[rows] == vmax) & span
        at_min = (x[rows] == vmin) & span
        runs = (at_max[:, 2:] & at_max[:, 1:-1] & at_max[:, :-2]) | (at_min[:, 2:] & at_min[:, 1:-1] & at_min[:, :-2])
        hit = np.argwhere(runs.any(axis=1))
        found.append(np.column_stack((rows[hit[:, 0]], hit[:, 1])))
    if not found:
        return np.zeros((0, 2), np.int64)
    return np.concatenate(found).astype(np.int64)


def _optional_checks(pf: ParsedFile, layout: Layout) -> list[Diagnostic]:
    if layout.kind == "multi":
        return _multi_checks(pf)
    x = _signals(pf, layout)
    rows = pf.line_numbers
    found: list[tuple[str, int, str, str]] = []  # (code, line, message, hint)
    st = _row_stats(pf, layout)

    # Duplicates: identical lines teach nothing and inflate scores when split apart.
    for i, j in _duplicates(pf, st.digest)[: MAX_PER_CODE + 1]:
        found.append(("NF202", int(rows[i]), f"same signal as line {int(rows[j])}",
                      "delete the duplicate: it biases the benchmark's splits"))

    ptp = st.high - st.low  # (rows, axes)
    const = np.argwhere(ptp == 0)
    for r, a in const[: MAX_PER_CODE + 1]:
        found.append(("NF203", int(rows[r]), f"axis {a + 1} is constant ({float(x[r, 0, a]):g} throughout)",
                      "check the sensor and its wiring; a constant axis carries no information"))

    if x.shape[1] > 2:
        eq = st.equal / (x.shape[1] - 1)  # (rows, axes)
        stuck = np.argwhere((eq >= 0.5) & (ptp > 0))
        for r, a in stuck[: MAX_PER_CODE + 1]:
            found.append(("NF204", int(rows[r]), f"axis {a + 1}: {eq[r, a]:.0%} of consecutive values are equal",
                          "the sensor updates slower than you sample it: lower the sampling rate or check its output data rate"))

        for r, a in _clipped(x, st)[: MAX_PER_CODE + 1]:
            found.append(("NF207", int(rows[r]), f"axis {a + 1} sits at the file's extreme value for 3 or more samples",
                          "the sensor saturates: choose a wider full-scale range"))

    if x.shape[0] >= 8:
        energy = st.energy
        le = np.log(energy + 1e-12)
        med = np.median(le)
        mad = np.median(np.abs(le - med))
        if mad > 0:
            z = 0.6745 * (le - med) / mad
            far = np.abs(le - med) > np.log(3.0)  # and at least 3× off: a tight file has a tiny MAD
            for r in np.flatnonzero((np.abs(z) > 6) & far & (energy > 0))[: MAX_PER_CODE + 1]:
                ratio = float(np.exp(le[r] - med))
                found.append(("NF206", int(rows[r]), f"signal energy is {ratio:.3g}× the file's median",
                              "check this recording; delete it if it is a glitch"))

    if x.shape[1] >= 16:
        idx = np.linspace(0, x.shape[0] - 1, min(x.shape[0], _SAMPLE_ROWS)).astype(int)
        s = x[idx].astype(np.float64)
        s = s - s.mean(axis=1, keepdims=True)
        p = np.abs(np.fft.rfft(s, axis=1))[:, 1:, :] ** 2
        ok = p.mean(axis=1) > 0
        if ok.any():
            flat_ = np.exp(np.mean(np.log(p + 1e-30), axis=1)) / (p.mean(axis=1) + 1e-30)
            med_flat = float(np.median(flat_[ok]))
            if med_flat > 0.45:
                found.append(("NF205", int(rows[0]),
                              f"the signals look like random noise (spectral flatness {med_flat:.2f})",
                              "check that the sensor is read correctly and that the buffer holds consecutive samples"))
    return _emit(pf, found)


def _multi_checks(pf: ParsedFile) -> list[Diagnostic]:
    v = pf.values
    found: list[tuple[str, int, str, str]] = []
    ptp = v.max(axis=0) - v.min(axis=0)
    for a in np.flatnonzero(ptp == 0):
        found.append(("NF203", int(pf.line_numbers[0]), f"variable {a + 1} is constant over the whole file",
                      "check the sensor; a constant variable carries no information"))
    return _emit(pf, found)


def _emit(pf: ParsedFile, found: list[tuple[str, int, str, str]]) -> list[Diagnostic]:
    lengths = pf.line_lengths([ln for _, ln, _, _ in found])
    out: list[Diagnostic] = []
    per_code: dict[str, int] = {}
    for code, ln, msg, hint in found:
        per_code[code] = per_code.get(code, 0) + 1
        if per_code[code] > MAX_PER_CODE:
            continue
        if per_code[code] == MAX_PER_CODE and sum(1 for c, *_ in found if c == code) > MAX_PER_CODE:
            msg += " (more like this not shown)"
        out.append(make(pf.path, code, msg, hint, ln, 1, lengths[ln] + 1))
    return out


def read_signals(path: str | Path, layout: Layout) -> np.ndarray:
    """The usable float32 rows of a file, or SignalFileError naming its first error."""
    diags, pf = check_file(path, layout)
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise SignalFileError(errors)
    return pf.values


class SignalFileError(ValueError):
    def __init__(self, errors: list[Diagnostic]) -> None:
        self.errors = errors
        d = errors[0]
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}{more}; {d.hint}")
