"""C of engine/models/trees.py: every ensemble adds its trees' leaf rows onto an output
the emitter initialises (zeros, or the boosting's initial score), so one kernel serves
forests, boosting and isolation forests. The half-space trees learn on the device; their
random shape is a flash table drawn from the seed."""

from __future__ import annotations

from nanoforge.engine.models import ADModel, HalfSpace, Model

from ..ctext import c_array
from .base import ModelEmitter, Sink
from .ondevice import OnDeviceEmitter


def trees_call(g: Sink, m: Model, v: str, width: int, out: str) -> None:
    """Adds every tree's leaf row onto `out` (initialised by the caller)."""
    st = m.state
    g.use("nf_trees")
    refs = ", ".join(g.kref(f"m.{n}", st[n]) for n in ("feat", "thr", "left", "right", "leaf"))
    g.body.append(f"nf_trees_sum({v}, {refs}, {width}, {g.kref('m.root', st['root'])}, "
                  f"{len(st['root'])}, {out});")


class Forest(ModelEmitter):
    kind = "forest"
    probabilities = True  # leaves hold class frequencies, averaged over the trees

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        width = m.state["leaf"].shape[1]
        g.body.append(f"for (i = 0; i < {width}; i++) {out}[i] = 0.0f;")
        trees_call(g, m, v, width, out)


class GBT(ModelEmitter):
    kind = "gbt"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        st = m.state
        width = st["leaf"].shape[1]
        init = g.kref("m.init", st["init"])
        g.body.append(f"for (i = 0; i < {width}; i++) {out}[i] = ({init})[i];")
        trees_call(g, m, v, width, out)
        if width == 1:  # two classes boost one logit: ±half of it gives the same softmax
            g.body.append(f"{out}[1] = 0.5f * {out}[0];")
            g.body.append(f"{out}[0] = -{out}[1];")


class OneValue(ModelEmitter):
    """One value, the trees' leaves summed onto a start: from zero the fit scaled the
    leaves so that the sum is the regression forest's mean or the isolation forest's
    score; boosting starts from its initial estimate."""

    def start(self, g: Sink, m: Model) -> str:
        return "0.0f"

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        g.body.append(f"{out}[0] = {self.start(g, m)};")
        trees_call(g, m, v, 1, out)


class ForestRegressor(OneValue):
    kind = "forest_reg"


class GBTRegressor(OneValue):
    kind = "gbt_reg"

    def start(self, g: Sink, m: Model) -> str:
        return f"({g.kref('m.init', m.state['init'])})[0]"


class IsolationForest(OneValue):
    kind = "iforest"


class HalfSpaceTrees(OnDeviceEmitter):
    kind = "hst"
    module = "nf_ad_hst"

    def setup(self, g: Sink, m: ADModel, d: int) -> tuple[list[str], str]:
        assert isinstance(m, HalfSpace)
        dims, vals = m.shape(d)
        trees, depth = dims.shape[0], int(m.params["depth"])
        defs = [f"#define NF_T {trees}", f"#define NF_DEPTH {depth}", f"#define NF_INNER {dims.shape[1]}",
                f"#define NF_NODES {2 ** (depth + 1) - 1}", "#define NF_HV nf_hv"]
        idx = ", ".join(str(int(q)) for q in dims.ravel())
        g.tables.append(f"static const unsigned short nf_hd[{dims.size}] = {{ {idx} }};\n")
        g.tables.append(f"static const float nf_hv[{vals.size}] = {{\n{c_array(vals)}\n}};\n")
        return defs, ""
