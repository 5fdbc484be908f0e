"""An editor's view: `nanoforge daemon --stdio`, as VS Code starts it, relaying to the
shared daemon; diagnostics arrive on open and when a file changes on disk."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import nanoforge, smooth_rows

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "nanoforge.cli", "daemon", "--stdio"],
                            server_env=dict(os.environ))


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
    yield
    await lsp_client.shutdown_session()


async def wait_diagnostics(client: LanguageClient, uri: str, ok: Callable[[list[types.Diagnostic]], bool],
                           timeout: float = 20.0) -> list[types.Diagnostic]:
    async def loop() -> list[types.Diagnostic]:
        while True:
            got = client.diagnostics.get(uri)
            if got is not None and ok(list(got)):
                return list(got)
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(loop(), timeout)


def make_project(root: Path) -> Path:
    (root / "signals").mkdir(parents=True, exist_ok=True)
    rows = smooth_rows()
    good = "\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n"
    (root / "signals" / "a.csv").write_text(good)
    (root / "signals" / "b.csv").write_text(good.replace("\n", "\n", 1))
    (root / "nanoforge.toml").write_text(
        'type = "ncc"\naxes = 1\nbuffer = 64\n\n[[signals]]\nclass = "a"\nfile = "signals/a.csv"\n\n'
        '[[signals]]\nclass = "b"\nfile = "signals/b.csv"\n')
    return root / "signals" / "a.csv"


async def test_broken_file_gets_diagnostics_on_open(client: LanguageClient, tmp_path: Path) -> None:
    sig = make_project(tmp_path / "proj")
    text = sig.read_text().replace(",", ";", 1)
    uri = sig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1, text=text)))
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "NF103" for d in ds))
    d = next(d for d in diags if d.code == "NF103")
    assert d.range.start.line == 0 and d.severity == types.DiagnosticSeverity.Error
    assert "fix:" in d.message


async def test_change_on_disk_updates_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    sig = make_project(tmp_path / "proj")
    uri = sig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1, text=sig.read_text())))
    await wait_diagnostics(client, uri, lambda ds: ds == [])
    lines = sig.read_text().splitlines()
    lines[4] = "abc," + lines[4]
    sig.write_text("\n".join(lines) + "\n")  # outside the editor
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "NF102" for d in ds))
    assert next(d for d in diags if d.code == "NF102").range.start.line == 4
    sig.write_text("\n".join(lines[:4] + lines[5:]) + "\n")
    await wait_diagnostics(client, uri, lambda ds: ds == [])


async def test_project_file_problems_are_published(client: LanguageClient, tmp_path: Path) -> None:
    sig = make_project(tmp_path / "proj")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=sig.as_uri(), language_id="csv", version=1, text=sig.read_text())))
    await wait_diagnostics(client, sig.as_uri(), lambda ds: ds == [])
    toml = tmp_path / "proj" / "nanoforge.toml"
    toml.write_text(toml.read_text().replace("axes = 1", "axes = 0"))  # outside the editor
    diags = await wait_diagnostics(client, toml.as_uri(), lambda ds: any(d.code == "NF302" for d in ds))
    assert next(d for d in diags if d.code == "NF302").range.start.line == 1


async def test_one_daemon_serves_the_cli_while_the_editor_is_connected(client: LanguageClient,
                                                                       tmp_path: Path) -> None:
    status = await asyncio.to_thread(nanoforge, "daemon", "status", "--json")
    st = json.loads(status.stdout)
    assert st["sessions"] >= 2  # this editor session and the CLI's own
    sig = make_project(tmp_path / "proj")
    r = await asyncio.to_thread(nanoforge, "check", str(sig))
    assert r.returncode == 0
    again = json.loads((await asyncio.to_thread(nanoforge, "daemon", "status", "--json")).stdout)
    assert again["pid"] == st["pid"]
    assert str((tmp_path / "proj").resolve()) in again["projects"]


@pytest.mark.parametrize("garbage", [b"\x00\xff\xfe", b"1,2\n3;4,,\nnan\n" * 3, b"", "é,ü\n".encode()])
async def test_garbage_documents_do_not_break_the_daemon(client: LanguageClient, tmp_path: Path,
                                                         garbage: bytes) -> None:
    sig = make_project(tmp_path / "proj")
    uri = sig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1,
                                             text=garbage.decode("utf-8", "replace"))))
    diags = await wait_diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert all(d.severity == types.DiagnosticSeverity.Error for d in diags if d.code in ("NF100", "NF111"))
    r = await asyncio.to_thread(nanoforge, "daemon", "status", "--json")
    assert json.loads(r.stdout)["running"]


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """What an editor does with a WorkspaceEdit's text edits (ASCII: characters are UTF-16 units)."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a = starts[e.range.start.line] + e.range.start.character
        b = starts[e.range.end.line] + e.range.end.character
        text = text[:a] + e.new_text + text[b:]
    return text


