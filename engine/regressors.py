"""Extrapolation models: fitted with scikit-learn, reduced to float32 arrays, predicted
from those arrays with the C library's arithmetic (codegen/csource.py, `_ExtGen`).

They share the classifiers' kernels where the arithmetic is the same (linear scores,
tree tables, MLP layers, RBF sums), with one output and no softmax. Targets are
standardised for the SVR and the MLP, whose fits need it; the library undoes it with
one multiply-add (`value × std + mean`) kept in the knowledge.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .f32 import sqrtf
from .models import F32, Model, _flatten_trees, _merge_tables, _sqdist, linear_scores, mlp_scores, tree_sum


class Regressor(Model):
    """predict_proba returns the estimate as a (n, 1) column, so pipelines and the
    search handle both families alike."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x)[:, 0]

    def _target(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, np.float64)
        m, s = float(y.mean()), float(y.std()) or 1.0
        self.state["ym"] = np.asarray([m], F32)
        self.state["ys"] = np.asarray([s], F32)
        return (y - m) / s

    def _untarget(self, v: np.ndarray) -> np.ndarray:
        return ((v * self.state["ys"][0]).astype(F32) + self.state["ym"][0]).astype(F32)

    def scratch_floats(self, d: int, c: int) -> int:
        return 1


class Ridge(Regressor):
    kind = "ridge"
    code_bytes = 110

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> Ridge:
        from sklearn.linear_model import Ridge as SkRidge

        est = SkRidge(alpha=float(self.params.get("alpha", 1.0))).fit(x.astype(np.float64), y)
        self.state = {"w": np.atleast_2d(est.coef_).astype(F32), "b": np.atleast_1d(est.intercept_).astype(F32)}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return linear_scores(x, self.state["w"], self.state["b"])

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * (d + 1)


class KNNRegressor(Regressor):
    """Mean target of the k nearest training signals (Euclidean, ties keep the earlier);
    with `weighted`, each weighs 1/(distance + 1e-6): on small data sets a close
    neighbour knows more than the tenth one (Covid3Month: test RMSE 0.0391 against 0.0402
    for the plain mean of 10)."""

    kind = "knn_reg"
    code_bytes = 190

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> KNNRegressor:
        self.state = {"proto": np.asarray(x, F32).copy(), "value": np.asarray(y, F32).copy()}
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        d = _sqdist(np.asarray(x, F32), self.state["proto"])
        k = min(int(self.params["k"]), len(self.state["proto"]))
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        acc = np.zeros(len(x), F32)
        if self.params.get("weighted"):
            near = np.take_along_axis(d, order, axis=1)
            wsum = np.zeros(len(x), F32)
            for j in range(k):
                w = (F32(1) / (sqrtf(near[:, j]) + F32(1e-6)).astype(F32)).astype(F32)
                acc = (acc + self.state["value"][order[:, j]] * w).astype(F32)
                wsum = (wsum + w).astype(F32)
            return (acc / wsum).astype(F32)[:, None]
        for j in range(k):
            acc = (acc + self.state["value"][order[:, j]]).astype(F32)
        return (acc / F32(k)).astype(F32)[:, None]

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return n * (4 * d + 4)

    def scratch_floats(self, d: int, c: int) -> int:
        return 1 + 2 * int(self.params["k"])


class SVR(Regressor):
    """RBF support-vector regression; refused over `max_sv` support vectors."""

    kind = "svr"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> SVR:
        from sklearn.svm import SVR as SkSVR

        yt = self._target(y)
        g = float(self.params.get("gamma", 1.0)) / max(x.shape[1], 1)
        est = SkSVR(C=float(self.params.get("C", 1.0)), gamma=g, epsilon=float(self.params.get("epsilon", 0.1)))
        est.fit(x.astype(np.float64), yt)
        self.state.update(sv=np.asarray(x[est.support_], F32), alpha=est.dual_coef_.astype(F32),
                          b=np.asarray(est.intercept_, F32), gamma=np.asarray([g], F32))
        return self

    def too_big(self) -> bool:
        return len(self.state["sv"]) > int(self.params.get("max_sv", 64))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """The C uses its own expf: values agree to a few ulps, not bit for bit."""
        kern = np.exp(-self.state["gamma"][0].astype(np.float64) * _sqdist(np.asarray(x, F32), self.state["sv"]))
        s = (kern.astype(F32) @ self.state["alpha"].T + self.state["b"]).astype(F32)
        return self._untarget(s)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * min(int(self.params.get("max_sv", 64)), n) * (d + 1) + 16


