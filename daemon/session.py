"""One pygls LanguageServer per connection, all backed by the shared Core.

Editors get LSP (diagnostics on open, save, and disk changes); the CLI and the editor
extension both use the `nanoforge/*` methods. Every request is answered with a result
or a JSON-RPC error whose message names the file and the fix; nothing a client sends
can take the daemon down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from nanoforge.engine import datatools
from nanoforge.engine.checks import SignalFileError
from nanoforge.engine.diagnostics import Diagnostic
from nanoforge.engine.lint import is_watched_file, summarize_path
from nanoforge.engine.project import add_signals, new_project
from nanoforge.engine.projectinfo import project_info

from . import librpc
from .core import Core

log = logging.getLogger("nanoforge.daemon")
VERSION = "0.1.0"


class SessionProtocol(LanguageServerProtocol):
    """pygls ends the *process* on `exit`; in a shared daemon it must end only the
    connection."""

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        stop = getattr(self._server, "stop_event", None)
        if stop is not None:
            stop.set()
        if self.writer is not None:
            self.writer.close()


def _plain(obj: Any) -> Any:
    """pygls hands unknown methods' params over as attribute objects; handlers want dicts."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if hasattr(obj, "_asdict"):
        return {k: _plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _uri_path(uri: str) -> Path | None:
    u = urlparse(uri)
    if u.scheme != "file":
        return None
    return Path(unquote(u.path))


def _file_uri(path: str) -> str:
    return Path(path).resolve().as_uri()


def to_lsp(d: Diagnostic) -> types.Diagnostic:
    sev = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}.get(
        d.severity, types.DiagnosticSeverity.Information)
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=d.line - 1, character=d.column - 1),
                          end=types.Position(line=d.end_line - 1, character=d.end_column - 1)),
        message=f"{d.message}\nfix: {d.hint}",
        severity=sev,
        code=d.code,
        source="nanoforge",
        data={"hint": d.hint},
    )


