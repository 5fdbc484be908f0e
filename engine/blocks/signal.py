"""Signal → signal steps done axis by axis before the features: centring, scaling,
differencing and decimation."""

from __future__ import annotations

import numpy as np

from .. import f32
from ..step import Param
from .base import EPS, F32, Block


def centre(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each axis' mean and the signal minus it; the mean summed left to right as the C
    loop does, so centred values match the device to the bit."""
    m = (f32.seqsum(x) / F32(x.shape[2])).astype(F32)
    return m, (x - m[:, :, None]).astype(F32)


class MeanRemoval(Block):
    """Removes each axis' mean, so features see vibration, not the sensor's offset."""

    kind = "mean_removal"
    stage_in = stage_out = "signal"
    code_bytes = 60

    def transform(self, x: np.ndarray) -> np.ndarray:
        return centre(x)[1]


class ZScore(Block):
    """Per signal and axis; a flat axis stays at zero instead of exploding."""

    kind = "zscore"
    stage_in = stage_out = "signal"
    code_bytes = 110

    def transform(self, x: np.ndarray) -> np.ndarray:
        n = F32(x.shape[2])
        c = centre(x)[1]
        q = f32.seqsum((c * c).astype(F32))
        inv = (F32(1) / (f32.sqrtf((q / n).astype(F32)) + EPS).astype(F32)).astype(F32)
        return (c * inv[:, :, None]).astype(F32)


class Diff(Block):
    """First difference: slow drifts vanish and sharp changes stand out."""

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

    factor = Param(int, low=1, doc="samples averaged into one")

    def transform(self, x: np.ndarray) -> np.ndarray:
        f = self.factor
        n, a, length = x.shape
        m = length // f
        acc = np.zeros((n, a, m), F32)
        for j in range(f):  # same summation order as the C loop
            acc = (acc + x[:, :, j: m * f: f]).astype(F32)
        return (acc * F32(1.0 / f)).astype(F32)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (shape[0], shape[1] // self.factor)
