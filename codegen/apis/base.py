"""What the C side of a project type provides, and the registry that finds it by name.

A project type's plug-in is a subclass of CApi with a `name` (the spec's "type") and an
`api` (the NanoEdge API generation it implements, "v4" today): defining the class
registers it. The library builder, the emulator and the Cortex-M runner only ever ask
the registry, so a new project type is one new module, not edits across codegen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from nanoforge.engine import types
from nanoforge.engine.pipeline import Pipeline

from ..cgen import Generated

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

    def __init_subclass__(cls, replace: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            register(cls, replace=replace)

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        """The library's files (neai.c, NanoEdgeAI.h, knowledge.h) and knowledge."""
        raise NotImplementedError

    def outputs(self, spec: dict[str, Any]) -> int:
        """Floats the model writes per call (for the footprint estimate)."""
        return len(spec["classes"])

    def metadata(self, spec: dict[str, Any], pipe: Pipeline) -> dict[str, Any]:
        """metadata.json keys of this type, placed after "api"."""
        return {}

    def example_main(self, sfx: str) -> str:
        """nanoforge_example.c: the hello world a user starts from."""
        raise NotImplementedError

    def emulator_source(self, sfx: str) -> str:
        """The standalone emulator's main, built with the library for the host."""
        raise NotImplementedError

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


def registered(type_name: str, api: str) -> CApi | None:
    return _REGISTRY.get((type_name, api))


def registered_names(api: str) -> list[str]:
    return sorted(n for n, a in _REGISTRY if a == api)


# -------------------------------------------------------- emulate's parameters


def learn_detect(params: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """The learn and detect files, or None when neither is given."""
    learn, detect = params.get("learn"), params.get("detect")
    if learn is None and detect is None:
        return None
    if not (isinstance(learn, list) and learn and all(isinstance(f, str) for f in learn)):
        raise ValueError("'learn' must list one or more nominal files")
    if not (isinstance(detect, list) and all(isinstance(f, str) for f in detect)):
        raise ValueError("'detect' must list files")
    return learn, detect


def file_and_targets(params: dict[str, Any]) -> tuple[str, str | None]:
    file = params.get("file")
    if not isinstance(file, str):
        raise ValueError("missing parameter 'file'")
    targets = params.get("targets")
    if targets is not None and not isinstance(targets, str):
        raise ValueError("'targets' must be a file path")
    return file, targets or None


def one_file(spec: dict[str, Any], params: dict[str, Any]) -> str:
    """The file of a type that reads one file without targets."""
    if learn_detect(params) is not None:
        raise ValueError(f"library {spec.get('library')} is not anomaly detection; use --file")
    file, targets = file_and_targets(params)
    if targets:
        raise ValueError("--targets is for extrapolation libraries")
    return file
