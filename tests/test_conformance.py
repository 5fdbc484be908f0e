"""Firmware written the way NanoEdge projects are written links against what we deploy,
unchanged: the header's sample declarations pasted into main.c, knowledge.h included from
C89 to C++98, a pretrained anomaly-detection library starting where the studio left it.
Real compilers (gcc, g++, arm-none-eabi-gcc/g++), no mocks."""

from __future__ import annotations

import ctypes
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nanoforge.codegen import apis, library, toolchain

from .test_cplugins import _signals, _specs

ARM = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
FP = ctypes.POINTER(ctypes.c_float)


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    return _specs(*_signals())


def _cc(cmd: list[str]) -> None:
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stderr}"


def _pretrained(spec: dict[str, Any], cache: Path, x: np.ndarray) -> np.ndarray:
    host = library.host_library(spec, cache)
    host.init()
    host.learn(x)
    return host.memory()


def declarations(header: str) -> str:
    """The header's closing "Declarations to add to your main program" block, as pasted."""
    block = header.split("Declarations to add to your main program:", 1)[1].rsplit("-----", 1)[0]
    return "\n".join(line[3:] for line in block.splitlines() if line.startswith("   ") and "---" not in line)


def test_knowledge_h_is_decimal_exact_and_valid_from_c89_to_cpp98(tmp_path: Path, specs: dict[str, Any]) -> None:
    x, _ = _signals()
    cache = tmp_path / "build"
    gens = {t: library.generate(s) for t, s in specs.items() if t != "ad"}
    gens["ad"] = library.generate(specs["ad"], "", "v4", _pretrained(specs["ad"], cache, x[:20]))
    for t, gen in gens.items():
        know = gen.files["knowledge.h"]
        assert "0x" not in know
        values = re.findall(r"(-?[0-9][0-9.e+-]*)f\b", know.split("{", 1)[1])
        got = np.array([float(v) for v in values], np.float32)
        assert got.tobytes() == np.asarray(gen.knowledge, np.float32).tobytes(), t
        (tmp_path / "knowledge.h").write_text(know)
        use = "int main(void) { return knowledge[1] > 0.0f ? 0 : 1; }\n"
        (tmp_path / "k.c").write_text('#include "knowledge.h"\n' + use)
        (tmp_path / "k.cpp").write_text('#include "knowledge.h"\n' + use)
        for cc, std, src in (("gcc", "-std=c89", "k.c"), ("gcc", "-std=c99", "k.c"), ("g++", "-std=c++98", "k.cpp")):
            _cc([cc, std, "-pedantic", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path), "-c",
                 str(tmp_path / src), "-o", str(tmp_path / "k.o")])


def test_id2class_is_declared_by_main_c_as_the_header_shows(tmp_path: Path, specs: dict[str, Any]) -> None:
    """NanoEdge's header has id2class only in its closing comment; main.c declares it. Ours
    defined it too: "conflicting types for 'id2class'"."""
    gen = library.generate(specs["ncc"], "_fan")
    header = gen.files["NanoEdgeAI.h"]
    assert "*id2class_fan[" not in header.split("Declarations to add")[0]
    (tmp_path / "NanoEdgeAI_fan.h").write_text(header)
    (tmp_path / "knowledge_fan.h").write_text(gen.files["knowledge.h"])
    main = f"""#include <stdint.h>
#include "NanoEdgeAI_fan.h"
#include "knowledge_fan.h"

{declarations(header)}

int main(void)
{{
    if (neai_classification_init_fan(knowledge_fan) != NEAI_OK) return 1;
    if (neai_classification_fan(input_user_buffer, output_class_buffer, &id_class) != NEAI_OK) return 2;
    return id2class_fan[id_class][0] == 'u';
}}
"""
    (tmp_path / "main.c").write_text(main)
    _cc(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path), "-c", str(tmp_path / "main.c"),
         "-o", str(tmp_path / "main.o")])
    assert "DATA_INPUT_USER_FAN" in header and "#define CLASS_NUMBER_FAN 2" in header


def test_v4_pretrained_anomaly_detection_starts_where_learning_left(tmp_path: Path, specs: dict[str, Any]) -> None:
    """init, then knowledge(knowledge) from knowledge.h: the same detections as a device that
    learned the nominal signals itself; knowledge of another library is refused."""
    x, _ = _signals()
    cache = tmp_path / "build"
    spec = specs["ad"]
    learned = library.host_library(spec, cache)
    learned.init()
    learned.learn(x[:20])
    want = learned.detect(x[20:])
    mem = learned.memory()
    gen = library.generate(spec, "", "v4", mem)
    host = library.host_library(spec, cache, "v4", mem)
    lib = host.lib
    lib.neai_anomalydetection_knowledge.argtypes = [FP]
    k = np.ascontiguousarray(gen.knowledge, np.float32)
    host.init()
    assert lib.neai_anomalydetection_knowledge(k.ctypes.data_as(FP)) == 0
    assert (host.detect(x[20:]) == want).all()
    other = k.copy()
    other[0] += 1.0
    assert lib.neai_anomalydetection_knowledge(other.ctypes.data_as(FP)) == 125  # NEAI_KNOWLEDGE_BUFFER_ERROR
    with pytest.raises(ValueError, match="--pretrained is for libraries that learn on the device"):
        apis.for_spec(specs["ncc"]).pretrain(specs["ncc"], cache, [])
