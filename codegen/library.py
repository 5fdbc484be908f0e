"""From a stored library spec to built artefacts: sources, host emulator, per-core
`libneai.a` with measured footprint, metadata.json and a hello-world example.

Builds are cached by library id under the project's `.nanoforge/build/`, and every
output is derived from the spec alone, so the same spec gives the same files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline, pack, spec_json

from . import adsource, csource, extsource, ocsource, toolchain
from .emulator import (
    ADHostLibrary,
    ExtHostLibrary,
    HostLibrary,
    OCHostLibrary,
    ad_emulator_source,
    emulator_source,
    ext_emulator_source,
    oc_emulator_source,
)


def neai_id(spec: dict[str, Any]) -> str:
    return csource.library_id(pack(spec))


def is_ad(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "ad"


def generate(spec: dict[str, Any], suffix: str = "") -> csource.Generated:
    pipe = Pipeline.from_spec(spec)
    if spec.get("type") == "ext":
        return extsource.generate(pipe, int(spec["axes"]), int(spec["buffer"]), neai_id(spec), suffix)
    if spec.get("type") == "1cc":
        return ocsource.generate(pipe, int(spec["axes"]), int(spec["buffer"]), neai_id(spec), suffix)
    if is_ad(spec):
        return adsource.generate(pipe, int(spec["axes"]), int(spec["buffer"]), neai_id(spec),
                                 int(spec.get("min_learn", 1)), spec.get("sensor", "generic"), suffix)
    return csource.generate(pipe, int(spec["axes"]), int(spec["buffer"]), list(spec["classes"]), neai_id(spec), suffix)


def write_sources(gen: csource.Generated, d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in gen.files.items():
        (d / name).write_text(text)


@dataclass
class Built:
    dir: Path
    neai_id: str
    gen: csource.Generated


def build_sources(spec: dict[str, Any], cache: Path, suffix: str = "") -> Built:
    nid = neai_id(spec)
    d = cache / f"{nid}{suffix}"
    gen = generate(spec, suffix)
    if not (d / "src" / "neai.c").exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=".build-"))
        write_sources(gen, tmp / "src")
        try:
            tmp.replace(d)
        except OSError:  # built meanwhile by another request
            shutil.rmtree(tmp, ignore_errors=True)
    return Built(d, nid, gen)


def host_library(spec: dict[str, Any], cache: Path) -> Any:
    b = build_sources(spec, cache)
    so = b.dir / "host" / "libneai_host.so"
    if not so.exists():
        toolchain.build_host(b.dir / "src", b.dir / "host")
    if is_ad(spec):
        return ADHostLibrary(so, int(spec["axes"]), int(spec["buffer"]))
    if spec.get("type") == "ext":
        return ExtHostLibrary(so, b.gen, int(spec["axes"]), int(spec["buffer"]))
    if spec.get("type") == "1cc":
        return OCHostLibrary(so, b.gen, int(spec["axes"]), int(spec["buffer"]))
    return HostLibrary(so, b.gen, int(spec["axes"]), int(spec["buffer"]), len(spec["classes"]))


def host_emulator(b: Built, suffix: str = "") -> Path:
    exe = b.dir / "host" / "emulator"
    if not exe.exists():
        (b.dir / "host").mkdir(parents=True, exist_ok=True)
        c = b.dir / "host" / "emulator.c"
        if "memory_floats" in b.gen.meta:
            c.write_text(ad_emulator_source(suffix))
        elif "outputs" in b.gen.meta:
            c.write_text(ext_emulator_source(suffix))
        elif "oneclass" in b.gen.meta:
            c.write_text(oc_emulator_source(suffix))
        else:
            c.write_text(emulator_source(suffix))
        toolchain.build_host_emulator(b.dir / "src", c, exe)
    return exe


def arm_library(b: Built, core: str, suffix: str = "") -> tuple[Path, dict[str, int]]:
    """libneai.a for `core` and its measured footprint; flash includes the knowledge
    array the firmware links from knowledge.h."""
    out = b.dir / core
    lib = out / f"libneai{suffix}.a"
    fp_file = out / "footprint.json"
    if lib.exists() and fp_file.exists():
        return lib, json.loads(fp_file.read_text())
    lib, fp = toolchain.build_arm(b.dir / "src", out, core, suffix)
    kbytes = 4 * len(b.gen.knowledge)
    info = {"flash": fp.flash + kbytes, "flash_code": fp.flash, "flash_knowledge": kbytes, "ram": fp.ram + fp.stack,
            "ram_static": fp.ram, "stack": fp.stack}
    fp_file.write_text(json.dumps(info))
    return lib, info


def metadata(spec: dict[str, Any], nid: str, core: str, measured: dict[str, int] | None) -> dict[str, Any]:
    """What the library is, without anything personal (no paths, users or hosts)."""
    pipe = Pipeline.from_spec(spec)
    axes, length = int(spec["axes"]), int(spec["buffer"])
    outputs = 1 if spec.get("type") in ("1cc", "ext") else len(spec["classes"])
    est_flash, est_ram = pipe.footprint(axes, length, 0, outputs)
    body = spec_json({k: v for k, v in spec.items() if k not in ("blocks", "model")})
    extra: dict[str, Any] = {}
    if is_ad(spec):
        extra = {"sensor": spec.get("sensor", "generic"), "minimum_learn_calls": int(spec.get("min_learn", 1)),
                 "nominal_similarity": 90}
    if spec.get("type") == "1cc":
        extra = {"outlier_threshold": float(pipe.model.state["limit"][0])}
    return {
        "generator": "nanoforge",
        "api": "NanoEdge AI Library, " + {"ad": "anomaly detection", "ext": "extrapolation", "1cc": "1-class classification"}.get(
            spec.get("type", "ncc"), "n-class classification"),
        **extra,
        "neai_id": nid,
        "project_type": spec.get("type", "ncc"),
        "axes": axes,
        "buffer": length,
        "classes": list(spec["classes"]),
        "pipeline": [{"kind": b["kind"], "params": b["params"]} for b in spec["blocks"]],
        "model": {"kind": spec["model"]["kind"], "params": spec["model"]["params"]},
        "target": core,
        "footprint": {"estimated": {"flash": est_flash, "ram": est_ram}, "measured": measured},
        "scores": body.get("scores", {}),
    }


_FILL = """static float input_user_buffer[DATA_INPUT_USER{s} * AXIS_NUMBER{s}];

