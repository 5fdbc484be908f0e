"""1-class models: a boundary around nominal signals, learned on the PC, shipped as
float32 knowledge (codegen/ocsource.py is the C twin of every `score`).

Every model gives an outlier score ≥ 0 that grows away from the nominal data, so one
rule serves them all: outlier ⇔ score > threshold, with

    threshold = margin × the (1 − contamination) quantile of held-out training scores

(5-fold: each training signal scored by a model fitted without it). Contamination
(3–5 %) is then the share of *unseen* nominal signals expected outside at margin 1; the
margin trades recall for tightness, and the search picks both by measuring them.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np

from .models import F32, Model, _flatten_trees, _sqdist, gaussian_scores, linear_scores, tree_sum

FOLDS = 5


def limit(quantile: float, margin: float) -> np.float32:
    return F32(margin) * F32(quantile)


class OneClass(Model):
    """Fit on nominal feature vectors only; `predict_proba` is the score as a column so
    pipelines treat every project type alike."""

    def fit(self, x: np.ndarray, y: np.ndarray | None = None, n_classes: int = 1) -> OneClass:
        x = np.asarray(x, F32)
        s = self._held_out_scores(x)
        self._fit(x)
        if s is None:
            s = self._train_scores(x).astype(np.float64)
        q = float(np.quantile(s, 1.0 - float(self.params.get("contamination", 0.05)), method="higher"))
        self.quantile = q  # the search reuses one fit for every margin
        self.state["limit"] = np.asarray([limit(q, float(self.params.get("margin", 1.0)))], F32)
        return self

    def _held_out_scores(self, x: np.ndarray) -> np.ndarray | None:
        """Each signal scored by a model fitted without it (5 seeded folds): training
        scores flatter the model, so a threshold set on them leaves out more than the
        contamination of the signals it has not seen."""
        if len(x) < 2 * FOLDS:
            return None
        parts = np.array_split(np.random.default_rng(int(self.params.get("seed", 0))).permutation(len(x)), FOLDS)
        out = np.zeros(len(x))
        for p in parts:
            m = type(self)(**self.params)
            m._fit(x[np.setdiff1d(np.arange(len(x)), p)])
            out[p] = m.score(x[p])
        return out

    def _fit(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def _train_scores(self, x: np.ndarray) -> np.ndarray:
        return self.score(x)

    def score(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.score(np.asarray(x, F32))[:, None]

    def outlier(self, x: np.ndarray) -> np.ndarray:
        return self.score(np.asarray(x, F32)) > self.state["limit"][0]

    def scratch_floats(self, d: int, c: int) -> int:
        return 1


class Mahalanobis(OneClass):
    """Squared Mahalanobis distance to the mean. `robust` fits the minimum covariance
    determinant (the elliptic envelope), else Ledoit–Wolf shrinkage, which stays
    invertible with fewer signals than features."""

    kind = "maha"
    code_bytes = 120

    def _fit(self, x: np.ndarray) -> None:
        from sklearn.covariance import LedoitWolf, MinCovDet

        xd = x.astype(np.float64)
        if self.params.get("robust"):
            est = MinCovDet(random_state=int(self.params.get("seed", 0))).fit(xd)
            cov = est.covariance_ + 1e-6 * np.eye(x.shape[1]) * max(float(np.trace(est.covariance_)), 1e-12)
            mean = est.location_
        else:
            est = LedoitWolf().fit(xd)
            cov, mean = est.covariance_, est.location_
        self.state["mean"] = mean.astype(F32)
        self.state["prec"] = np.linalg.pinv(cov, hermitian=True).astype(F32)

    def score(self, x: np.ndarray) -> np.ndarray:
        t = (x - self.state["mean"]).astype(F32)
        u = linear_scores(t, self.state["prec"], np.zeros(t.shape[1], F32))
        acc = np.zeros(len(x), F32)
        for i in range(t.shape[1]):
            acc = (acc + t[:, i] * u[:, i]).astype(F32)
        return acc

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (d * d + d)

    def scratch_floats(self, d: int, c: int) -> int:
        return d + 1


class KNNDistance(OneClass):
    """Mean squared distance to the k nearest prototypes: every training signal
    (protos 0) or k-means centres. With every signal kept, a training signal's own
    score leaves itself out, else the threshold would be 0."""

    kind = "knn_oc"
    code_bytes = 200

    def _fit(self, x: np.ndarray) -> None:
        per = int(self.params.get("protos", 0))
        if per and len(x) > per:
            from sklearn.cluster import KMeans

            km = KMeans(per, n_init=1, random_state=int(self.params.get("seed", 0))).fit(x.astype(np.float64))
            self.state["proto"] = km.cluster_centers_.astype(F32)
        else:
            self.state["proto"] = x.copy()

    def _k(self) -> int:
        return min(int(self.params.get("k", 1)), len(self.state["proto"]))

    def _mean_nearest(self, d: np.ndarray, k: int) -> np.ndarray:
        near = np.sort(d, axis=1, kind="stable")[:, :k]
        acc = np.zeros(len(d), F32)
        for j in range(k):
            acc = (acc + near[:, j]).astype(F32)
        return (acc / F32(k)).astype(F32)

    def score(self, x: np.ndarray) -> np.ndarray:
        return self._mean_nearest(_sqdist(x, self.state["proto"]), self._k())

    def _train_scores(self, x: np.ndarray) -> np.ndarray:
        if len(self.state["proto"]) != len(x) or len(x) < 2:
            return self.score(x)
        d = _sqdist(x, self.state["proto"])
        d[np.arange(len(x)), np.arange(len(x))] = np.inf
        return self._mean_nearest(d, min(self._k(), len(x) - 1))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        per = int(self.params.get("protos", 0))
        return 4 * d * (min(n, per) if per else n)

    def scratch_floats(self, d: int, c: int) -> int:
        return 1 + 2 * int(self.params.get("k", 1))


class OneClassSVM(OneClass):
    """RBF one-class SVM (ν = contamination); score = Σα − Σα·K(x, sv) ≥ 0. Refused over
    `max_sv` support vectors. The C has its own expf: scores agree to a few ulps."""

    kind = "ocsvm"
    code_bytes = 200

    def _fit(self, x: np.ndarray) -> None:
        from sklearn.svm import OneClassSVM as SkOCSVM

        g = float(self.params.get("gamma", 1.0)) / max(x.shape[1], 1)
        nu = float(self.params.get("contamination", 0.05))
        est = SkOCSVM(nu=max(nu, 1.0 / len(x)), gamma=g).fit(x.astype(np.float64))
        alpha = est.dual_coef_.astype(F32)
        self.state.update(sv=np.asarray(x[est.support_], F32), alpha=alpha,
                          b=np.asarray([-float(alpha.astype(np.float64).sum())], F32), gamma=np.asarray([g], F32))

    def too_big(self) -> bool:
        return len(self.state["sv"]) > int(self.params.get("max_sv", 64))

    def score(self, x: np.ndarray) -> np.ndarray:
        kern = np.exp(-self.state["gamma"][0].astype(np.float64) * _sqdist(x, self.state["sv"])).astype(F32)
        s = np.zeros(len(x), F32)
        for j in range(kern.shape[1]):
            s = (s + kern[:, j] * self.state["alpha"][0, j]).astype(F32)
        return (-(s + self.state["b"][0])).astype(F32)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * min(int(self.params.get("max_sv", 64)), n) * (d + 1) + 12


def _avg_path(n: np.ndarray) -> np.ndarray:
    """Expected path length of an unsuccessful search in a binary tree of n points."""
    n = np.asarray(n, np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


class IsolationForest(OneClass):
    """Isolation forest. Each leaf holds (longest path − its path length) / trees, so the
    sum over trees is ≥ 0 and grows as a signal is isolated sooner; the device only adds."""

    kind = "iforest"
    code_bytes = 170

    def _fit(self, x: np.ndarray) -> None:
        from sklearn.ensemble import IsolationForest as SkIF

        est = SkIF(n_estimators=int(self.params.get("trees", 25)), max_samples=min(256, len(x)),
                   random_state=int(self.params.get("seed", 0))).fit(x.astype(np.float64))
        trees = []
        for e, feats in zip(est.estimators_, est.estimators_features_, strict=True):
            tr = e.tree_
            depth = np.zeros(tr.node_count)
            for i in range(tr.node_count):  # children come after their parent
                for ch in (tr.children_left[i], tr.children_right[i]):
                    if ch != -1:
                        depth[ch] = depth[i] + 1
            path = depth + _avg_path(tr.n_node_samples)
            feature = np.where(tr.feature >= 0, np.asarray(feats)[np.maximum(tr.feature, 0)], -1)
            trees.append(SimpleNamespace(tree_=SimpleNamespace(
                node_count=tr.node_count, children_left=tr.children_left, children_right=tr.children_right,
                feature=feature, threshold=tr.threshold, path=path)))
        longest = max(float(t.tree_.path[t.tree_.children_left == -1].max()) for t in trees)
        self.state = _flatten_trees(trees, 1, lambda tr, i: np.asarray([(longest - tr.path[i]) / len(trees)]))

    def score(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)[:, 0]

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return int(self.params.get("trees", 25)) * min(2 * n, 512) * 18


class GaussianMixture(OneClass):
    """Diagonal Gaussian mixture; score = k_max − max_c (k_c − ½ Σ (x − μ_c)² / var_c), the
    negative log-density of the most likely component, shifted to start at 0. The
    hard maximum (not a log-sum-exp) keeps the device free of exp and log."""

    kind = "gmm"
    code_bytes = 190

    def _fit(self, x: np.ndarray) -> None:
        from sklearn.mixture import GaussianMixture as SkGMM

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = SkGMM(int(self.params.get("components", 1)), covariance_type="diag", reg_covar=1e-3,
                        random_state=int(self.params.get("seed", 0))).fit(x.astype(np.float64))
        var = est.covariances_
        k = np.log(est.weights_) - 0.5 * np.log(2 * np.pi * var).sum(axis=1)
        self.state.update(mu=est.means_.astype(F32), iv=(1.0 / var).astype(F32), k=k.astype(F32),
                          kmax=np.asarray([k.max()], F32))

    def score(self, x: np.ndarray) -> np.ndarray:
        best = gaussian_scores(x, self.state["mu"], self.state["iv"], self.state["k"]).max(axis=1)
        return (self.state["kmax"][0] - best).astype(F32)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (2 * d + 1) * int(self.params.get("components", 1)) + 4

    def scratch_floats(self, d: int, c: int) -> int:
        return 1 + int(self.params.get("components", 1))


ONECLASS: dict[str, type[OneClass]] = {m.kind: m for m in (
    Mahalanobis, KNNDistance, OneClassSVM, IsolationForest, GaussianMixture)}


def make_oneclass(kind: str, params: dict[str, Any]) -> OneClass:
    return ONECLASS[kind](**params)
