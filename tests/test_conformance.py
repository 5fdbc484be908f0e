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
from hypothesis import given
from hypothesis import strategies as st

from nanoforge.codegen import apis, armrun, library, toolchain
from nanoforge.codegen.apis.v4 import ad as v4ad
from nanoforge.codegen.apis.v4 import ext as v4ext
from nanoforge.codegen.apis.v4 import ncc as v4ncc
from nanoforge.codegen.apis.v4 import oneclass as v4oneclass
from nanoforge.codegen.emulator import rows

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


APIS = ("v4", "v5")


def _arm_run(type_name: str, img: armrun.ArmImage, spec: dict[str, Any], x: np.ndarray, mem: int) -> list[np.ndarray]:
    """What the device computed, read back the same way for both APIs (their harnesses
    share the memory layout)."""
    if type_name == "ncc":
        p, i, _ = v4ncc.run_arm(img, x, len(spec["classes"]))
        return [p, i]
    if type_name == "1cc":
        return list(v4oneclass.run_arm(img, x))
    if type_name == "ext":
        return [v4ext.run_arm(img, x)]
    return list(v4ad.run_arm(img, x[:20], x[20:], mem))


def _host_run(type_name: str, host: Any, x: np.ndarray) -> list[np.ndarray]:
    if type_name == "ncc":
        return list(host.classify(x))
    if type_name == "1cc":
        return list(host.oneclass(x))
    if type_name == "ext":
        return [host.extrapolate(x)]
    host.init()
    host.learn(x[:20])
    return [host.detect(x[20:]), host.memory()]


@ARM
@pytest.mark.parametrize("type_name", ["ncc", "1cc", "ext", "ad"])
def test_both_apis_compute_the_same_bits_on_the_host_and_the_cortex_m(tmp_path: Path, specs: dict[str, Any],
                                                                         type_name: str) -> None:
    """The 5.x plug-ins put other names on the same engine: host 4.x == host 5.x ==
    Cortex-M4F 4.x == Cortex-M0+ 5.x (unicorn), bit for bit."""
    x, _ = _signals()
    spec = specs[type_name]
    cache = tmp_path / "build"
    want = _host_run(type_name, library.host_library(spec, cache, "v4"), x)
    mem = len(want[-1])
    for api, core in (("v4", "cortex-m4"), ("v5", "cortex-m0plus"), ("v5", "cortex-m4")):
        if api == "v5":
            got = _host_run(type_name, library.host_library(spec, cache, api), x)
            assert all(a.tobytes() == b.tobytes() for a, b in zip(want, got, strict=True)), f"host {api}"
        b = library.build_sources(spec, cache, "", api)
        img = armrun.build_image(b.dir / "src", tmp_path / f"{api}-{core}", core, apis.for_spec(spec, api).harness)
        dev = _arm_run(type_name, img, spec, x, mem)
        assert all(a.tobytes() == d.tobytes() for a, d in zip(want, dev, strict=True)), f"{api} on {core}"


def test_the_5x_header_has_the_names_values_and_guards_of_5x(specs: dict[str, Any]) -> None:
    for type_name, spec in specs.items():
        h = library.generate(spec, "", "v5").files["NanoEdgeAI.h"]
        for text in ("#ifndef NANOEDGEAI_H", "#define NANOEDGEAI_H", "#define NEAI_INPUT_SIGNAL_LENGTH 32",
                     "#define NEAI_INPUT_AXIS_NUMBER 1", "NEAI_OK = 0,", "NEAI_ERROR = 1,", "NEAI_NOT_INITIALIZED = 2,",
                     "NEAI_INVALID_PARAM = 3,", "NEAI_NOT_SUPPORTED = 4,", "NEAI_LEARNING_DONE = 5,",
                     "NEAI_LEARNING_IN_PROGRESS = 6", "char* neai_get_id(void);", "int neai_get_input_signal_size(void);",
                     "int neai_get_axis_number(void);", 'extern "C" {', "Declarations to add to your main program"):
            assert text in h, (type_name, text)
        assert "knowledge.h" not in library.generate(spec, "", "v5").files  # inside libneai.a
    want = {"ncc": ["#define NEAI_NUMBER_OF_CLASSES 2", "enum neai_state neai_classification_init(void);",
                    "enum neai_state neai_classification(float *in, float *probabilities, int *id_class);",
                    "int neai_get_number_of_classes(void);", "const char* neai_get_class_name(int id_class);"],
            "ad": ["#include <stdbool.h>", "enum neai_state neai_anomalydetection_init(bool use_pretrained);",
                   "enum neai_state neai_anomalydetection_learn(float *in);",
                   "enum neai_state neai_anomalydetection_detect(float *in, uint8_t *similarity);"],
            "1cc": ["enum neai_state neai_outlier_init(void);",
                    "enum neai_state neai_outlier(float *in, uint8_t *is_outlier);"],
            "ext": ["enum neai_state neai_extrapolation_init(void);",
                    "enum neai_state neai_extrapolation(float *in, float *prediction);"]}
    for type_name, texts in want.items():
        h = library.generate(specs[type_name], "", "v5").files["NanoEdgeAI.h"]
        assert [t for t in texts if t not in h] == []


