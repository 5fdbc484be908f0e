"""Reading TypedDict declarations as a wire format: checking JSON values against them,
and writing them out as JSON Schema.

Generic on purpose: it knows nothing of nanoforge's methods (daemon/protocol.py declares
those), only of the few types a JSON payload needs: str, int, float, bool, None, unions,
Literal, list, tuple, dict[str, X] and TypedDicts (keys NotRequired when optional, a
field's docstring below it as its description). A value's bounds are declared with the
type, `Annotated[int, Range(1, 64)]`, so a client learns them from the schema and the
daemon refuses what is outside them before any handler runs.
"""

import functools
import math
import os
import re
import sys
import types as pytypes
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict, is_typeddict
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired, TypedDict, is_typeddict


# ---------------------------------------------------------------- bounds


@dataclass(frozen=True)
class Range:
    """A number from `low` to `high`, both included (None: unbounded on that side)."""

    low: float | None = None
    high: float | None = None
    above: bool = False
    """`low` itself excluded (a duration or a frequency above 0)."""

    def problem(self, value: Any) -> str | None:
        lo_ok = self.low is None or (value > self.low if self.above else value >= self.low)
        if lo_ok and (self.high is None or value <= self.high):
            return None
        what = "a whole number" if isinstance(value, int) else "a number"
        if self.high is None:
            bound = f"above {_num(self.low)}" if self.above else f"≥ {_num(self.low)}"
        elif self.low is None:
            bound = f"≤ {_num(self.high)}"
        else:
            bound = f"from {_num(self.low)} to {_num(self.high)}"
        return f"must be {what} {bound}, not {_num(value)}"

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.low is not None:
            out["exclusiveMinimum" if self.above else "minimum"] = self.low
        if self.high is not None:
            out["maximum"] = self.high
        return out


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() and abs(x) < 1e15 else str(x)


@dataclass(frozen=True)
class AbsolutePath:
    """A file or folder named in full: the daemon does not share a client's working
    folder, so a relative path would silently mean another file."""

    max_bytes: int = 4096

    def problem(self, value: Any) -> str | None:
        if "\0" in value:
            return "must not contain a NUL character"
        if len(os.fsencode(value)) > self.max_bytes:
            return f"is longer than {self.max_bytes} bytes"
        if not os.path.isabs(value):
            return f"must be an absolute path (the daemon does not know the client's working folder), not {value!r}"
        return None

    def schema(self) -> dict[str, Any]:
        return {"minLength": 1, "pattern": "^/"}


@dataclass(frozen=True)
class Pattern:
    """A string matching `regex` whole, described to the user as `what`."""

    regex: str
    what: str

    def problem(self, value: Any) -> str | None:
        return None if re.fullmatch(self.regex, value) else f"must be {self.what}, not {value!r:.80}"

    def schema(self) -> dict[str, Any]:
        return {"pattern": f"^(?:{self.regex})$"}


@dataclass(frozen=True)
class Text:
    """A short string on one line (a name the user typed: a tab or an emoji is theirs to
    choose, the C escapes every byte; a NUL or a line break is never meant)."""

    max_chars: int = 256

    def problem(self, value: Any) -> str | None:
        if not value.strip():
            return "must not be empty"
        if len(value) > self.max_chars:
            return f"is longer than {self.max_chars} characters"
        if any(c in "\0\r\n" for c in value):
            return "must be one line without NUL characters"
        return None

    def schema(self) -> dict[str, Any]:
        return {"minLength": 1, "maxLength": self.max_chars}


