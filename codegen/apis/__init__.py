"""The C side of every project type, by name: `get("ncc")`, `for_spec(spec)`.

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
from typing import Any

from nanoforge.engine import types

from .base import (
    DEFAULT_API,
    DEFAULT_TYPE,
    CApi,
    file_and_targets,
    learn_detect,
    one_file,
    register,
    registered,
    registered_names,
    unregister,
)

__all__ = ["DEFAULT_API", "DEFAULT_TYPE", "CApi", "file_and_targets", "for_spec", "get", "learn_detect", "names",
           "one_file", "register", "type_of", "unregister"]

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
    found = registered(type_name or DEFAULT_TYPE, api)
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
    return registered_names(api)
