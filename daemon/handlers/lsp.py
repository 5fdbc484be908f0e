"""The editor's side of a connection: diagnostics for open, edited, saved and watched files.

Each connection keeps its own workspace roots and pending debounces, so this is a
session hook rather than a request handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace.position_codec import PositionCodec

from nanoforge.engine.diagnostics import Diagnostic
from nanoforge.engine.lint import is_watched_file

from ..core import Core
from ..positions import client_range
from ..registry import session_hook

log = logging.getLogger("nanoforge.daemon")


def uri_path(uri: str) -> Path | None:
    """The file a URI names; None for anything but file: URIs (untitled buffers, remote files)."""
    u = urlparse(uri)
    if u.scheme != "file":
        return None
    return Path(unquote(u.path))


def _file_uri(path: str) -> str:
    return Path(path).resolve().as_uri()


UTF16 = PositionCodec().client_num_units
"""LSP's default way of counting."""


def units_of(ls: LanguageServer) -> Callable[[str], int]:
    """How the client counts a string's length: in the position encoding negotiated at
    initialize (UTF-16 by default)."""
    try:
        return ls.workspace.position_codec.client_num_units
    except Exception:  # not initialized yet: LSP's default
        return UTF16


def to_lsp(d: Diagnostic, lines: dict[int, str] | None = None,
           units: Callable[[str], int] = UTF16) -> types.Diagnostic:
    sev = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}.get(
        d.severity, types.DiagnosticSeverity.Information)
    return types.Diagnostic(
        range=client_range(d, lines or {}, units),
        message=f"{d.message}\nfix: {d.hint}",
        severity=sev,
        code=d.code,
        source="nanoforge",
        data={"hint": d.hint},
    )


class Documents:
    """Diagnostics of one connection's documents, pushed as the editor and the disk change them."""

    def __init__(self, ls: LanguageServer, core: Core) -> None:
        self.ls = ls
        self.core = core
        self.roots: list[Path] = []
        self.pending: dict[str, asyncio.TimerHandle] = {}

    def publish(self, path: str, diags: list[Diagnostic], lines: dict[int, str], skip_open: bool = False) -> None:
        ls = self.ls
        if skip_open and _file_uri(path) in ls.workspace.text_documents:
            return
        units = units_of(ls)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=_file_uri(path), diagnostics=[to_lsp(d, lines, units) for d in diags]))

    async def check_document(self, uri: str, text: str | None) -> None:
        core, publish = self.core, self.publish
        path = uri_path(uri)
        if path is None or not is_watched_file(path):
            return
        core.register(path)
        try:
            diags, lines = await core.lint_for_editor(path, text=text.encode() if text is not None else None)
        except Exception:
            log.exception("check failed for %s", path)
            return
        publish(str(path), diags, lines)

    def initialize(self, params: types.InitializeParams) -> None:
        roots = self.roots
        folders = [f.uri for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [params.root_uri]
        for uri in folders:
            p = uri_path(uri)
            if p:
                roots.append(p)

    async def initialized(self, params: types.InitializedParams) -> None:
        core, roots, publish = self.core, self.roots, self.publish
        for folder in roots:
            for root in await core.loop.run_in_executor(core.pool, core.discover, folder):
                await core.publish_project(root, publish)

    async def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        await self.check_document(params.text_document.uri, params.text_document.text)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        ls, core, pending, check_document = self.ls, self.core, self.pending, self.check_document
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

    async def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        await self.check_document(params.text_document.uri, None)


def _function(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """pygls tags its features with attributes, which bound methods cannot carry."""
    if asyncio.iscoroutinefunction(method):
        async def forward_async(params: Any) -> Any:
            return await method(params)
        return forward_async

    def forward(params: Any) -> Any:
        return method(params)
    return forward


@session_hook
def documents(ls: LanguageServer, core: Core) -> None:
    docs = Documents(ls, core)
    core.attach(ls, docs.publish)
    ls.feature(types.INITIALIZE)(_function(docs.initialize))
    ls.feature(types.INITIALIZED)(_function(docs.initialized))
    ls.feature(types.TEXT_DOCUMENT_DID_OPEN)(_function(docs.did_open))
    ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)(_function(docs.did_change))
    ls.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(_function(docs.did_save))
