"""The tree family: every tree ensemble becomes one node table walked by one C loop
(nf_trees_sum) that adds each tree's leaf row. Decision trees, random forests, extra
trees and gradient boosting (classification and regression), the isolation forest
(1-class) and half-space trees (anomaly detection, masses learned on the device).

Thresholds compare in float32 (x[f] <= thr goes left), as the C does, so a feature on a
threshold takes the same branch on the PC and on the device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import f32
from ..step import Param
from .base import F32
from .heads import Classifier, OneClass, Regressor, softmax
from .ondevice import ADModel

TABLE_KEYS = ("feat", "thr", "left", "right", "leaf", "root")


def flatten_trees(trees: list[Any], leaf_width: int, leaf_fn: Callable[[Any, int], np.ndarray]
                  ) -> dict[str, np.ndarray]:
    """All trees in one node table: feature (−1 for a leaf), threshold, left, right as
    node indices; a leaf's `left` points into the leaf-value table. `trees` are fitted
    scikit-learn trees (anything with a `tree_`), `leaf_fn(tree_, node)` a leaf's row."""
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


def merge_tables(tables: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Node tables concatenated into one, node and leaf indices shifted."""
    out: dict[str, list[np.ndarray]] = {k: [] for k in TABLE_KEYS}
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


def tree_leaves(st: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
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
    leaves = tree_leaves(st, x)
    width = st["leaf"].shape[1]
    s = np.tile(init, (len(x), 1)).astype(F32) if init is not None else np.zeros((len(x), width), F32)
    for t in range(leaves.shape[1]):
        s = (s + st["leaf"][leaves[:, t]]).astype(F32)
    return s


class Ensemble:
    """Parameters shared by the bagged tree models (mixed into a task head)."""

    estimate_is_bound = True

    algo = Param(str, choices=("tree", "rf", "et"), doc="one decision tree, random forest or extra trees")
    depth = Param(int, 6, low=1, doc="maximum tree depth")
    trees = Param(int, 10, low=1, doc="trees of a forest (ignored for a single tree)")
    seed = Param(int, 0, doc="scikit-learn's random_state")

    def n_trees(self) -> int:
        return 1 if self.algo == "tree" else self.trees

    def fit_trees(self, x: np.ndarray, y: np.ndarray, regression: bool) -> list[Any]:
        from sklearn.ensemble import (  # seconds to load: imported only to fit
            ExtraTreesClassifier,
            ExtraTreesRegressor,
            RandomForestClassifier,
            RandomForestRegressor,
        )
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        if self.algo == "tree":
            single = DecisionTreeRegressor if regression else DecisionTreeClassifier
            return [single(max_depth=self.depth, random_state=self.seed).fit(x, y)]
        if regression:
            cls: Any = RandomForestRegressor if self.algo == "rf" else ExtraTreesRegressor
        else:
            cls = RandomForestClassifier if self.algo == "rf" else ExtraTreesClassifier
        return list(cls(n_estimators=self.trees, max_depth=self.depth, random_state=self.seed,
                        n_jobs=1).fit(x, y).estimators_)


class Boosting:
    """Parameters shared by the gradient-boosted models (mixed into a task head)."""

    estimate_is_bound = True

    depth = Param(int, 2, low=1, doc="depth of each tree")
    lr = Param(float, 0.3, low=0.0, open_low=True, doc="learning rate (shrinkage of each stage)")
    seed = Param(int, 0, doc="scikit-learn's random_state (rows subsampled at 0.8)")


# ------------------------------------------------------------------ classification


class Forest(Ensemble, Classifier):
    """Decision tree, random forest or extra trees: averaged leaf class frequencies."""

    kind = "forest"
    code_bytes = 200

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Forest:
        trees = self.fit_trees(x, y, regression=False)
        cols = np.asarray(trees[0].classes_, dtype=int)

        def leaf(tr: Any, i: int) -> np.ndarray:
            v = np.zeros(n_classes)
            v[cols] = tr.value[i][0] / max(tr.value[i][0].sum(), 1e-12)
            return v / len(trees)

        self.state = flatten_trees(trees, n_classes, leaf)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        nodes = min(2 ** (self.depth + 1), 2 * n)
        return self.n_trees() * nodes * (16 + 2 * c)


class GBT(Boosting, Classifier):
    """Gradient-boosted regression trees, one per class per stage, scores summed then
    softmax (sigmoid pair for two classes)."""

    kind = "gbt"
    code_bytes = 240

    stages = Param(int, 20, low=1, doc="boosting stages")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> GBT:
        from sklearn.ensemble import GradientBoostingClassifier

        est = GradientBoostingClassifier(n_estimators=self.stages, max_depth=self.depth, learning_rate=self.lr,
                                         random_state=self.seed, subsample=0.8).fit(x, y)
        lr = est.learning_rate
        width = est.estimators_.shape[1]
        trees, outs = [], []
        for stage in est.estimators_:
            for c in range(width):
                trees.append(stage[c])
                outs.append(c)

        def leaf_for(c: int) -> Callable[[Any, int], np.ndarray]:
            def leaf(tr: Any, i: int) -> np.ndarray:
                v = np.zeros(width)
                v[c] = lr * tr.value[i][0][0]
                return v
            return leaf

        st = merge_tables([flatten_trees([t], width, leaf_for(c)) for t, c in zip(trees, outs, strict=False)])
        # The initial score: what scikit-learn predicts for one signal minus what the trees add.
        raw0 = est.decision_function(x[:1]).reshape(1, -1).astype(np.float64)
        sums = np.zeros(width)
        lv = tree_leaves(st, x[:1].astype(F32))[0]
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
        nodes = 2 ** (self.depth + 1)
        return self.stages * k * nodes * (16 + 4 * k)


# ------------------------------------------------------------------ extrapolation


class ForestRegressor(Ensemble, Regressor):
    """Regression tree, random forest or extra trees; each leaf holds value / trees so the
    device only adds."""

    kind = "forest_reg"
    code_bytes = 170

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> ForestRegressor:
        trees = self.fit_trees(x, y, regression=True)
        self.state = flatten_trees(trees, 1, lambda tr, i: np.asarray([tr.value[i][0][0] / len(trees)]))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return self.n_trees() * min(2 ** (self.depth + 1), 2 * n) * 18


class GBTRegressor(Boosting, Regressor):
    """Gradient-boosted regression trees; the initial estimate is the knowledge's `init`."""

    kind = "gbt_reg"
    code_bytes = 190

    stages = Param(int, 30, low=1, doc="boosting stages")
    lr = Param(float, 0.1, low=0.0, open_low=True, doc="learning rate (shrinkage of each stage)")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> GBTRegressor:
        from sklearn.ensemble import GradientBoostingRegressor

        est = GradientBoostingRegressor(n_estimators=self.stages, max_depth=self.depth, learning_rate=self.lr,
                                        random_state=self.seed, subsample=0.8).fit(x, y)
        lr = est.learning_rate
        st = merge_tables([flatten_trees([s[0]], 1, lambda tr, i: np.asarray([lr * tr.value[i][0][0]]))
                           for s in est.estimators_])
        st["init"] = np.asarray([float(np.ravel(est.init_.predict(x[:1]))[0])], F32)
        self.state = st
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x, self.state["init"])

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return self.stages * 2 ** (self.depth + 1) * 20


