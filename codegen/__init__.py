"""C generation: the kernels in c/, one plug-in per project type in apis/, toolchains,
footprint, the host emulator and the Cortex-M runner."""
