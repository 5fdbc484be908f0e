"""emulate's parameters, as the RPC passes them ({"file", "targets", "learn", "detect",
"sensitivity"}), checked with the messages users see whatever the project type."""

from __future__ import annotations

from typing import Any


def learn_detect(params: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    """The learn and detect files, or None when neither is given."""
    learn, detect = params.get("learn"), params.get("detect")
    if learn is None and detect is None:
        return None
    if not (isinstance(learn, list) and learn and all(isinstance(f, str) for f in learn)):
        raise ValueError("'learn' must list one or more nominal files")
    if not (isinstance(detect, list) and all(isinstance(f, str) for f in detect)):
        raise ValueError("'detect' must list files")
    return learn, detect


def file_and_targets(params: dict[str, Any]) -> tuple[str, str | None]:
    file = params.get("file")
    if not isinstance(file, str):
        raise ValueError("missing parameter 'file'")
    targets = params.get("targets")
    if targets is not None and not isinstance(targets, str):
        raise ValueError("'targets' must be a file path")
    return file, targets or None


def one_file(spec: dict[str, Any], params: dict[str, Any]) -> str:
    """The file of a type that reads one file without targets."""
    if learn_detect(params) is not None:
        raise ValueError(f"library {spec.get('library')} is not anomaly detection; use --file")
    file, targets = file_and_targets(params)
    if targets:
        raise ValueError("--targets is for extrapolation libraries")
    return file
