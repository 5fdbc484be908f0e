"""Every parameter of every request is checked against its declaration before a handler
runs, and what reaches a client is words about its input, never the daemon's exception
text (#21 item 7: 6 of 58 wrong-parameter requests leaked Python's words)."""

from __future__ import annotations

import asyncio
import math
import types as pytypes
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from nanoforge.cli.rpc import RpcError, connect
from nanoforge.daemon import protocol, registry
from nanoforge.daemon.typedschema import AbsolutePath, Pattern, Range, Text, fields, split_bounds

from .conftest import nanoforge

LEAKS = ("Errno", "Traceback", "null byte", "object has no", "invalid literal", "Error", "errno", "not subscriptable")


def _arms(tp: Any) -> list[Any]:
    tp, _ = split_bounds(tp)
    if get_origin(tp) in (Union, pytypes.UnionType):
        return [a for a in get_args(tp) if a is not type(None)]
    return [tp]


def wrong_values(tp: Any, tmp: Path) -> list[Any]:
    """Values a declaration refuses: of another type, and outside each of its bounds."""
    out: list[Any] = []
    arms = _arms(tp)
    bare = [split_bounds(a)[0] for a in arms]
    if str not in bare:
        out.append("not-this")
    if int not in bare and float not in bare:
        out.append(7)
    if list not in [get_origin(b) for b in bare]:
        out.append([])
    if any(get_origin(b) is Literal for b in bare):
        out.append("explode")
    if float in bare:
        out += [math.nan, math.inf]
    for arm in arms:
        base, bounds = split_bounds(arm)
        if get_origin(base) is list:
            out += [[v] for v in wrong_values(get_args(base)[0], tmp) if isinstance(v, str)]
        for b in bounds:
            if isinstance(b, Range):
                if b.low is not None:
                    out.append(type(b.low)(b.low) if b.above else int(b.low) - 1)
                if b.high is not None:
                    out.append(int(b.high) + 1)
            elif isinstance(b, AbsolutePath):
                out += ["relative/file.csv", "", str(tmp / "a\x00b"), str(tmp / ("a" * 5000))]
            elif isinstance(b, Pattern):
                out += ["../../x", "x\x00"]
            elif isinstance(b, Text):
                out += ["", "  ", "a\x00b", "a" * (b.max_chars + 1)]
    return out


def _valid(arm: Any, project: Path) -> Any:
    """A value of the declared type that no bound refuses (the checks stop at the first
    wrong parameter, so every other one must pass)."""
    if get_origin(arm) is Literal:
        return get_args(arm)[0]
    if get_origin(arm) is list:
        return []
    return {int: 1, float: 1.0}.get(arm, str(project))


def wrong_requests(tmp: Path, project: Path) -> list[tuple[str, dict[str, Any], str]]:
    """(method, params, the parameter the answer must name) for every parameter of every
    method, on params otherwise valid."""
    out = []
    for method, (ptype, _) in protocol.REQUESTS.items():
        if method == "nanoforge/daemon/stop":
            continue
        base: dict[str, Any] = {}
        for name, tp, required, _ in fields(ptype):
            if required:
                base[name] = _valid(split_bounds(_arms(tp)[0])[0], project)
        out.append((method, {**base, "zz": 1}, "zz"))
        for name, tp, _, _ in fields(ptype):
            out += [(method, {**base, name: v}, name) for v in wrong_values(tp, tmp)]
    return out


