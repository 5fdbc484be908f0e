"""The summary's FFT puts energy where the signal has it, and the filter removes it."""

from __future__ import annotations

import numpy as np

from nanoforge.engine import bandpass
from nanoforge.engine.summary import summarize


def test_peak_and_band_pass() -> None:
    hz, n = 1000.0, 256
    t = np.arange(n) / hz
    rng = np.random.default_rng(0)
    x = np.stack([np.sin(2 * np.pi * 62.5 * t + p) + 0.5 * np.sin(2 * np.pi * 312.5 * t) for p in rng.uniform(0, 6, 20)])
    sos = bandpass.design(150, 400, hz)
    s = summarize(x[:, :, None].astype(np.float32), hz, sos)
    raw = s["raw"][0]
    assert raw["peaks_hz"][0] == 62.5 and len(raw["mean"]) == n
    freqs = np.array(raw["fft"]["freq_hz"])
    filt = np.array(s["filtered"][0]["fft"]["magnitude"])
    rawmag = np.array(raw["fft"]["magnitude"])
    low = freqs == 62.5
    assert filt[low][0] < 0.1 * rawmag[low][0]
    assert s["filtered"][0]["peaks_hz"][0] == 312.5
