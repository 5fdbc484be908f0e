"""The MLP family: one ReLU hidden layer, two linear layers on the device
(nf_mlp_predict), softmax out for classification, the standardised estimate for
extrapolation. Fitted with L-BFGS, which scikit-learn recommends for small data sets
(a project has tens to hundreds of signals) and which is deterministic for a seed."""

from __future__ import annotations

import warnings

import numpy as np

from ..step import Param
from .base import F32
from .heads import Classifier, Regressor, softmax
from .linear import linear_scores


def mlp_scores(st: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """One ReLU hidden layer, outputs before any softmax, as nf_mlp_predict does."""
    h = np.maximum(linear_scores(x, st["w1"], st["b1"]), F32(0))
    return linear_scores(h, st["w2"], st["b2"])


class Perceptron:
    """Parameters shared by the MLP models (mixed into a task head)."""

    hidden = Param(int, 16, low=1, doc="hidden ReLU units")
    alpha = Param(float, 1e-3, low=0.0, doc="L2 penalty")
    seed = Param(int, 0, doc="weight initialisation")

    def scratch_floats(self, d: int, c: int) -> int:
        return self.hidden  # nf_hidden


class MLP(Perceptron, Classifier):
    """One hidden ReLU layer, softmax out; a binary fit's single output z becomes the
    pair (−z/2, z/2), whose softmax is the sigmoid of z."""

    kind = "mlp"
    code_bytes = 440

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> MLP:
        from sklearn.neural_network import MLPClassifier  # seconds to load: imported only to fit

        est = MLPClassifier((self.hidden,), alpha=self.alpha, max_iter=200, solver="lbfgs", random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(x.astype(np.float64), y)
        w2, b2 = est.coefs_[1], est.intercepts_[1]
        if w2.shape[1] == 1:
            w2 = np.hstack([-w2 / 2, w2 / 2])
            b2 = np.array([-b2[0] / 2, b2[0] / 2])
        self.state = {"w1": est.coefs_[0].T.astype(F32), "b1": est.intercepts_[0].astype(F32),
                      "w2": w2.T.astype(F32), "b2": b2.astype(F32)}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(mlp_scores(self.state, x))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        h = self.hidden
        return 4 * (h * (d + 1) + c * (h + 1))


class MLPRegressor(Perceptron, Regressor):
    """One hidden ReLU layer on standardised targets, one linear output."""

    kind = "mlp_reg"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> MLPRegressor:
        from sklearn.neural_network import MLPRegressor as SkMLP

        yt = self.scale_target(y)
        est = SkMLP(hidden_layer_sizes=(self.hidden,), alpha=self.alpha, max_iter=500, solver="lbfgs",
                    random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(x.astype(np.float64), yt)
        self.state.update(w1=est.coefs_[0].T.astype(F32), b1=est.intercepts_[0].astype(F32),
                          w2=est.coefs_[1].T.astype(F32), b2=est.intercepts_[1].astype(F32))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.unscale_target(mlp_scores(self.state, x))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        h = self.hidden
        return 4 * (h * (d + 2) + 3)

