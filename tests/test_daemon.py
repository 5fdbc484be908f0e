"""The daemon survives anything a client sends, and leaves when nobody needs it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanoforge.cli.rpc import RpcError, connect


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400), st.one_of(st.none(), st.integers(1, 5)))
def test_any_file_through_the_daemon(tmp_path: Path, data: bytes, axes: int | None) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    with connect() as c:
        res = c.request("nanoforge/check", {"path": str(p), "axes": axes})
        assert isinstance(res["diagnostics"], list)
        assert c.request("nanoforge/daemon/status")["pid"] > 0


def test_broken_requests_get_json_rpc_errors() -> None:
    with connect() as c:
        for method, params in (("nanoforge/check", {}), ("nanoforge/check", {"path": 5}),
                               ("nanoforge/data", {"action": "explode", "path": "/x"}),
                               ("nanoforge/project/new", {"dir": "/proc/nope", "type": "zzz"}),
                               ("nanoforge/nope", {})):
            try:
                c.request(method, params)
            except RpcError as e:
                assert e.message
            else:
                raise AssertionError(f"{method} {params} did not fail")
        assert c.request("nanoforge/daemon/status")["pid"] > 0


def test_daemon_exits_when_idle_and_only_one_runs_per_home() -> None:
    home = tempfile.mkdtemp(prefix="nf-idle-", dir="/tmp")
    env = dict(os.environ, NANOFORGE_HOME=home)
    cmd = [sys.executable, "-m", "nanoforge.daemon", "--idle-timeout", "1.5"]
    first = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 20
    while not Path(home, "daemon.sock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(cmd, env=env, timeout=20)
    assert second.returncode == 0  # saw the lock, left quietly
    assert first.poll() is None
    assert first.wait(timeout=20) == 0
    assert not Path(home, "daemon.sock").exists()
