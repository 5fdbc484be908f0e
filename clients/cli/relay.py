"""`nanoforge daemon --stdio`: an editor speaks LSP on stdio, the daemon on its socket.

Editors (VS Code's language client) start a process and talk over its pipes; the
daemon is shared and long-lived. This relay joins the two byte streams and nothing
more, so the editor sees exactly the daemon's LSP.
"""

from __future__ import annotations

import os
import socket
import sys
import threading

from .rpc import connect


def relay() -> int:
    client = connect()  # checks the daemon's build, replacing a stale one
    sock = client.sock
    # Raw file descriptors, not sys.stdin.buffer: a thread blocked in a buffered read
    # holds its lock, and the interpreter aborts on it at exit.
    stdin_fd = sys.stdin.fileno()
    stdout_fd = sys.stdout.fileno()

    def upstream() -> None:
        try:
            while True:
                chunk = os.read(stdin_fd, 1 << 16)
                if not chunk:
                    break
                sock.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    threading.Thread(target=upstream, daemon=True).start()
    if client.buf:  # anything the daemon sent after answering the build check
        os.write(stdout_fd, client.buf)
    try:
        while True:
            data = sock.recv(1 << 16)
            if not data:
                break
            view = memoryview(data)
            while view:
                n = os.write(stdout_fd, view)
                view = view[n:]
    except (OSError, KeyboardInterrupt):
        pass
    finally:
        sock.close()
    sys.stdout.flush()
    os._exit(0)  # the stdin thread may still sit in read(); nothing is left to flush
