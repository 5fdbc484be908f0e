"""What every anomaly-detection model shares: it learns on the device, one buffer at a
time, in bounded static RAM. These are the numpy float32 twins of the C learn/detect
functions, operation for operation, so a learn sequence leaves the same bits in both and
detection gives the same similarity.

Every model keeps a running diagonal Gaussian of the features (Welford) and measures
distances in those running units, so no scaler is learned off the device. Calibration
comes from the device's own nominal data only: each learned buffer is first scored
against what was learned before it (a prequential score); the last `CAL` such scores
give a threshold T = margin × their median (a family may calibrate on what it keeps
instead: the reservoir's `calibration="loo"`), and the similarity head
(heads.similarity) maps score / T to 0–100.

Counts are floats in the C state: exact up to 2^24 learn calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import f32
from ..step import Param
from .base import F32, Model
from .heads import TINY, similarity

CAL = 16  # prequential scores kept for calibration
NOMINAL = 90  # similarity at or above which a buffer is nominal
FLOOR = F32(0.01)  # variance floor, as a share of the mean variance


def scaled_sqdist(x: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ_j (x_j − p_j)² w_j, accumulated feature by feature as the C does: (m, k)."""
    acc = np.zeros((len(x), len(p)), F32)
    for j in range(x.shape[1]):
        t = (x[:, j: j + 1] - p[None, :, j]).astype(F32)
        acc = (acc + (t * t).astype(F32) * w[j]).astype(F32)
    return acc


class ADModel(Model):
    """Bounded static state, learned one buffer at a time: `reset`, `learn`, `similarity`."""

    warmup: int = 2  # learn calls before prequential scores count

    margin = Param(float, 3.0, low=0.0, open_low=True, doc="threshold = margin × the median calibration score")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.d = 0

    # ------------------------------------------------------------ state

    def reset(self, d: int) -> ADModel:
        self.d = d
        self.state = {"n": np.zeros(1, F32), "mean": np.zeros(d, F32), "m2": np.zeros(d, F32),
                      "cal": np.zeros(CAL, F32), "ncal": np.zeros(1, F32)}
        self.reset_model(d)
        return self

    def reset_model(self, d: int) -> None:
        """The family's own state, empty, for d features."""

    def state_floats(self, d: int) -> int:
        """Floats of learned state (RAM on the device)."""
        return 2 * d + 2 + CAL + self.model_floats(d)

    def model_floats(self, d: int) -> int:
        return 0

    def memory(self) -> np.ndarray:
        """The learned state in the C library's `nf_mem` layout: Welford, calibration,
        then the family's slots or masses."""
        st = self.state
        parts = [st["n"], st["mean"], st["m2"], st["ncal"], st["cal"]]
        if "slot" in st:
            parts += [st["filled"], st["cnt"], st["slot"].ravel()]
        if "mass" in st:
            parts.append(st["mass"].ravel())
        return np.concatenate(parts).astype(F32)

    def table_bytes(self, d: int) -> int:
        """Constant tables in flash (seeded shapes)."""
        return 0

    def weights(self) -> np.ndarray:
        """1 / (variance + floor), the floor a share of the mean variance so that a
        constant feature neither divides by zero nor dominates."""
        n = self.state["n"][0]
        var = (self.state["m2"] / n).astype(F32) if n > 0 else np.zeros(self.d, F32)
        avg = F32(f32.seqsum(var) / F32(self.d))
        fl = F32(F32(FLOOR * avg) + TINY)
        return (F32(1) / (var + fl).astype(F32)).astype(F32)

    # ------------------------------------------------------------ learn / detect

    def learn(self, f: np.ndarray) -> None:
        """One learn() call with feature vector f (d,)."""
        f = np.asarray(f, F32)
        st = self.state
        if st["n"][0] >= self.warmup and self.ready():
            s = self.scores(f[None, :])[0]
            k = int(st["ncal"][0])
            st["cal"][k % CAL] = s
            st["ncal"][0] = F32(st["ncal"][0] + F32(1))
        self.learn_model(f)
        n = F32(st["n"][0] + F32(1))
        st["n"][0] = n
        delta = (f - st["mean"]).astype(F32)
        st["mean"] = (st["mean"] + (delta / n).astype(F32)).astype(F32)
        st["m2"] = (st["m2"] + (delta * (f - st["mean"]).astype(F32)).astype(F32)).astype(F32)

    def learn_seq(self, feats: np.ndarray) -> None:
        for f in feats:
            self.learn(f)

    def ready(self) -> bool:
        """Whether the family can score yet (prequential scores wait for it)."""
        return True

    def learn_model(self, f: np.ndarray) -> None:
        """The family's update for one buffer, before the Welford update."""

    def scores(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def threshold(self) -> F32:
        """margin × the (lower) median of the last CAL prequential scores: the median,
        not the mean, because the first scores, taken while the model knows little, are
        far larger than the rest."""
        k = min(int(self.state["ncal"][0]), CAL)
        if k == 0:
            return F32(0)
        med = np.sort(self.state["cal"][:k])[(k - 1) // 2]
        return F32(F32(self.margin) * med)

    def similarity(self, x: np.ndarray, sensitivity: float = 1.0) -> np.ndarray:
        """uint8 similarity 0–100 of each feature vector in x (m, d)."""
        if self.state["n"][0] == 0:
            return np.zeros(len(x), np.uint8)
        return similarity(self.scores(x), self.threshold(), sensitivity)
