"""C of engine/models/gaussian.py: per-class or per-component diagonal Gaussians and the
Mahalanobis distance, with every constant term folded into knowledge at fit time. The
on-device `gauss` learns its running mean and variance in nf_ad_gauss.h."""

from __future__ import annotations

from nanoforge.engine.models import Model

from ..ctext import c_float
from .base import ModelEmitter, Sink
from .ondevice import OnDeviceEmitter


class GaussianNB(ModelEmitter):
    kind = "gnb"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        g.use("nf_gnb")
        g.body.append(f"nf_gnb_predict({v}, {d}, {g.kref('m.mu', st['mu'])}, {g.kref('m.iv', st['iv'])}, "
                      f"{g.kref('m.k', st['k'])}, {outputs}, {out});")


class Mahalanobis(ModelEmitter):
    kind = "maha"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        g.buf("nf_diff", d)
        g.use("nf_maha")
        g.body.append(f"{out}[0] = nf_maha_score({v}, {d}, {g.kref('m.mean', st['mean'])}, "
                      f"{g.kref('m.prec', st['prec'])}, nf_diff);")


class GaussianMixture(ModelEmitter):
    kind = "gmm"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        comps = len(st["k"])
        g.buf("nf_comp", comps)
        g.use("nf_gmm")
        g.body.append(f"{out}[0] = nf_gmm_score({v}, {d}, {g.kref('m.mu', st['mu'])}, "
                      f"{g.kref('m.iv', st['iv'])}, {g.kref('m.k', st['k'])}, {comps}, "
                      f"{c_float(st['kmax'][0])}, nf_comp);")


class Gauss(OnDeviceEmitter):
    kind = "gauss"
    module = "nf_ad_gauss"
