"""C of engine/models/rbf.py: one RBF kernel expansion over the support vectors in
knowledge, read as class scores, a regressed value or a negated novelty score."""

from __future__ import annotations

from nanoforge.engine.models import Model

from ..ctext import c_float
from .base import ModelEmitter, Sink


class KernelExpansion(ModelEmitter):
    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        g.use("nf_svm")
        g.body.append(f"nf_svm_predict({v}, {d}, {g.kref('m.sv', st['sv'])}, {len(st['sv'])}, "
                      f"{g.kref('m.alpha', st['alpha'])}, {g.kref('m.b', st['b'])}, "
                      f"{c_float(st['gamma'][0])}, {outputs}, {out});")


class SVMRBF(KernelExpansion):
    kind = "svm_rbf"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        super().call(g, m, v, d, outputs, out)
        g.body.append(f"for (i = 0; i < {outputs}; i++) {out}[i] = 4.0f * {out}[i];")  # the reference's softmax of 4 x scores


class SVR(KernelExpansion):
    kind = "svr"


class OneClassSVM(KernelExpansion):
    kind = "ocsvm"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        super().call(g, m, v, d, outputs, out)
        g.body.append(f"{out}[0] = -{out}[0];")  # the reference's score is the expansion negated
