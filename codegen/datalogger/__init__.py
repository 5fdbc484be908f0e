"""The datalogger generator: a small firmware project that samples a sensor at the
project's rate with a timer, fills buffers and prints them in nanoforge's signal format.

The firmware is kept as real files in `templates/` (C, a linker script, a Makefile,
CMake, a sketch), copied unchanged; what a request decides (rate, buffer, axes, mode,
baud rate, the board's clock, memory and core flags) goes into a few small generated
files (`nf_config.h`, `memory.ld`, `board.mk`) and the README. So the templates compile
and read as ordinary code, and the generated part is small enough to check at a glance.

Boards are bare-metal boards of a named MCU family (its UART driver is
`uart_<family>.c`) or a framework (Zephyr: any board with a supported sensor; Arduino).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nanoforge.engine.atomic import write_atomic
from nanoforge.engine.targets import CORES

from ..toolchain import arm_flags

TEMPLATES = Path(__file__).parent / "templates"
SYSTICK_MAX = 1 << 24
CHARS_PER_VALUE = 9  # "-12.3456," : a typical value at NF_DECIMALS = 4
DEFAULT_BAUD = 115200


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    framework: str  # "baremetal", "zephyr", "arduino": the templates/ folder
    family: str = ""
    core: str = ""
    clock_hz: int = 0
    flash: tuple[int, int] = (0, 0)
    ram: tuple[int, int] = (0, 0)
    uart: str = ""


def _nucleo(mcu: str, ram_k: int) -> Board:
    """An ST Nucleo-64 board of the STM32F4 family: USART2 goes to the ST-LINK's USB."""
    return Board(f"nucleo-{mcu[5:].lower()}", f"ST Nucleo-{mcu[5:]} ({mcu}, bare-metal)", "baremetal", "stm32f4",
                 "cortex-m4", 16_000_000, (0x08000000, 512 * 1024), (0x20000000, ram_k * 1024),
                 "USART2 on PA2/PA3, the ST-LINK virtual COM port")


def _nrf_dk(name: str, kit: str, mcu: str, flash_k: int, ram_k: int) -> Board:
    """A Nordic development kit: UART0 on P0.06/P0.08 goes to the J-Link's USB."""
    return Board(name, f"Nordic {kit} ({mcu}, bare-metal)", "baremetal", "nrf52",
                 "cortex-m4", 64_000_000, (0x00000000, flash_k * 1024), (0x20000000, ram_k * 1024),
                 "UART0 on P0.06/P0.08, the J-Link virtual COM port")


BOARDS: dict[str, Board] = {b.name: b for b in (
    _nucleo("STM32F401RE", 96),
    _nucleo("STM32F446RE", 128),
    _nrf_dk("nrf52840-dk", "nRF52840 DK", "nRF52840", 1024, 256),
    _nrf_dk("nrf52-dk", "nRF52 DK", "nRF52832", 512, 64),
    Board("zephyr", "Zephyr RTOS: any board with a supported accelerometer / IMU", "zephyr"),
    Board("arduino", "Arduino: any board with an Arduino core (analog inputs until you add your sensor)", "arduino"),
)}

# Sensor kinds: Zephyr's channels (3 values each) and the axes they give.
SENSORS: dict[str, tuple[str, ...]] = {
    "accel": ("SENSOR_CHAN_ACCEL_XYZ",),
    "gyro": ("SENSOR_CHAN_GYRO_XYZ",),
    "imu": ("SENSOR_CHAN_ACCEL_XYZ", "SENSOR_CHAN_GYRO_XYZ"),
    "magn": ("SENSOR_CHAN_MAGN_XYZ",),
    "generic": (),
}


def boards() -> list[dict[str, str]]:
    return [{"name": b.name, "title": b.title, "framework": b.framework, "family": b.family, "core": b.core}
            for b in BOARDS.values()]


def _timing(board: Board, hz: float) -> tuple[int, int, float]:
    """SysTick reload and software divider for `hz`, and the rate they really give."""
    ticks = board.clock_hz / hz
    divider = max(1, math.ceil(ticks / SYSTICK_MAX))
    reload = max(1, round(ticks / divider)) - 1
    return reload, divider, board.clock_hz / ((reload + 1) * divider)


def _bandwidth(hz: float, axes: int, baud: int) -> tuple[str, str | None]:
    need = hz * axes * CHARS_PER_VALUE
    have = baud / 10  # 8N1: 10 bits per character
    text = (f"about {need:.0f} characters/s to send ({hz:g} Hz × {axes} values × ~{CHARS_PER_VALUE} characters), "
            f"{have:.0f} available at {baud} baud ({100 * need / have:.0f} %).")
    warn = None
    if need > 0.8 * have:
        warn = (f"{hz:g} Hz × {axes} axes needs about {need:.0f} characters/s but {baud} baud carries {have:.0f}: "
                "buffers will be dropped; raise --baud or lower the rate")
    return text, warn