def test_states_before_init_and_for_non_finite_input_per_api(tmp_path: Path, specs: dict[str, Any]) -> None:
    """Before init: 4.x NEAI_INIT_FCT_NOT_CALLED (123), 5.x NEAI_NOT_INITIALIZED (2); a NaN
    in the input: 4.x NEAI_UNKNOWN_ERROR (128), 5.x NEAI_INVALID_PARAM (3). 5.x names,
    class names by 0-based id and NULL out of range, init(true) without --pretrained."""
    x, _ = _signals()
    row = np.ascontiguousarray(x[0, 0], np.float32)
    bad = row.copy()
    bad[3] = np.nan
    for api, not_init, invalid in (("v4", 123, 128), ("v5", 2, 3)):
        b = library.build_sources(specs["ext"], tmp_path / "build", "", api)
        lib = ctypes.CDLL(str(library.host_so(b)))  # a fresh load: init never called
        out = ctypes.c_float()
        assert lib.neai_extrapolation(row.ctypes.data_as(FP), ctypes.byref(out)) == not_init
        host = library.host_library(specs["ext"], tmp_path / "build", api)
        assert host.lib.neai_extrapolation(bad.ctypes.data_as(FP), ctypes.byref(out)) == invalid
    ncc = library.host_library(specs["ncc"], tmp_path / "build", "v5")
    ncc.lib.neai_get_id.restype = ctypes.c_char_p
    assert ncc.lib.neai_get_id().decode() == library.neai_id(specs["ncc"])
    assert ncc.lib.neai_get_input_signal_size() == 32 and ncc.lib.neai_get_axis_number() == 1
    assert ncc.lib.neai_get_number_of_classes() == 2
    assert [ncc.lib.neai_get_class_name(i) for i in (-1, 0, 1, 2)] == [None, b"a", b"b", None]
    ad = library.host_library(specs["ad"], tmp_path / "build", "v5")
    ad.lib.neai_anomalydetection_init.argtypes = [ctypes.c_bool]
    assert ad.lib.neai_anomalydetection_init(True) == 4  # NEAI_NOT_SUPPORTED: deployed without --pretrained
    assert ad.lib.neai_anomalydetection_learn(row.ctypes.data_as(FP)) == 2  # and not initialised
    assert ad.lib.neai_anomalydetection_init(False) == 0
    states = ad.learn(x[:6])
    assert states == [6] * 4 + [5] * 2  # min_learn 5: in progress, then done


def _deploy(spec: dict[str, Any], cache: Path, d: Path, core: str = "cortex-m4", suffix: str = "", **kw: Any
            ) -> dict[str, bytes]:
    files = library.deploy_files(spec, cache, core, suffix, **kw)
    for name, data in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    return files


