"""Fuzzing on demand (issue #21): the signal reader, the project file and the RPC surface.

Each target draws inputs with hypothesis, starting from the inputs that once broke
nanoforge (the issue's repros are its seeds), and checks what must hold whatever the
input: the reader answers with diagnostics in time linear in the input, the project
reader with diagnostics and never an exception, the daemon with a result or a JSON-RPC
error in the user's words and stays up. A finding is printed with the input that
produced it (hypothesis shrinks it first) and the exit code is 1.

Not part of the default test run (tests/test_fuzz_smoke.py runs each target on a few
examples). Needs the test extra (hypothesis).

Run: python bench/fuzz.py [--target reader|project|rpc|all] [--examples N] [--seconds S] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, seed, settings
from hypothesis import strategies as st

LEAKS = ("Errno", "Traceback", "null byte", "object has no", "invalid literal", "Error:", "not subscriptable")
"""Words of Python's, not of nanoforge's: none may reach a client."""

# ---------------------------------------------------------------- the signal reader

READER_SEEDS = [
    ("\n".join([" ".join(["123"] * 20) + " x"] * 12) + "\n").encode(),  # item 1: froze the daemon
    "１２３,４５６\n".encode() * 12,  # item 7: fullwidth digits
    b"nan,inf,-inf,1e30,-1e30,3.4028235e38\n" * 12,
    b"\xff\xfe1\x00,\x002\x00\n\x00",  # UTF-16
    b"1,2,3\r\n" * 3 + b"\x00\x01\x02" * 50,
    b"",
]
TOKEN = st.sampled_from(["1", "123", "-4.5e3", "1,5", "x", "nan", "inf", "１２", "😀", "??/", ",", ";", " ",
                         "\t", "\n", "\r\n", "\x00", "e", "+", ".", "0x1F", "1e999", "\ufeff"])
READER_INPUT = st.one_of(st.binary(max_size=2000), st.lists(TOKEN, max_size=600).map(lambda t: "".join(t).encode()))


def reader_property(data: bytes, axes: int) -> None:
    from nanoforge.engine.fixes import fix_signal_text
    from nanoforge.engine.lint import lint_path

    with tempfile.TemporaryDirectory(prefix="nf-fuzz-") as tmp:
        p = Path(tmp) / "f.csv"
        p.write_bytes(data)
        t0 = time.perf_counter()
        diags = lint_path(p, axes)
        fix_signal_text(data.decode("utf-8", "surrogateescape"))
        spent = time.perf_counter() - t0
    lines = data.count(b"\n") + 1
    for d in diags:
        assert 1 <= d.line <= lines + 1 and 1 <= d.column <= d.end_column, d
        assert d.message and d.hint, d
    # Linear: a few KB read in well under a second even on a loaded machine; the
    # exponential regex of item 1 took minutes on 300 bytes.
    assert spent < 2.0 + len(data) / 50_000, f"{spent:.2f} s for {len(data)} bytes"


# ---------------------------------------------------------------- the project file

PROJECT_SEEDS = [
    'type = "ncc"\naxes = -1\nbuffer = -5\n',
    'type = "ncc"\naxes = "x"\n',
    'type = "ncc"\nsignals = [1, 2]\n',
    'type = "ncc"\n[deploy]\ndir = "/"\n',
    'type = "ncc"\n[deploy]\ndir = "/etc"\n',
    'type = "ncc"\n[[signals]]\nclass = "a"\nfile = "../../../etc/shadow"\n',
    'type = "ncc"\n[[signals]]\nclass = "x??/"\nfile = "/etc/shadow"\n',
    'type = "ncc"\n[[signals]]\nclass = "😀"\nfile = "a.csv"\n',
    'type = "ad"\nsensor = "multi"\naxes = 100000\n',
    'type = "ncc"\nsampling_hz = nan\n[filter]\nlow_hz = inf\n',
    "\x00\xff",
]
VALUE = st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.booleans(), st.text(max_size=12).map(json.dumps),
                  st.sampled_from(['"ncc"', '"ad"', '"1cc"', '"ext"', '"multi"', '"generic"', "[1, 2]", "{}", "[]",
                                   '"/etc/shadow"', '"../../.."', '"/"', '"~"', 'inf', 'nan', '"stm32f401re"']))
KEY = st.sampled_from(["type", "sensor", "axes", "buffer", "sampling_hz", "max_ram", "max_flash", "target", "seed",
                       "variables", "class", "file", "nominal", "abnormal", "dir", "enabled", "low_hz", "high_hz",
                       "order", "backstop", "api", "cluster", "clock_hz", "max_latency_ms", "zz"])
HEADER = st.sampled_from(["", "[filter]\n", "[deploy]\n", "[[signals]]\n", "[signals]\n", "[[deploy]]\n"])
PROJECT_INPUT = st.one_of(
    st.lists(st.tuples(HEADER, KEY, VALUE).map(lambda t: f"{t[0]}{t[1]} = {t[2]}\n"), max_size=20).map("".join),
    st.text(max_size=300))


def project_property(text: str) -> None:
    from nanoforge.engine.lint import lint_path
    from nanoforge.engine.project import PROJECT_FILE, load

    with tempfile.TemporaryDirectory(prefix="nf-fuzz-") as tmp:
        root = Path(tmp) / "p"
        root.mkdir()
        (root / "a.csv").write_text("1,2,3\n" * 12)
        (root / PROJECT_FILE).write_text(text, encoding="utf-8", errors="surrogateescape")
        project, diags = load(root)
        for d in diags:
            assert d.code.startswith("NF3") and d.line >= 1 and d.column >= 1, d
        lint_path(root)
        if project is not None:  # a relative path never reads out of the project
            for _, rel in (f for e in project.signals for f in e.files()):
                assert Path(rel).is_absolute() or Path(os.path.normpath(root / rel)).is_relative_to(root), rel
            if project.deploy_dir is not None:
                from nanoforge.engine.project import deploy_dir_problem

                named = Path(project.deploy_dir).expanduser()
                assert deploy_dir_problem(named if named.is_absolute() else root / named) is None


# ---------------------------------------------------------------- the RPC surface

RPC_SEEDS: list[tuple[str, dict[str, Any]]] = [
    ("nanoforge/check", {"path": "relative.csv"}),
    ("nanoforge/check", {"path": "/x\x00y"}),
    ("nanoforge/check", {"path": "/x", "axes": -1}),
    ("nanoforge/bench/candidates", {"project": "/nonexistent-nf", "limit": 0}),
    ("nanoforge/project/new", {"dir": "SANDBOX/new", "type": "ncc", "axes": -1, "buffer": -5}),
    ("nanoforge/project/new", {"dir": "SANDBOX/new", "type": "ncc", "axes": "x"}),
    ("nanoforge/data", {"action": "explode"}),
    ("nanoforge/emulate", {"project": "SANDBOX/p", "learn": [1]}),
    ("nanoforge/deploy", {"project": "SANDBOX/p", "suffix": "../x", "dir": "/"}),
    ("nanoforge/nope", {}),
]
SKIPPED = {"nanoforge/bench/start", "nanoforge/daemon/stop"}
"""Requests whose success is heavy (a benchmark) or ends the run (the daemon itself)."""


def _safe(s: str) -> bool:
    """A drawn string the daemon may act on: never a path out of the sandbox."""
    return not (s.startswith(("/", "~")) or ".." in s)


def _rpc_input(sandbox: Path) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    from nanoforge.daemon import protocol
    from nanoforge.daemon.typedschema import fields

    paths = st.sampled_from([str(sandbox / n) for n in ("p", "p/nanoforge.toml", "p/a.csv", "new", "nope", "f.csv")])
    json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(),
                                        st.text(max_size=20).filter(_safe), paths),
                              lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                          max_size=3), max_leaves=6)
    methods = sorted(set(protocol.REQUESTS) - SKIPPED) + ["nanoforge/nope", "textDocument/hover"]

    @st.composite
    def request(draw: Any) -> tuple[str, dict[str, Any]]:
        method = draw(st.sampled_from(methods))
        keys = [f[0] for f in fields(protocol.REQUESTS[method][0])] if method in protocol.REQUESTS else []
        chosen = draw(st.lists(st.sampled_from(keys + ["zz"]), max_size=len(keys) + 1, unique=True))
        return method, {k: draw(json_value) for k in chosen}

    return request()


def rpc_property(sandbox: Path, client: Any, method: str, params: dict[str, Any]) -> None:
    from nanoforge.cli.rpc import RpcError

    params = json.loads(json.dumps(params).replace("SANDBOX", str(sandbox)))
    try:
        client.request(method, params)
    except RpcError as e:
        assert e.code in (-32602, -32601), (e.code, e.message)
        assert not any(w in e.message for w in LEAKS), e.message
    assert client.request("nanoforge/daemon/status")["pid"] > 0


def rpc_sandbox() -> Path:
    """A project with one good signal file, and a stray file, in a fresh folder."""
    sandbox = Path(tempfile.mkdtemp(prefix="nf-fuzz-rpc-"))
    from nanoforge.engine.project import new_project

    new_project(sandbox / "p", "ncc")
    (sandbox / "p" / "a.csv").write_text("1,2,3\n" * 12)
    (sandbox / "f.csv").write_text("1,2\n")
    return sandbox


# ---------------------------------------------------------------- running


def _run(name: str, build: Callable[[int], Callable[[], None]], examples: int, seconds: float, first_seed: int) -> bool:
    """Runs `build(n)` (a hypothesis test) in rounds with new seeds until `examples`
    examples or `seconds` are spent; True when nothing was found."""
    t0, done, round_ = time.monotonic(), 0, 0
    while done < examples and time.monotonic() - t0 < seconds:
        n = min(200, examples - done)
        test = build(n)
        try:
            seed(first_seed + round_)(test)()
        except Exception as e:
            print(f"{name}: FOUND after {done} examples: {type(e).__name__}: {e}")
            return False
        done += n
        round_ += 1
    print(f"{name}: {done} examples in {time.monotonic() - t0:.1f} s, nothing found")
    return True


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))


def reader_test(n: int) -> Callable[[], None]:
    @_settings(n)
    @given(READER_INPUT, st.integers(1, 4))
    def test(data: bytes, axes: int) -> None:
        reader_property(data, axes)

    for s in READER_SEEDS:
        test = example(s, 1)(test)
    return test


def project_test(n: int) -> Callable[[], None]:
    @_settings(n)
    @given(PROJECT_INPUT)
    def test(text: str) -> None:
        project_property(text)

    for s in PROJECT_SEEDS:
        test = example(s)(test)
    return test


_RPC: dict[str, Any] = {}
"""One sandbox and one connection for every round of a run."""


def rpc_test(n: int) -> Callable[[], None]:
    from nanoforge.cli.rpc import connect

    if not _RPC:
        _RPC.update(box=rpc_sandbox(), client=connect())
    box, c = _RPC["box"], _RPC["client"]

    @_settings(n)
    @given(_rpc_input(box))
    def test(req: tuple[str, dict[str, Any]]) -> None:
        rpc_property(box, c, *req)

    for s in RPC_SEEDS:
        test = example(s)(test)
    return test


TARGETS: dict[str, Callable[[int], Callable[[], None]]] = {"reader": reader_test, "project": project_test,
                                                           "rpc": rpc_test}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    ap.add_argument("--examples", type=int, default=1000, help="per target (default 1000)")
    ap.add_argument("--seconds", type=float, default=60.0, help="per target (default 60)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    names = list(TARGETS) if a.target == "all" else [a.target]
    ok = all([_run(n, TARGETS[n], a.examples, a.seconds, a.seed) for n in names])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
