"""C of engine/blocks/bandpass.py: the project's second-order sections from knowledge,
applied in place on `nf_sig`."""

from __future__ import annotations

from nanoforge.engine.blocks import Block

from .base import BlockEmitter, Sink


class BandPass(BlockEmitter):
    kind = "bandpass"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_signal")
        sos = b.state["sos"]
        g.body.append(f"nf_signal_bandpass(nf_sig, {ax}, {ln}, {g.kref(f'b{i}.sos', sos)}, {len(sos)});")