@pytest.mark.parametrize("api", APIS)
def test_every_deploy_writes_the_host_library_and_an_emulator_that_answers_as_emulate(
        tmp_path: Path, specs: dict[str, Any], api: str) -> None:
    """emulators/libneai.so and emulators/neai_emulator.py (standard-library Python): the
    per-signal answers are `nanoforge emulate`'s, --help works, a bad file is exit 2."""
    import json
    import sys

    from .conftest import write_signals

    x, _ = _signals()
    f = write_signals(tmp_path / "sig.csv", x[:, 0, :], fmt="{:.9g}")
    cache = tmp_path / "build"
    for type_name, spec in specs.items():
        d = tmp_path / f"fw-{type_name}"
        files = _deploy(spec, cache, d, api=api)
        assert {"emulators/libneai.so", "emulators/neai_emulator.py"} <= set(files)
        args = ["--learn", str(f), "--detect", str(f)] if type_name == "ad" else ["--detect", str(f)]
        r = subprocess.run([sys.executable, str(d / "emulators/neai_emulator.py"), *args, "--json"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        lines = [json.loads(s) for s in r.stdout.splitlines()]
        params = {"learn": [str(f)], "detect": [str(f)]} if type_name == "ad" else {"file": str(f)}
        want = library.emulate(spec, cache, params, api)["results"]
        if api == "v5" and type_name == "ncc":  # the script gives the API's id: 0-based in 5.x
            want = [{**w, "class_id": w["class_id"] - 1} for w in want]
        keys = {"ncc": ("class", "class_id", "probabilities"), "1cc": ("outlier", "score"), "ext": ("value",),
                "ad": ("similarity", "status")}[type_name]
        got = [{k: g[k] for k in keys} for g in lines[:-1]]
        assert got == [{k: w[k] for k in keys} for w in want], type_name
        assert lines[-1]["summary"]["signals"] == len(x)
        h = subprocess.run([sys.executable, str(d / "emulators/neai_emulator.py"), "--help"],
                           capture_output=True, text=True)
        assert h.returncode == 0 and "--learn" in h.stdout and "--detect" in h.stdout and "-v" in h.stdout
        bad = subprocess.run([sys.executable, str(d / "emulators/neai_emulator.py"), "--detect", str(tmp_path)],
                             capture_output=True, text=True)
        assert bad.returncode == 2 and str(tmp_path) in bad.stderr


def test_cflags_are_checked_against_the_core() -> None:
    from nanoforge.codegen import cflags

    c = cflags.parse("-mfloat-abi=softfp -fshort-enums -fshort-wchar -O2", "cortex-m4")
    assert c.flags(cflags.CORES["cortex-m4"]) == ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=softfp",
                                                   "-mfpu=fpv4-sp-d16", "-fshort-enums", "-fshort-wchar", "-O2"]
    assert cflags.parse("", "cortex-m0plus").flags(cflags.CORES["cortex-m0plus"])[-1] == "-Os"
    assert cflags.parse("-mfloat-abi=soft", "cortex-m4").flags(cflags.CORES["cortex-m4"])[2:3] == ["-mfloat-abi=soft"]
    with pytest.raises(ValueError, match="needs a floating-point unit and cortex-m0plus has none"):
        cflags.parse("-mfloat-abi=hard", "cortex-m0plus")
    with pytest.raises(ValueError, match="-ffast-math is not offered"):
        cflags.parse("-ffast-math", "cortex-m4")
    with pytest.raises(ValueError, match="come from the target"):
        cflags.parse("-mfpu=fpv5-d16", "cortex-m7")
    with pytest.raises(ValueError, match="float ABI is one of"):
        cflags.parse("-mfloat-abi=double", "cortex-m4")


@ARM
def test_firmware_built_with_its_own_abi_choices_links_against_a_library_deployed_with_them(
        tmp_path: Path, specs: dict[str, Any]) -> None:
    """-fshort-enums and a soft-fp float ABI: a firmware built with them links cleanly (the
    linker's enum-size and VFP-argument checks as errors) against a library deployed with
    them, and not against the default build; metadata.json records the choice."""
    import json

    spec = specs["ad"]
    cache = tmp_path / "build"
    main = tmp_path / "main.c"
    main.write_text('#include <stdint.h>\n#include "NanoEdgeAI.h"\nstatic float in[DATA_INPUT_USER * AXIS_NUMBER];\n'
                    "int main(void) { uint8_t s = 0; neai_anomalydetection_init();\n"
                    "    return neai_anomalydetection_detect(in, &s) == NEAI_OK ? 0 : 1; }\n")
    fw_flags = ["-mfloat-abi=softfp", "-mfpu=fpv4-sp-d16", "-fshort-enums"]

    def link(d: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", *fw_flags, "-std=c99", "-Wall",
                               "-Wextra", "-Werror", "-Os", f"-I{d}", str(main), f"-L{d}", "-lneai",
                               "--specs=nosys.specs", "-Wl,--fatal-warnings", "-o", str(d / "fw.elf")],
                              capture_output=True, text=True)

    plain, chosen = tmp_path / "plain", tmp_path / "chosen"
    _deploy(spec, cache, plain)
    files = _deploy(spec, cache, chosen, cflags="-mfloat-abi=softfp -fshort-enums")
    assert link(plain).returncode != 0
    r = link(chosen)
    assert r.returncode == 0, r.stderr
    meta = json.loads(files["metadata.json"])
    assert meta["cflags"]["float_abi"] == "softfp" and meta["cflags"]["short_enums"] is True
    assert meta["api_version"] == "v4"


@given(st.lists(st.sampled_from(["-fshort-enums", "-fshort-wchar", "-O0", "-O2", "-Os", "-O3", "-mfloat-abi=soft",
                                 "-mfloat-abi=softfp", "-mfloat-abi=hard"]), max_size=6),
       st.sampled_from(["cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33"]),
       st.text(alphabet="abcxyz-=_0O", min_size=1, max_size=8))
