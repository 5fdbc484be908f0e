"""One record for every problem nanoforge reports, whatever its source.

Signal-file checks and project-file validation both produce `Diagnostic`s so that the
daemon can publish them to editors and the CLI can print them without knowing which
check found them. Positions are 1-based, columns count characters, and the end column
is exclusive, as linters print them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "information"]

# The stable catalogue: codes never change meaning once released, so that users can
# grep logs and silence codes. NF1xx blocking signal checks, NF2xx optional signal
# checks, NF3xx project-file problems.
CODES: dict[str, tuple[Severity, str]] = {
    "NF100": ("error", "file cannot be read as text"),
    "NF101": ("error", "header line"),
    "NF102": ("error", "non-numeric value"),
    "NF103": ("error", "mixed separators"),
    "NF104": ("error", "decimal comma"),
    "NF105": ("error", "inconsistent number of values"),
    "NF106": ("error", "NaN or infinite value"),
    "NF107": ("error", "too few lines"),
    "NF108": ("error", "too many values on a line"),
    "NF109": ("error", "too many lines"),
    "NF110": ("error", "empty line"),
    "NF111": ("error", "empty file"),
    "NF112": ("error", "values per line do not match the axes"),
    "NF113": ("error", "signal does not fit in max RAM"),
    "NF114": ("error", "file too large"),
    "NF115": ("error", "empty value"),
    "NF201": ("warning", "buffer length is not a power of two"),
    "NF202": ("warning", "duplicate signal"),
    "NF203": ("warning", "constant signal"),
    "NF204": ("warning", "equal consecutive values"),
    "NF205": ("warning", "random-looking signals"),
    "NF206": ("warning", "outlier signal"),
    "NF207": ("warning", "clipping"),
    "NF208": ("warning", "fewer signals than recommended"),
    "NF209": ("warning", "signal leaves little RAM for the library"),
    "NF300": ("error", "project file syntax error"),
    "NF301": ("error", "unknown key"),
    "NF302": ("error", "invalid value"),
    "NF303": ("error", "missing key"),
    "NF304": ("error", "signal file not found"),
    "NF305": ("error", "signal entry does not fit the project type"),
    "NF306": ("warning", "signal file outside the project folder"),
    "NF307": ("error", "path that leaves the project folder or writes into a system folder"),
    "NF308": ("warning", "setting that does nothing for the project type"),
}


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Severity
    code: str
    message: str
    hint: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def make(
    path: str,
    code: str,
    message: str,
    hint: str,
    line: int = 1,
    column: int = 1,
    end_column: int | None = None,
    end_line: int | None = None,
) -> Diagnostic:
    """Severity comes from the catalogue so that no call site can contradict it."""
    severity = CODES[code][0]
    return Diagnostic(
        path=path,
        line=line,
        column=column,
        end_line=line if end_line is None else end_line,
        end_column=(column + 1) if end_column is None else max(end_column, column),
        severity=severity,
        code=code,
        message=message,
        hint=hint,
    )
