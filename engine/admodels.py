"""Anomaly-detection models that learn on the device: the numpy float32 twins of the C
in codegen/cad.py, operation for operation, so that a learn sequence leaves the same
bits in both and detection gives the same similarity.

Every model keeps a running diagonal Gaussian of the features (Welford) and measures
distances in those running units, so no scaler is learned off the device. Calibration
comes from the device's own nominal data only: each learned buffer is first scored
against what was learned before it (a prequential score); the last `CAL` such scores
give a threshold T = margin × their median, and

    similarity = 100 × 9 / (9 + (sensitivity × score / T)²)   (rounded to 0…100)

so a buffer scoring exactly T is at 90 % (the nominal limit), 2T at 69 %, 3T at 50 %.
Sensitivity 1 is the default; 2 makes every score count double (more anomalies), 0.5 half.

Counts are floats in the C state: exact up to 2^24 learn calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import f32
from .blocks import Step

F32 = np.float32
CAL = 16  # prequential scores kept for calibration
NOMINAL = 90  # similarity at or above which a buffer is nominal
FLOOR = F32(0.01)  # variance floor, as a share of the mean variance
TINY = F32(1e-12)


def _sqdist(x: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ_j (x_j − p_j)² w_j, accumulated feature by feature as the C does: (m, k)."""
    acc = np.zeros((len(x), len(p)), F32)
    for j in range(x.shape[1]):
        t = (x[:, j: j + 1] - p[None, :, j]).astype(F32)
        acc = (acc + (t * t).astype(F32) * w[j]).astype(F32)
    return acc


class ADModel(Step):
    """Bounded static state, learned one buffer at a time."""

    warmup: int = 2  # learn calls before prequential scores count

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.d = 0

    # ------------------------------------------------------------ state

    def reset(self, d: int) -> ADModel:
        self.d = d
        self.state = {"n": np.zeros(1, F32), "mean": np.zeros(d, F32), "m2": np.zeros(d, F32),
                      "cal": np.zeros(CAL, F32), "ncal": np.zeros(1, F32)}
        self._reset_model(d)
        return self

    def _reset_model(self, d: int) -> None:
        pass

    def state_floats(self, d: int) -> int:
        """Floats of learned state (RAM on the device)."""
        return 2 * d + 2 + CAL + self.model_floats(d)

    def model_floats(self, d: int) -> int:
        return 0

    def memory(self) -> np.ndarray:
        """The learned state in the C library's `nf_mem` layout (see codegen/cad.py)."""
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
        if st["n"][0] >= self.warmup and self._ready():
            s = self.scores(f[None, :])[0]
            k = int(st["ncal"][0])
            st["cal"][k % CAL] = s
            st["ncal"][0] = F32(st["ncal"][0] + F32(1))
        self._learn_model(f)
        n = F32(st["n"][0] + F32(1))
        st["n"][0] = n
        delta = (f - st["mean"]).astype(F32)
        st["mean"] = (st["mean"] + (delta / n).astype(F32)).astype(F32)
        st["m2"] = (st["m2"] + (delta * (f - st["mean"]).astype(F32)).astype(F32)).astype(F32)

    def learn_seq(self, feats: np.ndarray) -> None:
        for f in feats:
            self.learn(f)

    def _ready(self) -> bool:
        return True

    def _learn_model(self, f: np.ndarray) -> None:
        pass

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
        return F32(F32(self.params.get("margin", 3.0)) * med)

    def similarity(self, x: np.ndarray, sensitivity: float = 1.0) -> np.ndarray:
        """uint8 similarity 0–100 of each feature vector in x (m, d)."""
        if self.state["n"][0] == 0:
            return np.zeros(len(x), np.uint8)
        s = self.scores(x)
        t = self.threshold()
        if t <= TINY:
            t = TINY
        r = ((F32(sensitivity) * s).astype(F32) / t).astype(F32)
        e = np.minimum((r * r).astype(F32), F32(1e30))
        sim = (F32(900) / (F32(9) + e).astype(F32)).astype(F32)
        return np.floor((sim + F32(0.5)).astype(F32)).astype(np.uint8)


class Gauss(ADModel):
    """A running diagonal Gaussian: the score is the mean squared z-score."""

    kind = "gauss"
    code_bytes = 120

    def scores(self, x: np.ndarray) -> np.ndarray:
        w = self.weights()
        return (_sqdist(np.asarray(x, F32), self.state["mean"][None, :], w)[:, 0] / F32(self.d)).astype(F32)


class Protos(ADModel):
    """Shared by k-means and the kNN reservoir: slots of feature vectors; the score is
    the scaled squared distance to the nearest filled slot."""

    def _slots(self) -> int:
        raise NotImplementedError

    def _reset_model(self, d: int) -> None:
        k = self._slots()
        self.state.update(slot=np.zeros((k, d), F32), cnt=np.zeros(k, F32), filled=np.zeros(1, F32))

    def model_floats(self, d: int) -> int:
        k = self._slots()
        return k * d + k + 1

    def _ready(self) -> bool:
        return self.state["filled"][0] > 0

    def scores(self, x: np.ndarray) -> np.ndarray:
        k = int(self.state["filled"][0])
        dist = _sqdist(np.asarray(x, F32), self.state["slot"][:k], self.weights())
        return (dist.min(axis=1) / F32(self.d)).astype(F32)


