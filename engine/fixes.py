"""Mechanical fixes: the problems whose fix needs no judgement (a header line, an empty
line, decimal commas, a stray separator, a misspelt key with one close match, a setting
that does nothing for the project's type).

The editor's quick fixes and `nanoforge check --fix` both come from here, so the two
never disagree, and each fix uses the same reading of a line as the check that reported
it (signalfile), so a fixed line re-checks clean of that problem. Pure: text in, text
out; writing files is the caller's business. A line no fix applies to is kept as it is
(and still reported), so fixing never loses a value.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .signalfile import (
    _DECIMAL_COMMA_RE,
    _NONFINITE_RE,
    _NUM_RE,
    _is_header,
    _line_re,
    _tokens,
    detect_separator,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

SIGNAL_CODES = ("NF101", "NF103", "NF104", "NF110", "NF115")
PROJECT_CODES = ("NF301", "NF308")
FIXABLE = SIGNAL_CODES + PROJECT_CODES
_MAX_PASSES = 5
_MEANT = re.compile(r"did you mean '([^']+)'\?")
_OTHER_THAN_COMMA = re.compile(r" *[;\t] *| +")
_COMMA = re.compile(r" *, *")


@dataclass(frozen=True)
class Fix:
    """One line's fix: its new text (without the end of line), or None to delete the line."""

    code: str
    line: int
    """1-based, in the text the fix was computed on."""
    title: str
    new_text: str | None


@dataclass(frozen=True)
class Fixed:
    text: str
    fixes: list[Fix]
    """Every fix applied, pass after pass (a later pass's line numbers are in its own text)."""


# ---------------------------------------------------------------- one line


def separator(text: str) -> str:
    """The separator a signal file's checks read it with."""
    head = text[: 1 << 16].split("\n")
    if len(text) > 1 << 16 and len(head) > 1:
        head = head[:-1]  # cut at the limit: the last line is partial (as the checks read it)
    return detect_separator(head)[0]


def _sep_name(sep: str) -> str:
    return "tab" if sep == "\t" else f"'{sep}'"


def _is_mixed(tok: str, sep: str) -> bool:
    """What the check reports as NF103: numbers joined by a separator other than the file's."""
    others = [c for c in (",", ";", "\t", " ") if c != sep and c in tok]
    return bool(others) and all(_NUM_RE.fullmatch(p.strip()) for p in re.split(r"[,;\t ]+", tok) if p.strip())


def _kind(tok: str, sep: str) -> str | None:
    """The code the check gives a token, for the codes a fix exists for (in the check's order)."""
    if tok == "" or _NUM_RE.fullmatch(tok) or _NONFINITE_RE.fullmatch(tok):
        return None
    if sep != "," and _DECIMAL_COMMA_RE.fullmatch(tok):
        return "NF104"
    return "NF103" if _is_mixed(tok, sep) else None


def _unmix(tok: str, sep: str) -> str:
    """Numbers joined by other separators, joined by `sep` instead. Where a comma sits
    between digits next to another separator ("1,5 2,25" in a ';' file), it is a decimal
    comma, not a separator: reading it as one would change the values."""
    parts = _OTHER_THAN_COMMA.split(tok)
    out = []
    for part in parts:
        if len(parts) > 1 and sep != "," and _DECIMAL_COMMA_RE.fullmatch(part):
            out.append(part.replace(",", "."))
        else:
            out.append(_COMMA.sub(sep, part))
    return sep.join(out)


def _retokenize(line: str, sep: str, code: str) -> str:
    out = line
    for start, end, tok in reversed(_tokens(line, sep)):
        if _kind(tok, sep) != code:
            continue
        new = tok.replace(",", ".") if code == "NF104" else _unmix(tok, sep)
        out = out[:start] + new + out[end:]
    return out


def _strip_trailing(line: str, sep: str) -> str:
    body = line.rstrip("\r")
    cr = line[len(body):]
    vals = [t for _, _, t in _tokens(body, sep)]
    last = max((i for i, t in enumerate(vals) if t), default=-1)
    if sep == " " or last < 0 or last == len(vals) - 1 or "" in vals[:last]:
        return line  # nothing trailing, or a value missing in the middle: a person must decide
    return body.rstrip(sep + " ") + cr


def signal_fix(code: str, lineno: int, line: str, sep: str) -> Fix | None:
    """The fix of a `code` problem on line `lineno` (its text without the end of line) of a
    signal file read with separator `sep`; None when the line has no such mechanical fix."""
    if lineno == 1 and line.startswith("\ufeff"):  # a byte-order mark: the checks read past it, so do fixes
        fix = signal_fix(code, lineno, line[1:], sep)
        if fix is None or fix.new_text is None:
            return fix
        return Fix(fix.code, fix.line, fix.title, "\ufeff" + fix.new_text)
    if code == "NF110":
        return Fix(code, lineno, "Delete the empty line", None) if not line.strip(" \r\t") else None
    if code == "NF101":
        return Fix(code, lineno, "Delete the header line", None) if lineno == 1 and _is_header(line, sep) else None
    if code in ("NF103", "NF104"):
        new = _retokenize(line, sep, code)
        title = ("Use decimal points on this line" if code == "NF104"
                 else f"Use {_sep_name(sep)} as the only separator on this line")
        return Fix(code, lineno, title, new) if new != line else None
    if code == "NF115":
        new = _strip_trailing(line, sep)
        return Fix(code, lineno, "Remove the extra separators at the end of the line", new) if new != line else None
    return None


