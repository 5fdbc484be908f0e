"""The parts of the search space that several project types share: the signal → signal
steps tried before the features, and the FFT feature variants."""

from __future__ import annotations

from typing import Any

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