class KMeans(Protos):
    """Streaming k-means: the first K buffers seed the prototypes, then each buffer moves
    its nearest prototype by 1/count towards itself."""

    kind = "kmeans"
    code_bytes = 260

    def _slots(self) -> int:
        return int(self.params["k"])

    def _learn_model(self, f: np.ndarray) -> None:
        st = self.state
        k = int(st["filled"][0])
        if k < self._slots():
            st["slot"][k] = f
            st["cnt"][k] = F32(1)
            st["filled"][0] = F32(k + 1)
            return
        c = int(np.argmin(_sqdist(f[None, :], st["slot"], self.weights())[0]))
        st["cnt"][c] = F32(st["cnt"][c] + F32(1))
        st["slot"][c] = (st["slot"][c] + ((f - st["slot"][c]).astype(F32) / st["cnt"][c]).astype(F32)).astype(F32)


def xorshift32(s: int) -> int:
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s & 0xFFFFFFFF


class Reservoir(Protos):
    """kNN on a uniform reservoir sample of everything learned (Vitter's algorithm R,
    with a seeded xorshift32 so the device and the reference pick the same buffers)."""

    kind = "reservoir"
    code_bytes = 240

    def _slots(self) -> int:
        return int(self.params["slots"])

    def _reset_model(self, d: int) -> None:
        super()._reset_model(d)
        self.rng = (int(self.params.get("seed", 0)) * 2654435761 + 1) & 0xFFFFFFFF or 1

    def _learn_model(self, f: np.ndarray) -> None:
        st = self.state
        n = int(st["n"][0])
        if n < self._slots():
            st["slot"][n] = f
            st["filled"][0] = F32(n + 1)
            return
        self.rng = xorshift32(self.rng)
        j = self.rng % (n + 1)
        if j < self._slots():
            st["slot"][j] = f


class HalfSpace(ADModel):
    """Half-space trees (Tan, Ting & Liu 2011) in running z-units: tree shapes come from
    the seed (flash), node masses are learned (RAM). The score is T·n over the summed
    mass × 2^depth where each query stops, so ~1 for dense (nominal) regions and large
    for empty ones."""

    kind = "hst"
    code_bytes = 300
    warmup = 4

    def _nodes(self) -> int:
        return 2 ** (int(self.params["depth"]) + 1) - 1

    def shape(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Split dimension and value of every internal node, heap order (2i+1, 2i+2)."""
        rng = np.random.default_rng(int(self.params.get("seed", 0)))
        trees, depth = int(self.params["trees"]), int(self.params["depth"])
        inner = 2 ** depth - 1
        dims = np.zeros((trees, inner), np.int32)
        vals = np.zeros((trees, inner), F32)
        for t in range(trees):
            c = rng.uniform(-1.5, 1.5, d)
            lo, hi = c - 4.0, c + 4.0
            stack = [(0, lo.copy(), hi.copy())]
            while stack:
                i, lo_i, hi_i = stack.pop()
                if i >= inner:
                    continue
                q = int(rng.integers(d))
                v = 0.5 * (lo_i[q] + hi_i[q])
                dims[t, i], vals[t, i] = q, F32(v)
                hl, lh = hi_i.copy(), lo_i.copy()
                hl[q], lh[q] = v, v
                stack.append((2 * i + 1, lo_i, hl))
                stack.append((2 * i + 2, lh, hi_i))
        return dims, vals

    def _reset_model(self, d: int) -> None:
        self.dims, self.vals = self.shape(d)
        self.state["mass"] = np.zeros((int(self.params["trees"]), self._nodes()), F32)

    def model_floats(self, d: int) -> int:
        return int(self.params["trees"]) * self._nodes()

    def table_bytes(self, d: int) -> int:
        return int(self.params["trees"]) * (2 ** int(self.params["depth"]) - 1) * 6

    def _z(self, x: np.ndarray) -> np.ndarray:
        inv = f32.sqrtf(self.weights())
        return ((x - self.state["mean"]).astype(F32) * inv).astype(F32)

    def _ready(self) -> bool:
        return self.state["n"][0] > 0

    def _learn_model(self, f: np.ndarray) -> None:
        if self.state["n"][0] < 2:
            return  # no running units yet
        z = self._z(f[None, :])[0]
        depth = int(self.params["depth"])
        mass = self.state["mass"]
        for t in range(mass.shape[0]):
            i = 0
            for level in range(depth + 1):
                mass[t, i] = F32(mass[t, i] + F32(1))
                if level == depth:
                    break
                i = 2 * i + (1 if z[self.dims[t, i]] < self.vals[t, i] else 2)

    def scores(self, x: np.ndarray) -> np.ndarray:
        z = self._z(np.asarray(x, F32))
        depth = int(self.params["depth"])
        mass = self.state["mass"]
        n = self.state["n"][0]
        limit = F32(F32(0.1) * n)
        out = np.zeros(len(z), F32)
        for r in range(len(z)):
            acc = F32(0)
            for t in range(mass.shape[0]):
                i, level = 0, 0
                while level < depth and mass[t, i] >= limit:
                    i = 2 * i + (1 if z[r, self.dims[t, i]] < self.vals[t, i] else 2)
                    level += 1
                acc = F32(acc + F32(mass[t, i] * F32(2 ** level)))
            out[r] = F32(F32(F32(mass.shape[0]) * n) / F32(acc + F32(1)))
        return out


_AD_MODELS: dict[str, type[ADModel]] = {m.kind: m for m in (Gauss, KMeans, Reservoir, HalfSpace)}


def make_ad_model(kind: str, params: dict[str, Any]) -> ADModel:
    try:
        return _AD_MODELS[kind](**params)
    except KeyError:
        raise ValueError(f"unknown anomaly model '{kind}'") from None
