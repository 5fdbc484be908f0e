"""The project's band-pass filter, as second-order sections.

Second-order sections are what the C library will run (a biquad cascade is stable in
float32 where a high-order direct form is not), so the summary shows exactly the signal
the library will see.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps


def design(low_hz: float, high_hz: float, sampling_hz: float, order: int = 4) -> np.ndarray:
    """Butterworth sections: band-pass, or low/high-pass when one edge is open."""
    nyq = sampling_hz / 2
    lo = low_hz / nyq
    hi = high_hz / nyq
    if lo <= 0 and hi >= 1:
        return np.array([[1, 0, 0, 1, 0, 0]], dtype=np.float64)
    if lo <= 0:
        return sps.butter(order, min(hi, 0.999), btype="lowpass", output="sos")
    if hi >= 1:
        return sps.butter(order, lo, btype="highpass", output="sos")
    return sps.butter(order, [lo, hi], btype="bandpass", output="sos")


def apply(signals: np.ndarray, sos: np.ndarray) -> np.ndarray:
    """Filters (rows, samples, axes) along samples, each buffer on its own from rest,
    as the device does with one buffer at a time."""
    return sps.sosfilt(sos, signals.astype(np.float64), axis=1).astype(np.float32)
