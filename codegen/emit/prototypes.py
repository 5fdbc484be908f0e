"""C of engine/models/prototypes.py: distances to stored prototypes through the shared
k-nearest kernel (its scratch: the k best distances and indices). The on-device slots
(kmeans, reservoir) learn their prototypes in nf_ad_*.h instead."""

from __future__ import annotations

from nanoforge.engine import models
from nanoforge.engine.models import ADModel, Model

from .base import ModelEmitter, Sink
from .ondevice import OnDeviceEmitter


def knn_scratch(g: Sink, k: int) -> None:
    """The k best distances and indices every k-nearest kernel keeps while it scans."""
    g.buf("nf_best_d", k)
    g.buf("nf_best_i", k, "int")
    g.use("nf_knn")


class Vote(ModelEmitter):
    """Classes by vote of the k nearest labelled prototypes: already probabilities."""

    probabilities = True

    def neighbours(self, m: Model) -> int:
        return min(int(m.params["k"]), len(m.state["proto"]))

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        k = self.neighbours(m)
        knn_scratch(g, k)
        g.body.append(f"nf_knn_classify({v}, {d}, {g.kref('m.proto', st['proto'])}, "
                      f"{g.kref('m.label', st['label'])}, {len(st['proto'])}, {k}, {outputs}, nf_best_d, "
                      f"nf_best_i, {out});")


class Centroid(Vote):
    kind = "centroid"

    def neighbours(self, m: Model) -> int:
        return 1  # one prototype per class: the nearest decides


class KNN(Vote):
    kind = "knn"


class KNNRegressor(ModelEmitter):
    kind = "knn_reg"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        k = min(int(m.params["k"]), len(st["proto"]))
        knn_scratch(g, k)
        weighted = bool(m.params.get("weighted"))
        g.body.append(f"{out}[0] = nf_knn_regress{'_weighted' if weighted else ''}({v}, {d}, "
                      f"{g.kref('m.proto', st['proto'])}, "
                      f"{g.kref('m.value', st['value'])}, {len(st['proto'])}, {k}, nf_best_d, nf_best_i);")


class KNNDistance(ModelEmitter):
    kind = "knn_oc"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        k = min(int(m.params.get("k", 1)), len(st["proto"]))
        knn_scratch(g, k)
        g.body.append(f"{out}[0] = nf_knn_distance({v}, {d}, {g.kref('m.proto', st['proto'])}, "
                      f"{len(st['proto'])}, {k}, nf_best_d, nf_best_i);")


class KNNShiftDistance(ModelEmitter):
    kind = "knn_shift"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        assert isinstance(m, models.KNNShiftDistance) and d % m.segments == 0, (d, m.params)
        proto = m.state["proto"]
        k = min(m.k, len(proto))
        knn_scratch(g, k)
        g.body.append(f"{out}[0] = nf_knn_shift_distance({v}, {d}, {m.segments}, {m.shift}, "
                      f"{g.kref('m.proto', proto)}, {len(proto)}, {k}, nf_best_d, nf_best_i);")


class KMeans(OnDeviceEmitter):
    kind = "kmeans"
    module = "nf_ad_kmeans"

    def setup(self, g: Sink, m: ADModel, d: int) -> tuple[list[str], str]:
        return [f"#define NF_K {int(m.params['k'])}"], ""


class Reservoir(OnDeviceEmitter):
    kind = "reservoir"
    module = "nf_ad_reservoir"

    def setup(self, g: Sink, m: ADModel, d: int) -> tuple[list[str], str]:
        """Its sampling generator starts where the numpy reference's does after a reset."""
        assert isinstance(m, models.Reservoir)
        defs = [f"#define NF_K {int(m.params['slots'])}"]
        if m.calibration == "loo":
            defs.append("#define NF_LOO 1")
            g.buf("nf_calbuf", m.slots)  # the kept buffers' distances are sorted there
        m.reset(d)
        return defs, f"nf_ad_reservoir_rng = {int(m.rng)}u;"
