"""From a stored library spec to built artefacts: sources, host emulator, per-core
`libneai.a` with measured footprint, metadata.json and a hello-world example.

Builds are cached by the spec's content under the project's `.nanoforge/build/`, and every
output is derived from the spec alone, so the same spec gives the same files. What
differs between project types is asked of the type's plug-in (codegen/apis/).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.pipeline import Pipeline, pack, spec_json
from nanoforge.engine.targets import CORES

from . import apis, toolchain
from .cflags import BuildChoices
from .cflags import parse as parse_cflags
from .cgen import Generated, library_id

_KEY = re.compile(r"[0-9a-f]{6,40}")


def neai_id(spec: dict[str, Any]) -> str:
    """The library's one id: the key the benchmark gave it (what `bench candidates` lists
    and `deploy --library` takes), so NEAI_ID, metadata.json and the candidate list name
    a library the same way; a spec from elsewhere, without such a key, is named by its
    content."""
    key = spec.get("library")
    return key if isinstance(key, str) and _KEY.fullmatch(key) else content_id(spec)


def content_id(spec: dict[str, Any]) -> str:
    """What the build cache is keyed by: the whole spec, knowledge included, so a library
    refitted under the same key (new signals) is never served from an older build; its
    scores left out (they change no C, and the benchmark updates the best's selection
    figures as it goes: its builds and their measured figures must stay found)."""
    return library_id(pack({k: v for k, v in spec.items() if k != "scores"}))


def generate(spec: dict[str, Any], suffix: str = "", api: str = apis.DEFAULT_API,
             pretrained: np.ndarray | None = None) -> Generated:
    plugin = apis.for_spec(spec, api)
    if pretrained is None:
        return plugin.generate(spec, neai_id(spec), suffix)
    return plugin.generate(spec, neai_id(spec), suffix, pretrained)


def write_sources(gen: Generated, d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    for name, text in gen.files.items():
        (d / name).write_text(text)


@dataclass
class Built:
    dir: Path
    neai_id: str
    gen: Generated
    type_name: str = apis.DEFAULT_TYPE
    api: str = apis.DEFAULT_API
    spec: dict[str, Any] | None = None


def sources_hash(gen: Generated) -> str:
    """Names the build folder after what is built: another suffix, API, pretrained state
    or nanoforge version that changes the C builds anew, never reusing a stale libneai.a."""
    h = hashlib.sha1()
    for name, text in sorted(gen.files.items()):
        h.update(name.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()[:10]


def built(spec: dict[str, Any], cache: Path, api: str = apis.DEFAULT_API) -> list[Path]:
    """The build folders of `spec` (no suffix) already in `cache`, newest first: what lists
    read measured figures from without building anything."""
    found = cache.glob(f"{content_id(spec)}-{api}-*") if cache.is_dir() else []
    return sorted((d for d in found if d.is_dir()), key=lambda d: d.stat().st_mtime, reverse=True)


def build_sources(spec: dict[str, Any], cache: Path, suffix: str = "", api: str = apis.DEFAULT_API,
                  pretrained: np.ndarray | None = None) -> Built:
    nid = neai_id(spec)
    gen = generate(spec, suffix, api, pretrained)
    d = cache / f"{content_id(spec)}{suffix}-{api}-{sources_hash(gen)}"
    if not (d / "src" / "neai.c").exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=".build-"))
        write_sources(gen, tmp / "src")
        try:
            tmp.replace(d)
        except OSError:  # built meanwhile by another request
            shutil.rmtree(tmp, ignore_errors=True)
    return Built(d, nid, gen, apis.type_of(spec), api, spec)


def host_so(b: Built) -> Path:
    """The library built for this computer (a shared library, the same C)."""
    so = b.dir / "host" / "libneai_host.so"
    if not so.exists():
        toolchain.build_host(b.dir / "src", b.dir / "host")
    return so


def host_library(spec: dict[str, Any], cache: Path, api: str = apis.DEFAULT_API,
                 pretrained: np.ndarray | None = None) -> Any:
    """The library built for this computer and loaded, as the type's plug-in drives it."""
    b = build_sources(spec, cache, "", api, pretrained)
    return apis.for_spec(spec, api).host(host_so(b), b.gen, spec)


def emulate(spec: dict[str, Any], cache: Path, params: dict[str, Any], api: str = apis.DEFAULT_API
            ) -> dict[str, Any]:
    """Runs the host build on the files in `params` ({"file", "targets"} or {"learn",
    "detect", "sensitivity"}, as the type expects); ValueError when they do not fit."""
    return apis.for_spec(spec, api).emulate(spec, cache, params)


def host_emulator(b: Built, suffix: str = "") -> Path:
    exe = b.dir / "host" / "emulator"
    if not exe.exists():
        (b.dir / "host").mkdir(parents=True, exist_ok=True)
        c = b.dir / "host" / "emulator.c"
        c.write_text(apis.get(b.type_name, b.api).emulator_source(suffix, b.spec or {}))
        toolchain.build_host_emulator(b.dir / "src", c, exe)
    return exe


MEASURED_AS = "linked alone with libgcc"  # toolchain.measure; a footprint.json measured otherwise is rebuilt


