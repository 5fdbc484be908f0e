"""Features from the magnitude spectrum: banded magnitudes (`fft`) and a spectral
summary (`spectral`). Both use the C library's radix-2 float32 FFT (f32.fft_mag), so a
near-tie between bins resolves the same way on the PC and on the device."""

from __future__ import annotations

import numpy as np

from .. import f32
from ..step import Param
from .base import F32, Block


def next_pow2(n: int) -> int:
    p = 1
    while p < n:
        p *= 2
    return p


def band_edges(bins: int, bands: int) -> list[tuple[int, int]]:
    """[lo, hi) bin ranges of `bands` near-equal bands, in integer arithmetic as the C."""
    return [(b * bins // bands, (b + 1) * bins // bands) for b in range(bands)]


def hann(length: int) -> np.ndarray:
    if length < 2:
        return np.ones(length, F32)
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / (length - 1))).astype(F32)


def fft_magnitude(x: np.ndarray, window: bool) -> np.ndarray:
    """|FFT| of each axis zero-padded to a power of two, bins 0 … nfft/2 − 1, computed
    exactly as the C does (radix 2, float32)."""
    length = x.shape[2]
    return f32.fft_mag(x, next_pow2(length), hann(length) if window else None)


def _fft_scratch(shape: tuple[int, ...]) -> int:
    nfft = next_pow2(shape[1])
    return 2 * nfft + nfft // 2  # re, im, then magnitudes


class FFTMag(Block):
    """Magnitude spectrum per axis, averaged into `bands` equal bands, optional Hann
    window and log(1 + x) compression."""

    kind = "fft"
    stage_in = "signal"
    code_bytes = 630

    bands = Param(int, low=1, doc="equal-width bands the spectrum is averaged into")
    window = Param(bool, False, doc="Hann window before the FFT")
    log = Param(bool, False, doc="log(1 + x) of each band")

    def transform(self, x: np.ndarray) -> np.ndarray:
        mag = fft_magnitude(x, self.window)
        bands = min(self.bands, mag.shape[2])
        out = np.stack([(f32.seqsum(mag[:, :, lo:hi]) / F32(hi - lo)).astype(F32)
                        for lo, hi in band_edges(mag.shape[2], bands)], axis=2)
        if self.log:
            out = f32.logf((F32(1) + out).astype(F32))
        return out.reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * min(self.bands, next_pow2(shape[1]) // 2),)

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        return _fft_scratch(shape)

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        nfft = next_pow2(shape[1])
        return 4 * (nfft // 2) * 2 + (4 * shape[1] if self.window else 0)


SPECTRAL = ("centroid", "spread", "peak", "energy", "rolloff", "b0", "b1", "b2", "b3")


class Spectral(Block):
    """Per axis from the magnitude spectrum: centroid, spread and roll-off (85 %) as
    fractions of Nyquist, dominant bin, log energy and the energy share of four bands."""

    kind = "spectral"
    stage_in = "signal"
    code_bytes = 920

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
        bands = [(f32.seqsum(p[:, :, lo:hi]) / tot).astype(F32) for lo, hi in band_edges(bins, 4)]
        feats = [cen, spread, (peak.astype(F32) / fb).astype(F32), f32.logf((F32(1) + tot).astype(F32)),
                 (roll / fb).astype(F32), *bands]
        return np.stack(feats, axis=2).reshape(len(x), -1).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0] * len(SPECTRAL),)

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        return _fft_scratch(shape)

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        return 4 * next_pow2(shape[1])
