"""The parts of the search space that several project types share: the signal → signal
steps tried before the features, the FFT feature variants, and the pieces of the simple
answers every type evaluates first (raw buffers and MiniRocket sized to the budget)."""

from __future__ import annotations

from typing import Any

from .blocks import ROCKET_KERNELS, rocket_dilations
from .evaluation import block


def signal_prefixes(length: int, sos: Any) -> list[list[dict[str, Any]]]:
    """Signal → signal steps tried before the features (the band-pass filter only when
    the project enables one)."""
    out: list[list[dict[str, Any]]] = [[], [block("mean_removal")], [block("zscore")], [block("diff")]]
    if length >= 32:
        out.append([block("decimate", factor=2)])
    if sos is not None:
        out.append([block("bandpass")])
    return out


def fft_variants(bands: tuple[int, ...]) -> list[dict[str, Any]]:
    return [block("fft", window=w, log=g, bands=b) for w in (False, True) for g in (False, True) for b in bands]


# ------------------------------------------------------------------ the simple answers
#
# Every project type starts its search with a few candidates that published baselines
# say are hard to beat on small sensor data sets: nearest neighbours on the z-normalised
# (decimated) raw buffer, a forest on the raw buffer, summary statistics, MiniRocket-class
# random convolutions with a linear head. Their sizes follow the budget, so they are
# evaluated (not rejected) and a short benchmark never ends without them.

MIN_SAMPLES = 8  # decimation never leaves fewer samples per axis


def decimation(length: int, axes: int, most: int) -> int:
    """The smallest decimation factor that leaves at most `most` raw values (axes ×
    samples), keeping at least MIN_SAMPLES samples per axis."""
    f = 1
    while axes * (length // f) > most and length // (f + 1) >= MIN_SAMPLES:
        f += 1
    return f


def raw_buffer(factor: int, zscore: bool) -> list[dict[str, Any]]:
    """The raw buffer as features: z-normalised per axis or not, decimated by `factor`."""
    out = [block("zscore")] if zscore else []
    if factor > 1:
        out.append(block("decimate", factor=factor))
    return [*out, block("flatten")]


def rocket(axes: int, length: int, features: int, seed: int) -> dict[str, Any]:
    """MiniRocket with at most `features` features: as many dilations as make sense
    (up to 5, MiniRocket's longest receptive field here), then as many of the 84 kernels as
    the feature budget allows (at least 8 per dilation, else fewer dilations)."""
    for dil in (5, 4, 3, 2, 1):
        per = features // (axes * len(rocket_dilations(length, dil)))
        if per >= 8 or dil == 1:
            return block("minirocket", kernels=max(1, min(len(ROCKET_KERNELS), per)), dilations=dil, seed=seed)
    raise AssertionError("unreachable")


def pca_bytes(d: int, k: int) -> int:
    """Flash of a PCA block's knowledge: k components and the mean of d features."""
    return 4 * d * (k + 1)


def configs(prep: list[dict[str, Any]], models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"blocks": prep, "model": m} for m in models]
