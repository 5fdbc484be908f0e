"""Affine maps of feature vectors learned from the training signals: standard scaling
and PCA. The search caches features up to the first of these, since they are the only
vector steps that learn."""

from __future__ import annotations

import numpy as np

from ..step import Param
from .base import F32, Block


class Scale(Block):
    """Global standard scaling; a constant feature is left unscaled rather than blown up."""

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

    def knowledge_estimate(self, s_in: tuple[int, ...], s_out: tuple[int, ...]) -> int:
        return 8 * s_in[0]  # mean and inverse std


class PCA(Block):
    """Projection on the first k principal components, fitted in float64 with a sign
    convention so the same data always gives the same bits."""

    kind = "pca"
    code_bytes = 80
    out_of_place = True

    k = Param(int, low=1, doc="components kept (fewer when there are fewer features or signals)")

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> PCA:
        k = min(self.k, x.shape[1], len(x))
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
        """At most as many components as input features (fewer after fitting on few signals)."""
        return (min(self.k, shape[0]),) if not self.state else (self.state["comp"].shape[0],)

    def knowledge_estimate(self, s_in: tuple[int, ...], s_out: tuple[int, ...]) -> int:
        return 4 * s_in[0] * (s_out[0] + 1)  # components and mean