def test_every_wrong_parameter_of_every_method_is_refused_naming_it(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert nanoforge("new", str(project), "--type", "ncc").returncode == 0
    requests = wrong_requests(tmp_path, project)
    assert {m for m, _, _ in requests} == set(protocol.REQUESTS) - {"nanoforge/daemon/stop"}
    assert len(requests) > 200
    with connect() as c:
        for method, params, name in requests:
            with pytest.raises(RpcError) as e:
                c.request(method, params)
            msg = e.value.message
            assert e.value.code == -32602 and (f"parameter '{name}'" in msg or f"parameter {name!r}" in msg), (
                method, params, msg)
            assert not any(w in msg for w in LEAKS), (method, params, msg)
        assert c.request("nanoforge/daemon/status")["pid"] > 0
    assert not (project / ".nanoforge").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_users_problem_is_answered_in_words_not_in_pythons(tmp_path: Path) -> None:
    """Problems the system reports about a file (a file where a folder is wanted, a folder
    that is a file) are told as the file's name and the system's words."""
    project = tmp_path / "p"
    assert nanoforge("new", str(project), "--type", "ncc").returncode == 0
    plain = tmp_path / "plain.txt"
    plain.write_text("1 2 3\n")
    calls = [("nanoforge/signals/add", {"dir": str(plain), "class_name": "a", "file": str(plain)}),
             ("nanoforge/fix", {"path": str(project), "out_dir": str(plain)}),
             ("nanoforge/fix", {"path": str(project), "out_dir": str(plain / "sub")})]
    with connect() as c:
        for method, params in calls:
            with pytest.raises(RpcError) as e:
                c.request(method, params)
            assert e.value.code == -32602 and not any(w in e.value.message for w in LEAKS), e.value.message
            assert str(plain) in e.value.message or "nanoforge.toml" in e.value.message, e.value.message


@pytest.mark.parametrize("exc", [KeyError("/home/secret/key"), TypeError("'NoneType' object is not subscriptable"),
                                 ValueError("embedded null byte"), OSError("no errno, internal words")])
def test_a_fault_of_the_daemon_is_a_generic_internal_error(exc: Exception) -> None:
    """A handler that fails for a reason of its own (here: one raising from outside
    nanoforge's code) answers with where the details are, not with the exception."""

    async def broken(core: Any, params: Any) -> Any:
        raise exc

    call = registry.bind(registry.Method("nanoforge/check", broken, True), core=None)
    with pytest.raises(JsonRpcInternalError) as e:
        asyncio.run(call({"path": "/x"}))
    assert str(exc) not in e.value.message and type(exc).__name__ not in e.value.message
    assert "internal error" in e.value.message and "daemon.log" in e.value.message and e.value.data is None


def test_nanoforges_own_words_still_reach_the_user() -> None:
    from nanoforge.engine.project import new_project

    async def handler(core: Any, params: Any) -> Any:
        return new_project(Path(params["path"]), "no-such-type")

    call = registry.bind(registry.Method("nanoforge/check", handler, True), core=None)
    with pytest.raises(JsonRpcInvalidParams) as e:
        asyncio.run(call({"path": "/nonexistent-nf-test/p"}))
    assert "type must be one of" in e.value.message


def test_an_lsp_request_whose_params_do_not_fit_is_answered() -> None:
    """pygls dropped it unanswered and the client waited forever (found by bench/fuzz.py)."""
    with connect() as c:
        c.sock.settimeout(60)
        for method in ("textDocument/hover", "textDocument/codeAction"):
            with pytest.raises(RpcError) as e:
                c.request(method, {})
            assert e.value.code == -32602 and method in e.value.message
        assert c.request("nanoforge/daemon/status")["pid"] > 0


def test_bounds_refuse_only_what_is_never_meant() -> None:
    from nanoforge.daemon.typedschema import invalid_param

    for name in ("tab\there", "x??/", "\U0001f600 smile", 'say "hi"\\'):  # class names the C escapes byte by byte
        assert invalid_param(protocol.SignalsAddParams, {"dir": "/p", "class_name": name}) is None
    assert invalid_param(protocol.SignalsAddParams, {"dir": "/p", "class_name": "a\nb"}) == (
        "parameter 'class_name' must be one line without NUL characters")
    assert invalid_param(protocol.CheckParams, {"path": "x.csv"}).startswith(
        "parameter 'path' must be an absolute path")
    assert invalid_param(protocol.BenchStartParams, {"project": "/p", "cores": 0}) == (
        "parameter 'cores' must be a whole number from 1 to 1024, not 0")


def test_a_fault_of_a_benchmark_job_is_not_told_in_pythons_words(tmp_path: Path) -> None:
    """The job's error reaches clients in bench status: a fault (here a damaged job file)
    is said to be one, with where its traceback is, not as "KeyError: ..."."""
    import json
    import subprocess
    import sys

    project = tmp_path / "p"
    assert nanoforge("new", str(project), "--type", "ncc").returncode == 0
    d = project / ".nanoforge" / "benchmarks" / "b0001"
    d.mkdir(parents=True)
    (d / "job.json").write_text(json.dumps({"id": "b0001", "cores": 1}))  # no project, no budget
    (d / "state.json").write_text("{}")
    subprocess.run([sys.executable, "-m", "nanoforge.daemon.benchjob", str(d)], timeout=120)
    state = json.loads((d / "state.json").read_text())
    assert state["state"] == "failed" and "KeyError" not in state["error"] and "'project'" not in state["error"]
    assert str(d / "error.log") in state["error"] and "KeyError" in (d / "error.log").read_text()
