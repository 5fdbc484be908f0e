"""Generates the bundled fan example: 3-axis accelerometer on a 7-blade fan's motor mount.

Physically plausible, seeded, and small enough to ship: 1600 Hz sampling (an
accelerometer's usual output data rate), 256 samples per axis (0.16 s, 3-8 rotations),
±2 g full scale quantised at 16 bits, gravity on z. Classes:
  low / mid / high  — healthy at 1200, 1800, 2400 rpm: 1x rotation, 2x, blade pass (7x);
  imbalance         — 1800 rpm with a strong 1x radial component, in quadrature on x/y;
  bearing           — 1800 rpm plus outer-race defect impacts at BPFO = 3.57x, ringing at
                      a 520 Hz housing resonance.
Speed jitters ±3 % between recordings; each buffer starts at a random phase.
Run: python examples/fan/generate.py  (rewrites signals/*.csv identically for a seed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HZ = 1600.0
BUFFER = 256
LINES = 80
FULL_SCALE_G = 2.0
LSB_G = 2 * FULL_SCALE_G / 65536


def signal(rng: np.random.Generator, rpm: float, imbalance: float = 0.0, bearing: float = 0.0) -> np.ndarray:
    f = rpm / 60.0 * (1 + rng.uniform(-0.03, 0.03))
    t = np.arange(BUFFER) / HZ + rng.uniform(0, 1)
    ph = rng.uniform(0, 2 * np.pi, size=3)
    load = (rpm / 1800.0) ** 2  # vibration grows with speed squared
    x = 0.02 * load * np.sin(2 * np.pi * f * t + ph[0]) + 0.008 * load * np.sin(2 * np.pi * 2 * f * t + ph[1])
    y = 0.02 * load * np.cos(2 * np.pi * f * t + ph[0]) + 0.006 * load * np.sin(2 * np.pi * 2 * f * t + ph[2])
    z = 1.0 + 0.012 * load * np.sin(2 * np.pi * 7 * f * t + ph[2])
    if imbalance:
        x += imbalance * np.sin(2 * np.pi * f * t + ph[0])
        y += imbalance * np.cos(2 * np.pi * f * t + ph[0])
    if bearing:
        bpfo = 3.57 * f
        impacts = np.zeros(BUFFER)
        period = HZ / bpfo
        start = rng.uniform(0, period)
        for k in np.arange(start, BUFFER, period):
            i = int(k)
            n = np.arange(BUFFER - i)
            impacts[i:] += bearing * np.exp(-n / 6.0) * np.sin(2 * np.pi * 520.0 * n / HZ)
        x += impacts * 0.7
        y += impacts * 0.4
        z += impacts
    noise = rng.normal(0, 0.004, size=(3, BUFFER))
    xyz = np.stack([x, y, z]) + noise
    xyz = np.clip(np.round(xyz / LSB_G) * LSB_G, -FULL_SCALE_G, FULL_SCALE_G - LSB_G)
    return xyz.T.reshape(-1)  # interleaved x0 y0 z0 x1 y1 z1 …


CLASSES = {
    "low": dict(rpm=1200),
    "mid": dict(rpm=1800),
    "high": dict(rpm=2400),
    "imbalance": dict(rpm=1800, imbalance=0.06),
    "bearing": dict(rpm=1800, bearing=0.12),
}


def main(seed: int = 7) -> None:
    out = Path(__file__).parent / "signals"
    out.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, kw in CLASSES.items():
        rows = [signal(rng, **kw) for _ in range(LINES)]
        text = "\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n"
        (out / f"{name}.csv").write_text(text)


if __name__ == "__main__":
    main()
