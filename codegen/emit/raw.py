"""C of engine/blocks/raw.py: the signal itself as features, and the multi-sensor
window whose ring buffer keeps past buffers between calls."""

from __future__ import annotations

from nanoforge.engine.blocks import Block

from .base import BlockEmitter, Sink


class Flatten(BlockEmitter):
    kind = "flatten"

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, ln = shape
        g.use("nf_features")
        g.body.append(f"nf_features_flatten(nf_sig, {ax * ln}, {vec});")


class Rolling(BlockEmitter):
    kind = "rolling"
    per_axis = False  # one window row holds every axis

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        ax, _ = shape
        w = int(b.params.get("window", 0))
        g.use("nf_rolling")
        g.buf("nf_ring", max(w * ax, 1))
        g.body.append(f"nf_rolling_apply(nf_sig, {ax}, {w}, nf_ring, {vec});")
