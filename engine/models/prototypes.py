"""The prototype family: stored feature vectors and squared Euclidean distances to them
(one C distance loop). Nearest centroid and k nearest neighbours classify, kNN averages
targets for extrapolation and measures outlyingness for 1-class, and the on-device
anomaly models keep their prototypes in RAM slots (streaming k-means, a reservoir).
"""

from __future__ import annotations

import numpy as np

from .. import f32
from ..step import Param
from .base import F32
from .heads import Classifier, OneClass, Regressor
from .ondevice import CAL, ADModel, scaled_sqdist


def sqdist(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(len(x), len(p)) squared distances, accumulated feature by feature as the C does."""
    d = np.zeros((len(x), len(p)), F32)
    for j in range(x.shape[1]):
        t = (x[:, j: j + 1] - p[None, :, j]).astype(F32)
        d = (d + t * t).astype(F32)
    return d


def proto_proba(x: np.ndarray, proto: np.ndarray, label: np.ndarray, k: int, n_classes: int) -> np.ndarray:
    """Class probabilities from the k nearest prototypes, each weighing 1 / (d² + 1e-6);
    ties keep the earlier prototype, as the C's insertion does."""
    d = sqdist(x, proto)
    k = min(k, len(proto))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    out = np.zeros((len(x), n_classes), np.float64)
    rows = np.arange(len(x))
    for j in range(k):
        w = 1.0 / (d[rows, order[:, j]].astype(np.float64) + 1e-6)
        np.add.at(out, (rows, label[order[:, j]]), w)
    return (out / out.sum(axis=1, keepdims=True)).astype(F32)


def kmeans_centres(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k-means centres (one seeded initialisation): prototype reduction for kNN models."""
    return kmeans_fit(x, k, seed)[0]


def kmeans_fit(x: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k-means centres and each row's cluster (one seeded initialisation)."""
    from sklearn.cluster import KMeans as SkKMeans  # seconds to load: imported only to fit

    est = SkKMeans(k, n_init=1, random_state=seed).fit(x)
    return est.cluster_centers_, est.labels_


def budget_rows(kb: int, row_bytes: int, n: int, groups: int = 1) -> int:
    """Prototypes that fit in `kb` bytes of knowledge (kb 0: no limit): at least one per
    group (class), so a budget too small for every class still gives a classifier, and
    the footprint estimate counts that floor too."""
    if kb <= 0:
        return n
    return min(n, max(groups, kb // row_bytes))


def allocate(counts: list[int], rows: int) -> list[int]:
    """Prototypes per class for `rows` in all: proportional to the class sizes, at least
    one each, never more than a class holds, and summing to at most max(rows, classes),
    so the footprint estimate is a bound."""
    n = sum(counts)
    if rows >= n:
        return list(counts)
    out = [min(c, max(1, rows * c // n)) for c in counts]
    while sum(out) > max(rows, len(counts)):
        out[int(np.argmax(out))] -= 1
    return out


# ------------------------------------------------------------------ classification


class Centroid(Classifier):
    """Nearest centroid; probabilities from inverse squared distances."""

    kind = "centroid"
    code_bytes = 160

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Centroid:
        self.state["proto"] = np.stack([x[y == c].astype(np.float64).mean(axis=0) for c in range(n_classes)]).astype(F32)
        self.state["label"] = np.arange(n_classes, dtype=np.int32)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return proto_proba(x, self.state["proto"], self.state["label"], 1, int(self.state["label"].max()) + 1)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * d * c + 4 * c


class KNN(Classifier):
    """k nearest prototypes; `protos` per class picked by k-means (prototype reduction),
    or every training signal when protos is 0. With `kb`, the prototypes are sized to a
    knowledge budget instead: every training signal when they fit, else per-class k-means
    centres in proportion to the class sizes — so 1-NN on a raw buffer fits the flash
    whatever the number of training signals."""

    kind = "knn"
    code_bytes = 260

    k = Param(int, low=1, doc="neighbours that vote")
    protos = Param(int, 0, low=0, doc="k-means prototypes per class; 0 keeps every training signal")
    seed = Param(int, 0, doc="k-means initialisation")
    classes = Param(int, 0, low=0, doc="set by fit: classes to predict even if a class has no prototype")
    kb = Param(int, 0, low=0, doc="knowledge bytes for the prototypes (0: no limit); overrides protos")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> KNN:
        counts = [int(np.sum(y == c)) for c in range(n_classes)]
        if self.kb:
            per = allocate(counts, budget_rows(self.kb, 4 * x.shape[1] + 4, len(x), n_classes))
        else:
            per = [min(self.protos, m) if self.protos else m for m in counts]
        ps, ls = [], []
        for c in range(n_classes):
            xc = x[y == c]
            ps.append(kmeans_centres(xc, per[c], self.seed) if 0 < per[c] < len(xc) else xc)
            ls.append(np.full(len(ps[-1]), c))
        self.state["proto"] = np.concatenate(ps).astype(F32)
        self.state["label"] = np.concatenate(ls).astype(np.int32)
        self.params["classes"] = n_classes
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        n_classes = self.classes or int(self.state["label"].max()) + 1
        return proto_proba(x, self.state["proto"], self.state["label"], self.k, n_classes)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        if self.kb:
            rows = budget_rows(self.kb, 4 * d + 4, n, c)
        else:
            rows = min(n, self.protos * c) if self.protos else n
        return rows * (4 * d + 4)

    def scratch_floats(self, d: int, c: int) -> int:
        return 2 * self.k  # nf_best_d, nf_best_i


# ------------------------------------------------------------------ extrapolation


class KNNRegressor(Regressor):
    """Mean target of the k nearest training signals (Euclidean, ties keep the earlier);
    with `weighted`, each weighs 1/(distance + 1e-6): on small data sets a close
    neighbour knows more than the tenth one (Covid3Month: test RMSE 0.0391 against 0.0402
    for the plain mean of 10)."""

    kind = "knn_reg"
    code_bytes = 190

    k = Param(int, low=1, doc="neighbours averaged")
    weighted = Param(bool, False, doc="weigh each neighbour by 1 / distance")
    kb = Param(int, 0, low=0, doc="knowledge bytes (0: no limit): beyond it, k-means centres with their mean target")
    seed = Param(int, 0, doc="k-means initialisation")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> KNNRegressor:
        rows = budget_rows(self.kb, 4 * x.shape[1] + 4, len(x))
        if rows < len(x):
            centres, lab = kmeans_fit(x, rows, self.seed)
            yd = np.asarray(y, np.float64)
            value = np.array([yd[lab == j].mean() if np.any(lab == j) else yd.mean() for j in range(rows)])
            self.state = {"proto": centres.astype(F32), "value": value.astype(F32)}
            return self
        self.state = {"proto": np.asarray(x, F32).copy(), "value": np.asarray(y, F32).copy()}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        d = sqdist(np.asarray(x, F32), self.state["proto"])
        k = min(self.k, len(self.state["proto"]))
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        acc = np.zeros(len(x), F32)
        if self.weighted:
            near = np.take_along_axis(d, order, axis=1)
            wsum = np.zeros(len(x), F32)
            for j in range(k):
                w = (F32(1) / (f32.sqrtf(near[:, j]) + F32(1e-6)).astype(F32)).astype(F32)
                acc = (acc + self.state["value"][order[:, j]] * w).astype(F32)
                wsum = (wsum + w).astype(F32)
            return (acc / wsum).astype(F32)[:, None]
        for j in range(k):
            acc = (acc + self.state["value"][order[:, j]]).astype(F32)
        return (acc / F32(k)).astype(F32)[:, None]

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return budget_rows(self.kb, 4 * d + 4, n) * (4 * d + 4)

    def scratch_floats(self, d: int, c: int) -> int:
        return 2 * self.k  # nf_best_d, nf_best_i


# ------------------------------------------------------------------ 1-class


class KNNDistance(OneClass):
    """Mean squared distance to the k nearest prototypes: every training signal
    (protos 0) or k-means centres. With every signal kept, a training signal's own
    score leaves itself out, else the threshold would be 0."""

    kind = "knn_oc"
    code_bytes = 200

    k = Param(int, 1, low=1, doc="nearest prototypes averaged")
    protos = Param(int, 0, low=0, doc="k-means prototypes; 0 keeps every training signal")
    kb = Param(int, 0, low=0, doc="knowledge bytes for the prototypes (0: no limit); overrides protos")

    def rows(self, d: int, n: int) -> int:
        if self.kb:
            return budget_rows(self.kb, 4 * d, n)
        return min(n, self.protos) if self.protos else n

    def fit_boundary(self, x: np.ndarray) -> None:
        per = self.rows(x.shape[1], len(x))
        if per < len(x):
            self.state["proto"] = kmeans_centres(x.astype(np.float64), per, self.seed).astype(F32)
        else:
            self.state["proto"] = x.copy()

    def nearest(self) -> int:
        return min(self.k, len(self.state["proto"]))

    @staticmethod
    def mean_nearest(d: np.ndarray, k: int) -> np.ndarray:
        near = np.sort(d, axis=1, kind="stable")[:, :k]
        acc = np.zeros(len(d), F32)
        for j in range(k):
            acc = (acc + near[:, j]).astype(F32)
        return (acc / F32(k)).astype(F32)

    def distances(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        return sqdist(x, p)

    def score(self, x: np.ndarray) -> np.ndarray:
        return self.mean_nearest(self.distances(x, self.state["proto"]), self.nearest())

    def train_scores(self, x: np.ndarray) -> np.ndarray:
        if len(self.state["proto"]) != len(x) or len(x) < 2:
            return self.score(x)
        d = self.distances(x, self.state["proto"])
        d[np.arange(len(x)), np.arange(len(x))] = np.inf
        return self.mean_nearest(d, min(self.nearest(), len(x) - 1))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * d * self.rows(d, n)

    def scratch_floats(self, d: int, c: int) -> int:
        return 2 * self.k  # nf_best_d, nf_best_i


class KNNShiftDistance(KNNDistance):
    """`knn_oc` on raw buffers that forgives a small time shift: the distance to a stored
    buffer is the least over shifting the signal by up to `shift` samples either way
    within each of its `segments` (its axes, one after the other), the samples shifted
    in repeating the edge one.

    Why: the same event recorded a little earlier or later is far from every stored
    buffer sample by sample, so a raw-buffer distance flags it (the 1-class backstop,
    engine/types/oneclass.py: on Trace's test signals it kept 66 % of the nominal ones).
    C: `nf_knn_shift_distance`, up to 2 × shift + 1 distance loops per stored buffer, each
    stopped once it cannot be the least (the same result, in less time when most are far)."""

    kind = "knn_shift"
    code_bytes = 520  # not calibrated (only backstops use it): over what a build adds on every core

    shift = Param(int, 1, low=0, doc="samples a signal may be shifted either way")
    segments = Param(int, 1, low=1, doc="runs of the feature vector shifted apart (the raw buffer's axes)")

    def fit_boundary(self, x: np.ndarray) -> None:
        if x.shape[1] % self.segments:
            raise ValueError(f"knn_shift: {x.shape[1]} features do not split into {self.segments} segments")
        super().fit_boundary(x)

    def distances(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The least over shifts of the squared distance, each accumulated as the C does."""
        n = x.shape[1]
        run = n // self.segments
        seg, t = np.divmod(np.arange(n), run)
        best = sqdist(x, p)
        for s in range(-self.shift, self.shift + 1):
            if s:
                e = sqdist(x[:, seg * run + np.clip(t - s, 0, run - 1)], p)
                best = np.where(e < best, e, best)  # the C's rule: a shift replaces only when less
        return best


# ------------------------------------------------------------------ anomaly detection


class Slots(ADModel):
    """Shared by k-means and the kNN reservoir: slots of feature vectors; the score is
    the scaled squared distance to the nearest filled slot."""

    def n_slots(self) -> int:
        raise NotImplementedError

    def reset_model(self, d: int) -> None:
        k = self.n_slots()
        self.state.update(slot=np.zeros((k, d), F32), cnt=np.zeros(k, F32), filled=np.zeros(1, F32))

    def model_floats(self, d: int) -> int:
        k = self.n_slots()
        return k * d + k + 1

    def ready(self) -> bool:
        return self.state["filled"][0] > 0

    def scores(self, x: np.ndarray) -> np.ndarray:
        k = int(self.state["filled"][0])
        dist = scaled_sqdist(np.asarray(x, F32), self.state["slot"][:k], self.weights())
        return (dist.min(axis=1) / F32(self.d)).astype(F32)


class KMeans(Slots):
    """Streaming k-means: the first K buffers seed the prototypes, then each buffer moves
    its nearest prototype by 1/count towards itself."""

    kind = "kmeans"
    code_bytes = 360

    k = Param(int, low=1, doc="prototypes")

    def n_slots(self) -> int:
        return self.k

    def learn_model(self, f: np.ndarray) -> None:
        st = self.state
        k = int(st["filled"][0])
        if k < self.n_slots():
            st["slot"][k] = f
            st["cnt"][k] = F32(1)
            st["filled"][0] = F32(k + 1)
            return
        c = int(np.argmin(scaled_sqdist(f[None, :], st["slot"], self.weights())[0]))
        st["cnt"][c] = F32(st["cnt"][c] + F32(1))
        st["slot"][c] = (st["slot"][c] + ((f - st["slot"][c]).astype(F32) / st["cnt"][c]).astype(F32)).astype(F32)


def xorshift32(s: int) -> int:
    """The device's random generator (Marsaglia's xorshift32), bit for bit."""
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    return s & 0xFFFFFFFF


class Reservoir(Slots):
    """kNN on a uniform reservoir sample of everything learned (Vitter's algorithm R,
    with a seeded xorshift32 so the device and the reference pick the same buffers).

    `calibration="loo"` sets the threshold on the kept buffers themselves: margin × the
    median distance of each to its nearest other one, in the weights of now. The
    prequential scores (the default) were each taken when the device knew fewer
    buffers, in the weights of then, so after a few dozen learn calls their median
    still counts the first, far larger ones, and how much larger depends on how many
    were learned: the same margin is tight on one project and loose on the next. The
    kept buffers are a uniform sample of what was learned, so a new nominal buffer's
    distance to its nearest is distributed nearly as a kept one's to its nearest other
    (docs/selection.md, "Anomaly detection: the raw-buffer distance calibrated on its
    kept buffers"). Detection then measures k(k − 1) / 2 distances for k kept buffers.
    With one slot there is no other: the prequential threshold."""

    kind = "reservoir"
    code_bytes = 320
    loo_code_bytes = 240  # nf_ad_loo, compiled with calibration="loo" (`code_parts`)

    slots = Param(int, low=1, doc="buffers kept")
    seed = Param(int, 0, doc="seeds the device's xorshift32")
    calibration = Param(str, "prequential", choices=("prequential", "loo"),
                        doc="threshold from the prequential scores, or from the kept buffers' nearest-other distances")

    def n_slots(self) -> int:
        return self.slots

    def scratch_floats(self, d: int, c: int) -> int:
        # the xorshift32 state; "loo" sorts the kept buffers' distances in the calibration
        # buffer, grown to the slots when they outnumber it
        return 1 + (max(0, self.slots - CAL) if self.calibration == "loo" else 0)

    def code_parts(self) -> list[tuple[str, int]]:
        return [*super().code_parts(), *([("reservoir_loo", self.loo_code_bytes)] if self.calibration == "loo" else [])]

    def threshold(self) -> F32:
        """margin × the (lower) median nearest-other distance of the kept buffers, with
        `calibration="loo"` and two kept or more; else the prequential threshold."""
        k = int(self.state["filled"][0])
        if self.calibration != "loo" or k < 2:
            return super().threshold()
        slot = self.state["slot"][:k]
        dist = scaled_sqdist(slot, slot, self.weights())
        dist[np.arange(k), np.arange(k)] = np.inf
        near = np.sort((dist.min(axis=1) / F32(self.d)).astype(F32))
        return F32(F32(self.margin) * near[(k - 1) // 2])

    def reset_model(self, d: int) -> None:
        super().reset_model(d)
        self.rng = (self.seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def learn_model(self, f: np.ndarray) -> None:
        st = self.state
        n = int(st["n"][0])
        if n < self.n_slots():
            st["slot"][n] = f
            st["filled"][0] = F32(n + 1)
            return
        self.rng = xorshift32(self.rng)
        j = self.rng % (n + 1)
        if j < self.n_slots():
            st["slot"][j] = f
