"""Preprocessing blocks: the numpy float32 reference of every pipeline step.

A block sees either signals, shaped (n, axes, length) with each axis on its own row, or
feature vectors, shaped (n, d). Parameters are constructor arguments and JSON-friendly;
what a block learns lives in `state` as float32 arrays, because that is exactly what the
C library will hold in `knowledge.h`. The C twin of each block is in codegen/cblocks.py
and must follow the same arithmetic, so the docstrings say where the order matters.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, ClassVar

import numpy as np

from . import f32

F32 = np.float32
EPS = F32(1e-6)


class Step:
    """What blocks and models share: JSON parameters in, float32 knowledge out."""

    kind: ClassVar[str] = ""
    # Approximate code bytes on Cortex-M4 -Os; calibrated against measured builds.
    code_bytes: ClassVar[int] = 200

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.state: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.kind}({args})"

    def knowledge_bytes(self) -> int:
        return int(sum(a.nbytes for a in self.state.values()))


class Block(Step):
    stage_in: ClassVar[str] = "vector"  # "signal" or "vector"
    stage_out: ClassVar[str] = "vector"
    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> Block:
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output for one input of `shape` ((axes, length) or (d,))."""
        return shape

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        """Extra static floats the C version needs besides the pipeline buffers."""
        return 0

    def ram_floats(self, shape: tuple[int, ...]) -> int:
        """Floats of state kept between calls (multi-sensor windows)."""
        return 0


# ------------------------------------------------------------------ signal → signal


class MeanRemoval(Block):
    kind = "mean_removal"
    stage_in = stage_out = "signal"
    code_bytes = 60

    def transform(self, x: np.ndarray) -> np.ndarray:
        m = (f32.seqsum(x) / F32(x.shape[2])).astype(F32)
        return (x - m[:, :, None]).astype(F32)


class ZScore(Block):
    """Per signal and axis; a flat axis stays at zero instead of exploding."""

    kind = "zscore"
    stage_in = stage_out = "signal"
    code_bytes = 110

    def transform(self, x: np.ndarray) -> np.ndarray:
        n = F32(x.shape[2])
        m = (f32.seqsum(x) / n).astype(F32)
        c = (x - m[:, :, None]).astype(F32)
        q = f32.seqsum((c * c).astype(F32))
        inv = (F32(1) / (f32.sqrtf((q / n).astype(F32)) + EPS).astype(F32)).astype(F32)
        return (c * inv[:, :, None]).astype(F32)


class Diff(Block):
    kind = "diff"
    stage_in = stage_out = "signal"
    code_bytes = 40

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x[:, :, 1:] - x[:, :, :-1]).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0], shape[1] - 1)


class Decimate(Block):
    """Mean of each group of `factor` samples: a box filter is the anti-alias we can
    afford, and a partial last group is dropped so every output has equal weight."""

    kind = "decimate"
    stage_in = stage_out = "signal"
    code_bytes = 70

    def transform(self, x: np.ndarray) -> np.ndarray:
        f = int(self.params["factor"])
        n, a, length = x.shape
        m = length // f
        acc = np.zeros((n, a, m), F32)
        for j in range(f):  # same summation order as the C loop
            acc = (acc + x[:, :, j: m * f: f]).astype(F32)
        return (acc * F32(1.0 / f)).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0], shape[1] // int(self.params["factor"]))


class BandPassBlock(Block):
    """The project's filter as a biquad cascade (direct form II transposed), each buffer
    filtered from rest, as the device sees one buffer at a time."""

    kind = "bandpass"
    stage_in = stage_out = "signal"
    code_bytes = 160

    def __init__(self, sos: list[list[float]] | None = None, **params: Any) -> None:
        super().__init__(**params)
        if sos is not None:
            self.state["sos"] = np.asarray(sos, F32).reshape(-1, 6)

    def transform(self, x: np.ndarray) -> np.ndarray:
        sos = self.state["sos"]
        y = x.astype(F32).copy()
        for s in sos:
            b0, b1, b2, _a0, a1, a2 = (F32(v) for v in s)
            z1 = np.zeros(y.shape[:2], F32)
            z2 = np.zeros(y.shape[:2], F32)
            for t in range(y.shape[2]):
                xin = y[:, :, t]
                out = (b0 * xin + z1).astype(F32)
                z1 = (b1 * xin - a1 * out + z2).astype(F32)
                z2 = (b2 * xin - a2 * out).astype(F32)
                y[:, :, t] = out
        return y


