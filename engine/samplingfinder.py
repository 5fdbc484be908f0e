"""The sampling finder: which sampling rate and buffer length to record with, decided
from one continuous recording per class before any buffered signal is recorded.

Each file holds one sample per line (all variables), recorded at the highest rate the
sensor offers. For every rate F/k (k = 1, 2, 4 … 32) and buffer length 16 … 4096
samples per axis, the recordings are cut into buffers, a few fast features are computed
and a quick classifier is cross-validated on them (the
buffers kept, when a recording holds more than enough, are drawn with the seed). The matrix of scores says how
much each rate and length can tell the files apart; the recommendation is the shortest
signal (in seconds) whose score is within `TOLERANCE` of the best, because a shorter
buffer means less RAM, less latency and more signals per recording.

Two choices keep the matrix honest:

* A lower rate keeps every k-th sample *after* removing what lies above its Nyquist
  frequency: a MEMS sensor set to a lower output data rate low-passes at about that
  rate's half, so content above it is not there on the device. Without the filter, a
  180 Hz difference would alias to 20 Hz at 200 Hz and look usable, which it is not
  on a sensor with an anti-alias filter (and is fragile on one without).
* Buffers are kept in time order and the cross-validation folds are contiguous chunks
  of each recording, so neighbouring (or overlapping) buffers never sit on both sides
  of a split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB

from .checks import Layout, SignalFileError, check_file

BUFFERS = tuple(2**i for i in range(4, 13))  # 16 … 4096 samples per axis
MAX_DECIMATION = 32
TOLERANCE = 0.02  # a score this close to the best is as good as the best
MAX_WINDOWS = 120  # buffers per file and cell: enough for a stable score, fast
MIN_WINDOWS = 8  # fewer buffers per file than this: no score (a score from 4 buffers is luck)
BANDS = 8
FOLDS = 5


@dataclass(frozen=True)
class Cell:
    hz: float
    buffer: int
    duration_s: float
    score: float | None  # balanced accuracy, cross-validated; None: recordings too short
    windows: int  # buffers per file used

    def to_dict(self) -> dict[str, Any]:
        return {"hz": self.hz, "buffer": self.buffer, "duration_s": self.duration_s, "score": self.score,
                "windows": self.windows}


def lowpass_decimate(x: np.ndarray, k: int) -> np.ndarray:
    """Every k-th sample of `x` (samples, variables) after zeroing the spectrum above the
    new Nyquist frequency (see the module docstring)."""
    if k == 1:
        return x
    n = x.shape[0]
    spec = np.fft.rfft(x.astype(np.float64), axis=0)
    cut = int(np.floor(n / (2 * k)))  # bin index of the new Nyquist frequency
    spec[cut + 1 :] = 0
    return np.fft.irfft(spec, n=n, axis=0)[::k]


def windows(x: np.ndarray, length: int, rng: np.random.Generator, cap: int = MAX_WINDOWS) -> np.ndarray | None:
    """(count, length, variables) buffers in time order: side by side when the recording
    is long enough, else overlapping by half a buffer; at most `cap`, drawn with the
    seed; None when too short."""
    n = x.shape[0]
    if n < length:
        return None
    step = length if n // length >= MIN_WINDOWS else max(1, length // 2)
    starts = np.arange(0, n - length + 1, step)
    if len(starts) < MIN_WINDOWS:
        return None
    if len(starts) > cap:
        starts = np.sort(rng.choice(starts, size=cap, replace=False))
    return np.stack([x[s : s + length] for s in starts])


def features(w: np.ndarray) -> np.ndarray:
    """Fast per-axis features of buffers (count, length, variables): level, spread,
    range and the log power in `BANDS` equal bands up to the Nyquist frequency."""
    w = w.astype(np.float64)
    mean = w.mean(axis=1)
    std = w.std(axis=1)
    lo, hi = w.min(axis=1), w.max(axis=1)
    power = np.abs(np.fft.rfft(w - mean[:, None, :], axis=1)[:, 1:]) ** 2 / w.shape[1]
    bands = np.array_split(np.arange(power.shape[1]), min(BANDS, power.shape[1]))
    band_power = np.stack([power[:, b].sum(axis=1) for b in bands], axis=1)  # (count, bands, variables)
    parts = [mean, std, lo, hi, np.log1p(band_power).reshape(w.shape[0], -1)]
    return np.concatenate(parts, axis=1)


def score_cell(per_file: list[np.ndarray]) -> float:
    """Balanced accuracy of Gaussian naive Bayes telling the files apart, over contiguous
    folds (StratifiedKFold without shuffling keeps each class's order). Naive Bayes
    because it is quick (the matrix has up to 54 cells) and, with a variance per class,
    sees a class that only spreads wider than another."""
    x = np.concatenate([features(w) for w in per_file])
    y = np.concatenate([np.full(len(w), i) for i, w in enumerate(per_file)])
    folds = min(FOLDS, min(len(w) for w in per_file))
    pred = cross_val_predict(GaussianNB(), x, y, cv=StratifiedKFold(n_splits=folds, shuffle=False))
    return float(balanced_accuracy_score(y, pred))


def rates(hz: float, min_hz: float | None) -> list[tuple[int, float]]:
    floor = hz / MAX_DECIMATION if min_hz is None else min_hz
    out: list[tuple[int, float]] = []
    k = 1
    while k <= MAX_DECIMATION and hz / k >= floor - 1e-9:
        out.append((k, hz / k))
        k *= 2
    return out


def recommend(cells: list[Cell]) -> dict[str, Any] | None:
    """The shortest signal scoring within TOLERANCE of the best; between equally short
    ones the smaller buffer (a lower rate: less RAM and computation)."""
    scored = [c for c in cells if c.score is not None]
    if not scored:
        return None
    best = max(c.score for c in scored if c.score is not None)
    good = [c for c in scored if c.score is not None and c.score >= best - TOLERANCE]
    pick = min(good, key=lambda c: (c.duration_s, c.buffer, c.hz))
    why = (f"the shortest signal ({pick.duration_s:.3g} s) scoring within {TOLERANCE} of the best "
           f"score ({best:.3f})")
    return {"hz": pick.hz, "buffer": pick.buffer, "duration_s": pick.duration_s, "score": pick.score,
            "best_score": best, "why": why}


def recording(path: str | Path, variables: int) -> np.ndarray:
    """A continuous recording's samples, checked as a multi-sensor file. Its line limit
    (NF109) does not apply: it keeps buffered signal files to what a benchmark holds in
    memory, while one sample per line at 1.6 kHz passes 100 000 lines in a minute and the
    finder needs long recordings to cut long buffers at low rates."""
    diags, pf = check_file(path, Layout(kind="multi", axes=variables))
    errors = [d for d in diags if d.severity == "error" and d.code != "NF109"]
    if errors:
        raise SignalFileError(errors)
    return pf.values.astype(np.float64)


def find(paths: list[str | Path], variables: int, hz: float, min_hz: float | None = None,
         seed: int = 0) -> dict[str, Any]:
    """The matrix (rate × buffer length) and the recommendation, as `--json` prints them."""
    if len(paths) < 2:
        raise ValueError("the sampling finder needs at least two recordings: one file per class "
                         "(or a nominal and an abnormal one)")
    if variables < 1:
        raise ValueError("--variables must be a whole number ≥ 1")
    if not hz > 0:
        raise ValueError("--hz must be greater than 0")
    if min_hz is not None and not 0 < min_hz <= hz:
        raise ValueError(f"--min-hz must be greater than 0 and at most --hz ({hz:g})")
    recordings = [recording(p, variables) for p in paths]
    cells: list[Cell] = []
    for k, rate in rates(hz, min_hz):
        low = [lowpass_decimate(x, k) for x in recordings]
        for length in BUFFERS:
            rng = np.random.default_rng([seed, k, length])
            cut = [windows(x, length, rng) for x in low]
            duration = length / rate
            if any(w is None for w in cut):
                cells.append(Cell(rate, length, duration, None, 0))
                continue
            per_file = [w for w in cut if w is not None]
            count = min(len(w) for w in per_file)
            cells.append(Cell(rate, length, duration, score_cell(per_file), count))
    return {"files": [str(p) for p in paths], "variables": variables, "hz": hz,
            "samples": [int(x.shape[0]) for x in recordings], "chance": 1 / len(paths), "seed": seed,
            "matrix": [c.to_dict() for c in cells], "recommendation": recommend(cells)}
