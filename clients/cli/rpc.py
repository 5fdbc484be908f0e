"""JSON-RPC over the daemon's Unix socket, with LSP framing, synchronous and small.

The CLI is a client like the editor: it owns nothing and computes nothing. It starts
the daemon when none answers, so users never manage it by hand.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nanoforge.daemon import paths

START_TIMEOUT_S = 20.0


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DaemonUnavailable(Exception):
    pass


class Client:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.next_id = 1

    def _recv(self, size: int) -> bytes:
        try:
            chunk = self.sock.recv(size)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise DaemonUnavailable("the daemon closed the connection")
        return chunk

    def _read_message(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv(1 << 16)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(self.buf) < length:
            self.buf += self._recv(max(1 << 16, length - len(self.buf)))
        body, self.buf = self.buf[:length], self.buf[length:]
        return json.loads(body)

    def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        msg_id = self.next_id
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params or {}}).encode()
        try:
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        except (BrokenPipeError, ConnectionResetError):
            # Not the CLI's own stdout closing (main treats that as success): the daemon
            # went away, and saying nothing with exit 0 would read as an empty answer.
            raise DaemonUnavailable("the daemon closed the connection") from None
        while True:
            msg = self._read_message()
            if msg.get("id") == msg_id and "method" not in msg:
                if "error" in msg and msg["error"]:
                    raise RpcError(msg["error"].get("code", -32603), msg["error"].get("message", "error"))
                return msg.get("result")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _try_connect(path: Path) -> socket.socket | None:
    if not paths.check_socket(path):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(path))
        return s
    except OSError:
        s.close()
        return None


def start_daemon(idle_timeout: float | None = None) -> subprocess.Popen[bytes]:
    """Spawns the daemon detached from this terminal; it outlives the CLI call."""
    cmd = [sys.executable, "-m", "nanoforge.daemon"]
    if idle_timeout is not None:
        cmd += ["--idle-timeout", str(idle_timeout)]
    log = os.fdopen(paths.open_private(paths.home() / "daemon.stderr", os.O_WRONLY | os.O_CREAT | os.O_APPEND), "ab")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                         close_fds=True, env=os.environ.copy())
    log.close()
    return p


def connect_socket(autostart: bool = True, idle_timeout: float | None = None) -> socket.socket:
    """The daemon's socket, starting the daemon when none answers.

    A daemon that was just killed can still hold the one-per-user lock for a moment, so
    the one started here may leave quietly (exit 0) without serving: it is started again
    until one answers. One that refuses to start (exit 1) is reported at once."""
    path = paths.socket_path()
    s = _try_connect(path)
    if s is not None or not autostart:
        if s is None:
            raise DaemonUnavailable("the nanoforge daemon is not running")
        return s
    started = start_daemon(idle_timeout)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        s = _try_connect(path)
        if s is not None:
            return s
        rc = started.poll()
        if rc is not None and rc != 0:
            raise DaemonUnavailable(f"the daemon did not start (exit {rc}); see {paths.home() / 'daemon.stderr'}")
        if rc == 0:
            started = start_daemon(idle_timeout)
        time.sleep(0.05)
    raise DaemonUnavailable(f"the daemon did not start within {START_TIMEOUT_S:.0f} s; see {paths.log_path()}")


def connect(autostart: bool = True) -> Client:
    """A client of the daemon built from this install; an older daemon is replaced.

    A daemon that dies between accepting the connection and answering (killed, crashed)
    leaves its socket file behind: connecting again starts a new one."""
    if not autostart:
        return Client(connect_socket(False))
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        c = Client(connect_socket(True))
        try:
            build = c.request("nanoforge/daemon/status").get("build")
        except RpcError:
            build = None
        except DaemonUnavailable:
            c.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
            continue
        break
    if build == paths.build_id():
        return c
    try:
        c.request("nanoforge/daemon/stop")
    except (RpcError, DaemonUnavailable):
        pass
    c.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while paths.socket_path().exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return Client(connect_socket(True))
