"""The C side of every project type, by name: `get("ncc")`, `for_spec(spec)`.

A project type's plug-in is a subclass of CApi with a `name` (the spec's "type") and an
`api` (the NanoEdge API generation it implements). codegen's library builder, emulator
and Cortex-M runner only ever ask this registry, so a new project type is one new
module, not edits across codegen.

Built-in plug-ins live in one package per NanoEdge API generation (v4/ today, v5/
later), loaded on first use. To add a type from anywhere (a test, an extension), define
a subclass of CApi with its `name`; the class statement registers it:

    from nanoforge.codegen import apis

    class Toy(apis.CApi):
        name = "toy"
        title = "toy classification"
        ...

    apis.get("toy")          # the Toy instance
    apis.unregister("toy")   # when the test is done
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nanoforge.engine import types
from nanoforge.engine.pipeline import Pipeline

from ..cgen import Generated

__all__ = ["DEFAULT_API", "DEFAULT_TYPE", "CApi", "for_spec", "get", "names", "register", "type_of", "unregister"]

DEFAULT_TYPE = types.DEFAULT  # a spec without "type" is of the type libraries had before types existed
DEFAULT_API = "v4"

_REGISTRY: dict[tuple[str, str], CApi] = {}


class CApi:
    """One project type's C side: its library text, header, examples, emulator and harness.

    Subclasses set `name`, `title` (for metadata.json's "api") and `harness` (the C of
    `nf_harness`, run bare-metal by codegen/armrun.py) and implement the methods that
    raise NotImplementedError. Pass `replace=True` in the class statement to take over
    a registered name (a test redefining its toy type, say)."""

    name: ClassVar[str] = ""
    api: ClassVar[str] = DEFAULT_API
    title: ClassVar[str] = ""
    learns_on_device: ClassVar[bool] = False
    harness: ClassVar[str] = ""
    script_run: ClassVar[str] = ""  # Python: `def run(lib, args)` of the command-line emulator

    def __init_subclass__(cls, replace: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            register(cls, replace=replace)

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "",
                 pretrained: np.ndarray | None = None) -> Generated:
        """The library's files (neai.c, NanoEdgeAI.h, knowledge.h) and knowledge;
        `pretrained` is the state `pretrain` gave, for a library that learns on the device."""
        raise NotImplementedError

    def pretrain(self, spec: dict[str, Any], cache: Path, nominal: list[Path]) -> np.ndarray:
        """The learned state a library deployed with --pretrained starts from."""
        raise ValueError(f"--pretrained is for libraries that learn on the device; a {self.title} library "
                         "ships its knowledge already")

    def outputs(self, spec: dict[str, Any]) -> int:
        """Floats the model writes per call (for the footprint estimate)."""
        return len(spec["classes"])

    def metadata(self, spec: dict[str, Any], pipe: Pipeline) -> dict[str, Any]:
        """metadata.json keys of this type, placed after "api"."""
        return {}

    def timing_inputs(self, signals: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
        """The signals `harness` reads and its arguments, so that each entry point runs on
        every one of `signals` (codegen/timing.py counts the cycles of each call)."""
        return signals, (len(signals),)

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        """nanoforge_example.c: the hello world a user starts from."""
        raise NotImplementedError

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        """The standalone emulator's main, built with the library for the host."""
        raise NotImplementedError

    def emulator_script(self, sfx: str, spec: dict[str, Any], gen: Generated, neai_id: str) -> str:
        """emulators/neai_emulator.py: the command-line emulator of the host library."""
        from ..emulator import script

        constants = {"LIB": f"libneai{sfx}.so", "SUFFIX": sfx, "API": self.api, "AXES": int(spec["axes"]),
                     "LENGTH": int(spec["buffer"]), "MULTI": spec.get("sensor") == "multi",
                     "CLASSES": list(spec["classes"]), "MIN_LEARN": int(spec.get("min_learn", 1)),
                     "LEARNS": self.learns_on_device,
                     "LEARN_HELP": "nominal signals to learn first (repeatable)" if self.learns_on_device
                     else "anomaly detection only",
                     "KNOWLEDGE": [float(v) for v in gen.knowledge]}
        api_name = {"v4": "NanoEdge 4.x", "v5": "NanoEdge 5.x"}.get(self.api, self.api)
        return script(self.script_run, constants, neai_id, self.title, api_name, sfx)

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> Any:
        """The host build of the library, loaded and ready to call from Python."""
        raise NotImplementedError

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        """The `emulate` answer for files in params ("file", "targets", "learn", "detect",
        "sensitivity"); ValueError when they do not fit this type."""
        raise NotImplementedError


def register(cls: type[CApi], replace: bool = False) -> type[CApi]:
    """Adds a plug-in class under (cls.name, cls.api); usable as a decorator."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no project type name")
    key = (cls.name, cls.api)
    if key in _REGISTRY and not replace and type(_REGISTRY[key]) is not cls:
        raise ValueError(f"project type '{cls.name}' ({cls.api}) is already registered by "
                         f"{type(_REGISTRY[key]).__module__}")
    _REGISTRY[key] = cls()
    return cls


def unregister(type_name: str, api: str = DEFAULT_API) -> None:
    _REGISTRY.pop((type_name, api), None)



_LOADED: set[str] = set()


def _load(api: str) -> None:
    if api not in _LOADED:
        try:
            importlib.import_module(f"{__name__}.{api}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{api}":
                raise
        _LOADED.add(api)


def get(type_name: str | None = None, api: str = DEFAULT_API) -> CApi:
    """The plug-in of project type `type_name` (DEFAULT_TYPE when None or empty)."""
    _load(api)
    types.load_plugins()  # a type defined outside nanoforge brings its C side along
    found = _REGISTRY.get((type_name or DEFAULT_TYPE, api))
    if found is None:
        known = ", ".join(names(api)) or "none"
        raise ValueError(f"no C side for project type '{type_name}' (API {api}); known: {known}")
    return found


def type_of(spec: dict[str, Any]) -> str:
    return spec.get("type") or DEFAULT_TYPE


def for_spec(spec: dict[str, Any], api: str = DEFAULT_API) -> CApi:
    return get(type_of(spec), api)


def names(api: str = DEFAULT_API) -> list[str]:
    """Every project type with a C side for `api`."""
    _load(api)
    return sorted(n for n, a in _REGISTRY if a == api)