# ------------------------------------------------------------------ signal → vector


def next_pow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def _band_edges(bins: int, bands: int) -> list[tuple[int, int]]:
    return [(b * bins // bands, (b + 1) * bins // bands) for b in range(bands)]


def fft_magnitude(x: np.ndarray, window: bool) -> np.ndarray:
    """|FFT| of each axis zero-padded to a power of two, bins 0 … nfft/2 − 1, computed
    exactly as the C does (radix 2, float32)."""
    length = x.shape[2]
    return f32.fft_mag(x, next_pow2(length), hann(length) if window else None)


def hann(length: int) -> np.ndarray:
    if length < 2:
        return np.ones(length, F32)
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / (length - 1))).astype(F32)


class Flatten(Block):
    """The raw buffer as features ("none"): axis after axis."""

    kind = "flatten"
    stage_in = "signal"
    code_bytes = 20

    def transform(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * shape[1],)


class Rolling(Block):
    """Multi-sensor: one sample of V variables per call. Window 0 passes the sample on;
    window W adds, per variable, the mean and the range (max − min) of the last W samples,
    held in a ring in the library's RAM. `transform` reads its rows as one ordered stream,
    as the device sees them; the first W − 1 calls use the samples they have. Sums run in
    ring-slot order, as the C does."""

    kind = "rolling"
    stage_in = "signal"
    code_bytes = 160

    def transform(self, x: np.ndarray) -> np.ndarray:
        v = x[:, :, 0].astype(F32)
        w = int(self.params.get("window", 0))
        if w == 0:
            return v.copy()
        ring = np.zeros((w, v.shape[1]), F32)
        out = np.zeros((len(v), v.shape[1], 3), F32)
        for i, row in enumerate(v):
            ring[i % w] = row
            k = min(i + 1, w)
            acc = np.zeros(v.shape[1], F32)
            for j in range(k):
                acc = (acc + ring[j]).astype(F32)
            out[i, :, 0] = row
            out[i, :, 1] = (acc / F32(k)).astype(F32)
            out[i, :, 2] = (ring[:k].max(axis=0) - ring[:k].min(axis=0)).astype(F32)
        return out.reshape(len(v), -1)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * (3 if int(self.params.get("window", 0)) else 1),)

    def ram_floats(self, shape: tuple[int, ...]) -> int:
        return int(self.params.get("window", 0)) * shape[0] + 1