async def code_actions(client: LanguageClient, uri: str, diags: list[types.Diagnostic],
                       only: list[str] | None = None) -> list[types.CodeAction]:
    got = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=diags, only=only)))
    return [a for a in got or [] if isinstance(a, types.CodeAction)]


async def test_quick_fixes_are_code_actions_served_by_the_daemon(client: LanguageClient, tmp_path: Path) -> None:
    sig = make_project(tmp_path / "proj")
    lines = sig.read_text().splitlines()
    lines[3] = lines[3].replace(",", ";", 1)  # mixed separators
    broken = "\n".join(["time,x", *lines[:5], "", *lines[5:]]) + "\n"  # a header, an empty line
    uri = sig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1, text=broken)))
    diags = await wait_diagnostics(client, uri, lambda ds: {"NF101", "NF103", "NF110"} <= {d.code for d in ds})
    actions = await code_actions(client, uri, diags)
    by_title = {a.title: a for a in actions}
    assert {"Delete the header line", "Delete the empty line", "Use ',' as the only separator on this line",
            "Fix every mechanical problem in this file"} <= set(by_title)
    header = by_title["Delete the header line"]
    assert header.kind == types.CodeActionKind.QuickFix and header.diagnostics[0].code == "NF101"
    assert apply_edits(broken, header.edit.changes[uri]) == broken.split("\n", 1)[1]
    fixed = apply_edits(broken, by_title["Fix every mechanical problem in this file"].edit.changes[uri])
    assert fixed == "\n".join(lines[:3] + [lines[3].replace(";", ",")] + lines[4:]) + "\n"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    await wait_diagnostics(client, uri, lambda ds: ds == [])
    on_save = await code_actions(client, uri, [], only=[types.CodeActionKind.SourceFixAll])
    assert on_save == []  # nothing left to fix


async def test_a_misspelt_project_key_is_renamed_by_a_code_action(client: LanguageClient, tmp_path: Path) -> None:
    make_project(tmp_path / "proj")
    toml = tmp_path / "proj" / "nanoforge.toml"
    text = toml.read_text().replace("buffer = 64", "bufer = 64")
    uri = toml.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1, text=text)))
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "NF301" for d in ds))
    actions = await code_actions(client, uri, [d for d in diags if d.code == "NF301"])
    assert [a.title for a in actions] == ["Rename to 'buffer'"]
    assert "buffer = 64" in apply_edits(text, actions[0].edit.changes[uri])


def _emoji_signals(root: Path) -> tuple[Path, str]:
    """A signal file whose line 5 has an emoji before the bad token 'abc' (columns 15–18
    in characters, 16–19 in UTF-16 code units)."""
    sig = make_project(root)
    lines = sig.read_text().splitlines()
    lines[4] = "0.1,0.2 😀,0.3,abc"
    return sig, "\n".join(lines) + "\n"


def _abc(diags: list[types.Diagnostic]) -> types.Range | None:
    return next((d.range for d in diags if d.code == "NF102" and d.range.start.line == 4
                 and d.range.start.character > 10), None)


async def test_columns_after_an_emoji_are_utf16_code_units(client: LanguageClient, tmp_path: Path) -> None:
    """The client negotiated nothing, so positions are UTF-16: the emoji counts two (it
    counted one, and the squiggle sat one column left of the error)."""
    sig, text = _emoji_signals(tmp_path / "proj")
    uri = sig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1, text=text)))
    diags = await wait_diagnostics(client, uri, lambda ds: _abc(ds) is not None)
    r = _abc(diags)
    assert r is not None and (r.start.character, r.end.character) == (15, 18)
    assert text.splitlines()[4].encode("utf-16-le")[2 * r.start.character:2 * r.end.character].decode("utf-16-le") == "abc"
    # the same file changed on disk (not the editor's buffer): read back, same units
    other = sig.with_name("b.csv")
    other.write_text(text)
    ouri = other.as_uri()
    diags = await wait_diagnostics(client, ouri, lambda ds: _abc(ds) is not None)
    r = _abc(diags)
    assert r is not None and (r.start.character, r.end.character) == (15, 18)


@pytest_lsp.fixture(config=SERVER)
async def client32(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf32])),
        root_uri=tmp_path.as_uri(), workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
    yield
    await lsp_client.shutdown_session()


async def test_columns_are_characters_when_utf32_is_negotiated(client32: LanguageClient, tmp_path: Path) -> None:
    sig, text = _emoji_signals(tmp_path / "proj")
    uri = sig.as_uri()
    client32.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="csv", version=1, text=text)))
    r = _abc(await wait_diagnostics(client32, uri, lambda ds: _abc(ds) is not None))
    assert r is not None and (r.start.character, r.end.character) == (14, 17)
