"""One pygls LanguageServer per connection, all backed by the shared Core.

Editors get LSP (diagnostics on open, save, and disk changes); the CLI and the editor
extension both use the `nanoforge/*` methods. Every request is answered with a result
or a JSON-RPC error whose message names the file and the fix; nothing a client sends
can take the daemon down. The handlers themselves live in daemon/handlers/, by area.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from . import registry
from .core import Core
from .handlers.daemon_ctl import VERSION

log = logging.getLogger("nanoforge.daemon")


class SessionProtocol(LanguageServerProtocol):
    """pygls ends the *process* on `exit`; in a shared daemon it must end only the
    connection. pygls answers a failing LSP feature with the exception's text and
    traceback; here it is the generic internal error (pygls has logged the details)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls drops a request whose params do not fit the LSP types without answering
        it, and the client waits forever (found by bench/fuzz.py: textDocument/hover with
        `{}`); here it is answered as invalid params, then dropped as before."""
        try:
            return super().structure_message(data)
        except Exception:
            if isinstance(data, dict) and "method" in data and isinstance(data.get("id"), (int, str)):
                method = str(data["method"])[:80]
                super()._send_response(data["id"], error=types.ResponseError(
                    code=JsonRpcInvalidParams.CODE, message=f"the params of {method} do not fit the LSP specification"))
            raise

    def _send_response(self, msg_id: Any, result: Any | None = None, error: Any | None = None) -> None:
        if error is not None and error.code == JsonRpcInternalError.CODE and error.data is not None:
            error = types.ResponseError(code=error.code, message=registry.internal_message(f"request {msg_id}"))
        super()._send_response(msg_id, result, error)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        stop = getattr(self._server, "stop_event", None)
        if stop is not None:
            stop.set()
        if self.writer is not None:
            self.writer.close()


class Session(LanguageServer):
    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls shows a failing notification's exception text to the user; the words
        here say where the details are instead."""
        log.error("error in the daemon: %r", error)
        if source is not FeatureRequestError:
            self.window_show_message(types.ShowMessageParams(message=registry.internal_message("a notification"),
                                                             type=types.MessageType.Error))


def make_session(core: Core) -> LanguageServer:
    ls = Session("nanoforge", VERSION, protocol_cls=SessionProtocol,
                 text_document_sync_kind=types.TextDocumentSyncKind.Full)
    ls.stop_event = threading.Event()  # type: ignore[attr-defined]
    registry.install(ls, core)
    return ls


async def serve_connection(core: Core, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    from pygls.io_ import run_async

    ls = make_session(core)
    ls.protocol.set_writer(writer)  # type: ignore[arg-type]
    try:
        await run_async(stop_event=ls.stop_event, reader=reader, protocol=ls.protocol,  # type: ignore[attr-defined]
                        logger=log)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    except Exception:
        log.exception("connection ended with an error")
    finally:
        core.detach(ls)
        try:
            writer.close()
        except Exception:
            pass
