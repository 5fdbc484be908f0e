"""The Gaussian family: scores from (x − μ)² weighted by inverse variances, with the
normalising constants (priors, log-determinants) folded into one float per component so
the device never takes a log. Naive Bayes classifies, the Mahalanobis distance (full
covariance: Ledoit–Wolf or the elliptic envelope) and a diagonal mixture bound nominal
data for 1-class, and the running diagonal Gaussian scores anomalies on the device.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..step import Param
from .base import F32
from .heads import Classifier, OneClass, softmax
from .linear import linear_scores
from .ondevice import ADModel, scaled_sqdist


def gaussian_scores(x: np.ndarray, mu: np.ndarray, iv: np.ndarray, k: np.ndarray) -> np.ndarray:
    """k_c − ½ Σ (x − μ_c)² · iv_c per component, as nf_gnb_predict computes it."""
    s = np.zeros((len(x), len(k)), F32)
    for j in range(x.shape[1]):
        t = (x[:, j: j + 1] - mu[None, :, j]).astype(F32)
        s = (s + t * t * iv[None, :, j]).astype(F32)
    return (k - F32(0.5) * s).astype(F32)


class GaussianNB(Classifier):
    """score_c = k_c − ½ Σ (x − μ)² · iv, softmax; k_c holds the prior and the variances'
    log-determinant so the device never takes a log."""

    kind = "gnb"
    code_bytes = 170

    var_smoothing = Param(float, 1e-9, low=0.0, doc="share of the largest variance added to every variance")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> GaussianNB:
        xd = x.astype(np.float64)
        vs = self.var_smoothing * xd.var(axis=0).max() + 1e-9
        mu = np.stack([xd[y == c].mean(axis=0) for c in range(n_classes)])
        var = np.stack([xd[y == c].var(axis=0) for c in range(n_classes)]) + vs
        prior = np.array([(y == c).mean() for c in range(n_classes)])
        self.state["mu"] = mu.astype(F32)
        self.state["iv"] = (1.0 / var).astype(F32)
        self.state["k"] = (np.log(prior) - 0.5 * np.log(2 * np.pi * var).sum(axis=1)).astype(F32)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(gaussian_scores(x, self.state["mu"], self.state["iv"], self.state["k"]))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (2 * d + 1) * c


def min_cov_det(x: np.ndarray, seed: int) -> Any:
    """scikit-learn's MinCovDet, fitted. With at least n − 2 features for n signals its
    FastMCD subsets must hold every signal (h = ⌈(n + d + 1) / 2⌉ ≥ n), so its 30 random
    starts and their C-steps, a d × d pseudo-inverse each, all return the classical mean
    and covariance; on the feature vectors of a small 1-class project (a dozen signals,
    dozens of features) that took a second or more per fit, most of a benchmark's time.
    There the classical estimate is taken as is, and scikit-learn's own consistency
    correction and reweighting finish it, as its `fit` does. The result is its `fit`'s to
    the bit: the two raw estimates differ only in summation order, and the reweighting
    keeps every signal in both (in-sample distances under the classical covariance are at
    most n − 1, below its χ²_d cut), so it recomputes the same numbers from the same rows."""
    from scipy.linalg import pinvh
    from sklearn.covariance import MinCovDet, empirical_covariance

    est = MinCovDet(random_state=seed)
    n, d = x.shape
    if n < 2 or d == 1 or n > 500 or min(int(np.ceil(0.5 * (n + d + 1))), n) < n:
        return est.fit(x)
    loc, cov = x.mean(axis=0), empirical_covariance(x)
    xc = x - loc
    est.n_features_in_ = d
    est.raw_location_, est.raw_covariance_, est.raw_support_ = loc, cov, np.ones(n, bool)
    est.location_, est.support_ = loc, est.raw_support_
    est.dist_ = (xc @ pinvh(cov) * xc).sum(axis=1)
    est.correct_covariance(x)
    est.reweight_covariance(x)
    return est


class Mahalanobis(OneClass):
    """Squared Mahalanobis distance to the mean. `robust` fits the minimum covariance
    determinant (the elliptic envelope), else Ledoit–Wolf shrinkage, which stays
    invertible with fewer signals than features."""

    kind = "maha"
    code_bytes = 120

    robust = Param(bool, False, doc="minimum covariance determinant instead of Ledoit–Wolf")

    def fit_boundary(self, x: np.ndarray) -> None:
        from sklearn.covariance import LedoitWolf  # seconds to load: imported only to fit

        xd = x.astype(np.float64)
        if self.robust:
            est = min_cov_det(xd, self.seed)
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
        return d  # nf_diff


class GaussianMixture(OneClass):
    """Diagonal Gaussian mixture; score = k_max − max_c (k_c − ½ Σ (x − μ_c)² / var_c), the
    negative log-density of the most likely component, shifted to start at 0. The
    hard maximum (not a log-sum-exp) keeps the device free of exp and log."""

    kind = "gmm"
    code_bytes = 190

    components = Param(int, 1, low=1, doc="mixture components")

    def fit_boundary(self, x: np.ndarray) -> None:
        from sklearn.mixture import GaussianMixture as SkGMM

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = SkGMM(self.components, covariance_type="diag", reg_covar=1e-3,
                        random_state=self.seed).fit(x.astype(np.float64))
        var = est.covariances_
        k = np.log(est.weights_) - 0.5 * np.log(2 * np.pi * var).sum(axis=1)
        self.state.update(mu=est.means_.astype(F32), iv=(1.0 / var).astype(F32), k=k.astype(F32),
                          kmax=np.asarray([k.max()], F32))

    def score(self, x: np.ndarray) -> np.ndarray:
        best = gaussian_scores(x, self.state["mu"], self.state["iv"], self.state["k"]).max(axis=1)
        return (self.state["kmax"][0] - best).astype(F32)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (2 * d + 1) * self.components + 4

    def scratch_floats(self, d: int, c: int) -> int:
        return self.components  # nf_comp


class Gauss(ADModel):
    """A running diagonal Gaussian: the score is the mean squared z-score."""

    kind = "gauss"
    code_bytes = 120

    def scores(self, x: np.ndarray) -> np.ndarray:
        w = self.weights()
        return (scaled_sqdist(np.asarray(x, F32), self.state["mean"][None, :], w)[:, 0] / F32(self.d)).astype(F32)