def arm_library(b: Built, core: str, suffix: str = "", choices: BuildChoices | None = None
                ) -> tuple[Path, dict[str, int]]:
    """libneai.a for `core` (built with the user's `choices`) and its measured footprint;
    flash includes the knowledge array the firmware links from knowledge.h."""
    key = choices.key() if choices else ""
    out = b.dir / (f"{core}-{key}" if key else core)
    lib = out / f"libneai{suffix}.a"
    fp_file = out / "footprint.json"
    if lib.exists() and fp_file.exists():
        info = json.loads(fp_file.read_text())
        if info.pop("measured", None) == MEASURED_AS:
            return lib, info
    lib, fp = toolchain.build_arm(b.dir / "src", out, core, suffix,
                                  choices.flags(CORES[core]) if choices else None)
    kbytes = 4 * len(b.gen.knowledge)
    info = {"flash": fp.flash + kbytes, "flash_code": fp.flash, "flash_knowledge": kbytes, "ram": fp.ram + fp.stack,
            "ram_static": fp.ram, "stack": fp.stack}
    fp_file.write_text(json.dumps({**info, "measured": MEASURED_AS}))
    return lib, info


def estimated_footprint(spec: dict[str, Any], core: str | None, pipe: Pipeline | None = None) -> tuple[int, int]:
    """(flash, RAM) of fitted library `spec` (`pipe`: it, already read) on `core` before any
    build: what metadata.json calls `estimated` and `bench status` shows for the best library."""
    pipe = Pipeline.from_spec(spec) if pipe is None else pipe
    return pipe.footprint(int(spec["axes"]), int(spec["buffer"]), 0, apis.for_spec(spec).outputs(spec), core)


def metadata(spec: dict[str, Any], nid: str, core: str, measured: dict[str, int] | None,
             api: str = apis.DEFAULT_API) -> dict[str, Any]:
    """What the library is, without anything personal (no paths, users or hosts)."""
    plugin = apis.for_spec(spec, api)
    pipe = Pipeline.from_spec(spec)
    axes, length = int(spec["axes"]), int(spec["buffer"])
    est_flash, est_ram = estimated_footprint(spec, core, pipe)
    body = spec_json({k: v for k, v in spec.items() if k not in ("blocks", "model")})
    return {
        "generator": "nanoforge",
        "api": "NanoEdge AI Library, " + plugin.title,
        "api_version": api,
        **plugin.metadata(spec, pipe),
        "neai_id": nid,
        "project_type": apis.type_of(spec),
        "axes": axes,
        "buffer": length,
        "classes": list(spec["classes"]),
        "pipeline": [{"kind": b["kind"], "params": b["params"]} for b in spec["blocks"]],
        "model": {"kind": spec["model"]["kind"], "params": spec["model"]["params"]},
        "target": core,
        "footprint": {"estimated": {"flash": est_flash, "ram": est_ram}, "measured": measured},
        "scores": body.get("scores", {}),
    }


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


def library_source(b: Built, sfx: str) -> str:
    """neai.c as shipped next to the deployed header: one self-contained file (the C
    kernels are inside), including NanoEdgeAI{sfx}.h."""
    return b.gen.files["neai.c"].replace('#include "NanoEdgeAI.h"', f'#include "NanoEdgeAI{sfx}.h"', 1)


def deploy_files(spec: dict[str, Any], cache: Path, core: str, suffix: str = "", source: bool = False,
                 api: str = apis.DEFAULT_API, pretrained: np.ndarray | None = None, cflags: str = ""
                 ) -> dict[str, bytes]:
    """Every file deploy writes, by name, for one core; with `source`, also the library's
    C source (neai{sfx}.c), to build it with the firmware instead of linking libneai.a;
    with `pretrained`, the state a library that learns on the device starts from;
    `cflags`, the firmware's build choices (codegen/cflags.py)."""
    sfx = f"_{suffix}" if suffix else ""
    choices = parse_cflags(cflags, core)
    b = build_sources(spec, cache, sfx, api, pretrained)
    lib, measured = arm_library(b, core, sfx, choices)
    exe = host_emulator(b, sfx)
    meta = metadata(spec, b.neai_id, core, measured, api)
    meta["suffix"] = suffix
    meta["pretrained"] = pretrained is not None
    meta["cflags"] = choices.record(CORES[core])
    files = {
        f"libneai{sfx}.a": lib.read_bytes(),
        f"NanoEdgeAI{sfx}.h": b.gen.files["NanoEdgeAI.h"].encode(),
        f"metadata{sfx}.json": (json.dumps(meta, indent=2) + "\n").encode(),
        f"neai_emulator{sfx}": exe.read_bytes(),
        f"nanoforge_example{sfx}.c": apis.for_spec(spec, api).example_main(sfx, spec).encode(),
        f"nanoforge{sfx}.mk": MAKE_SNIPPET.format(s=sfx, dir=".").encode(),
        f"nanoforge{sfx}.cmake": CMAKE_SNIPPET.format(s=sfx).encode(),
    }
    plugin = apis.for_spec(spec, api)
    # the host library and its command-line emulator, for the user's scripts and tests
    files[f"emulators/libneai{sfx}.so"] = host_so(b).read_bytes()
    files[f"emulators/neai_emulator{sfx}.py"] = plugin.emulator_script(sfx, spec, b.gen, b.neai_id).encode()
    if "knowledge.h" in b.gen.files:  # 5.x has its knowledge inside libneai.a
        files[f"knowledge{sfx}.h"] = b.gen.files["knowledge.h"].encode()
    if source:
        files[f"neai{sfx}.c"] = library_source(b, sfx).encode()
    return files
