"""Signal summary: what the recordings look like, per axis, before any benchmark.

The per-sample-index statistics show whether buffers are aligned (a trigger) or free
running; the mean FFT shows where the information is, which is how users choose the
band-pass filter and the sampling rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import bandpass


def summarize(signals: np.ndarray, sampling_hz: float, sos: np.ndarray | None = None) -> dict[str, Any]:
    """`signals` is (rows, samples, axes). Returns plain lists, ready for JSON."""
    out = {"signals": int(signals.shape[0]), "buffer": int(signals.shape[1]), "axes": int(signals.shape[2]),
           "sampling_hz": float(sampling_hz), "raw": _stats(signals, sampling_hz)}
    if sos is not None:
        out["filtered"] = _stats(bandpass.apply(signals, sos), sampling_hz)
    return out


def _stats(x: np.ndarray, hz: float) -> list[dict[str, Any]]:
    x64 = x.astype(np.float64)
    n = x.shape[1]
    freqs = np.fft.rfftfreq(n, d=1.0 / hz)
    centred = x64 - x64.mean(axis=1, keepdims=True)
    mag = np.abs(np.fft.rfft(centred, axis=1)) / max(n, 1)
    mean_mag = mag.mean(axis=0)  # (freqs, axes)
    axes = []
    for a in range(x.shape[2]):
        col = x64[:, :, a]
        spectrum = mean_mag[:, a]
        peaks = np.argsort(spectrum[1:])[::-1][:3] + 1 if spectrum.size > 1 else np.array([], int)
        axes.append({
            "axis": a + 1,
            "mean": col.mean(axis=0).round(6).tolist(),
            "min": col.min(axis=0).round(6).tolist(),
            "max": col.max(axis=0).round(6).tolist(),
            "std": col.std(axis=0).round(6).tolist(),
            "overall": {"mean": float(col.mean()), "min": float(col.min()), "max": float(col.max()),
                        "std": float(col.std())},
            "fft": {"freq_hz": freqs.round(6).tolist(), "magnitude": spectrum.round(8).tolist()},
            "peaks_hz": [float(freqs[i]) for i in peaks],
        })
    return axes
