"""The raw samples as features: the whole buffer (`flatten`), or, for multi-sensor
projects, one sample of every variable per call with optional rolling statistics."""

from __future__ import annotations

import numpy as np

from ..step import Param
from .base import F32, Block


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
    whole_signal = True

    window = Param(int, 0, low=0, doc="samples in the ring; 0 passes each sample on")

    def transform(self, x: np.ndarray) -> np.ndarray:
        v = x[:, :, 0].astype(F32)
        w = self.window
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
        return (shape[0] * (3 if self.window else 1),)

    def ram_floats(self, shape: tuple[int, ...]) -> int:
        return self.window * shape[0] + 1