def test_cflags_parse_every_offered_choice_and_refuse_the_rest(words: list[str], core: str, junk: str) -> None:
    from nanoforge.codegen import cflags

    c = cflags.CORES[core]
    fpu_abi = [w for w in words if w in ("-mfloat-abi=softfp", "-mfloat-abi=hard")]
    if fpu_abi and not c.fpu:
        with pytest.raises(ValueError, match="has none"):
            cflags.parse(" ".join(words), core)
    elif len({w for w in words if w.startswith("-mfloat-abi")}) > 1:
        with pytest.raises(ValueError, match="two float ABIs"):
            cflags.parse(" ".join(words), core)
    else:
        flags = cflags.parse(" ".join(words), core).flags(c)
        assert set(w for w in words if not w.startswith("-O")) <= set(flags) | {"-mfloat-abi=hard"}
        assert sum(f.startswith("-O") for f in flags) == 1 and flags[0] == f"-mcpu={c.gcc_cpu}"
    if junk not in cflags.OPT_LEVELS and junk not in cflags.SWITCHES:
        with pytest.raises(ValueError):
            cflags.parse(junk, core)


# ---------------------------------------------------------------- firmware programs
# Our own programs, written the way NanoEdge firmware is: the header's sample declarations
# pasted in, every function called, every state checked. Each returns 0 when all held,
# else the number of the first check that failed.

PRELUDE = """#include <stddef.h>
#include <stdint.h>
#include "NanoEdgeAI@S@.h"
@KNOWLEDGE@
@DECL@

#define CHECK(c, code) do {{ if (!(c)) return code; }} while (0)

static void fill(float *buf, int k)
{{
    int i;
    for (i = 0; i < @N_IN@; i++) buf[i] = (float)((i * (k + 3)) % 17) * 0.1f - 0.8f + 0.01f * (float)k;
}}
"""

