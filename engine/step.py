"""What blocks and models share: a kind, declared parameters, float32 knowledge.

A stored library names each step by `kind` and lists its parameters as JSON, so a step
is rebuilt from that pair alone, years later. Parameters are therefore declared on the
class (`Param`) and checked when the step is built: a misspelt name or an impossible
value fails there, naming the kind and the parameter, instead of being silently replaced
by a default that would make the search score a library other than the one asked for.

`params` keeps exactly the arguments given, defaults left out: it is what the search
hashes into the library id and what the spec stores, and both must stay stable when a
default is added later. Subclasses register themselves by kind when they are defined,
so adding a block or a model is one class in one file.
"""

from __future__ import annotations

import difflib
import inspect
import numbers
from typing import Any, ClassVar, TypeVar

import numpy as np

S = TypeVar("S", bound="Step")

_REQUIRED: Any = inspect.Parameter.empty


class Param:
    """One constructor argument of a step: its type, default and allowed values.

    `low`/`high` bound numbers (inclusive unless `open_low`), `choices` lists the allowed
    values of anything else. Reading the attribute on an instance gives the value given,
    or the default, cast to the declared type.
    """

    def __init__(self, kind: type | tuple[type, ...], default: Any = _REQUIRED, *, low: float | None = None,
                 high: float | None = None, open_low: bool = False, choices: tuple[Any, ...] | None = None,
                 doc: str = "") -> None:
        self.types = kind if isinstance(kind, tuple) else (kind,)
        self.default = default
        self.low, self.high, self.open_low = low, high, open_low
        self.choices = choices
        self.doc = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Step | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return self.cast(obj.params.get(self.name, self.default))

    def __set__(self, obj: Step, value: Any) -> None:
        raise AttributeError(f"{obj.kind}: parameter '{self.name}' is fixed when the step is built")

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def cast(self, v: Any) -> Any:
        if v is None or isinstance(v, str):
            return v
        if bool in self.types and isinstance(v, (bool, np.bool_)):
            return bool(v)
        if int in self.types and float not in self.types:
            return int(v)
        if float in self.types:
            return float(v)
        return v

    def check(self, kind: str, v: Any) -> None:
        """TypeError for a value of the wrong type, ValueError for one out of range."""
        if not self._type_ok(v):
            want = " or ".join("None" if t is type(None) else t.__name__ for t in self.types)
            raise TypeError(f"{kind}: parameter '{self.name}' must be {want}, got {v!r}")
        if self.choices is not None and isinstance(v, str | bool | type(None)) and v not in self.choices:
            raise ValueError(f"{kind}: parameter '{self.name}' must be one of {list(self.choices)}, got {v!r}")
        if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
            x = float(v)
            if not np.isfinite(x):
                raise ValueError(f"{kind}: parameter '{self.name}' must be finite, got {v!r}")
            if self.low is not None and (x <= self.low if self.open_low else x < self.low):
                raise ValueError(f"{kind}: parameter '{self.name}' must be {'>' if self.open_low else '≥'} "
                                 f"{self.low:g}, got {v!r}")
            if self.high is not None and x > self.high:
                raise ValueError(f"{kind}: parameter '{self.name}' must be ≤ {self.high:g}, got {v!r}")

    def _type_ok(self, v: Any) -> bool:
        if isinstance(v, (bool, np.bool_)):
            return bool in self.types
        if v is None:
            return type(None) in self.types
        if isinstance(v, str):
            return str in self.types
        if isinstance(v, numbers.Integral):
            return int in self.types or float in self.types
        if isinstance(v, numbers.Real):  # an integral float is accepted where an int is expected (JSON)
            return float in self.types or (int in self.types and float(v).is_integer())
        return False


class Step:
    """Base of blocks and models: `kind` names the class in specs, `params` holds the
    arguments as given, `state` what fitting learned (the C library's knowledge)."""

    kind: ClassVar[str] = ""
    # Approximate code bytes on Cortex-M4 -Os; calibrated against measured builds.
    code_bytes: ClassVar[int] = 200
    # Set on the root of each family of steps (Block, Model): kind → class.
    registry: ClassVar[dict[str, type[Step]]]
    declared: ClassVar[dict[str, Param]] = {}

    def code_parts(self) -> list[tuple[str, int]]:
        """(size-table kind, Cortex-M4 code bytes) of the C this step ships: its kind's,
        and a parameter's own where one compiles extra code (engine/codesize.py counts an
        uncalibrated part by its bytes)."""
        return [(self.kind, self.code_bytes)]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, Param] = {}
        for base in reversed(cls.__mro__):
            declared.update({k: v for k, v in vars(base).items() if isinstance(v, Param)})
        cls.declared = declared
        cls.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=p.default) for n, p in declared.items()])
        kind = vars(cls).get("kind")
        if kind:
            known = cls.registry.get(kind)
            if known is not None and known.__qualname__ != cls.__qualname__:
                raise TypeError(f"kind '{kind}' is taken by {known.__module__}.{known.__qualname__}")
            cls.registry[kind] = cls

    def __init__(self, **params: Any) -> None:
        for name, v in params.items():
            p = self.declared.get(name)
            if p is None:
                near = difflib.get_close_matches(name, list(self.declared), n=1)
                hint = f"; did you mean '{near[0]}'?" if near else f"; known: {', '.join(self.declared) or 'none'}"
                raise TypeError(f"{self.kind}: unknown parameter '{name}'{hint}")
            p.check(self.kind, v)
        missing = [n for n, p in self.declared.items() if p.required and n not in params]
        if missing:
            raise TypeError(f"{self.kind}: missing parameter '{missing[0]}'")
        self.params = dict(params)
        self.state: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.kind}({args})"

    @classmethod
    def lookup(cls: type[S], kind: str) -> type[S]:
        """The registered class of `kind` in this family (blocks or models)."""
        found = cls.registry.get(kind)
        if found is None or not issubclass(found, cls):
            raise ValueError(f"unknown {cls.__name__.lower()} kind '{kind}'")
        return found

    @classmethod
    def build(cls: type[S], kind: str, params: dict[str, Any], state: dict[str, np.ndarray] | None = None) -> S:
        """A step from its spec entry: kind, parameters and, when fitted, its knowledge."""
        step = cls.lookup(kind)(**params)
        if state:
            step.state = {k: np.asarray(v) for k, v in state.items()}
        return step

    def get_params(self) -> dict[str, Any]:
        """Every declared parameter with its effective value (defaults filled in)."""
        return {n: getattr(self, n) for n in self.declared}

    def knowledge_bytes(self) -> int:
        return int(sum(a.nbytes for a in self.state.values()))