class FFTMag(Block):
    """Magnitude spectrum per axis, averaged into `bands` equal bands, optional Hann
    window and log(1 + x) compression."""

    kind = "fft"
    stage_in = "signal"
    code_bytes = 520

    def transform(self, x: np.ndarray) -> np.ndarray:
        mag = fft_magnitude(x, bool(self.params.get("window", False)))
        bands = min(int(self.params["bands"]), mag.shape[2])
        out = np.stack([(f32.seqsum(mag[:, :, lo:hi]) / F32(hi - lo)).astype(F32)
                        for lo, hi in _band_edges(mag.shape[2], bands)], axis=2)
        if self.params.get("log", False):
            out = f32.logf((F32(1) + out).astype(F32))
        return out.reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * min(int(self.params["bands"]), next_pow2(shape[1]) // 2),)

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        nfft = next_pow2(shape[1])
        return 2 * nfft + nfft // 2  # re, im, then magnitudes

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        nfft = next_pow2(shape[1])
        return 4 * (nfft // 2) * 2 + (4 * shape[1] if self.params.get("window") else 0)


STATS = ("mean", "std", "min", "max", "rms", "skew", "kurt", "zcr", "mad")


class Stats(Block):
    """Per axis: mean, std, min, max, rms, skewness, kurtosis, mean-crossing rate and mean
    absolute difference — the time-domain summary a vibration engineer would compute."""

    kind = "stats"
    stage_in = "signal"
    code_bytes = 420

    def transform(self, x: np.ndarray) -> np.ndarray:
        length = x.shape[2]
        n = F32(length)
        m = (f32.seqsum(x) / n).astype(F32)
        c = (x - m[:, :, None]).astype(F32)
        sd = f32.sqrtf((f32.seqsum((c * c).astype(F32)) / n).astype(F32))
        inv = (F32(1) / (sd + EPS).astype(F32)).astype(F32)
        z = (c * inv[:, :, None]).astype(F32)
        z2 = (z * z).astype(F32)
        skew = (f32.seqsum((z2 * z).astype(F32)) / n).astype(F32)
        kurt = (f32.seqsum((z2 * z2).astype(F32)) / n).astype(F32)
        rms = f32.sqrtf((f32.seqsum((x * x).astype(F32)) / n).astype(F32))
        pos = c >= 0
        d1 = F32(max(length - 1, 1))
        zcr = ((pos[:, :, 1:] != pos[:, :, :-1]).sum(axis=2).astype(F32) / d1).astype(F32)
        mad = (f32.seqsum(np.abs((x[:, :, 1:] - x[:, :, :-1]).astype(F32))) / d1).astype(F32)
        if length < 2:
            zcr = mad = np.zeros_like(m)
        feats = [m, sd, x.min(axis=2), x.max(axis=2), rms, skew, kurt, zcr, mad]
        return np.stack(feats, axis=2).reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * len(STATS),)


SPECTRAL = ("centroid", "spread", "peak", "energy", "rolloff", "b0", "b1", "b2", "b3")


class Spectral(Block):
    """Per axis from the magnitude spectrum: centroid, spread and roll-off (85 %) as
    fractions of Nyquist, dominant bin, log energy and the energy share of four bands."""

    kind = "spectral"
    stage_in = "signal"
    code_bytes = 700

    def transform(self, x: np.ndarray) -> np.ndarray:
        mag = fft_magnitude(x, False)
        bins = mag.shape[2]
        fb = F32(bins)
        frac = (np.arange(bins, dtype=F32) / fb).astype(F32)
        p = (mag * mag).astype(F32)
        tot = (f32.seqsum(p) + F32(1e-12)).astype(F32)
        cen = (f32.seqsum((p * frac).astype(F32)) / tot).astype(F32)
        d = (frac - cen[:, :, None]).astype(F32)
        spread = f32.sqrtf((f32.seqsum(((p * d).astype(F32) * d).astype(F32)) / tot).astype(F32))
        peak = (mag[:, :, 1:].argmax(axis=2) + 1) if bins > 1 else np.ones(mag.shape[:2], int)
        cum = np.add.accumulate(p, axis=2, dtype=F32)
        roll = (cum < (F32(0.85) * tot)[:, :, None]).sum(axis=2).astype(F32)
        bands = [(f32.seqsum(p[:, :, lo:hi]) / tot).astype(F32) for lo, hi in _band_edges(bins, 4)]
        feats = [cen, spread, (peak.astype(F32) / fb).astype(F32), f32.logf((F32(1) + tot).astype(F32)),
                 (roll / fb).astype(F32), *bands]
        return np.stack(feats, axis=2).reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * len(SPECTRAL),)

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        nfft = next_pow2(shape[1])
        return 2 * nfft + nfft // 2

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        return 4 * next_pow2(shape[1])


# The 84 MiniRocket kernels: 9 taps of weight −1 with three of them at +2.
ROCKET_KERNELS = np.array(list(combinations(range(9), 3)), dtype=np.int64)


