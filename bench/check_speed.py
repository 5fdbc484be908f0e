"""How long `nanoforge check` takes on the largest file users may give it.

Goal (issue #2): 100 000 lines × 768 values checked in ≤ 3 s on the 2-core machine.
Prints a table; asserts nothing. Run: python bench/check_speed.py [--lines N]
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

GOAL_S = 3.0


def make_file(path: Path, lines: int, width: int) -> None:
    if path.exists() and path.stat().st_size > 0:
        return
    rng = np.random.default_rng(0)
    t = np.arange(width)
    with path.open("w") as f:
        for start in range(0, lines, 5000):
            n = min(5000, lines - start)
            block = np.sin(t[None, :] * rng.uniform(0.01, 0.2, (n, 1))) + rng.normal(0, 0.01, (n, width))
            f.write("\n".join(",".join(f"{v:.4f}" for v in row) for row in block) + "\n")


def timed(args: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "nanoforge.cli", *args], capture_output=True, text=True)
    return time.perf_counter() - t0, r.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--width", type=int, default=768)
    ap.add_argument("--file", default="/tmp/nanoforge-bench-check.csv")
    a = ap.parse_args()
    path = Path(a.file)
    make_file(path, a.lines, a.width)
    timed(["daemon", "start"])
    rows = []
    for label in ("clean, first", "clean, again"):
        s, rc = timed(["check", str(path), "--axes", "3"])
        rows.append((label, s, rc))
    broken = path.with_name(path.stem + "-broken.csv")
    if not broken.exists():
        data = path.read_bytes()
        cut = data.index(b"\n", len(data) // 2) + 1
        broken.write_bytes(data[:cut] + b"1,2;3\n" + data[cut:])
    s, rc = timed(["check", str(broken), "--axes", "3"])
    rows.append(("one bad line in the middle", s, rc))
    size = path.stat().st_size / 2**20
    print(f"nanoforge check, {a.lines} lines × {a.width} values ({size:.0f} MiB), goal ≤ {GOAL_S:g} s")
    print(f"{'case':<28} {'seconds':>8} {'exit':>5} {'goal':>6}")
    for label, s, rc in rows:
        print(f"{label:<28} {s:>8.2f} {rc:>5} {'met' if s <= GOAL_S else f'+{s - GOAL_S:.1f}s':>6}")


if __name__ == "__main__":
    main()
