"""Pieces of the search that every project type shares: the space, racing, failures."""

from __future__ import annotations

from typing import Any

import numpy as np

# What a candidate may raise on awkward data; it is then recorded as failed, not fatal.
EVAL_ERRORS = (ValueError, FloatingPointError, np.linalg.LinAlgError)


def block(kind: str, **p: Any) -> dict[str, Any]:
    return {"kind": kind, "params": p}


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


MAIN_METRIC = {"ncc": "balanced_accuracy", "ad": "balanced_accuracy", "1cc": "balanced_accuracy", "ext": "r2"}


def raced_out(per_split: list[dict[str, Any]], race_below: float | None, race_splits: int,
              key: str = "balanced_accuracy") -> bool:
    """True when the first `race_splits` splits are done and already clearly worse than
    the best full result: multi-fidelity stops the candidate here."""
    return (race_below is not None and len(per_split) == race_splits
            and min(m[key] for m in per_split) < race_below)


def failed(rec: dict[str, Any], e: Exception) -> dict[str, Any]:
    rec["state"] = "failed"
    rec["reason"] = str(e)[:200]
    return rec
