"""The project file, `nanoforge.toml`: reading it with positions, validating, writing.

Every problem is a Diagnostic on the line of the offending key, never a traceback: the
project file is edited by hand, in the same editor that shows our diagnostics.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from . import targets, types
from .atomic import write_atomic
from .checks import Layout
from .diagnostics import Diagnostic, make

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT_FILE = "nanoforge.toml"
SIGNAL_SUFFIXES = (".csv", ".txt")

_TOP_KEYS = {"type", "sensor", "axes", "variables", "buffer", "sampling_hz", "max_ram", "max_flash", "target",
             "seed", "filter", "deploy", "signals", "name", "cluster", "api",
             "clock_hz", "max_latency_ms", "backstop"}
# A Dask scheduler's address: the benchmark's evaluations run there (nanoforge[cluster]).
CLUSTER_ADDRESS = re.compile(r"^(tcp|tls|ws|wss)://[^\s/]+:\d{1,5}$")
_FILTER_KEYS = {"enabled", "low_hz", "high_hz", "order"}
_DEPLOY_KEYS = {"dir", "cflags"}
APIS = ("v4", "v5")  # the NanoEdge AI Library API generations a library can be deployed with
_SIGNAL_KEYS = {"class", "file", "nominal", "abnormal"}


@dataclass(frozen=True)
class BandPass:
    enabled: bool = False
    low_hz: float = 0.0
    high_hz: float = 0.0
    order: int = 4


@dataclass(frozen=True)
class SignalEntry:
    """One [[signals]] table. Which fields are set depends on the project type."""

    index: int
    cls: str | None = None
    file: str | None = None
    nominal: str | None = None
    abnormal: str | None = None

    def files(self) -> list[tuple[str, str]]:
        """(role, relative path) pairs; role is the class name, 'nominal', 'abnormal' or 'data'."""
        out = []
        if self.file:
            out.append((self.cls or "data", self.file))
        if self.nominal:
            out.append(("nominal", self.nominal))
        if self.abnormal:
            out.append(("abnormal", self.abnormal))
        return out


@dataclass(frozen=True)
class Project:
    root: Path
    type: str = types.DEFAULT
    sensor: str = "generic"
    axes: int = 1
    buffer: int | None = None
    sampling_hz: float = 1000.0
    max_ram: int = 16384
    max_flash: int = 65536
    target: str = "cortex-m4"
    clock_hz: float = 80e6  # the core's clock, for milliseconds per call (codegen/timing.py)
    max_latency_ms: float | None = None  # an inference call's budget on the target core, at clock_hz
    seed: int = 0
    filter: BandPass = field(default_factory=BandPass)
    deploy_dir: str | None = None
    deploy_cflags: str = ""
    api: str = "v4"
    signals: tuple[SignalEntry, ...] = ()
    name: str = ""
    cluster: str | None = None
    backstop: bool = True  # 1-class: the raw-buffer backstop in the library (engine/types/oneclass.py)

    @property
    def file(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def kind(self) -> types.ProjectType:
        return types.get(self.type)

    @property
    def layout(self) -> Layout:
        kind = "multi" if self.sensor == "multi" else ("targets" if self.kind.targets_first else "buffer")
        return Layout(kind=kind, axes=self.axes, buffer=None if kind == "multi" else self.buffer,
                      max_ram=self.max_ram)

    def signal_files(self) -> list[tuple[str, Path]]:
        """(role, path): paths as a user reads them, without `..` detours (symlinks are left alone)."""
        return [(role, Path(os.path.normpath(self.root / rel))) for e in self.signals for role, rel in e.files()]


# ---------------------------------------------------------------- positions


@dataclass
class _Pos:
    line: int
    key_col: int
    key_end: int
    val_col: int
    val_end: int


def _positions(text: str) -> tuple[dict[tuple[str, int, str], _Pos], dict[tuple[str, int], int]]:
    """Where each key sits: tomllib parses but forgets positions, and our project files
    are simple enough (tables, arrays of tables, scalars) for a line scanner."""
    keys: dict[tuple[str, int, str], _Pos] = {}
    tables: dict[tuple[str, int], int] = {}
    table, index = "", 0
    counts: dict[str, int] = {}
    for i, raw in enumerate(text.splitlines()):
        ln = i + 1
        m = re.match(r"\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]", raw)
        if m:
            table = m.group(1)
            index = counts.get(table, 0)
            counts[table] = index + 1
            tables[(table, index)] = ln
            continue
        m = re.match(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]", raw)
        if m:
            table, index = m.group(1), 0
            tables[(table, 0)] = ln
            continue
        m = re.match(r"(\s*)([A-Za-z0-9_-]+|\"[^\"]*\")(\s*)=(\s*)(.*)$", raw)
        if m:
            key = m.group(2).strip('"')
            kc = len(m.group(1)) + 1
            vc = m.end(4) + 1
            val = m.group(5)
            if val.startswith(('"', "'")):
                q = val[0]
                close = val.find(q, 1)
                vlen = len(val) if close < 0 else close + 1
            else:
                vlen = len(val.split("#", 1)[0].rstrip())
            keys[(table, index, key)] = _Pos(ln, kc, kc + len(m.group(2)), vc, vc + max(vlen, 1))
    return keys, tables


# ---------------------------------------------------------------- validation


class _V:
    """Collects diagnostics positioned on the key or value they are about."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.keys, self.tables = _positions(text)
        self.out: list[Diagnostic] = []

    def at_value(self, table: str, index: int, key: str, code: str, msg: str, hint: str) -> None:
        p = self.keys.get((table, index, key))
        if p:
            self.out.append(make(self.path, code, msg, hint, p.line, p.val_col, p.val_end))
        else:
            self.at_table(table, index, code, msg, hint)

    def at_key(self, table: str, index: int, key: str, code: str, msg: str, hint: str) -> None:
        p = self.keys.get((table, index, key))
        if p:
            self.out.append(make(self.path, code, msg, hint, p.line, p.key_col, p.key_end))
        else:
            self.at_table(table, index, code, msg, hint)

    def at_table(self, table: str, index: int, code: str, msg: str, hint: str) -> None:
        ln = self.tables.get((table, index), 1)
        self.out.append(make(self.path, code, msg, hint, ln, 1, 2))