PROGRAMS = {
    ("v4", "ncc"): """
int main(void)
{{
    int k, c;
    volatile float zero = 0.0f;
    CHECK(neai_classification@s@(input_user_buffer, output_class_buffer, &id_class) == NEAI_INIT_FCT_NOT_CALLED, 1);
    CHECK(neai_classification_init@s@(knowledge@s@) == NEAI_OK, 2);
    for (k = 0; k < 4; k++) {{
        float sum = 0.0f;
        fill(input_user_buffer, k);
        CHECK(neai_classification@s@(input_user_buffer, output_class_buffer, &id_class) == NEAI_OK, 3);
        CHECK(id_class >= 1 && id_class <= CLASS_NUMBER@S@ && id2class@s@[id_class][0] != '\\0', 4);
        for (c = 0; c < CLASS_NUMBER@S@; c++) sum += output_class_buffer[c];
        CHECK(sum > 0.99f && sum < 1.01f, 5);
    }}
    input_user_buffer[0] = zero / zero;
    CHECK(neai_classification@s@(input_user_buffer, output_class_buffer, &id_class) == NEAI_UNKNOWN_ERROR, 6);
    return 0;
}}
""",
    ("v5", "ncc"): """
int main(void)
{{
    int k;
    volatile float zero = 0.0f;
    CHECK(neai_get_id@s@()[0] != '\\0', 1);
    CHECK(neai_get_input_signal_size@s@() == NEAI_INPUT_SIGNAL_LENGTH@S@, 2);
    CHECK(neai_get_axis_number@s@() == NEAI_INPUT_AXIS_NUMBER@S@, 2);
    CHECK(neai_get_number_of_classes@s@() == NEAI_NUMBER_OF_CLASSES@S@, 3);
    CHECK(neai_get_class_name@s@(-1) == NULL && neai_get_class_name@s@(NEAI_NUMBER_OF_CLASSES@S@) == NULL, 4);
    CHECK(neai_classification@s@(input_signal, output_probabilities, &id_class) == NEAI_NOT_INITIALIZED, 5);
    CHECK(neai_classification_init@s@() == NEAI_OK, 6);
    for (k = 0; k < 4; k++) {{
        fill(input_signal, k);
        CHECK(neai_classification@s@(input_signal, output_probabilities, &id_class) == NEAI_OK, 7);
        CHECK(id_class >= 0 && id_class < NEAI_NUMBER_OF_CLASSES@S@ && neai_get_class_name@s@(id_class) != NULL, 8);
    }}
    input_signal[0] = zero / zero;
    CHECK(neai_classification@s@(input_signal, output_probabilities, &id_class) == NEAI_INVALID_PARAM, 9);
    return 0;
}}
""",
    ("v4", "ad"): """
int main(void)
{{
    int k;
    enum neai_state st = NEAI_OK;
    volatile float zero = 0.0f;
    CHECK(neai_anomalydetection_learn@s@(input_user_buffer) == NEAI_INIT_FCT_NOT_CALLED, 1);
    CHECK(neai_anomalydetection_init@s@() == NEAI_OK, 2);
    CHECK(neai_anomalydetection_knowledge@s@(knowledge@s@) == NEAI_OK, 3);
    fill(input_user_buffer, 0);
    CHECK(neai_anomalydetection_detect@s@(input_user_buffer, &similarity) == NEAI_OK && similarity <= 100, 4);
    CHECK(neai_anomalydetection_init@s@() == NEAI_OK, 5);
    for (k = 0; k < 1000; k++) {{
        fill(input_user_buffer, k % 7);
        st = neai_anomalydetection_learn@s@(input_user_buffer);
        if (st != NEAI_NOT_ENOUGH_CALL_TO_LEARNING) break;
    }}
    CHECK(st == NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE && k + 1 == MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING@S@, 6);
    CHECK(neai_anomalydetection_set_sensitivity@s@(2.0f) == NEAI_OK, 7);
    CHECK(neai_anomalydetection_get_sensitivity@s@() > 1.5f, 7);
    CHECK(neai_anomalydetection_set_sensitivity@s@(0.0f) == NEAI_UNKNOWN_ERROR, 8);
    fill(input_user_buffer, 3);
    CHECK(neai_anomalydetection_detect@s@(input_user_buffer, &similarity) == NEAI_OK && similarity <= 100, 9);
    input_user_buffer[1] = zero / zero;
    CHECK(neai_anomalydetection_learn@s@(input_user_buffer) == NEAI_UNKNOWN_ERROR, 10);
    CHECK(neai_anomalydetection_detect@s@(input_user_buffer, &similarity) == NEAI_UNKNOWN_ERROR, 11);
    return 0;
}}
""",
    ("v5", "ad"): """
int main(void)
{{
    int k;
    enum neai_state st = NEAI_OK;
    volatile float zero = 0.0f;
    CHECK(neai_get_id@s@()[0] != '\\0' && neai_get_axis_number@s@() == NEAI_INPUT_AXIS_NUMBER@S@, 1);
    CHECK(neai_anomalydetection_learn@s@(input_signal) == NEAI_NOT_INITIALIZED, 1);
    CHECK(neai_anomalydetection_init@s@(true) == NEAI_OK, 2);
    fill(input_signal, 0);
    CHECK(neai_anomalydetection_detect@s@(input_signal, &similarity) == NEAI_OK && similarity <= 100, 3);
    CHECK(neai_anomalydetection_learn@s@(input_signal) == NEAI_LEARNING_DONE, 4);
    CHECK(neai_anomalydetection_init@s@(false) == NEAI_OK, 5);
    CHECK(neai_anomalydetection_detect@s@(input_signal, &similarity) == NEAI_LEARNING_IN_PROGRESS, 6);
    for (k = 0; k < 1000; k++) {{
        fill(input_signal, k % 7);
        st = neai_anomalydetection_learn@s@(input_signal);
        if (st != NEAI_LEARNING_IN_PROGRESS) break;
    }}
    CHECK(st == NEAI_LEARNING_DONE && k + 1 == NEAI_MINIMUM_LEARNING_CALLS@S@, 7);
    fill(input_signal, 3);
    CHECK(neai_anomalydetection_detect@s@(input_signal, &similarity) == NEAI_OK && similarity <= 100, 8);
    input_signal[1] = zero / zero;
    CHECK(neai_anomalydetection_learn@s@(input_signal) == NEAI_INVALID_PARAM, 9);
    CHECK(neai_anomalydetection_detect@s@(input_signal, &similarity) == NEAI_INVALID_PARAM, 10);
    return 0;
}}
""",
}

# 1-class and extrapolation: one output per signal, the same checks in both APIs
SINGLE = """
int main(void)
{{
    int k;
    volatile float zero = 0.0f;
    CHECK(@FN@@s@(@IN@, &@OUT@) == @NOT_INIT@, 1);
    CHECK(@INIT@ == NEAI_OK, 2);
    for (k = 0; k < 4; k++) {{
        fill(@IN@, k);
        CHECK(@FN@@s@(@IN@, &@OUT@) == NEAI_OK && @VALID@, 3);
    }}
    @IN@[0] = zero / zero;
    CHECK(@FN@@s@(@IN@, &@OUT@) == @INVALID@, 4);
    return 0;
}}
"""
V4_STATES = {"@IN@": "input_user_buffer", "@NOT_INIT@": "NEAI_INIT_FCT_NOT_CALLED", "@INVALID@": "NEAI_UNKNOWN_ERROR"}
V5_STATES = {"@IN@": "input_signal", "@NOT_INIT@": "NEAI_NOT_INITIALIZED", "@INVALID@": "NEAI_INVALID_PARAM"}
SINGLE_PARTS = {
    ("v4", "1cc"): {**V4_STATES, "@FN@": "neai_oneclass", "@OUT@": "is_outlier",
                    "@INIT@": "neai_oneclass_init@s@(knowledge@s@)",
                    "@VALID@": "is_outlier <= 1 && neai_oneclass_last_score@s@() >= 0.0f"},
    ("v5", "1cc"): {**V5_STATES, "@FN@": "neai_outlier", "@OUT@": "is_outlier", "@INIT@": "neai_outlier_init@s@()",
                    "@VALID@": "is_outlier <= 1 && neai_outlier_last_score@s@() >= 0.0f"},
    ("v4", "ext"): {**V4_STATES, "@FN@": "neai_extrapolation", "@OUT@": "extrapolated_value",
                    "@INIT@": "neai_extrapolation_init@s@(knowledge@s@)",
                    "@VALID@": "extrapolated_value - extrapolated_value == 0.0f"},
    ("v5", "ext"): {**V5_STATES, "@FN@": "neai_extrapolation", "@OUT@": "prediction",
                    "@INIT@": "neai_extrapolation_init@s@()", "@VALID@": "prediction - prediction == 0.0f"},
}
for _key, _parts in SINGLE_PARTS.items():
    _text = SINGLE
    for _k, _v in _parts.items():
        _text = _text.replace(_k, _v)
    PROGRAMS[_key] = _text

