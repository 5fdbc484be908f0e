"""The protocol is declared once (daemon/protocol.py): the daemon serves exactly what is
declared, checks params against it, answers in the declared shapes, and the extension's
TypeScript types are generated from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nanoforge.cli.rpc import RpcError, connect
from nanoforge.daemon import protocol, registry
from nanoforge.daemon.tsgen import typescript
from nanoforge.daemon.typedschema import conforms, invalid_param

from .conftest import EXAMPLE, nanoforge

TS = Path(__file__).parent.parent / "clients" / "vscode" / "src" / "protocol.ts"


def test_every_declared_request_has_one_handler_and_every_handler_is_declared() -> None:
    import nanoforge.daemon.handlers  # noqa: F401

    assert set(registry.METHODS) == set(protocol.REQUESTS)


def test_each_handler_is_annotated_with_its_declared_params_and_result() -> None:
    import typing

    import nanoforge.daemon.handlers  # noqa: F401

    for name, method in registry.METHODS.items():
        hints = typing.get_type_hints(method.fn)
        assert (hints["params"], hints["return"]) == protocol.REQUESTS[name], name


def test_committed_typescript_is_generated_from_the_schema() -> None:
    assert TS.read_text() == typescript(), (
        "clients/vscode/src/protocol.ts is stale: run "
        "`.venv/bin/python -m nanoforge.daemon.protocol --typescript > clients/vscode/src/protocol.ts`")


def test_json_schema_export_names_every_method() -> None:
    r = subprocess.run([sys.executable, "-m", "nanoforge.daemon.protocol", "--json-schema"], capture_output=True,
                       text=True, check=True, timeout=60)
    schema = json.loads(r.stdout)
    assert set(schema["requests"]) == set(protocol.REQUESTS)
    assert set(schema["notifications"]) == set(protocol.NOTIFICATIONS)
    check = schema["$defs"]["CheckParams"]
    assert check["required"] == ["path"]
    assert check["properties"]["axes"] == {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 1024}, {"type": "null"}],
                                           "description": "Axes per signal; default: the project's, else 1."}
    assert _refs(schema) <= {f"#/$defs/{name}" for name in schema["$defs"]}


def _refs(node: object) -> set[str]:
    if isinstance(node, dict):
        return {node["$ref"]} if "$ref" in node else set().union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


@pytest.mark.parametrize(("params", "message"), [
    ({}, "missing parameter 'path'"),
    ({"path": None}, "missing parameter 'path'"),
    ({"path": 5}, "parameter 'path' has the wrong type: expected a string"),
    ({"path": "/x", "axes": "3"}, "parameter 'axes' has the wrong type: expected a whole number or null"),
    ({"path": "/x", "axes": True}, "parameter 'axes' has the wrong type: expected a whole number or null"),
])
def test_invalid_params_name_the_parameter(params: dict, message: str) -> None:
    assert invalid_param(protocol.CheckParams, params) == message


def test_valid_params_pass() -> None:
    assert invalid_param(protocol.CheckParams, {"path": "/x", "axes": None}) is None
    assert invalid_param(protocol.BenchStartParams, {"project": "/p", "time_budget": 3}) is None
    assert invalid_param(protocol.EmulateParams, {"project": "/p", "learn": ["/a"], "detect": []}) is None
    assert invalid_param(protocol.EmulateParams, {"project": "/p", "learn": ["/a", 1]}) == (
        "parameter 'learn' has the wrong type: expected a list or null")
    assert "one of 'pause', 'resume', 'stop'" in invalid_param(
        protocol.BenchControlParams, {"project": "/p", "action": "explode"})


def test_the_daemon_refuses_params_that_do_not_fit_and_answers_in_the_declared_shapes(tmp_path: Path) -> None:
    proj = tmp_path / "fan"
    assert nanoforge("new", str(proj), "--type", "ncc", "--axes", "1", "--buffer", "64").returncode == 0
    with connect() as c:
        with pytest.raises(RpcError) as e:
            c.request("nanoforge/bench/control", {"project": str(proj), "action": "explode"})
        assert e.value.code == -32602 and "'action'" in e.value.message
        with pytest.raises(RpcError) as e:
            c.request("nanoforge/signals/summary", {"path": ["a"]})
        assert e.value.message == "parameter 'path' has the wrong type: expected a string"
        calls = [("nanoforge/daemon/status", {}),
                 ("nanoforge/check", {"path": str(EXAMPLE), "axes": None}),
                 ("nanoforge/project/info", {"dir": str(EXAMPLE)}),
                 ("nanoforge/project/info", {"dir": str(proj)}),
                 ("nanoforge/signals/summary", {"path": str(next(EXAMPLE.rglob("*.csv")))})]
        for method, params in calls:
            assert invalid_param(protocol.REQUESTS[method][0], params) is None
            res = c.request(method, params)
            assert conforms(protocol.REQUESTS[method][1], res), (method, res)
