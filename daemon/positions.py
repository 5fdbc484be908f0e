"""Columns as the editor counts them.

nanoforge's diagnostics count columns in characters (code points), as the CLI prints
them; LSP counts in the code units of the encoding the client and server agreed on,
UTF-16 unless told otherwise, where a character outside the Basic Multilingual Plane
(an emoji) is two units. Only lines holding such characters differ, so only their text
is kept, and only when a diagnostic points into them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from lsprotocol import types

from nanoforge.engine.diagnostics import Diagnostic
from nanoforge.engine.signalfile import read_regular

_NON_BMP_LEAD = re.compile(rb"[\xf0-\xf4]")  # the first byte of every 4-byte UTF-8 sequence


def wide_lines(path: str | Path, text: bytes | None, diags: list[Diagnostic]) -> dict[int, str]:
    """1-based line → its text, for the lines the diagnostics point into that hold a
    character outside the BMP. Lines split at "\\n" as the checks number them; a file
    that cannot be read again (gone, special, too big) keeps character columns."""
    if not diags:
        return {}
    if text is None:
        try:
            text = read_regular(Path(path))
        except (OSError, ValueError):
            return {}
    if not _NON_BMP_LEAD.search(text):
        return {}
    lines = text.decode("utf-8", "replace").split("\n")
    wanted = {n for d in diags for n in (d.line, d.end_line)}
    return {n: lines[n - 1].rstrip("\r") for n in wanted
            if 0 < n <= len(lines) and any(ord(c) > 0xFFFF for c in lines[n - 1])}


def client_range(d: Diagnostic, lines: Mapping[int, str], units: Callable[[str], int]) -> types.Range:
    """The diagnostic's range in the client's units (0-based, end exclusive)."""

    def char(line: int, column: int) -> int:
        text = lines.get(line)
        if text is None:
            return column - 1
        return units(text[: column - 1]) + max(0, column - 1 - len(text))  # past the end: as many as asked

    return types.Range(start=types.Position(line=d.line - 1, character=char(d.line, d.column)),
                       end=types.Position(line=d.end_line - 1, character=char(d.end_line, d.end_column)))


def server_column(line: str, character: int, units: Callable[[str], int]) -> int:
    """The 1-based character column of a position the client sent in its units."""
    count = 0
    for i, c in enumerate(line):
        if count >= character:
            return i + 1
        count += units(c)
    return len(line) + 1 + max(0, character - count)
