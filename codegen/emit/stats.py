"""C of engine/blocks/stats.py: the per-axis statistics and the catch22-kind summary set."""

from __future__ import annotations

from nanoforge.engine.blocks import Block

from .base import BlockEmitter, Sink


class Stats(BlockEmitter):
    kind = "stats"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_features")
        g.body.append(f"nf_features_stats(nf_sig, {ax}, {ln}, {vec});")


class Catch(BlockEmitter):
    kind = "catch"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_shape")
        g.body.append(f"nf_shape_features(nf_sig, {ax}, {ln}, {vec});")
