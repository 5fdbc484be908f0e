"""C of engine/models/linear.py: one matrix-vector product from knowledge, whatever the
fitting algorithm, for classes and for one regressed value alike."""

from __future__ import annotations

from nanoforge.engine.models import Model

from .base import ModelEmitter, Sink


class Affine(ModelEmitter):
    """`out = W v + b`: the fit decided W and b, the device only multiplies."""

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        g.use("nf_linear")
        g.body.append(f"nf_linear_predict({v}, {d}, {g.kref('m.w', st['w'])}, {g.kref('m.b', st['b'])}, "
                      f"{outputs}, {out});")


class Linear(Affine):
    kind = "linear"


class Ridge(Affine):
    kind = "ridge"
