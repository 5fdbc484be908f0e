"""The block contract: what the pipeline and the C generator may ask of any block.

A block sees either signals, shaped (n, axes, length) with each axis on its own row, or
feature vectors, shaped (n, d). What a block learns lives in `state` as float32 arrays,
because that is exactly what the C library will hold in `knowledge.h`; the C twin of
each block (codegen) follows the same arithmetic, so docstrings say where order matters.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..step import Step

F32 = np.float32
EPS = F32(1e-6)  # keeps a flat axis at zero instead of dividing by zero


class Block(Step):
    """A preprocessing step, fitted on training signals, then a pure transform."""

    registry: ClassVar[dict[str, type[Step]]] = {}
    stage_in: ClassVar[str] = "vector"  # "signal" or "vector"
    stage_out: ClassVar[str] = "vector"
    # The C must keep every axis of the buffer at once (not one axis after another).
    whole_signal: ClassVar[bool] = False
    # Reads its input vector while writing its output, so the C needs a second vector.
    out_of_place: ClassVar[bool] = False

    def fit(self, x: np.ndarray, y: np.ndarray | None = None) -> Block:
        return self

    @classmethod
    def learns(cls) -> bool:
        """Whether `fit` learns anything from the signals: such a block's output depends on
        which signals it was fitted on."""
        return cls.fit is not Block.fit

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return self.fit(x, y).transform(x)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output for one input of `shape` ((axes, length) or (d,))."""
        return shape

    def scratch_floats(self, shape: tuple[int, ...]) -> int:
        """Extra static floats the C version needs besides the pipeline buffers."""
        return 0

    def ram_floats(self, shape: tuple[int, ...]) -> int:
        """Floats of state kept between calls (multi-sensor windows)."""
        return 0

    def flash_tables(self, shape: tuple[int, ...]) -> int:
        """Bytes of constant tables (twiddles, windows) in flash for an input of `shape`."""
        return 0

    def knowledge_estimate(self, s_in: tuple[int, ...], s_out: tuple[int, ...]) -> int:
        """Knowledge bytes before fitting, so the search can reject over-budget candidates."""
        return 0