# An Arduino sketch: setup() and loop(), C++ (the header's extern "C" does the linking).
SKETCH = """
static int failures = 0;

void setup()
{{
    if (@INIT@ != NEAI_OK) failures++;
}}

void loop()
{{
    static int k = 0;
    fill(@IN@, k++);
    if (@RUN@ != NEAI_OK) failures++;
    if (@CHECK@) failures++;
}}

int main()
{{
    setup();
    for (int i = 0; i < 3; i++) loop();
    return failures;
}}
"""
SKETCH_PARTS = {
    "v4": {"@INIT@": "neai_classification_init@s@(knowledge@s@)", "@IN@": "input_user_buffer",
           "@RUN@": "neai_classification@s@(input_user_buffer, output_class_buffer, &id_class)",
           "@CHECK@": "id2class@s@[id_class][0] == '\\0'"},
    "v5": {"@INIT@": "neai_anomalydetection_init@s@(true)", "@IN@": "input_signal",
           "@RUN@": "neai_anomalydetection_detect@s@(input_signal, &similarity)", "@CHECK@": "similarity > 100"},
}


def sketch(api: str) -> str:
    out = SKETCH
    for k, v in SKETCH_PARTS[api].items():
        out = out.replace(k, v)
    return out


def program(body: str, header: str, api: str, sfx: str, knowledge: bool) -> str:
    """A firmware source: the prelude (the header's declarations pasted) and `body`."""
    S = sfx.upper()
    n_in = (f"DATA_INPUT_USER{S} * AXIS_NUMBER{S}" if api == "v4"
            else f"NEAI_INPUT_SIGNAL_LENGTH{S} * NEAI_INPUT_AXIS_NUMBER{S}")
    text = (PRELUDE.replace("@KNOWLEDGE@", f'#include "knowledge{sfx}.h"\n' if knowledge else "")
            .replace("@DECL@", declarations(header).replace("{", "{{").replace("}", "}}"))
            .replace("@N_IN@", n_in) + body)
    return text.replace("@s@", sfx).replace("@S@", S).format()


ARM_CORES = {"cortex-m0plus": [], "cortex-m4": ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]}


def _arm_link(d: Path, src: Path, core: str, libs: list[str], cpp: bool = False) -> None:
    cc = ["arm-none-eabi-g++", "-std=gnu++11", "-fno-exceptions", "-fno-rtti"] if cpp else ["arm-none-eabi-gcc",
                                                                                             "-std=c99"]
    _cc([*cc, f"-mcpu={core}", "-mthumb", *ARM_CORES[core], "-Wall", "-Wextra", "-Werror", "-Os", f"-I{d}", str(src),
         f"-L{d}", *[f"-l{x}" for x in libs], "--specs=nosys.specs", "-o", str(src.with_suffix(f".{core}.elf"))])


def _run_on_host(d: Path, src: Path, libs: list[str], cpp: bool = False) -> None:
    """Builds `src` for this computer against emulators/libneai*.so and runs it: exit 0."""
    cc = ["g++", "-std=c++98"] if cpp else ["gcc", "-std=c99"]
    exe = src.with_suffix(".host")
    _cc([*cc, "-Wall", "-Wextra", "-Werror", f"-I{d}", str(src), f"-L{d / 'emulators'}",
         *[f"-l{x}" for x in libs], f"-Wl,-rpath,{d / 'emulators'}", "-o", str(exe)])
    r = subprocess.run([str(exe)], capture_output=True, text=True)
    assert r.returncode == 0, f"{src.name}: check {r.returncode} failed on the host"


