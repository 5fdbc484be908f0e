"""Quick fixes as LSP code actions: the editor asks, the daemon answers with edits.

The fixes come from engine/fixes.py, the same ones `nanoforge check --fix` applies, so
every editor speaking LSP gets them and none computes them itself. Each fixable
diagnostic under the cursor gets its own action; with them comes one that fixes every
mechanical problem of the file at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from nanoforge.engine import fixes
from nanoforge.engine.project import PROJECT_FILE

from ..core import Core
from ..positions import server_column
from ..registry import session_hook
from .lsp import uri_path

FIX_ALL_TITLE = "Fix every mechanical problem in this file"


def _hint(d: types.Diagnostic) -> str:
    data: Any = d.data
    if isinstance(data, dict) and isinstance(data.get("hint"), str):
        return data["hint"]
    return d.message.split("\nfix: ", 1)[1] if "\nfix: " in d.message else ""


class _Lines:
    """A document's lines as the checks number them (split at "\\n"), with LSP positions."""

    def __init__(self, source: str, units: Any) -> None:
        self.source = source
        self.lines = source.split("\n")
        self.units = units

    def content(self, i: int) -> str:
        return self.lines[i].rstrip("\r")

    def end_of(self, i: int) -> types.Position:
        return types.Position(line=i, character=self.units(self.content(i)))

    def edit(self, fix: fixes.Fix) -> types.TextEdit:
        i = fix.line - 1
        if fix.new_text is not None:
            return types.TextEdit(range=types.Range(start=types.Position(line=i, character=0), end=self.end_of(i)),
                                  new_text=fix.new_text.rstrip("\r"))
        if i + 1 < len(self.lines):  # the line and its end of line
            return types.TextEdit(range=types.Range(start=types.Position(line=i, character=0),
                                                    end=types.Position(line=i + 1, character=0)), new_text="")
        start = self.end_of(i - 1) if i > 0 else types.Position(line=i, character=0)
        return types.TextEdit(range=types.Range(start=start, end=self.end_of(i)), new_text="")

    def whole(self, new_text: str) -> types.TextEdit:
        last = len(self.lines) - 1
        return types.TextEdit(range=types.Range(start=types.Position(line=0, character=0), end=self.end_of(last)),
                              new_text=new_text)


def code_actions(path: Path, uri: str, source: str, units: Any, diagnostics: list[types.Diagnostic],
                 only: list[str] | None) -> list[types.CodeAction]:
    """The actions for `diagnostics` (the editor's copies of what the daemon published) in
    the document `source`."""
    doc = _Lines(source, units)
    project_file = path.name == PROJECT_FILE
    sep = "," if project_file else fixes.separator(source)
    wanted = [d for d in diagnostics if d.source == "nanoforge" and d.code in fixes.FIXABLE
              and 0 <= d.range.start.line < len(doc.lines)]
    out: list[types.CodeAction] = []

    def asked(kind: str) -> bool:  # kinds are hierarchical: "source" asks for "source.fixAll" too
        return only is None or any(kind == k or kind.startswith(k + ".") for k in only)

    if asked(types.CodeActionKind.QuickFix):
        for d in wanted:
            i = d.range.start.line
            line = doc.content(i)
            if project_file:
                same = d.range.end.line == i
                fix = fixes.project_fix(str(d.code), i + 1, line, server_column(line, d.range.start.character, units),
                                        server_column(line, d.range.end.character, units) if same else 0, _hint(d),
                                        source)
            else:
                fix = fixes.signal_fix(str(d.code), i + 1, line, sep)
            if fix is not None:
                out.append(types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[d],
                                            is_preferred=True,
                                            edit=types.WorkspaceEdit(changes={uri: [doc.edit(fix)]})))
    # Every fix at once: on request (source.fixAll, e.g. on save), or next to the quick fixes.
    kind = None
    if only is not None and asked(types.CodeActionKind.SourceFixAll):
        kind = types.CodeActionKind.SourceFixAll
    elif asked(types.CodeActionKind.QuickFix) and wanted:
        kind = types.CodeActionKind.QuickFix
    if kind is not None and not project_file:
        fixed = fixes.fix_signal_text(source)
        if fixed.fixes and (len(fixed.fixes) > 1 or not out):
            out.append(types.CodeAction(title=FIX_ALL_TITLE, kind=kind, diagnostics=wanted,
                                        edit=types.WorkspaceEdit(changes={uri: [doc.whole(fixed.text)]})))
    return out


@session_hook
def quick_fixes(ls: LanguageServer, core: Core) -> None:
    options = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                         types.CodeActionKind.SourceFixAll])

    @ls.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    async def on_code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        path = uri_path(uri)
        if path is None:
            return None
        doc = ls.workspace.get_text_document(uri)
        try:
            source = doc.source
        except OSError:
            return None
        only = [str(k) for k in params.context.only] if params.context.only else None
        return await core.loop.run_in_executor(core.pool, code_actions, path, uri, source,
                                               doc.position_codec.client_num_units, list(params.context.diagnostics),
                                               only)
