"""C of the signal → signal blocks of engine/blocks/signal.py: in place on `nf_sig`."""

from __future__ import annotations

from typing import ClassVar

from nanoforge.engine.blocks import Block

from .base import BlockEmitter, Sink


class InPlace(BlockEmitter):
    """The kernels named after their kind, which need only the signal's shape."""

    kernel: ClassVar[str] = ""

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_signal")
        g.body.append(f"nf_signal_{self.kernel}(nf_sig, {ax}, {ln});")


class MeanRemoval(InPlace):
    kind = kernel = "mean_removal"


class ZScore(InPlace):
    kind = kernel = "zscore"


class Diff(InPlace):
    kind = kernel = "diff"


class Decimate(BlockEmitter):
    kind = "decimate"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_signal")
        g.body.append(f"nf_signal_decimate(nf_sig, {ax}, {ln}, {int(b.params['factor'])});")
