"""Classifiers: fitted with scikit-learn where it has the estimator, then reduced to
plain float32 arrays (`state`) and predicted from those arrays only.

Scoring a candidate with the arrays, not with the scikit-learn object, means the search
measures the model the device will run; the C twin of each `predict_proba` lives in
codegen/cmodels.py and follows the same arithmetic.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .blocks import Step

F32 = np.float32


def softmax(s: np.ndarray) -> np.ndarray:
    s = s.astype(np.float64)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(F32)


class Model(Step):
    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Model:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        """Knowledge bytes before fitting, for rejecting over-budget candidates."""
        return 4 * (d + 1) * c

    def scratch_floats(self, d: int, c: int) -> int:
        return c


# ------------------------------------------------------------------ distance models


class Centroid(Model):
    """Nearest centroid; probabilities from inverse squared distances."""

    kind = "centroid"
    code_bytes = 160

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Centroid:
        self.state["proto"] = np.stack([x[y == c].astype(np.float64).mean(axis=0) for c in range(n_classes)]).astype(F32)
        self.state["label"] = np.arange(n_classes, dtype=np.int32)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return _proto_proba(x, self.state["proto"], self.state["label"], 1, int(self.state["label"].max()) + 1)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * d * c + 4 * c


def _sqdist(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    d = np.zeros((len(x), len(p)), F32)
    for j in range(x.shape[1]):  # C order: accumulate feature by feature
        t = (x[:, j: j + 1] - p[None, :, j]).astype(F32)
        d = (d + t * t).astype(F32)
    return d


def _proto_proba(x: np.ndarray, proto: np.ndarray, label: np.ndarray, k: int, n_classes: int) -> np.ndarray:
    d = _sqdist(x, proto)
    k = min(k, len(proto))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    out = np.zeros((len(x), n_classes), np.float64)
    rows = np.arange(len(x))
    for j in range(k):
        w = 1.0 / (d[rows, order[:, j]].astype(np.float64) + 1e-6)
        np.add.at(out, (rows, label[order[:, j]]), w)
    return (out / out.sum(axis=1, keepdims=True)).astype(F32)


class KNN(Model):
    """k nearest prototypes; `protos` per class picked by k-means (prototype reduction),
    or every training signal when protos is 0."""

    kind = "knn"
    code_bytes = 260

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> KNN:
        per = int(self.params.get("protos", 0))
        ps, ls = [], []
        for c in range(n_classes):
            xc = x[y == c]
            if per and len(xc) > per:
                from sklearn.cluster import KMeans

                km = KMeans(per, n_init=1, random_state=int(self.params.get("seed", 0))).fit(xc)
                ps.append(km.cluster_centers_)
            else:
                ps.append(xc)
            ls.append(np.full(len(ps[-1]), c))
        self.state["proto"] = np.concatenate(ps).astype(F32)
        self.state["label"] = np.concatenate(ls).astype(np.int32)
        self.params["classes"] = n_classes
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        n_classes = int(self.params.get("classes", 0)) or int(self.state["label"].max()) + 1
        return _proto_proba(x, self.state["proto"], self.state["label"], int(self.params["k"]), n_classes)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        per = int(self.params.get("protos", 0))
        rows = min(n, per * c) if per else n
        return rows * (4 * d + 4)

    def scratch_floats(self, d: int, c: int) -> int:
        return c + 2 * int(self.params["k"])


# ------------------------------------------------------------------ linear family


class Linear(Model):
    """Scores W·x + b, softmax. One C kernel serves LDA, logistic regression, linear SVM
    and SEFR; `algo` picks how W and b are learned."""

    kind = "linear"
    code_bytes = 150

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Linear:
        algo = self.params["algo"]
        xd = x.astype(np.float64)
        if algo == "sefr":
            w, b = _sefr(xd, y, n_classes)
        else:
            est = _linear_estimator(algo, self.params, n_classes)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(xd, y)
            w, b = np.atleast_2d(est.coef_), np.atleast_1d(est.intercept_)
            if n_classes == 2 and w.shape[0] == 1:
                w, b = np.vstack([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
        self.state["w"] = w.astype(F32)
        self.state["b"] = b.astype(F32)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(linear_scores(x, self.state["w"], self.state["b"]))


def _linear_estimator(algo: str, p: dict[str, Any], n_classes: int) -> Any:
    if algo == "lda":
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        return LinearDiscriminantAnalysis(solver="lsqr", shrinkage=p.get("shrinkage", "auto"))
    if algo == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=float(p.get("C", 1.0)), max_iter=300)
    from sklearn.svm import LinearSVC

    return LinearSVC(C=float(p.get("C", 1.0)), max_iter=2000)


def _sefr(x: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
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


def gaussian_scores(x: np.ndarray, mu: np.ndarray, iv: np.ndarray, k: np.ndarray) -> np.ndarray:
    """k_c − ½ Σ (x − μ_c)² · iv_c per component, as nf_gnb_predict computes it."""
    s = np.zeros((len(x), len(k)), F32)
    for j in range(x.shape[1]):
        t = (x[:, j: j + 1] - mu[None, :, j]).astype(F32)
        s = (s + t * t * iv[None, :, j]).astype(F32)
    return (k - F32(0.5) * s).astype(F32)


class GaussianNB(Model):
    """score_c = k_c − ½ Σ (x − μ)² · iv, softmax; k_c holds the prior and the variances'
    log-determinant so the device never takes a log."""

    kind = "gnb"
    code_bytes = 170

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> GaussianNB:
        xd = x.astype(np.float64)
        vs = float(self.params.get("var_smoothing", 1e-9)) * xd.var(axis=0).max() + 1e-9
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


class SVMRBF(Model):
    """RBF SVM, one-vs-rest, at most `max_sv` support vectors in total (the union over
    classes): over that, the candidate is refused rather than silently truncated."""

    kind = "svm_rbf"
    code_bytes = 240

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> SVMRBF:
        from sklearn.svm import SVC

        g = float(self.params.get("gamma", 1.0)) / max(x.shape[1], 1)
        cval = float(self.params.get("C", 1.0))
        pairs = [(1, None)] if n_classes == 2 else [(c, c) for c in range(n_classes)]
        idx: dict[int, int] = {}
        rows: list[dict[int, float]] = []
        bs = []
        for _, c in pairs:
            t = (y == (c if c is not None else 1)).astype(int)
            svc = SVC(C=cval, gamma=g, kernel="rbf").fit(x.astype(np.float64), t)
            row = {}
            for i, a in zip(svc.support_, svc.dual_coef_[0], strict=False):
                row[idx.setdefault(int(i), len(idx))] = float(a)
            rows.append(row)
            bs.append(float(svc.intercept_[0]))
        alpha = np.zeros((len(rows), len(idx)))
        for r, row in enumerate(rows):
            for j, a in row.items():
                alpha[r, j] = a
        if n_classes == 2:
            alpha = np.vstack([-alpha / 2, alpha / 2])
            bs = [-bs[0] / 2, bs[0] / 2]
        sv = np.zeros((len(idx), x.shape[1]))
        for i, j in idx.items():
            sv[j] = x[i]
        self.state["sv"] = sv.astype(F32)
        self.state["alpha"] = alpha.astype(F32)
        self.state["b"] = np.asarray(bs, F32)
        self.state["gamma"] = np.asarray([g], F32)
        return self

    def too_big(self) -> bool:
        return len(self.state["sv"]) > int(self.params.get("max_sv", 64))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        kern = np.exp(-self.state["gamma"][0].astype(np.float64) * _sqdist(x, self.state["sv"]))
        s = kern.astype(F32) @ self.state["alpha"].T + self.state["b"]
        return softmax(s * F32(4))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        m = min(int(self.params.get("max_sv", 64)), n)
        return 4 * m * (d + c) + 4 * c + 4

    def scratch_floats(self, d: int, c: int) -> int:
        return c + 1


# ------------------------------------------------------------------ trees


def _flatten_trees(trees: list[Any], leaf_width: int, leaf_fn: Any) -> dict[str, np.ndarray]:
    """All trees in one node table: feature (−1 for a leaf), threshold, left, right as
    node indices; a leaf's `left` points into the leaf-value table."""
    feat, thr, left, right, leaves, roots = [], [], [], [], [], []
    for t in trees:
        base = len(feat)
        roots.append(base)
        tr = t.tree_
        for i in range(tr.node_count):
            if tr.children_left[i] == -1:
                feat.append(-1)
                thr.append(0.0)
                left.append(len(leaves))
                right.append(0)
                leaves.append(leaf_fn(tr, i))
            else:
                feat.append(int(tr.feature[i]))
                thr.append(float(tr.threshold[i]))
                left.append(base + int(tr.children_left[i]))
                right.append(base + int(tr.children_right[i]))
    return {
        "feat": np.asarray(feat, np.int32), "thr": np.asarray(thr, F32), "left": np.asarray(left, np.int32),
        "right": np.asarray(right, np.int32), "leaf": np.asarray(leaves, F32).reshape(-1, leaf_width),
        "root": np.asarray(roots, np.int32),
    }