def _only_key_removed(text: str, lineno: int, key: str) -> bool:
    """Whether `text` without line `lineno` reads as `text` without top-level `key`: the
    line is the setting and nothing else (not a line inside a multi-line string the
    check's positions took for it)."""
    lines, end = _split(text)
    try:
        before = tomllib.loads(text)
        after = tomllib.loads("\n".join(lines[: lineno - 1] + lines[lineno:]) + end)
    except tomllib.TOMLDecodeError:
        return False
    return key in before and after == {k: v for k, v in before.items() if k != key}


def project_fix(code: str, lineno: int, line: str, column: int, end_column: int, hint: str,
                text: str | None = None) -> Fix | None:
    """nanoforge.toml: an unknown key renamed to the one close match the check suggests;
    a setting that does nothing for the type removed, when its line in `text` (the
    whole file: without it, no removal) holds it alone."""
    if code == "NF308":
        # the diagnostic spans the key itself; one that fell back to a table's line spans
        # its first character only, and that line is not the setting's
        key = line[column - 1:end_column - 1] if column == 1 and end_column > column + 1 else ""
        alone = (text is not None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) is not None
                 and _only_key_removed(text, lineno, key))
        return Fix(code, lineno, "Remove the line", None) if alone else None
    m = _MEANT.search(hint)
    if code != "NF301" or m is None or not (1 <= column < end_column <= len(line) + 1):
        return None
    return Fix(code, lineno, f"Rename to '{m[1]}'", line[: column - 1] + m[1] + line[end_column - 1:])


def fix_for(d: Diagnostic, line: str, sep: str, text: str | None = None) -> Fix | None:
    """The fix of one reported problem, `line` being the text of its line (`text`: the
    whole file, which a project fix that removes a line checks against)."""
    if d.code in PROJECT_CODES:
        return project_fix(d.code, d.line, line, d.column, d.end_column if d.end_line == d.line else 0, d.hint,
                           text)
    return signal_fix(d.code, d.line, line, sep)


# ---------------------------------------------------------------- whole files


def _split(text: str) -> tuple[list[str], str]:
    """Lines without their "\\n" (a "\\r" stays with its line), and the final end of line."""
    if text.endswith("\n"):
        return text[:-1].split("\n"), "\n"
    return (text.split("\n") if text else []), ""


def apply(text: str, fixes: list[Fix]) -> str:
    """`text` with `fixes` (computed on it, at most one per line) applied."""
    lines, end = _split(text)
    by_line = {f.line: f for f in fixes}
    out = [by_line[i + 1].new_text if i + 1 in by_line else ln for i, ln in enumerate(lines)]
    kept = [ln for ln in out if ln is not None]
    return "\n".join(kept) + (end if kept else "")


def _signal_pass(text: str) -> list[Fix]:
    sep = separator(text)
    strict = _line_re(sep)
    lines, _ = _split(text)
    fixes = []
    for i, line in enumerate(lines):
        if strict.fullmatch(line):
            continue
        current = line
        done: list[Fix] = []
        for code in ("NF110", "NF101", "NF104", "NF103", "NF115"):
            f = signal_fix(code, i + 1, current, sep)
            if f is None:
                continue
            done.append(f)
            if f.new_text is None:
                break
            current = f.new_text
        if done:
            last = done[-1]
            codes = "+".join(f.code for f in done)
            fixes.append(Fix(codes, i + 1, "; ".join(f.title for f in done), last.new_text))
    return fixes


def fix_signal_text(text: str) -> Fixed:
    """Every mechanical fix of a signal file, repeated until nothing changes (deleting a
    first empty line can reveal a header, which then is line 1): fixing twice is fixing once."""
    applied: list[Fix] = []
    if "\x00" in text:  # binary, or UTF-16: not lines of numbers, nothing to rewrite (the checks say NF100)
        return Fixed(text, applied)
    for _ in range(_MAX_PASSES):
        fixes = _signal_pass(text)
        if not fixes:
            break
        text = apply(text, fixes)
        applied += fixes
    return Fixed(text, applied)


def fix_project_text(text: str, diagnostics: list[Diagnostic]) -> Fixed:
    """nanoforge.toml with every unknown key that has one close match renamed."""
    lines, _ = _split(text)
    fixes: dict[int, Fix] = {}
    for d in diagnostics:
        if d.code in PROJECT_CODES and 1 <= d.line <= len(lines) and d.line not in fixes:
            f = fix_for(d, lines[d.line - 1], ",", text)
            if f is not None:
                fixes[d.line] = f
    return Fixed(apply(text, list(fixes.values())), list(fixes.values()))


def counts(fixes: list[Fix]) -> dict[str, int]:
    """How many lines each code's fix changed."""
    out: dict[str, int] = {}
    for f in fixes:
        for code in f.code.split("+"):
            out[code] = out.get(code, 0) + 1
    return out

