"""The daemon survives anything a client sends, and leaves when nobody needs it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nanoforge.cli.rpc import Client, DaemonUnavailable, RpcError, connect


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


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nanoforge.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, NANOFORGE_HOME=str(home)), timeout=60)


def test_a_daemon_home_another_user_could_have_prepared_is_refused(tmp_path: Path) -> None:
    """A symlinked or group/world-reachable NANOFORGE_HOME may hold files another user
    planted (a socket that answers our CLI, a lock symlink the daemon would write
    through): the CLI refuses it and says what to do, and nothing is written there."""
    real = Path(tempfile.mkdtemp(prefix="nf-real-", dir="/tmp"))
    link = Path(tempfile.mkdtemp(prefix="nf-link-", dir="/tmp")) / "home"
    link.symlink_to(real)
    r = _cli(link, "daemon", "start")
    assert r.returncode == 1 and "symbolic link" in r.stderr and "NANOFORGE_HOME" in r.stderr, r.stderr
    open_home = Path(tempfile.mkdtemp(prefix="nf-open-", dir="/tmp"))
    open_home.chmod(0o777)
    r = _cli(open_home, "types")
    assert r.returncode == 1 and "chmod 700" in r.stderr, r.stderr
    assert not any(real.iterdir()) and not any(open_home.iterdir())


def test_a_planted_lock_symlink_stops_the_daemon_before_it_writes(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="nf-lock-", dir="/tmp"))
    target = tmp_path / "victim.txt"
    target.write_text("precious\n")
    (home / "daemon.lock").symlink_to(target)
    r = subprocess.run([sys.executable, "-m", "nanoforge.daemon", "--idle-timeout", "5"], capture_output=True,
                       text=True, env=dict(os.environ, NANOFORGE_HOME=str(home)), timeout=60)
    assert r.returncode == 1 and "refusing to start" in r.stderr, r.stderr
    assert target.read_text() == "precious\n"


def test_the_cli_never_talks_to_a_socket_that_is_not_its_own(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="nf-sock-", dir="/tmp"))
    planted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    planted.bind(str(home / "daemon.sock"))
    planted.listen(1)
    try:
        if os.getuid() == 0:  # as root, the socket can really belong to someone else
            os.chown(home / "daemon.sock", 65534, 65534)
        else:
            (home / "daemon.sock").unlink()
            (home / "daemon.sock").write_text("")  # not a socket: refused the same way
        r = _cli(home, "types")
        assert r.returncode == 1 and "not a nanoforge socket of yours" in r.stderr, r.stderr
    finally:
        planted.close()


def test_a_broken_connection_is_the_daemon_gone_not_an_empty_answer() -> None:
    """main() takes BrokenPipeError for its own stdout closing (`| head`) and exits 0:
    the daemon's end breaking must not look like that."""
    a, b = socket.socketpair()
    b.close()
    with pytest.raises(DaemonUnavailable):
        Client(a).request("nanoforge/daemon/status")
    a.close()


@contextlib.contextmanager
def _types_call(home: Path) -> Iterator[subprocess.Popen[str]]:
    """`nanoforge types --json` running against `home`; afterwards the daemon it started
    is stopped and the home removed, whatever the test found."""
    p = subprocess.Popen([sys.executable, "-m", "nanoforge.cli", "types", "--json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, NANOFORGE_HOME=str(home)))
    try:
        yield p
    finally:
        p.kill()
        _cli(home, "daemon", "stop")
        shutil.rmtree(home, ignore_errors=True)


def _answers_types(p: subprocess.Popen[str]) -> None:
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert {t["name"] for t in json.loads(out)} >= {"ad", "1cc", "ncc", "ext"}


def test_a_daemon_that_dies_before_answering_is_replaced_not_read_as_an_empty_answer() -> None:
    """`bench status` right after the daemon was killed: the connection was accepted by
    the dying process, then closed. The CLI printed nothing and exited 0, or failed; it
    starts a new daemon and answers."""
    home = Path(tempfile.mkdtemp(prefix="nf-dying-", dir="/tmp"))
    dying = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dying.bind(str(home / "daemon.sock"))
    (home / "daemon.sock").chmod(0o600)
    dying.listen(1)
    dying.settimeout(30)
    with _types_call(home) as p:
        try:
            conn, _ = dying.accept()
            conn.close()  # it dies: the socket file stays behind, stale
        finally:
            dying.close()
        _answers_types(p)


def test_a_daemon_started_while_a_dying_one_holds_the_lock_is_started_again() -> None:
    """The killed daemon's lock can outlive it by a moment: the daemon the CLI starts then
    leaves quietly, as if another served. The CLI waits while the lock is held (without
    starting one after another), then starts one again and gets its answer."""
    home = Path(tempfile.mkdtemp(prefix="nf-held-", dir="/tmp"))
    lock = os.open(home / "daemon.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    with _types_call(home) as p:
        try:
            time.sleep(4)  # the daemon it started has seen the lock and left
            assert p.poll() is None
        finally:
            os.close(lock)
        _answers_types(p)


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def test_checking_many_projects_does_not_keep_a_thread_for_each(tmp_path: Path) -> None:
    """The file watcher runs one thread per watched folder; a daemon that checked 60
    projects kept 60 threads forever. Only the projects used last are watched."""
    from nanoforge.daemon.core import MAX_WATCHED

    with connect() as c:
        pid = c.request("nanoforge/daemon/status")["pid"]
        roots = []
        for i in range(MAX_WATCHED + 44):
            root = tmp_path / f"p{i}"
            c.request("nanoforge/project/new", {"dir": str(root), "type": "ncc"})
            c.request("nanoforge/check", {"path": str(root)})
            roots.append(root)
            if i == MAX_WATCHED:
                before = _threads(pid)
        assert _threads(pid) <= before + 2
        watched = c.request("nanoforge/daemon/status")["projects"]
        assert len(watched) <= MAX_WATCHED and str(roots[-1]) in watched and str(roots[0]) not in watched
        c.request("nanoforge/check", {"path": str(roots[0])})  # used again: watched again
        assert str(roots[0]) in c.request("nanoforge/daemon/status")["projects"]
