"""MiniRocket-style random convolution features (Dempster et al. 2021), reduced to what
a Cortex-M can afford: integer kernel weights, a few dilations, one pooled value each."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from ..step import Param
from .base import F32, Block

# The 84 MiniRocket kernels: 9 taps of weight −1 with three of them at +2.
ROCKET_KERNELS = np.array(list(combinations(range(9), 3)), dtype=np.int64)


def rocket_dilations(length: int, count: int) -> list[int]:
    """Exponentially spread dilations whose receptive field fits the buffer: the i-th is
    ⌊top^(i/(count−1))⌋, in integers. In floats, 2^log2(3) is 2.9999999999999996 on some
    CPUs (numpy's vectorised exp2/log2 differ by one ulp across instruction sets) and
    floored to 2: the same project gave another library on another machine."""
    top = max(1, (length - 1) // 8)
    if count <= 1:
        return [1]
    out = set()
    for i in range(count):
        d = round(top ** (i / (count - 1)))  # the floor or one above it: the float is off by an ulp at most
        out.add(d - 1 if d ** (count - 1) > top ** i else d)
    return sorted(out)


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
    """Fixed {−1, 2} kernels at a few dilations, one bias per (axis, kernel, dilation)
    from a training quantile, pooled as the proportion of positive values (PPV).
    `kernels` picks k of the 84, evenly spread, so size follows the budget."""

    kind = "minirocket"
    stage_in = "signal"
    code_bytes = 480
    whole_signal = True

    kernels = Param(int, low=1, high=len(ROCKET_KERNELS), doc="how many of the 84 kernels")
    dilations = Param(int, low=1, doc="dilations tried, exponentially spread")
    seed = Param(int, 0, doc="picks the training signal and quantile behind each bias")

    def plan(self, length: int) -> tuple[np.ndarray, list[int]]:
        """The kernels and dilations used for buffers of `length` samples."""
        k = self.kernels
        step = max(1, 84 // k)
        kern = ROCKET_KERNELS[::step][:k]
        return kern, rocket_dilations(length, self.dilations)


    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> MiniRocket:
        kern, dils = self.plan(x.shape[2])
        rng = np.random.default_rng(self.seed)
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
        kern, dils = self.plan(x.shape[2])
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
        kern, dils = self.plan(shape[1])
        return (shape[0] * len(kern) * len(dils),)

    def knowledge_estimate(self, s_in: tuple[int, ...], s_out: tuple[int, ...]) -> int:
        return 4 * s_out[0]  # one bias per feature

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        """The kernels' three +2 taps (a byte each) and the dilations (an int each); with
        code_bytes, calibrated on Cortex-M4F builds of 18 and 84 kernels (within 70 B)."""
        kern, dils = self.plan(shape[1])
        return 3 * len(kern) + 4 * len(dils)
