"""Time-domain summary features, per axis."""

from __future__ import annotations

import numpy as np

from .. import f32
from .base import EPS, F32, Block
from .signal import centre

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
        m, c = centre(x)
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