def rocket_dilations(length: int, count: int) -> list[int]:
    """Exponentially spread dilations whose receptive field fits the buffer."""
    top = max(1, (length - 1) // 8)
    ds = np.unique(np.floor(np.logspace(0, np.log2(top), count, base=2)).astype(int))
    return [int(d) for d in ds]


def rocket_conv(x: np.ndarray, kernel: np.ndarray, d: int) -> np.ndarray:
    """Convolution of each (n, length) row with zero padding, output length = input length.
    C order: sum of the nine −1 taps first, then three times the +2 taps."""
    n, length = x.shape
    pad = 4 * d
    xp = np.zeros((n, length + 2 * pad), F32)
    xp[:, pad: pad + length] = x
    taps = [xp[:, j * d: j * d + length] for j in range(9)]
    alls = taps[0].copy()
    for j in range(1, 9):
        alls = (alls + taps[j]).astype(F32)
    sel = (taps[kernel[0]] + taps[kernel[1]] + taps[kernel[2]]).astype(F32)
    return (F32(3) * sel - alls).astype(F32)


class MiniRocket(Block):
    """MiniRocket-style features: fixed {−1, 2} kernels at a few dilations, one bias per
    (axis, kernel, dilation) from a training quantile, pooled as the proportion of
    positive values (PPV). `kernels` picks the first k of the 84 so size follows budget."""

    kind = "minirocket"
    stage_in = "signal"
    code_bytes = 380

    def _plan(self, length: int) -> tuple[np.ndarray, list[int]]:
        k = int(self.params["kernels"])
        step = max(1, 84 // k)
        kern = ROCKET_KERNELS[::step][:k]
        return kern, rocket_dilations(length, int(self.params["dilations"]))

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> MiniRocket:
        kern, dils = self._plan(x.shape[2])
        rng = np.random.default_rng(int(self.params.get("seed", 0)))
        biases = []
        for a in range(x.shape[1]):
            for kv in kern:
                for d in dils:
                    ex = x[rng.integers(len(x)), a][None, :]
                    c = rocket_conv(ex, kv, d)[0]
                    biases.append(np.quantile(c, rng.uniform(0.25, 0.75)))
        self.state["bias"] = np.asarray(biases, F32)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        kern, dils = self._plan(x.shape[2])
        bias = self.state["bias"]
        out = np.empty((len(x), len(bias)), F32)
        i = 0
        for a in range(x.shape[1]):
            for kv in kern:
                for d in dils:
                    c = rocket_conv(x[:, a, :], kv, d)
                    out[:, i] = (c > bias[i]).sum(axis=1).astype(F32) / F32(x.shape[2])
                    i += 1
        return out

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        kern, dils = self._plan(shape[1])
        return (shape[0] * len(kern) * len(dils),)


# ------------------------------------------------------------------ vector → vector


class Scale(Block):
    """Global standard scaling learned from the training signals."""

    kind = "scale"
    code_bytes = 50

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> Scale:
        m = x.astype(np.float64).mean(axis=0)
        s = x.astype(np.float64).std(axis=0)
        self.state["mean"] = m.astype(F32)
        self.state["inv_std"] = np.where(s > 1e-9, 1.0 / np.maximum(s, 1e-9), 1.0).astype(F32)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.state["mean"]) * self.state["inv_std"]).astype(F32)


class PCA(Block):
    kind = "pca"
    code_bytes = 80

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> PCA:
        k = min(int(self.params["k"]), x.shape[1], len(x))
        xd = x.astype(np.float64)
        m = xd.mean(axis=0)
        _, _, vt = np.linalg.svd(xd - m, full_matrices=False)
        comp = vt[:k]
        # Deterministic sign, so the same data gives the same bits.
        comp *= np.where(comp[np.arange(k), np.abs(comp).argmax(axis=1)] < 0, -1.0, 1.0)[:, None]
        self.state["mean"] = m.astype(F32)
        self.state["comp"] = comp.astype(F32)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        c = (x - self.state["mean"]).astype(F32)
        return (c @ self.state["comp"].T).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(self.params["k"]),) if not self.state else (self.state["comp"].shape[0],)


BLOCKS: dict[str, type[Block]] = {b.kind: b for b in (
    MeanRemoval, ZScore, Diff, Decimate, BandPassBlock, Flatten, Rolling, FFTMag, Stats, Spectral, MiniRocket, Scale, PCA)}


def make_block(kind: str, params: dict[str, Any], state: dict[str, np.ndarray] | None = None) -> Block:
    b = BLOCKS[kind](**params)
    if state:
        b.state = {k: np.asarray(v) for k, v in state.items()}
    return b
