"""The C of each block and model kind is found by kind in codegen/emit/, never chosen by
comparing kinds in the generators (docs/architecture.md, "How to add… A model")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nanoforge.codegen.emit import BlockEmitter, Emitter, ModelEmitter, OnDeviceEmitter
from nanoforge.engine.blocks import Block
from nanoforge.engine.models import ADModel, Model

ROOT = Path(__file__).resolve().parent.parent
GENERATORS = [ROOT / "codegen" / "cgen.py", *sorted((ROOT / "codegen" / "apis").rglob("*.py"))]


def test_every_block_and_model_kind_has_its_c() -> None:
    for kind in Block.registry:
        assert isinstance(BlockEmitter.lookup(kind), BlockEmitter)
    for kind, cls in Model.registry.items():
        contract = OnDeviceEmitter if issubclass(cls, ADModel) else ModelEmitter
        assert isinstance(contract.lookup(kind), contract), kind
    assert set(Emitter.registry) == set(Block.registry) | set(Model.registry)


def test_an_unknown_kind_or_a_kind_of_another_contract_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no C for block kind 'wavelet'"):
        BlockEmitter.lookup("wavelet")
    with pytest.raises(ValueError, match="no C for model kind 'gauss'"):
        ModelEmitter.lookup("gauss")  # learns on the device: no knowledge-scoring call
    with pytest.raises(ValueError, match="no C for anomaly model kind 'knn'"):
        OnDeviceEmitter.lookup("knn")
    with pytest.raises(ValueError, match="no C for block kind 'knn'"):
        BlockEmitter.lookup("knn")


def test_a_kind_is_registered_once() -> None:
    with pytest.raises(TypeError, match="C emitter of kind 'stats' is taken"):
        type("Other", (BlockEmitter,), {"kind": "stats"})


def test_the_generators_never_name_a_kind() -> None:
    kinds = set(Block.registry) | set(Model.registry)
    for f in GENERATORS:
        named = {n.value for n in ast.walk(ast.parse(f.read_text()))
                 if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in kinds}
        assert not named, f"{f.relative_to(ROOT)} names {sorted(named)}"
