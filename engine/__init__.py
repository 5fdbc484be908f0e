"""Pure computation: signal files, checks, summaries, data tools.

Never does network, never spawns compilers, never knows about LSP: the daemon and
codegen build on it, so it stays testable and usable from a plain script (docs/architecture.md).
"""

from .blas import pin_kernel

pin_kernel()  # before any module of the engine loads numpy (blas.py)
