"""The 1-class benchmark plot: signals projected on the plane of their two main
directions in the library's feature space, and the library's boundary in that plane.

The boundary is exact on the plane (each grid point is a feature vector the model
scores) but only a slice of the real, higher-dimensional one: a signal plotted inside
may still be an outlier through directions the plane does not show, or through the
library's raw-buffer backstop; each point keeps the library's own decision, so the two
can be told apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .pipeline import Pipeline
from .synthetic import SYNTHETIC

GRID = 48
MAX_SYNTHETIC = 400


def plot_data(pipe: Pipeline, x: np.ndarray, y: np.ndarray, kinds: np.ndarray | None = None,
              size: int = GRID) -> dict[str, Any]:
    """`x` signals with y = 0 nominal, 1 abnormal (recorded), 2 synthetic (`kinds` gives
    which of SYNTHETIC each one is)."""
    if not len(x) or not (y == 0).any():
        raise ValueError("no nominal signals to plot")
    keep = np.flatnonzero(y != 2)
    syn = np.flatnonzero(y == 2)
    if len(syn) > MAX_SYNTHETIC:
        syn = syn[np.linspace(0, len(syn) - 1, MAX_SYNTHETIC).astype(int)]
    idx = np.concatenate([keep, syn])
    feats = pipe.features(x[idx]).astype(np.float64)
    nom = feats[y[idx] == 0]
    mean = nom.mean(axis=0)
    _, sv, vt = np.linalg.svd(nom - mean, full_matrices=False)
    comp = np.zeros((2, feats.shape[1]))
    comp[: min(2, len(vt))] = vt[:2]
    total = float((sv ** 2).sum()) or 1.0
    explained = [float(v ** 2 / total) for v in sv[:2]] + [0.0] * (2 - min(2, len(sv)))
    z = (feats - mean) @ comp.T
    # the library's decision: the model's, or its backstop's on the raw signal (not on the plane)
    scores = pipe.backstopped(pipe.model.predict_proba(feats.astype(np.float32)), x[idx])[:, 0]
    outlier = scores > pipe.model.state["limit"][0]
    names = {0: "nominal", 1: "abnormal", 2: "synthetic"}
    points = []
    for j, i in enumerate(idx):
        p: dict[str, Any] = {"x": float(z[j, 0]), "y": float(z[j, 1]), "kind": names[int(y[i])],
                             "outlier": bool(outlier[j])}
        if y[i] == 2 and kinds is not None:
            p["synthetic"] = SYNTHETIC[int(kinds[i])]
        points.append(p)
    core = z[y[idx] != 2] if (y[idx] != 2).any() else z
    lo, hi = core.min(axis=0), core.max(axis=0)
    pad = 0.25 * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    gx, gy = np.linspace(lo[0], hi[0], size), np.linspace(lo[1], hi[1], size)
    zz = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # row = y, column = x
    grid_feats = (mean + zz @ comp).astype(np.float32)
    inside = pipe.model.outlier(grid_feats).reshape(size, size)
    return {"explained_variance": explained, "points": points,
            "grid": {"size": size, "x": [float(lo[0]), float(hi[0])], "y": [float(lo[1]), float(hi[1])],
                     "outlier": inside.astype(int).tolist()},
            "threshold": float(pipe.model.state["limit"][0])}

