"""JSON-RPC over the daemon's Unix socket, with LSP framing, synchronous and small.

The CLI is a client like the editor: it owns nothing and computes nothing. It starts
the daemon when none answers, so users never manage it by hand.
"""

from __future__ import annotations

import fcntl
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
    log = os.fdopen(paths.open_private(paths.stderr_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND), "ab")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                         close_fds=True, env=os.environ.copy())
    log.close()
    return p


def _lock_free() -> bool:
    """Whether no daemon holds the one-per-user lock (probed with a shared lock, released
    at once; a daemon that loses its exclusive try to this probe leaves and is restarted)."""
    try:
        fd = os.open(paths.lock_path(), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # not ours to judge: the daemon started next refuses it and says why
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases the probe's lock
    return True


def _exited(rc: int) -> str:
    return f"was killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"


def connect_socket(autostart: bool = True, idle_timeout: float | None = None) -> socket.socket:
    """The daemon's socket, starting the daemon when none answers.

    A daemon that was just killed can hold the one-per-user lock a moment longer, and
    two clients can start one at once: a daemon that finds the lock held leaves quietly.
    So the wait starts one again only when its own has left and the lock is free;
    while another process holds the lock, it waits for that one's socket. A daemon
    that refuses to start is reported at once, with its last words."""
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
            raise DaemonUnavailable(f"the daemon {_exited(rc)} at start{_last_words()}; see {paths.stderr_path()}")
        if rc == 0 and _lock_free():
            started = start_daemon(idle_timeout)
        time.sleep(0.1)
    raise DaemonUnavailable(f"the daemon did not start within {START_TIMEOUT_S:.0f} s"
                            + ("" if _lock_free() else
                               f" (process {_lock_holder()} holds {paths.lock_path()} without answering)")
                            + f"; see {paths.log_path()} and {paths.stderr_path()}")


def _lock_holder() -> str:
    try:
        return paths.lock_path().read_text().strip() or "?"
    except OSError:
        return "?"


def _last_words() -> str:
    try:
        lines = paths.stderr_path().read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1].strip()}" if lines else ""


def _handshake(c: Client) -> str | None:
    """The daemon's build id; a daemon that accepts and then never answers (stopped,
    wedged) is unavailable rather than a CLI that hangs."""
    c.sock.settimeout(START_TIMEOUT_S)
    try:
        return c.request("nanoforge/daemon/status").get("build")
    except RpcError:
        return None
    except TimeoutError:
        raise DaemonUnavailable(f"the daemon did not answer within {START_TIMEOUT_S:.0f} s") from None
    finally:
        c.sock.settimeout(None)


def connect(autostart: bool = True, idle_timeout: float | None = None) -> Client:
    """A client of the daemon built from this install; an older daemon is replaced.

    A daemon that dies between accepting the connection and answering (killed, crashed)
    leaves its socket file behind: connecting again starts a new one. `idle_timeout`
    is the started daemon's."""
    if not autostart:
        return Client(connect_socket(False))
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        c = Client(connect_socket(True, idle_timeout))
        try:
            build = _handshake(c)
            break
        except DaemonUnavailable:
            c.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
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
    return Client(connect_socket(True, idle_timeout))