def _suggest(word: str, choices: set[str] | tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else "known keys: " + ", ".join(sorted(choices))


def _int(v: _V, table: str, key: str, value: Any, lo: int, hi: int, index: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        v.at_value(table, index, key, "NF302", f"{key} must be a whole number, not {value!r}",
                   f"write e.g. {key} = {lo if lo > 1 else 1}")
        return None
    if not lo <= value <= hi:
        v.at_value(table, index, key, "NF302", f"{key} = {value} is outside {lo}…{hi}",
                   f"choose {key} between {lo} and {hi}")
        return None
    return value


def _float(v: _V, table: str, key: str, value: Any, lo: float, index: int = 0) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        v.at_value(table, index, key, "NF302", f"{key} must be a number, not {value!r}", f"write e.g. {key} = 100.0")
        return None
    if not value >= lo:
        v.at_value(table, index, key, "NF302", f"{key} = {value} must be at least {lo}", f"choose {key} ≥ {lo}")
        return None
    return float(value)


def load(root: str | Path, text: str | None = None) -> tuple[Project | None, list[Diagnostic]]:
    """Reads and validates a project. Returns the project when it is usable (possibly with
    diagnostics that do not prevent use) and every diagnostic found."""
    root = Path(root)
    path = root / PROJECT_FILE
    label = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            why = (e.strerror or "unreadable").lower() if isinstance(e, OSError) else "it is not UTF-8 text"
            return None, [make(label, "NF300", f"cannot read {PROJECT_FILE}: {why}",
                               "create it with `nanoforge new DIR --type ncc`")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"at line (\d+), column (\d+)", str(e))
        ln, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        return None, [make(label, "NF300", f"TOML syntax error: {msg}",
                           "fix the syntax: key = value, strings in double quotes", ln, col, col + 1)]
    v = _V(label, text)
    for key in data:
        if key not in _TOP_KEYS:
            v.at_key("", 0, key, "NF301", f"unknown key '{key}'", _suggest(key, _TOP_KEYS))

    kw: dict[str, Any] = {}
    ptype = data.get("type")
    known = types.names()
    if ptype is None:
        others = ", ".join(f'"{n}"' for n in known if n != types.DEFAULT)
        v.out.append(make(label, "NF303", "the project has no type",
                          f'add a first line: type = "{types.DEFAULT}" (or {others})', 1, 1, 2))
        ptype = types.DEFAULT
    elif ptype not in known:
        v.at_value("", 0, "type", "NF302", f"type {ptype!r} is not one of {', '.join(known)}",
                   _suggest(str(ptype), known) if isinstance(ptype, str) else f'write type = "{types.DEFAULT}"')
        ptype = types.DEFAULT
    kw["type"] = ptype
    kind = types.get(ptype)

    sensor = data.get("sensor", "generic")
    if sensor not in ("generic", "multi"):
        v.at_value("", 0, "sensor", "NF302", f"sensor {sensor!r} is not 'generic' or 'multi'",
                   'write sensor = "generic" (buffers) or "multi" (one sample per line)')
        sensor = "generic"
    elif sensor not in kind.sensors:
        v.at_value("", 0, "sensor", "NF302", f"multi-sensor projects are {_multi_types()} only",
                   f'set type = "{_multi_names()[0]}" or sensor = "generic"')
        sensor = "generic"
    kw["sensor"] = sensor

    if sensor == "multi":
        if "axes" in data and "variables" not in data:
            v.at_key("", 0, "axes", "NF302", "a multi-sensor project counts variables, not axes",
                     "rename axes to variables")
        n = data.get("variables", data.get("axes"))
        if n is None:
            v.out.append(make(label, "NF303", "missing 'variables'", "add variables = N (values per line)", 1, 1, 2))
        elif (n := _int(v, "", "variables" if "variables" in data else "axes", n, 1, 1024)) is not None:
            kw["axes"] = n
    else:
        if "variables" in data:
            v.at_key("", 0, "variables", "NF302", "'variables' is for multi-sensor projects",
                     'use axes = N, or set sensor = "multi"')
        if "axes" in data and (n := _int(v, "", "axes", data["axes"], 1, 64)) is not None:
            kw["axes"] = n
        if "buffer" in data and (n := _int(v, "", "buffer", data["buffer"], 1, 16384)) is not None:
            kw["buffer"] = n
    if "sampling_hz" in data and (f := _float(v, "", "sampling_hz", data["sampling_hz"], 1e-6)) is not None:
        kw["sampling_hz"] = f
    for key in ("max_ram", "max_flash"):
        if key in data and (n := _int(v, "", key, data[key], 256, 1 << 30)) is not None:
            kw[key] = n
    if "clock_hz" in data and (f := _float(v, "", "clock_hz", data["clock_hz"], 1e3)) is not None:
        kw["clock_hz"] = f
    if "max_latency_ms" in data and (f := _float(v, "", "max_latency_ms", data["max_latency_ms"], 1e-6)) is not None:
        kw["max_latency_ms"] = f
    if "seed" in data and (n := _int(v, "", "seed", data["seed"], 0, 2**32 - 1)) is not None:
        kw["seed"] = n
    if "backstop" in data:
        if not isinstance(data["backstop"], bool):
            v.at_value("", 0, "backstop", "NF302", f"backstop must be true or false, not {data['backstop']!r}",
                       "write backstop = false (no raw-buffer backstop in the library) or remove the line")
        elif not kind.backstops and data.get("type") in known:  # no NF308 about a type the file does not name
            v.at_key("", 0, "backstop", "NF308", f"backstop does nothing in this project (type = \"{kind.name}\")",
                     "remove the line (only 1-class libraries carry a backstop)")
        else:
            kw["backstop"] = data["backstop"]
    if "name" in data:
        kw["name"] = str(data["name"])
    if "cluster" in data:
        c = data["cluster"]
        if not isinstance(c, str) or not CLUSTER_ADDRESS.match(c):
            v.at_value("", 0, "cluster", "NF302", f"cluster {c!r} is not a Dask scheduler's address",
                       'write cluster = "tcp://HOST:8786" (the address `dask scheduler` prints)')
        else:
            kw["cluster"] = c
    if "target" in data:
        t = data["target"]
        if not isinstance(t, str) or targets.resolve(t) is None:
            v.at_value("", 0, "target", "NF302", f"unknown target {t!r}",
                       _suggest(str(t).lower(), targets.known_names()) if isinstance(t, str)
                       else 'write target = "cortex-m4"')
        else:
            kw["target"] = t

    if "api" in data:
        if data["api"] in APIS:
            kw["api"] = data["api"]
        else:
            v.at_value("", 0, "api", "NF302", f"api {data['api']!r} is not one of {', '.join(APIS)}",
                       'write api = "v4" (NanoEdge AI Studio 4.x) or api = "v5" (5.x)')
    kw["filter"] = _filter(v, data.get("filter"), kw.get("sampling_hz", 1000.0))
    dep = data.get("deploy")
    if dep is not None:
        if not isinstance(dep, dict):
            v.at_value("", 0, "deploy", "NF302", "deploy must be a table", 'write [deploy] then dir = "…"')
        else:
            for key in dep:
                if key not in _DEPLOY_KEYS:
                    v.at_key("deploy", 0, key, "NF301", f"unknown key '{key}' in [deploy]", _suggest(key, _DEPLOY_KEYS))
            if "dir" in dep:
                if isinstance(dep["dir"], str) and dep["dir"].strip():
                    named = Path(dep["dir"]).expanduser()
                    why = deploy_dir_problem(named if named.is_absolute() else root / named)
                    if why is None:
                        kw["deploy_dir"] = dep["dir"]
                    else:
                        v.at_value("deploy", 0, "dir", "NF307", why,
                                   'choose the firmware project\'s own folder, e.g. dir = "../firmware/nanoforge"')
                else:
                    v.at_value("deploy", 0, "dir", "NF302", "deploy dir must be a folder path",
                               'write dir = "../firmware/nanoforge"')
            if "cflags" in dep:
                if isinstance(dep["cflags"], str):
                    kw["deploy_cflags"] = dep["cflags"]
                else:
                    v.at_value("deploy", 0, "cflags", "NF302", "deploy cflags must be a string",
                               'write cflags = "-mfloat-abi=softfp -fshort-enums"')

    kw["signals"] = tuple(_signals(v, root, kind, data.get("signals", [])))
    project = Project(root=root, **kw)
    return project, v.out


def _filter(v: _V, f: Any, hz: float) -> BandPass:
    if f is None:
        return BandPass()
    if not isinstance(f, dict):
        v.at_value("", 0, "filter", "NF302", "filter must be a table", "write [filter] then enabled, low_hz, high_hz")
        return BandPass()
    for key in f:
        if key not in _FILTER_KEYS:
            v.at_key("filter", 0, key, "NF301", f"unknown key '{key}' in [filter]", _suggest(key, _FILTER_KEYS))
    enabled = f.get("enabled", True)
    if not isinstance(enabled, bool):
        v.at_value("filter", 0, "enabled", "NF302", "enabled must be true or false", "write enabled = true")
        enabled = False
    lo = _float(v, "filter", "low_hz", f.get("low_hz", 0.0), 0.0) or 0.0
    hi = _float(v, "filter", "high_hz", f.get("high_hz", hz / 2), 0.0) or hz / 2
    order = f.get("order", 4)
    order = _int(v, "filter", "order", order, 1, 8) or 4
    nyq = hz / 2
    if enabled:
        if hi > nyq:
            v.at_value("filter", 0, "high_hz", "NF302", f"high_hz {hi:g} is above the Nyquist frequency {nyq:g} Hz",
                       f"choose high_hz ≤ {nyq:g} (half of sampling_hz)")
            hi = nyq
        if lo >= hi:
            v.at_value("filter", 0, "low_hz", "NF302", f"low_hz {lo:g} must be below high_hz {hi:g}",
                       "lower low_hz or raise high_hz")
            enabled = False
    return BandPass(enabled=enabled, low_hz=lo, high_hz=hi, order=order)


def _multi_names() -> list[str]:
    return [t.name for t in types.all_types() if "multi" in t.sensors]


def _multi_types() -> str:
    return " or ".join(t.title for t in types.all_types() if "multi" in t.sensors)


def _signals(v: _V, root: Path, kind: types.ProjectType, entries: Any) -> list[SignalEntry]:
    if not isinstance(entries, list):
        first = " and ".join(f'{k} = "…"' for k in kind.roles[:2])
        v.at_value("", 0, "signals", "NF302", "signals must be an array of tables",
                   f"write [[signals]] then {first}")
        return []
    out: list[SignalEntry] = []
    allowed = set(kind.roles)
    valid: list[dict[str, str]] = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            first = " and ".join(f'{k} = "…"' for k in kind.roles[:2])
            v.at_value("", 0, "signals", "NF302", f"signals entry {i + 1} is {e!r}, not a table",
                       f"write each entry as [[signals]] then {first}")
            continue
        bad = False
        for key in e:
            if key not in _SIGNAL_KEYS:
                v.at_key("signals", i, key, "NF301", f"unknown key '{key}' in [[signals]]", _suggest(key, _SIGNAL_KEYS))
                bad = True
            elif key not in allowed:
                v.at_key("signals", i, key, "NF305",
                         f"'{key}' does not belong in a {kind.title} project",
                         "use " + " and ".join(f"'{k}'" for k in sorted(allowed)))
                bad = True
            elif not isinstance(e[key], str) or not e[key].strip():
                v.at_value("signals", i, key, "NF302", f"{key} must be a non-empty string", f'write {key} = "…"')
                bad = True
        if bad:
            continue
        problem = kind.entry_problem(e, valid)
        if problem is not None:
            if problem.key is None:
                v.at_table("signals", i, "NF303", problem.message, problem.hint)
            else:
                v.at_value("signals", i, problem.key, "NF302", problem.message, problem.hint)
            continue
        valid.append(e)
        entry = SignalEntry(index=i, cls=e.get("class"), file=e.get("file"), nominal=e.get("nominal"),
                            abnormal=e.get("abnormal"))
        escapes = False
        for role in ("file", "nominal", "abnormal"):
            rel = e.get(role)
            if not rel:
                continue
            where = signal_path_problem(root, rel)
            if where is not None:
                code, message, hint = where
                v.at_value("signals", i, role, code, message, hint)
                if code == "NF307":
                    escapes = True
                    continue
            if not (root / rel).is_file():
                v.at_value("signals", i, role, "NF304", f"signal file not found: {rel}",
                           "check the path; it is relative to the project folder")
        if not escapes:  # never read
            out.append(entry)
    listed = kind.entries_problem(len(out))
    if listed is not None:
        index, problem = listed
        v.at_table("signals", index, "NF305", problem.message, problem.hint)
    return out


def _inside(p: Path, folder: Path) -> bool:
    return p == folder or folder in p.parents


def signal_path_problem(root: Path, rel: str) -> tuple[str, str, str] | None:
    """(code, message, hint) when a signal path in nanoforge.toml reaches out of the
    project. A relative path is the project's own file, so one that climbs out through
    `..` is refused (NF307: a project copied or shared must not read whatever lies two
    folders up, such as /etc/shadow); an absolute path says the user means a file
    elsewhere, which is read, with a warning (NF306), as is a link inside the project
    that leads out of it."""
    named = Path(rel)
    if not named.is_absolute() and not _inside(Path(os.path.normpath(root / named)), Path(os.path.normpath(root))):
        return ("NF307", f"'{rel}' leaves the project folder through '..'; nanoforge does not read it",
                "move the file into the project folder (e.g. signals/), or name it by its absolute path "
                "if it really lives elsewhere")
    try:
        real, real_root = (root / named).resolve(), root.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not _inside(real, real_root):
        how = "is" if named.is_absolute() else "is a link to"
        return ("NF306", f"'{rel}' {how} a file outside the project folder ({real}); nanoforge reads it",
                "copy it into the project folder (e.g. signals/) so the project holds its own data")
    return None


_SYSTEM_TREES = ("/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/boot", "/dev",
                 "/proc", "/sys", "/run")
"""Folders no firmware tree lives in: nanoforge never writes in or under them."""
_SHARED_ROOTS = ("/", "/home", "/root", "/var", "/opt", "/srv", "/mnt", "/media", "/tmp")
"""Folders whose own files are not a firmware tree's (their subfolders may be)."""


def deploy_dir_problem(p: Path) -> str | None:
    """Why the library must not be written into folder `p` (resolved: a link to /etc is
    /etc); None when it may. Deploy writes NanoEdgeAI.h, libneai.a and friends and
    replaces older copies: in / or /etc, or in the home folder itself, that is never
    what the user meant."""
    real = p.resolve()
    if any(_inside(real, Path(t)) for t in _SYSTEM_TREES):
        return f"{p} is a system folder; nanoforge does not write there"
    if real in {Path(t) for t in _SHARED_ROOTS} or real == Path.home().resolve():
        return f"{p} is {'your home folder' if real == Path.home().resolve() else 'a top-level folder'}, not a firmware folder"
    return None


# ---------------------------------------------------------------- writing


def find_root(path: str | Path) -> Path | None:
    """The project folder that holds `path` (the nearest nanoforge.toml above it)."""
    p = Path(path).resolve()
    for d in [p, *p.parents] if p.is_dir() else list(p.parents):
        if (d / PROJECT_FILE).is_file():
            return d
    return None


def new_project(
    root: str | Path,
    type: str,
    axes: int = 1,
    buffer: int = 256,
    sampling_hz: float = 1000.0,
    max_ram: int | None = None,
    max_flash: int | None = None,
    target: str = "cortex-m4",
    sensor: str = "generic",
    seed: int = 0,
) -> Path:
    """Writes a commented nanoforge.toml; refuses to overwrite an existing project."""
    root = Path(root)
    if type not in types.names():
        raise ValueError(f"type must be one of {', '.join(types.names())}, not {type!r}")
    kind = types.get(type)
    if sensor not in ("generic", "multi"):
        raise ValueError(f"sensor must be 'generic' or 'multi', not {sensor!r}")
    if sensor not in kind.sensors:
        raise ValueError(f"multi-sensor projects are {_multi_types()} only (--type {_multi_names()[0]})")
    # The bounds `load` enforces, so that a new project is never one its own check rejects.
    for name, value, lo, hi in (("axes", axes, 1, 1024 if sensor == "multi" else 64), ("buffer", buffer, 1, 16384),
                                ("max_ram", max_ram, 256, 1 << 30), ("max_flash", max_flash, 256, 1 << 30),
                                ("seed", seed, 0, 2**32 - 1)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi):
            raise ValueError(f"{name} must be a whole number from {lo} to {hi}, not {value!r}")
    if isinstance(sampling_hz, bool) or not isinstance(sampling_hz, (int, float)) or not sampling_hz > 0:
        raise ValueError(f"sampling_hz must be a number of Hz above 0, not {sampling_hz!r}")
    resolved = targets.resolve(target)
    if resolved is None:
        raise ValueError(f"unknown target {target!r}; {_suggest(target.lower(), targets.known_names())}")
    _, mcu = resolved
    if max_ram is None:
        max_ram = min(mcu.ram // 4, 32 * 1024) if mcu else 16 * 1024
    if max_flash is None:
        max_flash = min(mcu.flash // 4, 128 * 1024) if mcu and mcu.flash else 64 * 1024
    path = root / PROJECT_FILE
    if path.exists():
        raise FileExistsError(f"{path} already exists; edit it or choose another folder")
    root.mkdir(parents=True, exist_ok=True)
    (root / "signals").mkdir(exist_ok=True)
    shape = (f"variables = {axes}           # values per line: one sample of every variable" if sensor == "multi"
             else f"axes = {axes}                # values interleaved x0 y0 z0 x1 …\n"
                  f"buffer = {buffer}             # samples per axis in one signal")
    text = f"""# nanoforge project — {kind.title}
type = "{type}"             # {" | ".join(types.names())}
sensor = "{sensor}"         # generic | multi (multi: {_multi_types()} only)
{shape}
sampling_hz = {float(sampling_hz)!r}
max_ram = {max_ram}           # bytes the library may use
max_flash = {max_flash}         # bytes
target = "{target}"
seed = {seed}

[filter]                    # band-pass applied to every signal of the project
enabled = false
low_hz = 0.0
high_hz = {float(sampling_hz) / 2!r}

[deploy]
dir = "firmware/nanoforge"  # where `nanoforge deploy` writes the library

# Signal files are added with `nanoforge signals add`.
"""
    write_atomic(path, text)
    return path


def add_signals(
    root: str | Path,
    cls: str | None = None,
    file: str | Path | None = None,
    nominal: str | Path | None = None,
    abnormal: str | Path | None = None,
) -> Path:
    """Adds (or replaces) a signals entry, keeping the user's comments and layout."""
    root = Path(root).resolve()
    path = root / PROJECT_FILE
    project, diags = load(root)
    if project is None:
        raise ValueError(diags[0].message if diags else f"{path} cannot be read")
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))

    def rel(f: str | Path) -> str:
        p = Path(f).resolve()
        if not p.is_file():
            raise FileNotFoundError(f"{f}: no such file")
        if p.suffix.lower() not in SIGNAL_SUFFIXES:
            raise ValueError(f"{f}: signal files are .csv or .txt")
        try:
            return p.relative_to(root).as_posix()
        except ValueError:  # a file elsewhere is named in full: relative paths stay inside the project
            return p.as_posix()

    kind = project.kind
    entry = kind.entry(cls, None if file is None else str(file), None if nominal is None else str(nominal),
                       None if abnormal is None else str(abnormal))
    entry = {k: (val if k == "class" else rel(val)) for k, val in entry.items()}

    arr = doc.get("signals")
    if arr is None:
        arr = tomlkit.aot()
        doc["signals"] = arr
    replace = None
    for i, e in enumerate(arr):
        if kind.replaces(e, entry):
            replace = i
            break
    table = tomlkit.table()
    for k, val in entry.items():
        table[k] = val
    if replace is None:
        arr.append(table)
    else:
        arr[replace] = table
    write_atomic(path, tomlkit.dumps(doc))
    return path

