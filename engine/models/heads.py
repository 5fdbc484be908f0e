"""Task heads: how a family's raw output becomes what each project type reports.

Families compute scores with one kernel each (a dot product, distances, tree sums, ...);
the head is the small last step the task decides: a softmax and argmax for n-class
classification, the identity (with target scaling undone) for extrapolation, a threshold
for 1-class and a similarity for anomaly detection. Task base classes live here too, so
a family's model is `class X(Classifier)` plus its kernel.
"""

from __future__ import annotations

import numpy as np

from ..step import Param
from .base import F32, Model

TINY = F32(1e-12)  # keeps a threshold or a variance away from zero
FOLDS = 5  # folds behind the held-out scores a 1-class threshold is set on


# ------------------------------------------------------------------ classification


def softmax(s: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed in float64 so large scores do not overflow."""
    s = s.astype(np.float64)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(F32)


class Classifier(Model):
    """n-class: `predict_proba` gives (n, classes) probabilities, the device the argmax."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(x), axis=1)


# ------------------------------------------------------------------ extrapolation


class Regressor(Model):
    """Extrapolation: predict_proba returns the estimate as a (n, 1) column, so pipelines
    and the search handle every task alike. Families whose fit needs standardised
    targets (SVR, MLP) keep mean and std in the knowledge; the library undoes the
    scaling with one multiply-add."""

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> Regressor:
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x)[:, 0]

    def scale_target(self, y: np.ndarray) -> np.ndarray:
        """Standardised targets; mean and std kept in `state` (`ym`, `ys`)."""
        y = np.asarray(y, np.float64)
        m, s = float(y.mean()), float(y.std()) or 1.0
        self.state["ym"] = np.asarray([m], F32)
        self.state["ys"] = np.asarray([s], F32)
        return (y - m) / s

    def unscale_target(self, v: np.ndarray) -> np.ndarray:
        """value × std + mean, in float32 as the C does."""
        return ((v * self.state["ys"][0]).astype(F32) + self.state["ym"][0]).astype(F32)

# ------------------------------------------------------------------ 1-class


def limit(quantile: float, margin: float) -> np.float32:
    """The outlier threshold: margin × the held-out score quantile, in float32."""
    return F32(margin) * F32(quantile)


class OneClass(Model):
    """A boundary around nominal signals, learned on the PC. Every model gives an outlier
    score ≥ 0 that grows away from the nominal data, so one rule serves them all:
    outlier ⇔ score > threshold, with

        threshold = margin × the (1 − contamination) quantile of held-out training scores

    (5-fold: each training signal scored by a model fitted without it). Contamination is
    then the share of *unseen* nominal signals expected outside at margin 1; the margin
    trades recall for tightness, and the search picks both by measuring them.
    `predict_proba` is the score as a column so pipelines treat every task alike."""

    contamination = Param(float, 0.05, low=0.0, high=0.5, doc="share of nominal signals expected outside")
    margin = Param(float, 1.0, low=0.0, open_low=True, doc="threshold multiplier")
    seed = Param(int, 0, doc="folds of the held-out scores and any randomised fit")

    def fit(self, x: np.ndarray, y: np.ndarray | None = None, n_classes: int = 1) -> OneClass:
        x = np.asarray(x, F32)
        s = self.held_out_scores(x)
        self.fit_boundary(x)
        if s is None:
            s = self.train_scores(x).astype(np.float64)
        q = float(np.quantile(s, 1.0 - self.contamination, method="higher"))
        self.quantile = q  # the search reuses one fit for every margin
        self.state["limit"] = np.asarray([limit(q, self.margin)], F32)
        return self

    def held_out_scores(self, x: np.ndarray) -> np.ndarray | None:
        """Each signal scored by a model fitted without it (5 seeded folds): training
        scores flatter the model, so a threshold set on them leaves out more than the
        contamination of the signals it has not seen. From 5 signals on, not 10: a
        benchmark split of a small project (7 of 10 nominal signals) was thresholded on
        training scores while the library, fitted on all 10, is thresholded on held-out
        ones, so the splits asked for looser margins than the library needs. Each fold
        fits on about four fifths of the signals either way. None below 5."""
        if len(x) < FOLDS:
            return None
        parts = np.array_split(np.random.default_rng(self.seed).permutation(len(x)), FOLDS)
        out = np.zeros(len(x))
        for p in parts:
            m = type(self)(**self.params)
            m.fit_boundary(x[np.setdiff1d(np.arange(len(x)), p)])
            out[p] = m.score(x[p])
        return out

    def fit_boundary(self, x: np.ndarray) -> None:
        """Learn `state` from nominal feature vectors (no threshold yet)."""
        raise NotImplementedError

    def train_scores(self, x: np.ndarray) -> np.ndarray:
        """Scores of the training signals themselves, when too few for held-out folds."""
        return self.score(x)

    def score(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.score(np.asarray(x, F32))[:, None]

    def outlier(self, x: np.ndarray) -> np.ndarray:
        return self.score(np.asarray(x, F32)) > self.state["limit"][0]

# ------------------------------------------------------------------ anomaly detection


def similarity(scores: np.ndarray, threshold: np.float32, sensitivity: float = 1.0) -> np.ndarray:
    """uint8 0–100: 100 × 9 / (9 + (sensitivity × score / T)²), rounded, in float32 as
    the C does. A score of exactly T is at 90 % (the nominal limit), 2T at 69 %, 3T at
    50 %; sensitivity 2 makes every score count double (more anomalies), 0.5 half."""
    t = threshold if threshold > TINY else TINY
    r = ((F32(sensitivity) * scores).astype(F32) / t).astype(F32)
    e = np.minimum((r * r).astype(F32), F32(1e30))
    sim = (F32(900) / (F32(9) + e).astype(F32)).astype(F32)
    return np.floor((sim + F32(0.5)).astype(F32)).astype(np.uint8)
