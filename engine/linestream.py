"""Checking a datalogger's lines as they arrive, with the signal-file rules.

A serial stream is not a file: it starts mid-line when the port opens during a
transmission, boards print banners after a reset, a loose contact injects garbage, and a
pulled cable ends it mid-line. So a line is accepted only when it is complete (ends
with a newline), reads as numbers with one separator (the grammar of
`signalfile._line_re`) and has the expected width; everything else is skipped and
counted by reason, never written. Without a known width, two consecutive numeric lines
of the same width fix it: the first line of a stream is the likeliest to be cut.

Buffered mode: each accepted line is one signal, written as received (without its CR).
Continuous mode: each accepted line is one sample of `axes` values; samples are joined
into signals of `buffer` samples per axis, consecutive signals sharing `overlap` samples.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .signalfile import _line_re

SEPARATORS = (",", ";", "\t", " ")
REASONS = ("partial", "banner", "garbage", "width")
MAX_LINE_BYTES = 1 << 20  # a "line" longer than this is noise on the wire, not a signal
_LETTERS = re.compile(r"[A-Za-z]")
_PATTERNS = {sep: _line_re(sep) for sep in SEPARATORS}


@dataclass
class LineStream:
    axes: int = 1
    buffer: int | None = None
    """Samples per axis of a signal: the width a buffered line must have, or the signal
    length continuous samples are cut into. None in buffered mode: learnt from the stream."""
    continuous: bool = False
    overlap: int = 0
    separator: str | None = None
    accepted: int = 0
    """Lines accepted (signals in buffered mode, samples in continuous mode)."""
    skipped: Counter[str] = field(default_factory=Counter)
    _rest: bytes = b""
    _pending: list[str] | None = None
    _samples: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.axes < 1:
            raise ValueError("axes must be a whole number ≥ 1")
        if self.continuous and not self.buffer:
            raise ValueError("continuous mode needs a buffer length (--buffer N)")
        if self.buffer is not None and not 0 <= self.overlap < self.buffer:
            raise ValueError(f"overlap must be at least 0 and less than the buffer length ({self.buffer})")

    @property
    def width(self) -> int | None:
        if self.continuous:
            return self.axes
        return None if self.buffer is None else self.axes * self.buffer

    def feed(self, data: bytes) -> list[str]:
        """The signal lines (without newline) that `data` completes, in order."""
        out: list[str] = []
        chunks = (self._rest + data).split(b"\n")
        self._rest = chunks.pop()
        if len(self._rest) > MAX_LINE_BYTES:
            self.skipped["garbage"] += 1
            self._rest = b""
        for raw in chunks:
            out += self._line(raw)
        return out

    def close(self) -> None:
        """The stream ended: an unterminated last line is partial, a lone unconfirmed
        first line and an unfinished continuous buffer are dropped."""
        if self._rest.strip(b"\r \t\0"):
            self.skipped["partial"] += 1
        self._rest = b""
        if self._pending is not None:
            self.skipped["partial"] += 1
            self._pending = None

    def _line(self, raw: bytes) -> list[str]:
        try:
            text = raw.decode("ascii").rstrip("\r")
        except UnicodeDecodeError:
            self.skipped["garbage"] += 1
            return []
        if not text.strip(" \t\0"):
            return []
        sep, tokens = self._tokens(text)
        if tokens is None:
            self.skipped["banner" if _LETTERS.search(text) and text.isprintable() else "garbage"] += 1
            return []
        width = self.width
        if width is None:  # buffered, width not known yet: two lines of the same width fix it
            if self._pending is None or len(self._pending) != len(tokens):
                if self._pending is not None:
                    self.skipped["partial"] += 1
                self._pending = tokens
                return []
            self.buffer = len(tokens) // self.axes if len(tokens) % self.axes == 0 else None
            if self.buffer is None:
                self.skipped["width"] += 2
                self._pending = None
                return []
            first, self._pending = self._pending, None
            self.accepted += 2
            self._keep(sep, tokens)
            return [self.sep.join(first), self.sep.join(tokens)]
        if len(tokens) != width:
            self.skipped["partial" if self.accepted == 0 and len(tokens) < width else "width"] += 1
            return []
        self.accepted += 1
        self._keep(sep, tokens)
        if not self.continuous:
            return [self.sep.join(tokens)]
        self._samples.append(tokens)
        if len(self._samples) < (self.buffer or 0):
            return []
        line = self.sep.join(v for s in self._samples for v in s)
        self._samples = self._samples[len(self._samples) - self.overlap :] if self.overlap else []
        return [line]

    @property
    def sep(self) -> str:
        return self.separator or ","

    def _keep(self, sep: str, tokens: list[str]) -> None:
        """The first accepted line of several values fixes the stream's separator (a
        lone number, maybe a cut line, says nothing about it)."""
        if self.separator is None and len(tokens) > 1:
            self.separator = sep

    def _tokens(self, text: str) -> tuple[str, list[str] | None]:
        """The separator and values of a line that follows the signal-file grammar."""
        for sep in (self.separator,) if self.separator else SEPARATORS:
            if _PATTERNS[sep].fullmatch(text):
                parts = text.split() if sep == " " else [t.strip() for t in text.split(sep)]
                return sep, [t for t in parts if t]
        return ",", None

    def counts(self) -> dict[str, int]:
        return {r: self.skipped.get(r, 0) for r in REASONS}
