"""C of engine/blocks/projection.py: vector → vector on `nf_vec`; the projection goes
through `nf_vec2` because each output reads every input."""

from __future__ import annotations

from nanoforge.engine.blocks import Block

from .base import BlockEmitter, Sink


class Scale(BlockEmitter):
    kind = "scale"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        d = shape[0]
        g.use("nf_vector")
        g.body.append(f"nf_vector_scale(nf_vec, {d}, {g.kref(f'b{i}.mean', b.state['mean'])}, "
                      f"{g.kref(f'b{i}.inv_std', b.state['inv_std'])});")


class PCA(BlockEmitter):
    kind = "pca"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        d = shape[0]
        g.use("nf_vector")
        comp = b.state["comp"]
        k = comp.shape[0]
        g.buf("nf_vec2", k)
        g.body.append(f"nf_vector_pca(nf_vec, {d}, {k}, {g.kref(f'b{i}.mean', b.state['mean'])}, "
                      f"{g.kref(f'b{i}.comp', comp)}, nf_vec2);")
        g.body.append(f"for (i = 0; i < {k}; i++) nf_vec[i] = nf_vec2[i];")
