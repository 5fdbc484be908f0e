"""Imported before conftest.py: the engine pins numpy's BLAS kernel (engine/blas.py) before
numpy loads, so the recorded C digests and benchmarks are the same on every CPU."""

import nanoforge.engine  # noqa: F401