@ARM
@pytest.mark.parametrize("api", APIS)
def test_firmware_of_every_type_builds_for_m0plus_and_m4f_and_runs_on_the_host(
        tmp_path: Path, specs: dict[str, Any], api: str) -> None:
    """Per type, a C program calling every function as firmware does, -Wall -Wextra
    -Werror, linked for Cortex-M0+ and M4F against what deploy wrote, then built for this
    computer against emulators/libneai.so and run; and an Arduino-style C++ sketch."""
    x, _ = _signals()
    cache = tmp_path / "build"
    state = _pretrained(specs["ad"], cache, x[:20])
    for type_name, spec in specs.items():
        pre = state if type_name == "ad" else None
        for core in ARM_CORES:
            d = tmp_path / f"{type_name}-{core}"
            files = _deploy(spec, cache, d, core, api=api, pretrained=pre)
            header = files["NanoEdgeAI.h"].decode()
            knowledge = api == "v4"
            src = d / "main.c"
            src.write_text(program(PROGRAMS[api, type_name], header, api, "", knowledge))
            _arm_link(d, src, core, ["neai"])
            with_sketch = (api == "v4" and type_name == "ncc") or (api == "v5" and type_name == "ad")
            if with_sketch:
                cpp = d / "sketch.cpp"
                cpp.write_text(program(sketch(api), header, api, "", knowledge))
                _arm_link(d, cpp, core, ["neai"], cpp=True)
        _run_on_host(d, src, ["neai"])
        if with_sketch:
            _run_on_host(d, cpp, ["neai"], cpp=True)


MULTI_V4 = """#include <stdint.h>
#include "NanoEdgeAI_fan.h"
#include "knowledge_fan.h"
#include "NanoEdgeAI_motor.h"
#include "knowledge_motor.h"

int run_v4(void);

static float fan_in[DATA_INPUT_USER_FAN * AXIS_NUMBER_FAN];
static float fan_probs[CLASS_NUMBER_FAN];
static float motor_in[DATA_INPUT_USER_MOTOR * AXIS_NUMBER_MOTOR];

int run_v4(void)
{
    uint16_t id = 0;
    uint8_t similarity = 0;
    int i;
    for (i = 0; i < DATA_INPUT_USER_FAN * AXIS_NUMBER_FAN; i++) fan_in[i] = (float)(i % 5) * 0.25f;
    for (i = 0; i < DATA_INPUT_USER_MOTOR * AXIS_NUMBER_MOTOR; i++) motor_in[i] = (float)(i % 7) * 0.125f;
    if (neai_classification_init_fan(knowledge_fan) != NEAI_OK) return 1;
    if (neai_classification_fan(fan_in, fan_probs, &id) != NEAI_OK || id < 1 || id > CLASS_NUMBER_FAN) return 2;
    if (neai_anomalydetection_init_motor() != NEAI_OK) return 3;
    if (neai_anomalydetection_knowledge_motor(knowledge_motor) != NEAI_OK) return 4;
    if (neai_anomalydetection_detect_motor(motor_in, &similarity) != NEAI_OK || similarity > 100) return 5;
    if (neai_classification_init_fan(knowledge_motor) != NEAI_KNOWLEDGE_BUFFER_ERROR) return 6;
    return 0;
}
"""

MULTI_V5 = """#include <stdint.h>
#include "NanoEdgeAI.h"

int run_v5(void);

static float in[NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER];

int run_v5(void)
{
    float prediction = 0.0f;
    if (neai_extrapolation_init() != NEAI_OK) return 11;
    if (neai_extrapolation(in, &prediction) != NEAI_OK) return 12;
    return neai_get_input_signal_size() == NEAI_INPUT_SIGNAL_LENGTH ? 0 : 13;
}
"""

MULTI_MAIN = """int run_v4(void);
int run_v5(void);

int main(void)
{
    int r = run_v4();
    return r ? r : run_v5();
}
"""


