"""The contract between the library generator and the C of one block or one model.

The generator (codegen/cgen.py) and each project type's plug-in (codegen/apis/) own
what is shared or task-specific: the input copy, the stage buffers, the softmax or the
threshold. What depends on the kind of a step lives in one emitter class per kind, in
the module of its family, so that adding a step's C is one class there and the
generators never name a kind. An emitter adds to the library through `Sink`: the C
modules it uses, its named knowledge parts, its buffers and tables, its body lines, in
this order of calls, which fixes the layout of the knowledge and of the RAM.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

import numpy as np

from nanoforge.engine.blocks import Block
from nanoforge.engine.models import Model
from nanoforge.engine.pipeline import Pipeline

E = TypeVar("E", bound="Emitter")


class Sink(Protocol):
    """What an emitter may add to the library being generated (cgen.LibraryGen)."""

    pipe: Pipeline
    body: list[str]
    tables: list[str]

    def use(self, *modules: str) -> None: ...

    def buf(self, name: str, floats: int, ctype: str = "float") -> None: ...

    def kref(self, name: str, a: np.ndarray) -> str: ...

    def twiddles(self, nfft: int) -> str: ...


class Emitter:
    """A kind's C, registered by kind when its class is defined; subclasses that name no
    kind are contracts (block, scoring model, on-device model)."""

    kind: ClassVar[str] = ""
    what: ClassVar[str] = "step"  # how an error names this contract
    registry: ClassVar[dict[str, type[Emitter]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            known = Emitter.registry.get(cls.kind)
            if known is not None and known.__qualname__ != cls.__qualname__:
                raise TypeError(f"C emitter of kind '{cls.kind}' is taken by {known.__module__}.{known.__qualname__}")
            Emitter.registry[cls.kind] = cls

    @classmethod
    def lookup(cls: type[E], kind: str) -> E:
        """The emitter of `kind` under this contract: a kind without C here (a model of
        another task, or a new kind nobody wrote C for) fails naming both."""
        found = Emitter.registry.get(kind)
        if found is None or not issubclass(found, cls):
            raise ValueError(f"no C for {cls.what} kind '{kind}' (no {cls.__name__} registered for it in "
                             "codegen/emit/)")
        return found()


class BlockEmitter(Emitter):
    """A block's C. The generator has already sized the stage's buffer; `emit` adds the
    call that transforms `shape` (one axis of it when the generator loops on axes) into
    `vec`, or the signal buffer in place for signal → signal blocks."""

    what = "block"
    per_axis: ClassVar[bool] = True  # False: it needs every axis at once (the loop on axes is dropped)

    def emit(self, g: Sink, i: int, b: Block, shape: tuple[int, ...], vec: str) -> None:
        raise NotImplementedError


class ModelEmitter(Emitter):
    """A model that scores from knowledge: `call` writes `outputs` raw scores of the
    feature vector `v` (d floats) into `out`; the project type's head turns them into
    its answer (softmax, threshold, de-standardisation)."""

    what = "model"
    probabilities: ClassVar[bool] = False  # the scores already sum to one: no softmax

    def call(self, g: Sink, m: Model, v: str, d: int, outputs: int, out: str) -> None:
        raise NotImplementedError