def _require(params: dict[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    if key not in params or params[key] is None:
        raise JsonRpcInvalidParams(message=f"missing parameter '{key}'")
    if not isinstance(params[key], kind):
        raise JsonRpcInvalidParams(message=f"parameter '{key}' has the wrong type")
    return params[key]


def _user_errors(fn: Any) -> Any:
    """Turns the engine's precise errors into JSON-RPC errors with the same words."""

    async def wrapper(ls: Any, params: Any) -> Any:
        try:
            return await fn(ls, _plain(params) if params is not None else {})
        except JsonRpcInvalidParams:
            raise
        except (ValueError, FileNotFoundError, FileExistsError, PermissionError, SignalFileError, RuntimeError) as e:
            raise JsonRpcInvalidParams(message=str(e)) from None
        except OSError as e:
            raise JsonRpcInvalidParams(message=f"{e.filename or ''}: {e.strerror or e}") from None

    return wrapper


def make_session(core: Core) -> LanguageServer:
    ls = LanguageServer("nanoforge", VERSION, protocol_cls=SessionProtocol,
                        text_document_sync_kind=types.TextDocumentSyncKind.Full)
    ls.stop_event = threading.Event()  # type: ignore[attr-defined]
    roots: list[Path] = []

    def publish(path: str, diags: list[Diagnostic], skip_open: bool = False) -> None:
        if skip_open and _file_uri(path) in ls.workspace.text_documents:
            return
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=_file_uri(path), diagnostics=[to_lsp(d) for d in diags]))

    core.attach(ls, publish)

    async def check_document(uri: str, text: str | None) -> None:
        path = _uri_path(uri)
        if path is None or not is_watched_file(path):
            return
        core.register(path)
        try:
            diags = await core.lint(path, text=text.encode() if text is not None else None)
        except Exception:
            log.exception("check failed for %s", path)
            return
        publish(str(path), diags)

    @ls.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        folders = [f.uri for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        for uri in folders:
            p = _uri_path(uri)
            if p:
                roots.append(p)

    @ls.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        for folder in roots:
            for root in await core.loop.run_in_executor(core.pool, core.discover, folder):
                await core.publish_project(root, publish)

    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(params: types.DidOpenTextDocumentParams) -> None:
        await check_document(params.text_document.uri, params.text_document.text)

    pending: dict[str, asyncio.TimerHandle] = {}

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        # Debounced: a burst of keystrokes (or an editor reloading a file changed on
        # disk) costs one check of the latest buffer.
        uri = params.text_document.uri
        if (h := pending.pop(uri, None)) is not None:
            h.cancel()

        def run() -> None:
            pending.pop(uri, None)
            if uri in ls.workspace.text_documents:
                asyncio.ensure_future(check_document(uri, ls.workspace.get_text_document(uri).source))

        pending[uri] = core.loop.call_later(0.3, run)

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(params: types.DidSaveTextDocumentParams) -> None:
        await check_document(params.text_document.uri, None)

    @ls.feature("nanoforge/check")
    @_user_errors
    async def check(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        path = Path(_require(params, "path"))
        axes = params.get("axes")
        if axes is not None and (not isinstance(axes, int) or axes < 1):
            raise JsonRpcInvalidParams(message="axes must be a whole number ≥ 1")
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        core.register(path)
        diags = await core.lint(path, axes)
        return {"diagnostics": [d.to_dict() for d in diags]}

    @ls.feature("nanoforge/project/new")
    @_user_errors
    async def project_new(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        root = Path(_require(params, "dir"))
        kw = {k: params[k] for k in ("axes", "buffer", "sampling_hz", "max_ram", "max_flash", "target", "sensor",
                                     "seed") if params.get(k) is not None}
        path = await core.loop.run_in_executor(core.pool, lambda: new_project(root, _require(params, "type"), **kw))
        core.register(path)
        return {"path": str(path)}

    @ls.feature("nanoforge/signals/add")
    @_user_errors
    async def signals_add(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        root = Path(_require(params, "dir"))
        path = await core.loop.run_in_executor(core.pool, lambda: add_signals(
            root, cls=params.get("class_name"), file=params.get("file"), nominal=params.get("nominal"),
            abnormal=params.get("abnormal")))
        core.register(path)
        return {"path": str(path)}

    @ls.feature("nanoforge/project/info")
    @_user_errors
    async def project_info_rpc(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        return await core.loop.run_in_executor(core.pool, project_info, _require(params, "dir"))

    @ls.feature("nanoforge/signals/summary")
    @_user_errors
    async def signals_summary(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        path = Path(_require(params, "path"))
        axes = params.get("axes")
        return await core.loop.run_in_executor(core.pool, summarize_path, path, axes)

    @ls.feature("nanoforge/data")
    @_user_errors
    async def data(ls_: Any, params: dict[str, Any]) -> dict[str, Any]:
        action = _require(params, "action")
        out_dir = Path(params["out_dir"]) if params.get("out_dir") else None

        def run() -> dict[str, Any]:
            note = None
            if action == "extract":
                out = datatools.extract(_require(params, "path"), _require(params, "lines"), out_dir)
            elif action == "remove-columns":
                out = datatools.remove_columns(_require(params, "path"), _require(params, "columns"), out_dir)
            elif action == "reshape":
                cols = _require(params, "columns", int)
                dropped = datatools.dropped_by_reshape(_require(params, "path"), cols)
                out = datatools.reshape(params["path"], cols, out_dir)
                if dropped:
                    note = f"the last {dropped} value(s) did not fill a line and were left out"
            elif action == "shuffle":
                out = datatools.shuffle(_require(params, "path"), int(params.get("seed") or 0), out_dir)
            elif action == "concat":
                out = datatools.concat(_require(params, "paths", list), out_dir)
            else:
                raise JsonRpcInvalidParams(message=f"unknown data action {action!r}")
            return {"path": str(out), "note": note}

        return await core.loop.run_in_executor(core.pool, run)

    librpc.register(ls, core, _user_errors)

    @ls.feature("nanoforge/daemon/status")
    async def status(params: Any) -> dict[str, Any]:
        return {"pid": os.getpid(), "version": VERSION, "build": core.build, "started": core.started, "sessions": len(core.sessions),
                "projects": sorted(str(p) for p in core.projects), "idle_timeout_s": core.idle_timeout}

    @ls.feature("nanoforge/daemon/stop")
    async def stop(params: Any) -> dict[str, Any]:
        core.loop.call_later(0.05, core.stop_requested.set)
        return {"stopping": True}

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