@ARM
def test_two_suffixed_libraries_and_a_5x_library_in_one_firmware(tmp_path: Path, specs: dict[str, Any]) -> None:
    """The suffix is on every function, macro, file and the knowledge array, so two 4.x
    libraries share a translation unit, and a 5.x library links next to them."""
    x, _ = _signals()
    cache = tmp_path / "build"
    state = _pretrained(specs["ad"], cache, x[:20])
    for core in ARM_CORES:
        d = tmp_path / core
        fan = _deploy(specs["ncc"], cache, d, core, "fan")
        motor = _deploy(specs["ad"], cache, d, core, "motor", pretrained=state)
        _deploy(specs["ext"], cache, d, core, api="v5")
        assert {"NanoEdgeAI_fan.h", "knowledge_fan.h", "libneai_fan.a", "emulators/libneai_fan.so"} <= set(fan)
        assert "\nconst float knowledge_motor[" in motor["knowledge_motor.h"].decode()
        for name, text in (("v4.c", MULTI_V4), ("v5.c", MULTI_V5), ("main.c", MULTI_MAIN)):
            (d / name).write_text(text)
        srcs = [str(d / n) for n in ("main.c", "v4.c", "v5.c")]
        _cc(["arm-none-eabi-gcc", f"-mcpu={core}", "-mthumb", *ARM_CORES[core], "-std=c99", "-Wall", "-Wextra",
             "-Werror", "-Os", f"-I{d}", *srcs, f"-L{d}", "-lneai_fan", "-lneai_motor", "-lneai",
             "--specs=nosys.specs", "-o", str(d / "fw.elf")])
    emu = d / "emulators"
    _cc(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{d}", *srcs, f"-L{emu}", "-lneai_fan", "-lneai_motor",
         "-lneai", f"-Wl,-rpath,{emu}", "-o", str(d / "fw.host")])
    r = subprocess.run([str(d / "fw.host")])
    assert r.returncode == 0, f"check {r.returncode} failed"


PRETRAINED_HARNESS = armrun.harness("int n", """    float *in = (float *)NF_IN;
    uint8_t *sims = (uint8_t *)NF_OUT;
    int i;
    if (neai_anomalydetection_init(true) != NEAI_OK) return -1;
    for (i = 0; i < n; i++)
        if (neai_anomalydetection_detect(in + i * NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER, sims + i) != NEAI_OK)
            return -2;
    return 0;
""", knowledge=False)


@ARM
def test_a_5x_pretrained_deploy_detects_on_the_device_as_emulate_does(tmp_path: Path) -> None:
    """`deploy --api v5 --pretrained`: firmware calling init(true) and detecting — on the
    emulated Cortex-M4 (unicorn) and on the host through emulators/libneai.so — gives
    exactly `nanoforge emulate --learn <the project's nominal file> --detect F`."""
    import json
    import sys

    from nanoforge.engine.dataset import load_file

    from .conftest import FIXTURES, bench_wait, nanoforge
    from .test_ad import _project

    for _ in range(3):  # a loaded machine can take longer than the CLI waits for the daemon
        if nanoforge("daemon", "start").returncode == 0:
            break
    root = _project(tmp_path)
    assert bench_wait(root, 8)["state"] == "finished"
    fw = tmp_path / "fw"
    r = nanoforge("deploy", str(root), "--api", "v5", "--pretrained", "--source", "--dir", str(fw), "--json")
    assert r.returncode == 0, r.stderr
    meta = json.loads((fw / "metadata.json").read_text())
    assert meta["api_version"] == "v5" and meta["pretrained"] is True
    assert not (fw / "knowledge.h").exists()  # 5.x: the knowledge is inside libneai.a
    nominal = root / "signals" / "nominal.csv"
    detect = [FIXTURES / "basicmotions_anomaly_test_nominal.csv", FIXTURES / "basicmotions_anomaly_test_abnormal.csv"]
    r = nanoforge("emulate", str(root), "--learn", str(nominal), *[a for f in detect for a in ("--detect", str(f))],
                  "--json")
    assert r.returncode == 0, r.stderr
    want = [x["similarity"] for x in json.loads(r.stdout)["results"]]

    x = np.concatenate([load_file(f, meta["axes"], meta["buffer"]) for f in detect])
    img = armrun.build_image(fw, tmp_path / "arm", "cortex-m4", PRETRAINED_HARNESS)
    uc, _ = armrun.machine(img, rows(x), len(x), 4, (len(x),))
    assert list(np.frombuffer(bytes(uc.mem_read(armrun.OUT_ADDR, len(x))), np.uint8)) == want

    out = subprocess.run([sys.executable, str(fw / "emulators" / "neai_emulator.py"), "--pretrained",
                          *[a for f in detect for a in ("--detect", str(f))], "--json"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert [json.loads(s)["similarity"] for s in out[:-1]] == want

    # without --pretrained, init(true) says it is not supported; an FPU ABI on an M0+ is refused
    r = nanoforge("deploy", str(root), "--api", "v5", "--dir", str(tmp_path / "plain"), "--json")
    assert r.returncode == 0, r.stderr
    bad = subprocess.run([sys.executable, str(tmp_path / "plain" / "emulators" / "neai_emulator.py"), "--pretrained",
                          "--detect", str(detect[0])], capture_output=True, text=True)
    assert bad.returncode == 2 and "without --pretrained" in bad.stderr
    r = nanoforge("deploy", str(root), "--target", "cortex-m0plus", "--cflags=-mfloat-abi=hard", "--dir",
                  str(tmp_path / "m0"))
    assert r.returncode != 0 and "cortex-m0plus has none" in r.stderr
