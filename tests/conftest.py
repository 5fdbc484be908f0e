"""Every test run talks to its own daemon, in its own short-pathed home (Unix socket
paths are limited to ~100 bytes), and stops it at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so a test run (CI's included) passes
# or fails for the code, not for the draw; NANOFORGE_HYPOTHESIS=explore draws new ones, and
# what it finds is pinned with @example.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("NANOFORGE_HYPOTHESIS", "repeatable"))

if not os.environ.get("NANOFORGE_HOME", "").startswith(tempfile.gettempdir()):
    os.environ["NANOFORGE_HOME"] = tempfile.mkdtemp(prefix="nf-", dir="/tmp")
os.environ.setdefault("NANOFORGE_IDLE_TIMEOUT", "120")

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).parent.parent / "examples" / "fan"


def nanoforge(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    """The real CLI, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "nanoforge.cli", *args], capture_output=True, text=True,
                          cwd=cwd, check=check, timeout=120)


def bench_wait(root: Path, seconds: int) -> dict:
    """`bench start --wait --json` on 2 cores: the finished benchmark's status."""
    r = nanoforge("bench", "start", str(root), "--time-budget", str(seconds), "--cores", "2", "--wait", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def small_ncc_benchmark(tmp_path: Path) -> Path:
    """A 2-class project of 1 × 64 sines, benchmarked for 5 s on 1 core: a stored best library."""
    root = tmp_path / "p"
    assert nanoforge("new", str(root), "--type", "ncc", "--axes", "1", "--buffer", "64").returncode == 0
    for cls in ("a", "b"):
        f = write_signals(tmp_path / f"{cls}.csv", smooth_rows(seed=ord(cls)) * (1 + (cls == "b")))
        assert nanoforge("signals", "add", str(root), "--class", cls, str(f)).returncode == 0
    r = nanoforge("bench", "start", str(root), "--time-budget", "5", "--cores", "1", "--wait", "--json")
    assert json.loads(r.stdout)["best"], r.stderr
    return root


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    nanoforge("daemon", "stop")


def write_signals(path: Path, rows: np.ndarray, sep: str = ",", fmt: str = "{:.5f}") -> Path:
    path.write_text("\n".join(sep.join(fmt.format(v) for v in r) for r in rows) + "\n")
    return path


def smooth_rows(n: int = 30, length: int = 64, axes: int = 1, seed: int = 0) -> np.ndarray:
    """Signals that pass every check: sines of varied frequency and phase plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    out = []
    for k in range(n):
        sig = np.stack([np.sin(2 * np.pi * t * (2 + (k + a) % 5) / length + rng.uniform(0, 6)) * (1 + 0.1 * a)
                        + 0.02 * rng.normal(size=length) for a in range(axes)], axis=1)
        out.append(sig.reshape(-1))
    return np.array(out)


@pytest.fixture
def clean_file(tmp_path: Path) -> Path:
    return write_signals(tmp_path / "clean.csv", smooth_rows())


def deploy_into(root: Path, rel: str) -> None:
    """Points the project's [deploy] dir at `rel` (relative to the project)."""
    toml = root / "nanoforge.toml"
    lines = [ln for ln in toml.read_text().splitlines() if not ln.startswith("dir =")]
    toml.write_text("\n".join(ln + (f'\ndir = "{rel}"' if ln == "[deploy]" else "") for ln in lines) + "\n")


FIRMWARE_CORES = (("cortex-m4", ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]), ("cortex-m0plus", []))


def deploy_and_link(tmp: Path, root: Path, fw: Path, main_c: str) -> None:
    """`nanoforge deploy` of the project's best library into `fw` for every core in
    FIRMWARE_CORES, each followed by a firmware link against it."""
    for core, flags in FIRMWARE_CORES:
        r = nanoforge("deploy", str(root), "--target", core, "--dir", str(fw), "--force", "--json")
        assert r.returncode == 0, r.stderr
        cc = link_firmware(tmp, core, flags, fw, main_c)
        assert cc.returncode == 0, cc.stderr


def link_firmware(tmp: Path, core: str, flags: list[str], lib_dir: Path, main_c: str) -> subprocess.CompletedProcess[str]:
    """Compiles and links a firmware main.c against the deployed libneai.a, warnings as errors."""
    main = tmp / f"main_{core}.c"
    main.write_text(main_c)
    return subprocess.run(["arm-none-eabi-gcc", f"-mcpu={core}", "-mthumb", *flags, "-std=c99", "-Wall", "-Wextra",
                           "-Werror", "-Os", f"-I{lib_dir}", str(main), f"-L{lib_dir}", "-lneai", "--specs=nosys.specs",
                           "-o", str(tmp / f"fw_{core}.elf")], capture_output=True, text=True)