/* Replace with your sensor read: DATA_INPUT_USER samples of AXIS_NUMBER axes, interleaved. */
static void fill_buffer(float *buffer)
{{
    int i;
    for (i = 0; i < DATA_INPUT_USER{s} * AXIS_NUMBER{s}; i++) buffer[i] = 0.0f;
}}
"""

EXAMPLE_MAIN = """/* Hello world for the nanoforge library: classify one buffer.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

static float input_user_buffer[DATA_INPUT_USER{s} * AXIS_NUMBER{s}];
static float output_class_buffer[CLASS_NUMBER{s}];

/* Replace with your sensor read: DATA_INPUT_USER samples of AXIS_NUMBER axes, interleaved. */
static void fill_buffer(float *buffer)
{{
    int i;
    for (i = 0; i < DATA_INPUT_USER{s} * AXIS_NUMBER{s}; i++) buffer[i] = 0.0f;
}}

int main(void)
{{
    uint16_t id_class = 0;
    volatile const char *name;
    if (neai_classification_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_classification{s}(input_user_buffer, output_class_buffer, &id_class) != NEAI_OK) return 2;
        name = id2class{s}[id_class];
        (void)name;
    }}
}}
"""

AD_EXAMPLE_MAIN = """/* Hello world for the nanoforge anomaly-detection library: learn, then detect.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"

@FILL@
int main(void)
{{
    uint8_t similarity = 0;
    volatile int alarm = 0;
    int i;
    if (neai_anomalydetection_init{s}() != NEAI_OK) return 1;
    /* Learn the machine running normally; learn more than the minimum when you can. */
    for (i = 0; i < MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{s}; i++) {{
        fill_buffer(input_user_buffer);
        neai_anomalydetection_learn{s}(input_user_buffer);
    }}
    neai_anomalydetection_set_sensitivity{s}(1.0f);
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_anomalydetection_detect{s}(input_user_buffer, &similarity) != NEAI_OK) return 2;
        alarm = similarity < 90;
        (void)alarm;
    }}
}}
"""

EXT_EXAMPLE_MAIN = """/* Hello world for the nanoforge extrapolation library: estimate a value from a buffer.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

@FILL@
int main(void)
{{
    volatile float value = 0.0f;
    float v;
    if (neai_extrapolation_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_extrapolation{s}(input_user_buffer, &v) != NEAI_OK) return 2;
        value = v;
        (void)value;
    }}
}}
"""

OC_EXAMPLE_MAIN = """/* Hello world for the nanoforge 1-class library: is this buffer still nominal?
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

@FILL@
int main(void)
{{
    uint8_t is_outlier = 0;
    volatile int alarm = 0;
    volatile float how_far = 0.0f;
    if (neai_oneclass_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_oneclass{s}(input_user_buffer, &is_outlier) != NEAI_OK) return 2;
        alarm = is_outlier;
        how_far = neai_oneclass_last_score{s}();
        (void)alarm;
        (void)how_far;
    }}
}}
"""

MAKE_SNIPPET = """# nanoforge library: add to your Makefile
NEAI_DIR ?= {dir}
CFLAGS += -I$(NEAI_DIR)
LDFLAGS += -L$(NEAI_DIR)
LDLIBS += -lneai{s}
"""

CMAKE_SNIPPET = """# nanoforge library: add to your CMakeLists.txt
add_library(neai{s} STATIC IMPORTED)
set_target_properties(neai{s} PROPERTIES
  IMPORTED_LOCATION ${{CMAKE_CURRENT_LIST_DIR}}/libneai{s}.a
  INTERFACE_INCLUDE_DIRECTORIES ${{CMAKE_CURRENT_LIST_DIR}})
# target_link_libraries(your_firmware PRIVATE neai{s})
"""


def deploy_files(spec: dict[str, Any], cache: Path, core: str, suffix: str = "") -> dict[str, bytes]:
    """Every file deploy writes, by name, for one core."""
    sfx = f"_{suffix}" if suffix else ""
    b = build_sources(spec, cache, sfx)
    lib, measured = arm_library(b, core, sfx)
    exe = host_emulator(b, sfx)
    meta = metadata(spec, b.neai_id, core, measured)
    meta["suffix"] = suffix
    files = {
        f"libneai{sfx}.a": lib.read_bytes(),
        f"NanoEdgeAI{sfx}.h": b.gen.files["NanoEdgeAI.h"].encode(),
        f"knowledge{sfx}.h": b.gen.files["knowledge.h"].encode(),
        f"metadata{sfx}.json": (json.dumps(meta, indent=2) + "\n").encode(),
        f"neai_emulator{sfx}": exe.read_bytes(),
        f"nanoforge_example{sfx}.c": {"ad": AD_EXAMPLE_MAIN, "ext": EXT_EXAMPLE_MAIN, "1cc": OC_EXAMPLE_MAIN}.get(
            spec.get("type", "ncc"), EXAMPLE_MAIN).replace("@FILL@", _FILL).format(s=sfx).encode(),
        f"nanoforge{sfx}.mk": MAKE_SNIPPET.format(s=sfx, dir=".").encode(),
        f"nanoforge{sfx}.cmake": CMAKE_SNIPPET.format(s=sfx).encode(),
    }
    return files


def footprint_report(spec: dict[str, Any], cache: Path, cores: tuple[str, ...] = toolchain.ALL_CORES
                     ) -> dict[str, dict[str, int]]:
    b = build_sources(spec, cache)
    return {c: arm_library(b, c)[1] for c in cores}
