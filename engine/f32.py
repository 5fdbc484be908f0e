"""Bit-for-bit numpy twins of the C library's float helpers.

numpy's float32 element-wise + − × ÷ round exactly like the C (no fused multiply-add),
so replaying the same operations in the same order gives the same bits. Features that
branch on near-ties (spectral peak, roll-off, tree thresholds) need that, or the search
would score a library slightly different from the one it ships.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32


def sqrtf(x: np.ndarray) -> np.ndarray:
    """nf_sqrtf: bit-level guess then four Newton steps."""
    x = np.asarray(x, F32)
    pos = x > 0
    xs = np.where(pos, x, F32(1))
    y = ((xs.view(np.uint32) >> np.uint32(1)) + np.uint32(0x1FBB4F2E)).view(F32)
    half = F32(0.5)
    for _ in range(4):
        y = (half * (y + xs / y)).astype(F32)
    return np.where(pos, y, F32(0)).astype(F32)


def logf(x: np.ndarray) -> np.ndarray:
    """nf_logf."""
    x = np.asarray(x, F32)
    pos = x > 0
    xs = np.where(pos, x, F32(1))
    u = xs.view(np.uint32)
    e = ((u >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int32) - 127
    m = ((u & np.uint32(0x007FFFFF)) | np.uint32(0x3F800000)).view(F32)
    big = m > F32(1.41421356)
    m = np.where(big, (m * F32(0.5)).astype(F32), m)
    e = e + big
    s = ((m - F32(1)) / (m + F32(1))).astype(F32)
    s2 = (s * s).astype(F32)
    poly = F32(0.142857149) + s2 * F32(0.111111112)
    poly = F32(0.2) + s2 * poly.astype(F32)
    poly = F32(0.333333343) + s2 * poly.astype(F32)
    poly = F32(1) + s2 * poly.astype(F32)
    r = (e.astype(F32) * F32(0.693147182)).astype(F32) + ((F32(2) * s).astype(F32) * poly.astype(F32)).astype(F32)
    return np.where(pos, r, F32(-87)).astype(F32)


def seqsum(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Left-to-right float32 sum, as a C loop does (numpy's sum is pairwise)."""
    x = np.moveaxis(np.asarray(x, F32), axis, -1)
    if x.shape[-1] == 0:
        return np.zeros(x.shape[:-1], F32)
    return np.add.accumulate(x, axis=-1, dtype=F32)[..., -1]


def twiddles(nfft: int) -> np.ndarray:
    i = np.arange(nfft // 2)
    return np.concatenate([np.cos(2 * np.pi * i / nfft), np.sin(2 * np.pi * i / nfft)]).astype(F32)


def _bitrev(n: int) -> np.ndarray:
    bits = n.bit_length() - 1
    idx = np.arange(n)
    rev = np.zeros(n, np.int64)
    for b in range(bits):
        rev |= ((idx >> b) & 1) << (bits - 1 - b)
    return rev


def fft_mag(x: np.ndarray, nfft: int, win: np.ndarray | None) -> np.ndarray:
    """nf_fft_mag over the last axis of x (any leading shape): bins 0 … nfft/2 − 1."""
    lead = x.shape[:-1]
    length = x.shape[-1]
    re = np.zeros((*lead, nfft), F32)
    re[..., :length] = (x * win).astype(F32) if win is not None else x
    im = np.zeros_like(re)
    perm = _bitrev(nfft)
    re, im = re[..., perm], im[..., perm]
    tw = twiddles(nfft)
    size = 2
    while size <= nfft:
        half, step = size // 2, nfft // size
        k = np.arange(half)
        wr = tw[k * step]
        wi = -tw[nfft // 2 + k * step]
        starts = np.arange(0, nfft, size)[:, None]
        top = (starts + k[None, :]).ravel()
        bot = top + half
        wr_b = np.tile(wr, len(starts))
        wi_b = np.tile(wi, len(starts))
        br, bi = re[..., bot], im[..., bot]
        xr = ((br * wr_b).astype(F32) - (bi * wi_b).astype(F32)).astype(F32)
        xi = ((br * wi_b).astype(F32) + (bi * wr_b).astype(F32)).astype(F32)
        tr, ti = re[..., top], im[..., top]
        re[..., bot] = tr - xr
        im[..., bot] = ti - xi
        re[..., top] = tr + xr
        im[..., top] = ti + xi
        size *= 2
    h = nfft // 2
    return sqrtf((re[..., :h] * re[..., :h]).astype(F32) + (im[..., :h] * im[..., :h]).astype(F32))
