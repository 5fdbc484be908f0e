"""C generation, toolchains, footprint and emulator (arrives with the benchmark)."""
