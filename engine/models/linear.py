"""The linear family: scores b + W·x, one C kernel (nf_linear_predict) for LDA,
logistic regression, linear SVM, SEFR and ridge classifiers and for ridge regression.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..step import Param
from .base import F32
from .heads import Classifier, Regressor, softmax


def linear_scores(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b + W·x accumulated feature by feature, as nf_linear_predict does."""
    s = np.tile(b, (len(x), 1)).astype(F32)
    for j in range(x.shape[1]):
        s = (s + x[:, j: j + 1] * w[None, :, j]).astype(F32)
    return s


def sefr(x: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """SEFR (Keshavarz et al. 2020), one-vs-rest on min-shifted features; the shift is
    folded into the bias so the device needs no extra array."""
    lo = x.min(axis=0)
    xs = x - lo
    ws, bs = [], []
    for c in range(n_classes):
        pos, neg = xs[y == c], xs[y != c]
        mp, mn = pos.mean(axis=0), neg.mean(axis=0)
        w = (mp - mn) / (mp + mn + 1e-7)
        sp, sn = pos @ w, neg @ w
        b = (len(neg) * sp.mean() + len(pos) * sn.mean()) / (len(pos) + len(neg))
        ws.append(w)
        bs.append(-b - lo @ w)
    return np.array(ws), np.array(bs)


class Linear(Classifier):
    """Scores W·x + b, softmax; `algo` picks how W and b are learned. A binary
    scikit-learn fit gives one row w: it becomes (−w/2, w/2) so the softmax of the two
    scores equals the sigmoid of w·x + b."""

    kind = "linear"
    code_bytes = 330

    algo = Param(str, choices=("lda", "logreg", "linsvm", "sefr", "ridge"), doc="how W and b are learned")
    C = Param(float, 1.0, low=0.0, open_low=True, doc="inverse regularisation (logreg, linsvm)")
    shrinkage = Param((str, float, type(None)), "auto", low=0.0, high=1.0, choices=("auto", None),
                      doc="LDA covariance shrinkage: 'auto' (Ledoit–Wolf), None or 0…1")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Linear:
        xd = x.astype(np.float64)
        if self.algo == "sefr":
            w, b = sefr(xd, y, n_classes)
        else:
            est = self.estimator()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(xd, y)
            w, b = np.atleast_2d(est.coef_), np.atleast_1d(est.intercept_)
            if n_classes == 2 and w.shape[0] == 1:
                w, b = np.vstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
        self.state["w"] = w.astype(F32)
        self.state["b"] = b.astype(F32)
        return self

    def estimator(self) -> Any:
        """The unfitted scikit-learn estimator behind `algo` (all but SEFR)."""
        if self.algo == "lda":
            from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

            return LinearDiscriminantAnalysis(solver="lsqr", shrinkage=self.shrinkage)
        if self.algo == "ridge":  # MiniRocket's head: many features, few signals, penalty by LOO
            from sklearn.linear_model import RidgeClassifierCV

            return RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
        if self.algo == "logreg":
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=self.C, max_iter=300)
        from sklearn.svm import LinearSVC

        # liblinear shuffles with the global numpy state unless given a seed: the same
        # candidate then scored differently from one worker to the next
        return LinearSVC(C=self.C, max_iter=2000, random_state=0)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(linear_scores(x, self.state["w"], self.state["b"]))


class Ridge(Regressor):
    """Ridge regression: one row of weights and a bias."""

    kind = "ridge"
    code_bytes = 110

    alpha = Param(float, 1.0, low=0.0, doc="L2 penalty")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> Ridge:
        from sklearn.linear_model import Ridge as SkRidge

        est = SkRidge(alpha=self.alpha).fit(x.astype(np.float64), y)
        self.state = {"w": np.atleast_2d(est.coef_).astype(F32), "b": np.atleast_1d(est.intercept_).astype(F32)}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return linear_scores(x, self.state["w"], self.state["b"])

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (d + 1)