def _check(board: str, sensor: str | None, hz: float, buffer: int, axes: int, baud: int) -> Board:
    b = BOARDS.get(board)
    if b is None:
        raise ValueError(f"unknown board {board!r}; `nanoforge datalogger --list` shows them: "
                         + ", ".join(BOARDS))
    if sensor is not None and sensor not in SENSORS:
        raise ValueError(f"unknown sensor {sensor!r}; choose one of: {', '.join(SENSORS)}")
    if not hz > 0:
        raise ValueError("--hz must be greater than 0")
    if not 1 <= buffer <= 65536:
        raise ValueError("--buffer must be between 1 and 65536 samples per axis")
    if not 1 <= axes <= 64:
        raise ValueError("--axes must be between 1 and 64")
    if baud <= 0:
        raise ValueError("--baud must be greater than 0")
    if b.framework == "zephyr":
        channels = SENSORS[sensor or "accel"]
        if not channels:
            raise ValueError("the Zephyr datalogger reads a sensor through channels: --sensor accel, gyro, imu or magn")
        if 3 * len(channels) != axes:
            raise ValueError(f"--sensor {sensor or 'accel'} gives {3 * len(channels)} axes, not {axes}")
    if b.framework == "baremetal":
        need = 2 * buffer * axes * 4 + 2048
        if need > b.ram[1]:
            raise ValueError(f"two buffers of {buffer} × {axes} floats need {need} bytes of RAM; "
                             f"{b.name} has {b.ram[1]}")
        if b.clock_hz / hz < 100:
            raise ValueError(f"{hz:g} Hz is too fast for SysTick at {b.clock_hz} Hz (under 100 cycles per sample)")
    return b


def _config(b: Board, sensor: str | None, hz: float, buffer: int, axes: int, continuous: bool, baud: int) -> str:
    lines = ["/* nf_config.h - nanoforge datalogger settings, written by `nanoforge datalogger`.",
             f" * Board: {b.title}. */",
             "#ifndef NF_CONFIG_H", "#define NF_CONFIG_H", "",
             f"#define NF_HZ {float(hz)!r}f /* samples per second, every axis */",
             f"#define NF_PERIOD_US {round(1e6 / hz)}u",
             f"#define NF_BUFFER {buffer}u /* samples per axis in a signal (and per printed block) */",
             f"#define NF_AXES {axes}u",
             f"#define NF_CONTINUOUS {int(continuous)} /* 1: one line per sample; 0: one line per buffer */",
             f"#define NF_BAUD {baud}u"]
    if b.framework == "baremetal":
        reload, divider, _ = _timing(b, hz)
        lines += [f"#define NF_CORE_CLOCK_HZ {b.clock_hz}u /* the reset clock of {b.family} */",
                  f"#define NF_SYSTICK_RELOAD {reload}u",
                  f"#define NF_TICK_DIVIDER {divider}u"]
    if b.framework == "zephyr":
        lines.append(f"#define NF_CHANNELS {', '.join(SENSORS[sensor or 'accel'])}")
    return "\n".join([*lines, "", "#endif /* NF_CONFIG_H */", ""])


def generate(out_dir: str | Path, board: str, hz: float, buffer: int, axes: int, sensor: str | None = None,
             continuous: bool = False, baud: int = DEFAULT_BAUD) -> dict[str, Any]:
    """Writes the project into `out_dir` (new, or empty); the files written and notes."""
    b = _check(board, sensor, hz, buffer, axes, baud)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out}: exists and is not an empty folder; the datalogger goes into a new one")
    files: dict[str, str | bytes] = {}
    src = TEMPLATES / b.framework
    code_dir = {"baremetal": "", "zephyr": "src/", "arduino": "nanoforge_datalogger/"}[b.framework]
    for f in sorted(src.rglob("*")):
        if f.is_file() and f.name != "README.md":
            rel = f.relative_to(src).as_posix()
            if b.framework == "baremetal" and rel.startswith("uart_") and rel != f"uart_{b.family}.c":
                continue
            files[code_dir + rel if b.framework == "arduino" else rel] = f.read_bytes()
    files[code_dir + "nf_format.h"] = (TEMPLATES / "common" / "nf_format.h").read_bytes()
    files[code_dir + "nf_config.h"] = _config(b, sensor, hz, buffer, axes, continuous, baud)
    bandwidth, warning = _bandwidth(hz, axes, baud)
    mode = f"continuous, one line per sample of {axes} values" if continuous else \
        f"buffered, one line per signal of {buffer} samples × {axes} axes"
    summary = f"{hz:g} Hz, {mode}, {baud} baud."
    record_flags = f" --axes {axes}" + (f" --continuous --buffer {buffer}" if continuous else "")
    fields: dict[str, Any] = {"title": b.title, "summary": summary, "baud": baud, "record_flags": record_flags,
                              "bandwidth": bandwidth, "channels": ", ".join(SENSORS[sensor or "accel"])}
    notes: list[str] = []
    if b.framework == "baremetal":
        reload, divider, actual = _timing(b, hz)
        files["memory.ld"] = (f"/* memory.ld - {b.title}, written by `nanoforge datalogger` */\n"
                              f"MEMORY\n{{\n    FLASH (rx) : ORIGIN = 0x{b.flash[0]:08X}, LENGTH = {b.flash[1] // 1024}K\n"
                              f"    RAM (rwx) : ORIGIN = 0x{b.ram[0]:08X}, LENGTH = {b.ram[1] // 1024}K\n}}\n")
        files["board.mk"] = (f"# board.mk - {b.title}, written by `nanoforge datalogger`\n"
                             f"CPU_FLAGS = {' '.join(arm_flags(CORES[b.core]))}\n"
                             f"UART_SRC = uart_{b.family}.c\n")
        fields.update(family=b.family, uart=b.uart, clock_hz=b.clock_hz, reload=reload,
                      divider_note=f" × {divider} ticks per sample" if divider > 1 else "",
                      actual_hz=f"{actual:.6g}", flash_origin=f"0x{b.flash[0]:08X}")
        if abs(actual - hz) > 1e-6 * hz:
            notes.append(f"the timer gives {actual:.6g} Hz, not exactly {hz:g} Hz")
    if warning:
        notes.append(warning)
    readme = string.Template((src / "README.md").read_text()).safe_substitute(fields)
    files["README.md"] = readme
    out.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out / rel, data)
    return {"dir": str(out), "board": b.name, "framework": b.framework, "files": sorted(files), "notes": notes}
