"""Outliers the user never recorded, made from their nominal signals: a 1-class
library is judged by how tight its boundary is, and a boundary around everything has
recall 1. Added noise, a gain fault, shuffled segments and a boosted frequency band.
"""

from __future__ import annotations

import numpy as np

SYNTHETIC = ("noise", "gain", "shuffle", "band")


def synthesize(x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four outliers per nominal signal: (signals, source index, kind index).

    Severities are set against the spread of the nominal data, not of one signal, so a
    quiet signal (a machine at rest) gets the same absolute disturbance as a busy one."""
    rng = np.random.default_rng(seed + 7919)
    n, axes, length = x.shape
    spread = x.astype(np.float64).std(axis=(0, 2)) + 1e-6  # per axis
    out, src, kind = [], [], []
    for i in range(n):
        s = x[i].astype(np.float64)
        out.append(s + rng.normal(0.0, 1.0, s.shape) * spread[:, None])
        out.append(s * (3.0 if rng.random() < 0.5 else 1.0 / 3.0))
        seg = np.array_split(np.arange(length), 16)
        perm = rng.permutation(len(seg))
        if np.all(perm == np.arange(len(seg))):
            perm = perm[::-1]
        out.append(s[:, np.concatenate([seg[j] for j in perm])])
        spec = np.fft.rfft(s, axis=1)
        nb = spec.shape[1]
        width = max(1, (nb - 1) // 8)
        lo = 1 + int(rng.integers(0, max(1, nb - 1 - width)))
        spec[:, lo: lo + width] *= 8.0
        out.append(np.fft.irfft(spec, n=length, axis=1))
        src += [i] * 4
        kind += list(range(4))
    return np.asarray(out, np.float32), np.asarray(src, np.int64), np.asarray(kind, np.int64)


def augment(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The project's signals followed by synthetic outliers of its nominal ones:
    x, y (0 nominal, 1 abnormal file, 2 synthetic) and each signal's nominal source
    (−1 for recorded signals)."""
    nom = np.flatnonzero(y == 0)
    syn, src, _ = synthesize(x[nom], seed)
    xa = np.concatenate([x, syn])
    ya = np.concatenate([y, np.full(len(syn), 2)]).astype(np.int64)
    origin = np.concatenate([np.full(len(x), -1), nom[src]]).astype(np.int64)
    return xa, ya, origin