def split_bounds(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """A type without its Annotated bounds, and the bounds."""
    if get_origin(tp) is Annotated:
        base, *meta = get_args(tp)
        return base, tuple(meta)
    return tp, ()


def key_name(field: str) -> str:
    """Python cannot name a field `class`; the declarations say `class_`."""
    return field[:-1] if field.endswith("_") else field


@functools.cache
def fields(td: Any) -> tuple[tuple[str, Any, bool, str | None], ...]:
    """(wire name, type, required, doc) of a TypedDict's keys, in declaration order; read
    once per TypedDict (every request's params are checked with it)."""
    hints = get_type_hints(td, include_extras=True)
    docs = _field_docs(td)
    out = []
    for name, tp in hints.items():
        required = get_origin(tp) is not NotRequired
        if not required:
            tp = get_args(tp)[0]
        out.append((key_name(name), tp, required, docs.get(name)))
    return tuple(out)


def _field_docs(td: Any) -> dict[str, str]:
    """The string literal under a field is its documentation (as for dataclasses in IDEs)."""
    import ast
    import inspect
    import textwrap

    docs: dict[str, str] = {}
    for cls in _lineage(td):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for a, b in zip(body, body[1:], strict=False):
            if (isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and isinstance(b, ast.Expr)
                    and isinstance(b.value, ast.Constant) and isinstance(b.value.value, str)):
                docs[a.target.id] = b.value.value
    return docs


def bases(td: Any) -> list[Any]:
    """The TypedDicts `td` directly extends. Python 3.11 keeps no trace of a TypedDict's
    bases, so they are read from its source."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(td)))
    except (OSError, TypeError):
        return []
    cls = tree.body[0] if tree.body else None
    names = [b.id for b in cls.bases if isinstance(b, ast.Name)] if isinstance(cls, ast.ClassDef) else []
    module = vars(sys.modules[td.__module__])
    return [b for b in (module.get(n) for n in names) if b is not None and is_typeddict(b)]


def _lineage(td: Any) -> list[Any]:
    """A TypedDict and every TypedDict it extends, bases first."""
    out: list[Any] = []
    for base in bases(td):
        out += [b for b in _lineage(base) if b not in out]
    return [*out, td]


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) in (Union, pytypes.UnionType):
        return get_args(tp)
    return None


# ---------------------------------------------------------------- validation


def _describe(tp: Any) -> str:
    tp, _ = split_bounds(tp)
    if tp is str:
        return "a string"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is type(None):
        return "null"
    if (args := _union_args(tp)) is not None:
        return " or ".join(_describe(a) for a in args)
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if get_origin(tp) in (list, tuple):
        return "a list"
    return "an object"


def conforms(tp: Any, value: Any) -> bool:
    """Whether a JSON value has the declared type (TypedDicts: required keys present, known
    keys typed); bounds are not looked at (`problem` does). A non-finite float is no JSON
    number, whatever Python's json module lets through."""
    tp, _ = split_bounds(tp)
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if tp is str:
        return isinstance(value, str)
    if (args := _union_args(tp)) is not None:
        return any(conforms(a, value) for a in args)
    origin = get_origin(tp)
    if origin is Literal:
        return value in get_args(tp)
    if origin is list:
        (item,) = get_args(tp)
        return isinstance(value, list) and all(conforms(item, v) for v in value)
    if origin is tuple:
        items = get_args(tp)
        return isinstance(value, (list, tuple)) and len(value) == len(items) and all(
            conforms(t, v) for t, v in zip(items, value, strict=True))
    if origin is dict:
        _, item = get_args(tp)
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(item, v) for k, v in value.items())
    if is_typeddict(tp):
        if not isinstance(value, dict):
            return False
        return all((name in value and conforms(t, value[name])) if req else (name not in value or conforms(t, value[name]))
                   for name, t, req, _ in fields(tp))
    raise TypeError(f"the protocol cannot declare {tp!r}")


def problem(tp: Any, value: Any) -> str | None:
    """What is wrong with a value that conforms to `tp`: a bound it breaks, its own or an
    item's; None when nothing is."""
    base, meta = split_bounds(tp)
    if (args := _union_args(base)) is not None:
        arm = next((a for a in args if conforms(a, value)), None)
        return None if arm is None else problem(arm, value)
    if get_origin(base) is list and isinstance(value, list):
        (item,) = get_args(base)
        for i, v in enumerate(value):
            if (why := problem(item, v)) is not None:
                return f"item {i + 1} {why}"
    for bound in meta:
        if (why := bound.problem(value)) is not None:
            return why
    return None


def invalid_param(params_type: Any, params: Any) -> str | None:
    """Why `params` do not fit `params_type`, naming the parameter; None when they fit.

    A null counts as not given: clients send null for an option the user left out. A
    parameter the method does not take is refused: a misspelt option must not be
    silently ignored."""
    if not isinstance(params, dict):
        return "parameters must be an object"
    declared = fields(params_type)
    known = [name for name, *_ in declared]
    for name in params:
        if name not in known:
            takes = ", ".join(known) if known else "no parameters"
            return f"unknown parameter {name!r:.60}; this method takes {takes}"
    for name, tp, required, _ in declared:
        value = params.get(name)
        if value is None:
            if required:
                return f"missing parameter '{name}'"
            continue
        if not conforms(tp, value):
            return f"parameter '{name}' has the wrong type: expected {_describe(tp)}"
        if (why := problem(tp, value)) is not None:
            return f"parameter '{name}' {why}"
    return None


# ---------------------------------------------------------------- JSON Schema


def _schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    tp, meta = split_bounds(tp)
    if meta:
        out = _schema(tp, defs)
        for bound in meta:
            out.update(bound.schema())
        return out
    if tp is Any:
        return {}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    if tp in simple:
        return {"type": simple[tp]}
    if (args := _union_args(tp)) is not None:
        return {"anyOf": [_schema(a, defs) for a in args]}
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is list:
        return {"type": "array", "items": _schema(get_args(tp)[0], defs)}
    if origin is tuple:
        items = [_schema(a, defs) for a in get_args(tp)]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(get_args(tp)[1], defs)}
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: recursive shapes end here
            props: dict[str, Any] = {}
            for key, t, _req, doc in fields(tp):
                props[key] = {**_schema(t, defs), **({"description": doc} if doc else {})}
            d: dict[str, Any] = {"type": "object", "properties": props,
                                 "required": [k for k, _t, req, _d in fields(tp) if req]}
            if tp.__doc__ and tp.__doc__ != _TYPEDDICT_DOC:
                d["description"] = tp.__doc__.strip()
            defs[name] = d
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"the protocol cannot declare {tp!r}")


_TYPEDDICT_DOC = TypedDict("_Probe", {}).__doc__


def json_schema_document(title: str, requests: dict[str, tuple[Any, Any]], notifications: dict[str, Any]) -> dict[str, Any]:
    """One JSON Schema document: `$defs` for the shapes, and per method the schema of its
    params and result (requests) or params (notifications)."""
    defs: dict[str, Any] = {}
    reqs = {m: {"params": _schema(p, defs), "result": _schema(r, defs)} for m, (p, r) in requests.items()}
    notes = {m: {"params": _schema(p, defs)} for m, p in notifications.items()}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title,
            "requests": reqs, "notifications": notes, "$defs": dict(sorted(defs.items()))}
