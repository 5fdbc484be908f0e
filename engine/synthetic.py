"""Anomalies the user never recorded, made from their nominal signals: a 1-class or
anomaly-detection library is judged by how tight its boundary is, and a boundary around
everything has recall 1.

Seven kinds of fault, each at three severities: sensor noise, a gain fault, a rearranged
cycle (shuffled segments), a resonance (one frequency band boosted), a local event (a
bump on a tenth of the buffer), a speed change (the buffer resampled) and a change of
waveform at the same level and spread (a smooth distortion, then each axis's mean and
standard deviation restored). The last is what a worn part or another operating mode
looks like to a sensor: the cycle changes shape, its energy does not. Without it, every
kind changed some global statistic, so summary-feature libraries caught all of them and
ranked first, then missed anomalies that were another waveform of the same sensor: on the
development suite's 1-class tasks the benchmark's ranking predicted the test not at all
(mean Spearman ρ 0.02 over 9 tasks) and the chosen library's test balanced accuracy was
0.74 on average; with it, 0.14 and 0.78, no task worse (docs/selection.md). One severity
only, and a strong one, was the rule before: every candidate caught nearly all of them,
so detection no longer told a tight boundary from a loose one, and the benchmark's
ranking said next to nothing about real anomalies (docs/selection.md). Mild faults are
what separates candidates; strong ones keep a boundary from being judged on subtle
faults alone.

Each nominal signal gets one fault of each kind, the severity rotating with the signal's
index so each kind is seen at every severity in equal shares.

Faults keep what every nominal signal shares. When each signal of an axis has the same
mean, or the same standard deviation (a recording normalised buffer by buffer: automatic
gain, a z-normalised export), the real anomalies come out of the same pipeline and share
it too, so each fault gets that mean and spread back, and a fault the restoring undid is
not made (a gain fault when every axis has one level and spread: such data has six kinds of fault,
not seven). Before, a fault was caught by the spread it broke: on the development suite's
per-signal normalised sets, summary-statistics libraries caught every fault, ranked
first, and missed the real anomalies (docs/selection.md, "Faults that keep what the data
keeps").
"""

from __future__ import annotations

import numpy as np

SYNTHETIC = ("noise", "gain", "shuffle", "band", "bump", "speed", "waveform")
SEVERITIES = ("mild", "medium", "strong")

_NOISE = (0.15, 0.4, 1.0)  # standard deviation, in the nominal data's spread per axis
_GAIN = (1.25, 1.6, 3.0)  # up or down
_SEGMENTS = (4, 8, 16)  # the buffer is cut into this many and shuffled
_BAND = (2.0, 4.0, 8.0)  # an eighth of the spectrum scaled
_BUMP = (0.5, 1.0, 2.0)  # height, in spreads
_SPEED = (1.08, 1.2, 1.5)  # faster or slower
_WAVEFORM = (0.25, 0.5, 1.0)  # smooth distortion, in each axis's own standard deviation
_HARMONICS = 5  # the distortion's lowest harmonics of the buffer, amplitude 1/h


