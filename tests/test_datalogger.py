"""The generated dataloggers. The bare-metal one is built with its own Makefile by the
real arm-none-eabi-gcc and run in the instruction-level emulator (unicorn): the test
plays the hardware around the core (SysTick fires at every WFI, a fake sensor from the
test's own C file, the UART's data register captured by a memory hook), and the lines
the firmware prints must be the fake sensor's values and pass `nanoforge check`.
Zephyr and Arduino have no toolchain here: their sources are compiled for syntax against
the minimal stand-in headers in tests/fixtures/standins/."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from nanoforge.codegen import datalogger
from nanoforge.codegen.armrun import _enable_fpu

from .conftest import FIXTURES, nanoforge

STANDINS = FIXTURES / "standins"
MAGIC_RETURN = 0x3FFF0000
needs_arm = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not installed")

FAKE_SENSOR = r"""
#include "nf_sensor.h"
/* The test's sensor: values exactly representable in float, known to the test. */
static uint32_t n;
void nf_sensor_init(void) { n = 0u; }
void nf_read_sample(float sample[NF_AXES])
{
    for (uint32_t a = 0u; a < NF_AXES; a++) {
        sample[a] = (float)((int32_t)((n * 7u + a * 13u) % 97u) - 48) * 0.125f + (float)a;
    }
    n++;
}
"""


def fake_value(n: int, a: int) -> float:
    return (((n * 7 + a * 13) % 97) - 48) * 0.125 + a


def uart_hooks(family: str) -> tuple[int, dict[int, int], int | None]:
    """(data register, registers preset at reset, "byte sent" event register)."""
    if family == "stm32f4":
        return 0x40004404, {0x40004400: 0xC0}, None  # SR: TXE and TC set
    return 0x4000251C, {}, 0x4000211C  # nRF52 UART0: TXD, EVENTS_TXDRDY


def run_firmware(d: Path, board: datalogger.Board, lines: int) -> str:
    """Boots datalogger.bin from its vector table and runs until `lines` lines are out."""
    from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_HOOK_MEM_WRITE, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn import arm_const as ac

    image = (d / "datalogger.bin").read_bytes()
    syms = {ln.split()[-1]: int(ln.split()[0], 16) for ln in subprocess.run(
        ["arm-none-eabi-nm", str(d / "datalogger.elf")], capture_output=True, text=True, check=True).stdout.splitlines()
        if len(ln.split()) == 3}
    dis = subprocess.run(["arm-none-eabi-objdump", "-d", str(d / "datalogger.elf")], capture_output=True, text=True,
                         check=True).stdout
    wfi = [int(ln.split(":")[0], 16) for ln in dis.splitlines() if "\twfi" in ln]
    assert len(wfi) == 1, "the main loop sleeps in exactly one place"
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(ac.UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(board.flash[0], board.flash[1])
    uc.mem_map(board.ram[0], board.ram[1])
    uc.mem_map(0x40000000, 0x100000)  # peripherals
    uc.mem_map(0xE000E000, 0x1000)  # SysTick, SCB
    uc.mem_map(MAGIC_RETURN, 0x1000)
    uc.mem_write(board.flash[0], image)
    data_reg, presets, event = uart_hooks(board.family)
    for addr, value in presets.items():
        uc.mem_write(addr, struct.pack("<I", value))
    out = bytearray()

    def on_write(mu: Uc, _access: int, addr: int, _size: int, value: int, _data: object) -> None:
        if addr == data_reg:
            out.append(value & 0xFF)
            if event is not None:
                mu.mem_write(event, struct.pack("<I", 1))
            if out.count(b"\n") >= lines:
                mu.emu_stop()

    def on_wfi(mu: Uc, _addr: int, _size: int, _data: object) -> None:
        mu.emu_stop()

    uc.hook_add(UC_HOOK_MEM_WRITE, on_write, begin=data_reg, end=data_reg + 3)
    uc.hook_add(UC_HOOK_CODE, on_wfi, begin=wfi[0], end=wfi[0])
    _enable_fpu(uc)  # the reset handler's CPACR write lands in plain memory here
    sp, reset = struct.unpack_from("<II", image)
    uc.reg_write(ac.UC_ARM_REG_SP, sp)
    pc, ticks = reset, 0
    while out.count(b"\n") < lines:
        uc.emu_start(pc | 1, 0xFFFFFFFF, count=5_000_000)
        pc = uc.reg_read(ac.UC_ARM_REG_PC)
        if pc == wfi[0]:  # asleep: the timer fires, as an exception calls its handler
            ctx = uc.context_save()
            uc.reg_write(ac.UC_ARM_REG_LR, MAGIC_RETURN | 1)
            uc.emu_start(syms["SysTick_Handler"] | 1, MAGIC_RETURN)
            uc.context_restore(ctx)
            pc, ticks = wfi[0] + 2, ticks + 1
        assert ticks < 100_000
    cfg = (d / "nf_config.h").read_text()
    assert uc.mem_read(0xE000E014, 4) == struct.pack("<I", int(cfg.split("NF_SYSTICK_RELOAD ")[1].split("u")[0]))
    return out.decode("ascii")


@needs_arm
@pytest.mark.parametrize(("board", "continuous"), [("nucleo-f401re", False), ("nucleo-f401re", True),
                                                   ("nrf52840-dk", False)])
def test_bare_metal_datalogger_builds_and_prints_what_check_accepts(tmp_path: Path, board: str,
                                                                    continuous: bool) -> None:
    d = tmp_path / "fw"
    axes, buffer = 3, 32
    res = datalogger.generate(d, board, hz=200, buffer=buffer, axes=axes, continuous=continuous)
    assert "sensor.c" in res["files"] and "nf_config.h" in res["files"]
    (tmp_path / "fake_sensor.c").write_text(FAKE_SENSOR)
    r = subprocess.run(["make", "-C", str(d), f"SENSOR_SRC={tmp_path / 'fake_sensor.c'}"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr
    want = 12 * (buffer if continuous else 1)
    text = run_firmware(d, datalogger.BOARDS[board], want)
    rows = text.split("\r\n")[:-1]
    assert len(rows) == want and text.endswith("\r\n") and "#" not in text
    per_line = axes if continuous else axes * buffer
    values = [float(v) for row in rows for v in row.split(",")]
    assert all(len(row.split(",")) == per_line for row in rows)
    assert values == [fake_value(n, a) for n in range(len(values) // axes) for a in range(axes)]
    rec = tmp_path / "captured.csv"
    rec.write_text(text)
    r = nanoforge("check", str(rec), "--axes", str(axes), "--json")
    assert r.returncode == 0 and [d["code"] for d in json.loads(r.stdout) if d["severity"] == "error"] == []


def test_the_test_sensor_in_the_template_builds_too(tmp_path: Path) -> None:
    """Without the user's sensor, the project still builds (the triangle-wave stand-in)."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not installed")
    d = tmp_path / "fw"
    datalogger.generate(d, "nrf52-dk", hz=0.5, buffer=16, axes=1)  # below SysTick's range: a tick divider
    assert "#define NF_TICK_DIVIDER 8u" in (d / "nf_config.h").read_text()
    r = subprocess.run(["make", "-C", str(d)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr


@pytest.mark.parametrize("continuous", [False, True])
def test_zephyr_app_compiles_against_stand_in_headers(tmp_path: Path, continuous: bool) -> None:
    d = tmp_path / "zephyr"
    datalogger.generate(d, "zephyr", hz=100, buffer=64, axes=6, sensor="imu", continuous=continuous)
    assert "SENSOR_CHAN_GYRO_XYZ" in (d / "src" / "nf_config.h").read_text()
    assert {"CMakeLists.txt", "prj.conf"} <= {p.name for p in d.iterdir()}
    r = subprocess.run(["gcc", "-std=c11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I", str(STANDINS / "zephyr"),
                        "-I", str(d / "src"), str(d / "src" / "main.c")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("continuous", [False, True])
def test_arduino_sketch_compiles_against_a_stand_in_arduino_h(tmp_path: Path, continuous: bool) -> None:
    d = tmp_path / "arduino"
    datalogger.generate(d, "arduino", hz=50, buffer=32, axes=2, continuous=continuous)
    sketch = d / "nanoforge_datalogger" / "nanoforge_datalogger.ino"
    r = subprocess.run(["g++", "-std=c++11", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-x", "c++",
                        "-include", str(STANDINS / "arduino" / "Arduino.h"), "-I", str(sketch.parent), str(sketch)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_bad_requests_are_refused_and_nothing_is_overwritten(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown board 'uno'"):
        datalogger.generate(tmp_path / "a", "uno", hz=100, buffer=64, axes=3)
    with pytest.raises(ValueError, match="gives 6 axes, not 3"):
        datalogger.generate(tmp_path / "a", "zephyr", hz=100, buffer=64, axes=3, sensor="imu")
    with pytest.raises(ValueError, match="RAM"):
        datalogger.generate(tmp_path / "a", "nrf52-dk", hz=100, buffer=4096, axes=6)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "main.c").write_text("mine")
    with pytest.raises(FileExistsError):
        datalogger.generate(tmp_path / "mine", "arduino", hz=100, buffer=64, axes=3)
    assert (tmp_path / "mine" / "main.c").read_text() == "mine"


def test_the_cli_lists_boards_and_writes_a_project(tmp_path: Path) -> None:
    r = nanoforge("datalogger", "--list", "--json")
    assert r.returncode == 0, r.stderr
    names = {b["name"] for b in json.loads(r.stdout)["boards"]}
    assert {"nucleo-f401re", "nrf52840-dk", "zephyr", "arduino"} <= names
    r = nanoforge("datalogger", "--board", "nucleo-f401re", "--hz", "1600", "--buffer", "256", "--axes", "3",
                  "-o", str(tmp_path / "fw"))
    assert r.returncode == 0, r.stderr
    assert "raise --baud" in r.stderr  # 1600 Hz × 3 axes of text does not fit in 115200 baud
    assert (tmp_path / "fw" / "Makefile").exists()
    assert nanoforge("datalogger", "--board", "zephyr", "-o", str(tmp_path / "z")).returncode == 2
    r = nanoforge("datalogger", "--board", "uno", "--hz", "1", "--buffer", "1", "--axes", "1", "-o", str(tmp_path / "u"))
    assert r.returncode == 1 and "unknown board 'uno'" in r.stderr