def _tree_leaves(st: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """(n, trees) leaf indices. Goes left when x[f] <= thr, in float32 as the C does."""
    feat, thr, left, right = st["feat"], st["thr"], st["left"], st["right"]
    node = np.tile(st["root"], (len(x), 1))
    rows = np.arange(len(x))[:, None]
    while True:
        f = feat[node]
        inner = f >= 0
        if not inner.any():
            return left[node]
        v = x[rows, np.where(inner, f, 0)]
        nxt = np.where(v <= thr[node], left[node], right[node])
        node = np.where(inner, nxt, node)


def tree_sum(st: dict[str, np.ndarray], x: np.ndarray, init: np.ndarray | None = None) -> np.ndarray:
    """(n, width) sum of every tree's leaf row, from `init` (zeros without), in tree order
    as nf_trees_sum adds them."""
    leaves = _tree_leaves(st, x)
    width = st["leaf"].shape[1]
    s = np.tile(init, (len(x), 1)).astype(F32) if init is not None else np.zeros((len(x), width), F32)
    for t in range(leaves.shape[1]):
        s = (s + st["leaf"][leaves[:, t]]).astype(F32)
    return s


def linear_scores(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b + W·x accumulated feature by feature, as nf_linear_predict does."""
    s = np.tile(b, (len(x), 1)).astype(F32)
    for j in range(x.shape[1]):
        s = (s + x[:, j: j + 1] * w[None, :, j]).astype(F32)
    return s


def mlp_scores(st: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """One ReLU hidden layer, outputs before any softmax, as nf_mlp_predict does."""
    h = np.maximum(linear_scores(x, st["w1"], st["b1"]), F32(0))
    return linear_scores(h, st["w2"], st["b2"])


class Forest(Model):
    """Decision tree, random forest or extra trees: averaged leaf class frequencies."""

    kind = "forest"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Forest:
        from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
        from sklearn.tree import DecisionTreeClassifier

        algo = self.params["algo"]
        depth = int(self.params.get("depth", 6))
        seed = int(self.params.get("seed", 0))
        if algo == "tree":
            trees = [DecisionTreeClassifier(max_depth=depth, random_state=seed).fit(x, y)]
        else:
            cls = RandomForestClassifier if algo == "rf" else ExtraTreesClassifier
            est = cls(n_estimators=int(self.params.get("trees", 10)), max_depth=depth, random_state=seed,
                      n_jobs=1).fit(x, y)
            trees = list(est.estimators_)
        cols = np.asarray(trees[0].classes_, dtype=int)

        def leaf(tr: Any, i: int) -> np.ndarray:
            v = np.zeros(n_classes)
            v[cols] = tr.value[i][0] / max(tr.value[i][0].sum(), 1e-12)
            return v / len(trees)

        self.state = _flatten_trees(trees, n_classes, leaf)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        trees = 1 if self.params["algo"] == "tree" else int(self.params.get("trees", 10))
        nodes = min(2 ** (int(self.params.get("depth", 6)) + 1), 2 * n)
        return trees * nodes * (16 + 2 * c)


class GBT(Model):
    """Gradient-boosted regression trees, one per class per stage, scores summed then
    softmax (sigmoid pair for two classes)."""

    kind = "gbt"
    code_bytes = 240

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> GBT:
        from sklearn.ensemble import GradientBoostingClassifier

        est = GradientBoostingClassifier(
            n_estimators=int(self.params.get("stages", 20)), max_depth=int(self.params.get("depth", 2)),
            learning_rate=float(self.params.get("lr", 0.3)), random_state=int(self.params.get("seed", 0)),
            subsample=0.8).fit(x, y)
        lr = est.learning_rate
        k = est.estimators_.shape[1]
        trees, outs = [], []
        for stage in est.estimators_:
            for c in range(k):
                trees.append(stage[c])
                outs.append(c)
        width = k

        def leaf_for(c: int) -> Any:
            def leaf(tr: Any, i: int) -> np.ndarray:
                v = np.zeros(width)
                v[c] = lr * tr.value[i][0][0]
                return v
            return leaf

        st = _merge_tables([_flatten_trees([t], width, leaf_for(c)) for t, c in zip(trees, outs, strict=False)])
        raw0 = est.decision_function(x[:1]).reshape(1, -1).astype(np.float64)
        sums = np.zeros(width)
        lv = _tree_leaves(st, x[:1].astype(F32))[0]
        for t in range(len(lv)):
            sums += st["leaf"][lv[t]]
        st["init"] = (raw0[0] - sums).astype(F32)
        self.state = st
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        s = tree_sum(self.state, x, self.state["init"])
        if s.shape[1] == 1:
            s = np.hstack([-s / 2, s / 2]).astype(F32)
        return softmax(s)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        k = 1 if c == 2 else c
        nodes = 2 ** (int(self.params.get("depth", 2)) + 1)
        return int(self.params.get("stages", 20)) * k * nodes * (16 + 4 * k)


def _merge_tables(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("feat", "thr", "left", "right", "leaf", "root")}
    nodes = leaves = 0
    for t in tables:
        inner = t["feat"] >= 0
        out["feat"].append(t["feat"])
        out["thr"].append(t["thr"])
        out["left"].append(np.where(inner, t["left"] + nodes, t["left"] + leaves))
        out["right"].append(np.where(inner, t["right"] + nodes, 0))
        out["leaf"].append(t["leaf"])
        out["root"].append(t["root"] + nodes)
        nodes += len(t["feat"])
        leaves += len(t["leaf"])
    res = {k: np.concatenate(v) for k, v in out.items()}
    for k in ("feat", "left", "right", "root"):
        res[k] = res[k].astype(np.int32)
    return res


class MLP(Model):
    """One hidden ReLU layer, softmax out."""

    kind = "mlp"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> MLP:
        from sklearn.neural_network import MLPClassifier

        h = int(self.params.get("hidden", 16))
        est = MLPClassifier((h,), alpha=float(self.params.get("alpha", 1e-3)), max_iter=200, solver="lbfgs",
                            random_state=int(self.params.get("seed", 0)))
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
        h = int(self.params.get("hidden", 16))
        return 4 * (h * (d + 1) + c * (h + 1))

    def scratch_floats(self, d: int, c: int) -> int:
        return c + int(self.params.get("hidden", 16))


MODELS: dict[str, type[Model]] = {m.kind: m for m in (Centroid, KNN, Linear, GaussianNB, SVMRBF, Forest, GBT, MLP)}


def make_model(kind: str, params: dict[str, Any], state: dict[str, np.ndarray] | None = None) -> Model:
    from .ocmodels import ONECLASS
    from .regressors import REGRESSORS

    if kind in REGRESSORS:
        m: Model = REGRESSORS[kind](**params)
    elif kind in ONECLASS:
        m = ONECLASS[kind](**params)
    elif kind not in MODELS:
        from .admodels import make_ad_model

        return make_ad_model(kind, params)  # type: ignore[return-value]  # learns on the device
    else:
        m = MODELS[kind](**params)
    if state:
        m.state = {k: np.asarray(v) for k, v in state.items()}
    return m