def _fault(s: np.ndarray, kind: int, level: int, spread: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    axes, length = s.shape
    if kind == 0:
        return s + rng.normal(0.0, _NOISE[level], s.shape) * spread[:, None]
    if kind == 1:
        g = _GAIN[level]
        return s * (g if rng.random() < 0.5 else 1.0 / g)
    if kind == 2:
        seg = np.array_split(np.arange(length), _SEGMENTS[level])
        perm = rng.permutation(len(seg))
        if np.all(perm == np.arange(len(seg))):
            perm = perm[::-1]
        return s[:, np.concatenate([seg[j] for j in perm])]
    if kind == 3:
        spec = np.fft.rfft(s, axis=1)
        nb = spec.shape[1]
        width = max(1, (nb - 1) // 8)
        lo = 1 + int(rng.integers(0, max(1, nb - 1 - width)))
        spec[:, lo: lo + width] *= _BAND[level]
        return np.fft.irfft(spec, n=length, axis=1)
    if kind == 4:
        t = np.arange(length)
        centre, width = int(rng.integers(0, length)), max(2, length // 10)
        bump = np.exp(-0.5 * ((t - centre) / (width / 2)) ** 2)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        return s + sign * _BUMP[level] * spread[:, None] * bump[None, :]
    if kind == 5:
        f = _SPEED[level] if rng.random() < 0.5 else 1.0 / _SPEED[level]
        at = np.clip(np.arange(length) * f, 0, length - 1)
        return np.stack([np.interp(at, np.arange(length), s[a]) for a in range(axes)])
    return _waveform(s, _WAVEFORM[level], rng)


def _waveform(s: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """`s` with a smooth random distortion of `level` × each axis's standard deviation,
    then that axis's mean and standard deviation restored (a flat axis stays flat)."""
    t = np.arange(s.shape[1]) / s.shape[1]
    out = np.empty_like(s)
    for a in range(s.shape[0]):
        pert = sum(rng.normal() * np.sin(2 * np.pi * (h * t + rng.random())) / h for h in range(1, _HARMONICS + 1))
        pert = pert / (pert.std() + 1e-12)
        mean, sd = s[a].mean(), s[a].std()
        v = s[a] + level * sd * pert
        out[a] = (v - v.mean()) / (v.std() + 1e-12) * sd + mean
    return out


def synthesize(x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One fault of each kind per nominal signal: (signals, source index, kind index).

    Severities are set against the spread of the nominal data, not of one signal, so a
    quiet signal (a machine at rest) gets the same absolute disturbance as a busy one."""
    rng = np.random.default_rng(seed + 7919)
    own = np.random.default_rng(seed + 7920)  # the waveform kind's draws: added later, it left the others as they were
    n = len(x)
    spread = x.astype(np.float64).std(axis=(0, 2)) + 1e-6  # per axis
    out, src, kind = [], [], []
    for i in range(n):
        s = x[i].astype(np.float64)
        for k in range(len(SYNTHETIC)):
            out.append(_fault(s, k, (i + k) % len(SEVERITIES), spread, own if SYNTHETIC[k] == "waveform" else rng))
            src.append(i)
            kind.append(k)
    same_mean, same_sd = invariants(x)
    if not (same_mean | same_sd).any():
        return np.asarray(out, np.float32), np.asarray(src, np.int64), np.asarray(kind, np.int64)
    return _keep_invariants(x, np.asarray(out, np.float64), np.asarray(src, np.int64), np.asarray(kind, np.int64),
                            same_mean, same_sd)


INVARIANT = 1e-3  # relative spread over the nominal signals below which a per-signal mean or sd is one value
UNDONE = INVARIANT  # a fault this close to its source (a share of the data's spread), once restored, is no fault


def invariants(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per axis: whether every nominal signal has the same mean, the same standard
    deviation (not zero). Three signals at least: with fewer, anything looks shared."""
    axes = x.shape[1]
    if len(x) < 3:
        return np.zeros(axes, bool), np.zeros(axes, bool)
    x64 = x.astype(np.float64)
    mu, sd = x64.mean(axis=2), x64.std(axis=2)
    spread = x64.std(axis=(0, 2))
    same_mean = (spread > 0) & (mu.std(axis=0) <= INVARIANT * spread)
    same_sd = (sd.mean(axis=0) > 0) & (sd.std(axis=0) <= INVARIANT * sd.mean(axis=0))
    return same_mean, same_sd


def _keep_invariants(x: np.ndarray, out: np.ndarray, src: np.ndarray, kind: np.ndarray, same_mean: np.ndarray,
                     same_sd: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The faults with each shared mean and spread restored, without the ones that
    restoring undid (a gain fault when every axis has one level and spread, or is flat): a fault
    equal to its source is a nominal signal, and no library could flag it."""
    x64 = x.astype(np.float64)
    for a in np.flatnonzero(same_mean | same_sd):
        v = out[:, a]
        mean = v.mean(axis=1, keepdims=True)
        if same_sd[a]:
            v = (v - mean) / (v.std(axis=1, keepdims=True) + 1e-12) * x64[:, a].std(axis=1).mean() + mean
        out[:, a] = v - mean + x64[:, a].mean() if same_mean[a] else v
    scale = float(x64.std(axis=(0, 2)).max())
    keep = np.abs(out - x64[src]).max(axis=(1, 2)) > UNDONE * scale
    return out[keep].astype(np.float32), src[keep], kind[keep]


def augment(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The project's signals followed by synthetic anomalies of its nominal ones:
    x, y (0 nominal, 1 abnormal file, 2 synthetic) and each signal's nominal source
    (−1 for recorded signals)."""
    nom = np.flatnonzero(y == 0)
    syn, src, _ = synthesize(x[nom], seed)
    xa = np.concatenate([x, syn])
    ya = np.concatenate([y, np.full(len(syn), 2)]).astype(np.int64)
    origin = np.concatenate([np.full(len(x), -1), nom[src]]).astype(np.int64)
    return xa, ya, origin
