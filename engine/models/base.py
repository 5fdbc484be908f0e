"""The model contract: what the pipeline, the search and the C generator may ask of any
model, whatever its task or kernel family.

Models are fitted with scikit-learn where it has the estimator, then reduced to plain
float32 arrays (`state`) and predicted from those arrays only, with the C library's
arithmetic: the search then measures the model the device will run, and the knowledge
the generator emits is exactly `state`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..step import Step

F32 = np.float32


class Model(Step):
    """Root of every model kind; `Model.registry` maps kinds to classes."""

    registry: ClassVar[dict[str, type[Step]]] = {}
    # `estimate_bytes` is a worst case far above what fitting usually gives (a tree's
    # nodes bounded by 2^depth and by the signals): over the budget, the search fits the
    # library to measure it rather than reject a forest that would take a tenth of it.
    estimate_is_bound: ClassVar[bool] = False

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Model:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(n, outputs) float32: class probabilities, an estimate or a score, by task."""
        raise NotImplementedError

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        """Knowledge bytes before fitting, for rejecting over-budget candidates: one
        weight per feature and a bias for each of `c` outputs unless the family knows
        better (d features, n training signals)."""
        return 4 * (d + 1) * c

    def scratch_floats(self, d: int, c: int) -> int:
        """Floats of the model's own static C buffers (its emitter's `buf`s), besides the
        feature vector and the output: they add to the blocks' shared scratch."""
        return 0
