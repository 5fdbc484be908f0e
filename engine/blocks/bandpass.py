"""The project's band-pass filter as a block; its coefficients come from the project
(engine/bandpass.py designs them), not from fitting."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import F32, Block


class BandPassBlock(Block):
    """A biquad cascade (direct form II transposed), each buffer filtered from rest, as
    the device sees one buffer at a time."""

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

    def knowledge_estimate(self, s_in: tuple[int, ...], s_out: tuple[int, ...]) -> int:
        return 24 * 4  # up to four sections of six floats
