"""The C side of a project type is a plug-in: the registry finds the built-in ones by
type name, a type defined outside codegen (here, in this test module) is built, deployed
and emulated through codegen.library like any other, and emulate refuses parameters
that do not fit a type with the messages users see."""

from __future__ import annotations

import ctypes
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nanoforge.codegen import apis, library, toolchain
from nanoforge.codegen.apis.v4.ncc import NClass
from nanoforge.engine import search

from .conftest import write_signals


def test_builtin_types_and_the_default() -> None:
    assert {"1cc", "ad", "ext", "ncc"} <= set(apis.names())
    assert apis.get().name == apis.DEFAULT_TYPE == "ncc"
    assert apis.for_spec({}).name == "ncc" and apis.for_spec({"type": "ad"}).learns_on_device
    assert apis.get("ext").api == "v4"
    with pytest.raises(ValueError, match="no C side for project type 'nope'"):
        apis.get("nope")
    with pytest.raises(ValueError, match="already registered"):
        type("Clash", (NClass,), {"name": "ad"})


class Toy(NClass, replace=True):
    """A toy type: the n-class library under another name, with its own emulate answer."""

    name = "toy"
    title = "toy classification"

    def metadata(self, spec: dict[str, Any], pipe: Any) -> dict[str, Any]:
        return {"toy": True}

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        answer = super().emulate(spec, cache, params)
        return {"toy_classes": [r["class"] for r in answer["results"]]}


@pytest.fixture
def toy() -> Iterator[type[Toy]]:
    apis.register(Toy, replace=True)
    yield Toy
    apis.unregister("toy")


def _toy_spec() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    t = np.arange(32, dtype=np.float32)
    x = np.stack([np.sin(t * (1 + (i % 2)) / 3 + rng.uniform(0, 6))[None] for i in range(20)]).astype(np.float32)
    y = np.arange(20) % 2
    ctx = search.Context(x, y, ["slow", "fast"], 1 << 20, 1 << 20, seed=1)
    pipe = search.fit_library(ctx, {"blocks": [{"kind": "stats", "params": {}}, {"kind": "scale", "params": {}}],
                                    "model": {"kind": "centroid", "params": {}}}, {})
    return {**pipe.to_spec(), "type": "toy", "axes": 1, "buffer": 32, "classes": ["slow", "fast"],
            "library": "toy-1"}, x


def test_a_type_registered_from_outside_builds_and_emulates(tmp_path: Path, toy: type[Toy]) -> None:
    assert apis.get("toy").title == "toy classification" and "toy" in apis.names()
    spec, x = _toy_spec()
    meta = library.metadata(spec, "0123456789ab", "cortex-m4", None)
    assert meta["api"] == "NanoEdge AI Library, toy classification" and meta["project_type"] == "toy"
    assert meta["toy"] is True
    host = library.host_library(spec, tmp_path / "build")
    _, ids = host.classify(x)
    f = write_signals(tmp_path / "sig.csv", x[:, 0, :])
    answer = library.emulate(spec, tmp_path / "build", {"file": str(f)})
    assert answer == {"toy_classes": [["slow", "fast"][i - 1] for i in ids]}
    exe = library.host_emulator(library.build_sources(spec, tmp_path / "build"))
    assert exe.exists()


@pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
def test_deploy_can_ship_the_source_which_builds_alone(tmp_path: Path, toy: type[Toy]) -> None:
    import subprocess

    spec, _ = _toy_spec()
    files = library.deploy_files(spec, tmp_path / "build", "cortex-m4", "left", source=True)
    plain = library.deploy_files(spec, tmp_path / "build", "cortex-m4", "left")
    assert set(files) - set(plain) == {"neai_left.c"}
    assert json.loads(files["metadata_left.json"]) == json.loads(plain["metadata_left.json"])
    d = tmp_path / "fw"
    d.mkdir()
    for name, data in files.items():
        (d / name).parent.mkdir(exist_ok=True)  # emulators/
        (d / name).write_bytes(data)
    src = files["neai_left.c"].decode()
    assert '#include "NanoEdgeAI_left.h"' in src and '#include "nf_' not in src
    p = subprocess.run([toolchain.ARM_CC, "-mcpu=cortex-m4", "-mthumb", *toolchain.WARN, "-Os", "-I", str(d), "-c",
                        str(d / "neai_left.c"), "-o", str(tmp_path / "neai.o")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_emulate_refuses_parameters_that_do_not_fit_the_type(tmp_path: Path) -> None:
    spec = {"library": "lib-1"}
    cases = [
        ("ncc", {"learn": ["a.csv"], "detect": []}, "library lib-1 is not anomaly detection; use --file"),
        ("1cc", {"learn": ["a.csv"], "detect": ["b.csv"]}, "is not anomaly detection"),
        ("ext", {"learn": ["a.csv"], "detect": ["b.csv"]}, "is not anomaly detection"),
        ("ncc", {"file": "a.csv", "targets": "t.csv"}, "--targets is for extrapolation libraries"),
        ("1cc", {"file": "a.csv", "targets": "t.csv"}, "--targets is for extrapolation libraries"),
        ("ad", {"file": "a.csv", "targets": "t.csv"}, "--targets is for extrapolation libraries"),
        ("ad", {"file": "a.csv"}, "library lib-1 learns on the device: use --learn NOMINAL_FILE --detect FILE"),
        ("ncc", {}, "missing parameter 'file'"),
        ("ext", {"file": "a.csv", "targets": 3}, "'targets' must be a file path"),
        ("ad", {"learn": [], "detect": []}, "'learn' must list one or more nominal files"),
        ("ad", {"learn": ["a.csv"], "detect": "b.csv"}, "'detect' must list files"),
    ]
    for type_name, params, message in cases:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            library.emulate({**spec, "type": type_name}, tmp_path, params)


def _spec(type_name: str, model: dict[str, Any], x: np.ndarray, y: np.ndarray, classes: list[str]
          ) -> dict[str, Any]:
    ctx = search.Context(x, y, classes, 1 << 20, 1 << 20, seed=1, type=type_name)
    blocks = [{"kind": "stats", "params": {}}] + ([{"kind": "scale", "params": {}}] if type_name != "ad" else [])
    pipe = search.fit_library(ctx, {"blocks": blocks, "model": model}, {})
    return {**pipe.to_spec(), "type": type_name, "axes": 1, "buffer": x.shape[2], "classes": classes,
            "library": f"{type_name}-1", "min_learn": 5}


def _signals() -> tuple[np.ndarray, np.ndarray]:
    """30 one-axis sines of three speeds and two amplitudes: (signals, their std)."""
    rng = np.random.default_rng(3)
    t = np.arange(32, dtype=np.float32)
    x = np.stack([np.sin(t * (1 + i % 3) / 4 + rng.uniform(0, 6))[None] * (1 + i % 2) for i in range(30)])
    return x.astype(np.float32), x[:, 0, :].std(axis=1)


def _specs(x: np.ndarray, value: np.ndarray) -> dict[str, dict[str, Any]]:
    """One small library spec of each built-in type."""
    nominal = np.zeros(len(x), np.int64)
    return {
        "ncc": _spec("ncc", {"kind": "gnb", "params": {}}, x, np.arange(len(x)) % 2, ["a", "b"]),
        "1cc": _spec("1cc", {"kind": "maha", "params": {"robust": False, "contamination": 0.05, "margin": 1.5}},
                     x, nominal, ["nominal"]),
        "ext": _spec("ext", {"kind": "ridge", "params": {"alpha": 1.0}}, x, value, ["value"]),
        "ad": _spec("ad", {"kind": "gauss", "params": {"margin": 3.0}}, x, nominal, ["nominal"]),
    }


@pytest.mark.parametrize("api", ["v4", "v5"])
def test_every_type_example_main_compiles_against_its_header(tmp_path: Path, api: str) -> None:
    """nanoforge_example.c is where users start: it must build, warnings as errors."""
    import subprocess

    for type_name, spec in _specs(*_signals()).items():
        d = tmp_path / type_name
        d.mkdir()
        gen = library.generate(spec, "_s", api)
        (d / "NanoEdgeAI_s.h").write_text(gen.files["NanoEdgeAI.h"])
        if "knowledge.h" in gen.files:  # 4.x
            (d / "knowledge_s.h").write_text(gen.files["knowledge.h"])
        (d / "example.c").write_text(apis.get(type_name, api).example_main("_s", spec))
        p = subprocess.run([toolchain.ARM_CC, "-mcpu=cortex-m4", "-mthumb", *toolchain.STRICT, "-Os", "-I", str(d),
                            "-c", str(d / "example.c"), "-o", str(d / "example.o")], capture_output=True, text=True)
        assert p.returncode == 0, f"{type_name}: {p.stderr}"


NASTY_NAMES = ["x??/", "\U0001f600 smile", 'say "hi"\\', "tab\there", "100%d", "é"]


@pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
def test_any_class_name_reaches_the_device_and_the_emulator_exactly(tmp_path: Path) -> None:
    """Class names are the user's words: a trigraph, an emoji, quotes or a tab passed check
    and the benchmark, then broke the C. They are C string literals byte for byte now,
    the device gets the UTF-8 bytes, and the standalone emulator prints valid JSON."""
    x, _ = _signals()
    y = np.arange(len(x)) % len(NASTY_NAMES)
    spec = _spec("ncc", {"kind": "centroid", "params": {}}, x, y, NASTY_NAMES)
    files = library.deploy_files(spec, tmp_path / "build", "cortex-m4")  # builds the Cortex-M library
    header = files["NanoEdgeAI.h"].decode()
    assert "??/" not in header and "\\U" not in header
    f = write_signals(tmp_path / "sig.csv", x[:, 0, :])
    exe = tmp_path / "neai_emulator"
    exe.write_bytes(files["neai_emulator"])
    exe.chmod(0o755)
    out = subprocess.run([str(exe), str(f)], capture_output=True, text=True, check=True).stdout.splitlines()
    got = [json.loads(line) for line in out]
    assert {g["class"] for g in got} <= set(NASTY_NAMES)
    assert all(g["class"] == NASTY_NAMES[g["class_id"] - 1] for g in got)
    host = library.host_library(spec, tmp_path / "build")
    _, ids = host.classify(x)
    assert [g["class_id"] for g in got] == [int(i) for i in ids]
    h = subprocess.run([str(exe), "--help"], capture_output=True, text=True)  # not a file called --help
    assert h.returncode == 0 and h.stdout.startswith("usage:"), h


NEAI_UNKNOWN_ERROR = 128


def test_non_finite_inputs_get_an_error_state_and_change_nothing(tmp_path: Path) -> None:
    """NaN or an infinity in a buffer (a sensor glitch): every entry point answers
    NEAI_UNKNOWN_ERROR before touching any state; n-class returned NEAI_OK with NaN
    probabilities and class 1, and one NaN learned poisoned anomaly detection for good."""
    x, value = _signals()
    specs = _specs(x, value)
    fp = ctypes.POINTER(ctypes.c_float)
    bad = []
    for v in (np.nan, np.inf, -np.inf):
        row = x[0, 0, :].copy()
        row[5] = v
        bad.append(row.astype(np.float32))
    cache = tmp_path / "build"

    ncc = library.host_library(specs["ncc"], cache)
    out, cid = np.zeros(2, np.float32), ctypes.c_uint16(7)
    for row in bad:
        assert ncc.lib.neai_classification(row.ctypes.data_as(fp), out.ctypes.data_as(fp),
                                           ctypes.byref(cid)) == NEAI_UNKNOWN_ERROR
    assert cid.value == 7 and not out.any()
    oc = library.host_library(specs["1cc"], cache)
    flag = ctypes.c_uint8(9)
    assert all(oc.lib.neai_oneclass(r.ctypes.data_as(fp), ctypes.byref(flag)) == NEAI_UNKNOWN_ERROR for r in bad)
    ext = library.host_library(specs["ext"], cache)
    est = ctypes.c_float(1.5)
    assert all(ext.lib.neai_extrapolation(r.ctypes.data_as(fp), ctypes.byref(est)) == NEAI_UNKNOWN_ERROR
               for r in bad)
    assert flag.value == 9 and est.value == 1.5

    ad = library.host_library(specs["ad"], cache)
    ad.init()
    clean = ad.learn(x[:20])
    before = ad.detect(x[20:])
    sim = ctypes.c_uint8(0)
    for row in bad:
        assert ad.lib.neai_anomalydetection_learn(row.ctypes.data_as(fp)) == NEAI_UNKNOWN_ERROR
        assert ad.lib.neai_anomalydetection_detect(row.ctypes.data_as(fp), ctypes.byref(sim)) == NEAI_UNKNOWN_ERROR
    assert clean and (ad.detect(x[20:]) == before).all()  # what it learned is untouched
