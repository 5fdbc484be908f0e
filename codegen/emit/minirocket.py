"""C of engine/blocks/minirocket.py: the kernel plan and dilations are flash tables,
the fitted biases knowledge."""

from __future__ import annotations

import numpy as np

from nanoforge.engine.blocks import Block, MiniRocket

from .base import BlockEmitter, Sink


class MiniRocketEmitter(BlockEmitter):
    kind = "minirocket"
    per_axis = False  # its kernels mix the axes

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        assert isinstance(b, MiniRocket)
        ax, ln = shape
        kern, dils = b.plan(ln)
        tname = f"nf_rk{i}"
        rows = ", ".join(str(int(v)) for v in np.asarray(kern).ravel())
        g.tables.append(f"static const unsigned char {tname}[{kern.size}] = {{ {rows} }};\n")
        g.tables.append(f"static const int nf_rd{i}[{len(dils)}] = {{ {', '.join(map(str, dils))} }};\n")
        g.use("nf_features")
        g.body.append(f"nf_features_minirocket(nf_sig, {ax}, {ln}, {tname}, {len(kern)}, nf_rd{i}, "
                      f"{len(dils)}, {g.kref(f'b{i}.bias', b.state['bias'])}, {vec});")