# ------------------------------------------------------------------ 1-class


def avg_path(n: np.ndarray) -> np.ndarray:
    """Expected path length of an unsuccessful search in a binary tree of n points."""
    n = np.asarray(n, np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


def isolation_trees(x: np.ndarray, trees: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Isolation trees (Liu, Ting & Zhou 2008) grown level by level, all trees at once,
    straight into the node table: scikit-learn's bagging costs about a millisecond per
    tree even on a handful of signals, and a 1-class candidate is fitted six times per
    split (five held-out folds and the boundary), so its forests took most of a 1-class
    benchmark's time. Each tree takes min(256, n) signals without replacement and grows
    to depth ceil(log2 of that); a node splits on a feature drawn among those not
    constant on it, at a threshold drawn uniformly between their extremes and rounded
    to float32 as the device compares. Each leaf holds (longest path − its path) /
    trees, where a path is the leaf's depth plus the expected depth of the signals it
    still holds, so the sum over trees is ≥ 0 and grows as a signal is isolated
    sooner."""
    x = np.asarray(x, F32)
    n, d = x.shape
    m = min(256, n)
    limit = int(np.ceil(np.log2(max(m, 2))))
    rows = np.concatenate([np.arange(n) if m == n else np.sort(rng.choice(n, m, replace=False))
                           for _ in range(trees)])
    at = np.repeat(np.arange(trees), m)  # each sample's node
    tree_of, depth, size = list(range(trees)), [0] * trees, [m] * trees
    feat, thr, left, right = [-1] * trees, [0.0] * trees, [-1] * trees, [-1] * trees
    level = list(range(trees))
    for dep in range(limit):
        # ascending (children are numbered as they are made), so group g is nodes[g]
        nodes = np.asarray([i for i in level if size[i] >= 2], np.int64)
        level = []
        if not len(nodes):
            break
        live = np.isin(at, nodes)
        idx = np.flatnonzero(live)
        idx = idx[np.argsort(at[idx], kind="stable")]
        groups = at[idx]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        group = np.cumsum(np.r_[False, groups[1:] != groups[:-1]])
        f = rng.integers(d, size=len(nodes))
        for _ in range(8):  # redraw the features found constant on their node
            v = x[rows[idx], f[group]]
            lo, hi = np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
            flat = hi <= lo
            if not flat.any():
                break
            f[flat] = rng.integers(d, size=int(flat.sum()))
        for g in np.flatnonzero(hi <= lo):  # rare: search the node's features in full
            xs = x[rows[idx[starts[g]:starts[g] + size[nodes[g]]]]]
            varied = np.flatnonzero(xs.max(0) > xs.min(0))
            if len(varied):
                f[g] = varied[rng.integers(len(varied))]
                lo[g], hi[g] = xs[:, f[g]].min(), xs[:, f[g]].max()
        u = rng.random(len(nodes))
        t = (lo.astype(np.float64) + u * (hi.astype(np.float64) - lo)).astype(F32)
        t = np.where(t >= hi, lo, t)  # all on the left: the smallest alone goes left
        split = hi > lo
        for g in np.flatnonzero(split):
            i = int(nodes[g])
            feat[i], thr[i] = int(f[g]), float(t[g])
            left[i], right[i] = len(feat), len(feat) + 1
            for _side in (0, 1):
                tree_of.append(tree_of[i])
                depth.append(dep + 1)
                size.append(0)
                feat.append(-1)
                thr.append(0.0)
                left.append(-1)
                right.append(-1)
            level += [left[i], right[i]]
        moving = split[group]
        s_idx, s_g = idx[moving], group[moving]
        go_left = x[rows[s_idx], f[s_g]] <= t[s_g]
        parent = nodes[s_g]
        lt, rt = np.asarray(left)[parent], np.asarray(right)[parent]
        at[s_idx] = np.where(go_left, lt, rt)
        counts = np.bincount(at, minlength=len(feat))
        for i in level:
            size[i] = int(counts[i])
    # renumber: each tree's nodes together, its root first, as flatten_trees lays them
    order = np.argsort(np.asarray(tree_of), kind="stable")
    new_id = np.empty(len(order), np.int64)
    new_id[order] = np.arange(len(order))
    feat_a, size_a = np.asarray(feat)[order], np.asarray(size)[order]
    path = np.asarray(depth, np.float64)[order] + avg_path(size_a)
    leaf = feat_a < 0
    longest = float(path[leaf].max())
    leaf_idx = np.cumsum(leaf) - 1
    left_a = np.where(leaf, leaf_idx, new_id[np.maximum(np.asarray(left)[order], 0)])
    right_a = np.where(leaf, 0, new_id[np.maximum(np.asarray(right)[order], 0)])
    return {
        "feat": np.where(leaf, -1, feat_a).astype(np.int32),
        "thr": np.where(leaf, 0.0, np.asarray(thr)[order]).astype(F32),
        "left": left_a.astype(np.int32), "right": right_a.astype(np.int32),
        "leaf": ((longest - path[leaf]) / trees).astype(F32).reshape(-1, 1),
        "root": new_id[:trees].astype(np.int32),
    }


class IsolationForest(OneClass):
    """Isolation forest, its trees grown by `isolation_trees`: the device only adds each
    tree's leaf."""

    kind = "iforest"
    code_bytes = 170
    estimate_is_bound = True

    trees = Param(int, 25, low=1, doc="isolation trees")

    def fit_boundary(self, x: np.ndarray) -> None:
        self.state = isolation_trees(x, self.trees, np.random.default_rng(self.seed))

    def score(self, x: np.ndarray) -> np.ndarray:
        return tree_sum(self.state, x)[:, 0]

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return self.trees * min(2 * n, 512) * 18


# ------------------------------------------------------------------ anomaly detection


class HalfSpace(ADModel):
    """Half-space trees (Tan, Ting & Liu 2011) in running z-units: tree shapes come from
    the seed (flash), node masses are learned (RAM). The score is T·n over the summed
    mass × 2^depth where each query stops, so ~1 for dense (nominal) regions and large
    for empty ones."""

    kind = "hst"
    code_bytes = 450
    warmup = 4

    trees = Param(int, low=1, doc="half-space trees")
    depth = Param(int, low=1, doc="levels below each root")
    seed = Param(int, 0, doc="draws the tree shapes")

    def nodes(self) -> int:
        return 2 ** (self.depth + 1) - 1

    def shape(self, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Split dimension and value of every internal node, heap order (2i+1, 2i+2)."""
        rng = np.random.default_rng(self.seed)
        trees, depth = self.trees, self.depth
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

    def reset_model(self, d: int) -> None:
        self.dims, self.vals = self.shape(d)
        self.state["mass"] = np.zeros((self.trees, self.nodes()), F32)

    def model_floats(self, d: int) -> int:
        return self.trees * self.nodes()

    def table_bytes(self, d: int) -> int:
        return self.trees * (2 ** self.depth - 1) * 6

    def z(self, x: np.ndarray) -> np.ndarray:
        """Features in running z-units (the floored Welford variance)."""
        inv = f32.sqrtf(self.weights())
        return ((x - self.state["mean"]).astype(F32) * inv).astype(F32)

    def ready(self) -> bool:
        return self.state["n"][0] > 0

    def learn_model(self, f: np.ndarray) -> None:
        if self.state["n"][0] < 2:
            return  # no running units yet
        z = self.z(f[None, :])[0]
        depth = self.depth
        mass = self.state["mass"]
        for t in range(mass.shape[0]):
            i = 0
            for level in range(depth + 1):
                mass[t, i] = F32(mass[t, i] + F32(1))
                if level == depth:
                    break
                i = 2 * i + (1 if z[self.dims[t, i]] < self.vals[t, i] else 2)

    def scores(self, x: np.ndarray) -> np.ndarray:
        z = self.z(np.asarray(x, F32))
        depth = self.depth
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
