"""C of engine/models/mlp.py: one hidden layer (its activations in `nf_hidden`), for
class scores and for one regressed value alike."""

from __future__ import annotations

from nanoforge.engine.models import Model

from .base import ModelEmitter, Sink


class Perceptron(ModelEmitter):
    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        h = st["b1"].shape[0]
        g.buf("nf_hidden", h)
        g.use("nf_mlp")
        refs = ", ".join(g.kref(f"m.{n}", st[n]) for n in ("w1", "b1", "w2", "b2"))
        g.body.append(f"nf_mlp_predict({v}, {d}, {h}, {refs}, {outputs}, nf_hidden, {out});")


class MLP(Perceptron):
    kind = "mlp"


class MLPRegressor(Perceptron):
    kind = "mlp_reg"
