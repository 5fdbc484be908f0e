"""C generation: the kernels in c/, one plug-in per project type in apis/, toolchains,
footprint, the host emulator and the Cortex-M runner."""

from nanoforge.engine import blas

blas.pin_kernel()  # before numpy loads (engine/blas.py)