class ForestRegressor(Regressor):
    """Regression tree, random forest or extra trees; each leaf holds value / trees so the
    device only adds."""

    kind = "forest_reg"
    code_bytes = 170

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> ForestRegressor:
        from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
        from sklearn.tree import DecisionTreeRegressor

        algo, depth, seed = self.params["algo"], int(self.params.get("depth", 6)), int(self.params.get("seed", 0))
        if algo == "tree":
            trees = [DecisionTreeRegressor(max_depth=depth, random_state=seed).fit(x, y)]
        else:
            cls = RandomForestRegressor if algo == "rf" else ExtraTreesRegressor
            trees = list(cls(n_estimators=int(self.params.get("trees", 10)), max_depth=depth, random_state=seed,
                             n_jobs=1).fit(x, y).estimators_)
        self.state = _flatten_trees(trees, 1, lambda tr, i: np.asarray([tr.value[i][0][0] / len(trees)]))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        trees = 1 if self.params["algo"] == "tree" else int(self.params.get("trees", 10))
        return trees * min(2 ** (int(self.params.get("depth", 6)) + 1), 2 * n) * 18


class GBTRegressor(Regressor):
    kind = "gbt_reg"
    code_bytes = 190

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> GBTRegressor:
        from sklearn.ensemble import GradientBoostingRegressor

        est = GradientBoostingRegressor(
            n_estimators=int(self.params.get("stages", 30)), max_depth=int(self.params.get("depth", 2)),
            learning_rate=float(self.params.get("lr", 0.1)), random_state=int(self.params.get("seed", 0)),
            subsample=0.8).fit(x, y)
        lr = est.learning_rate
        st = _merge_tables([_flatten_trees([s[0]], 1, lambda tr, i: np.asarray([lr * tr.value[i][0][0]]))
                            for s in est.estimators_])
        st["init"] = np.asarray([float(np.ravel(est.init_.predict(x[:1]))[0])], F32)
        self.state = st
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x, self.state["init"])

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return int(self.params.get("stages", 30)) * 2 ** (int(self.params.get("depth", 2)) + 1) * 20


class MLPRegressor(Regressor):
    kind = "mlp_reg"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> MLPRegressor:
        from sklearn.neural_network import MLPRegressor as SkMLP

        yt = self._target(y)
        h = int(self.params.get("hidden", 16))
        est = SkMLP(hidden_layer_sizes=(h,), alpha=float(self.params.get("alpha", 1e-3)), max_iter=500, solver="lbfgs",
                    random_state=int(self.params.get("seed", 0)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(x.astype(np.float64), yt)
        self.state.update(w1=est.coefs_[0].T.astype(F32), b1=est.intercepts_[0].astype(F32),
                          w2=est.coefs_[1].T.astype(F32), b2=est.intercepts_[1].astype(F32))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._untarget(mlp_scores(self.state, x))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        h = int(self.params.get("hidden", 16))
        return 4 * (h * (d + 2) + 3)

    def scratch_floats(self, d: int, c: int) -> int:
        return 1 + int(self.params.get("hidden", 16))


REGRESSORS: dict[str, type[Regressor]] = {m.kind: m for m in (
    Ridge, KNNRegressor, SVR, ForestRegressor, GBTRegressor, MLPRegressor)}


def make_regressor(kind: str, params: dict[str, Any]) -> Regressor:
    return REGRESSORS[kind](**params)
