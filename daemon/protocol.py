"""The client/daemon protocol: every `nanoforge/*` request, its params and its result, and
every notification, declared once.

The daemon validates params against these declarations (a missing or mistyped
parameter is an invalid-params error that names it), the JSON Schema export documents
them for any client, and the VS Code extension's TypeScript types are generated from
them (`python -m nanoforge.daemon.protocol --typescript`), so the three cannot drift.

Conventions: optional params are `NotRequired[X | None]` (clients send null for "not
given"); result keys that only some project types have are `NotRequired`. This module
imports nothing that computes, so clients may import it.

To add a method: declare its params and result TypedDicts here, add the method to
REQUESTS, write the handler `async def f(core: Core, params: P) -> R` with
`@handler("nanoforge/…")` in a module of daemon/handlers/ (imported by its __init__), and
regenerate clients/vscode/src/protocol.ts (a test fails until it is). A notification:
declare it in NOTIFICATIONS and send it with `registry.notify`.
"""

import argparse
import functools
import json
import sys
import types as pytypes
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

if sys.version_info >= (3, 11):
    from typing import NotRequired, TypedDict, is_typeddict
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired, TypedDict, is_typeddict

# ---------------------------------------------------------------- shared shapes


class Empty(TypedDict):
    """No parameters."""


class PathResult(TypedDict):
    path: str


class ProjectParams(TypedDict):
    project: str
    """A project folder, or any path inside one."""


class DiagnosticInfo(TypedDict):
    """One problem in a file; positions are 1-based, the end column exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: Literal["error", "warning", "information"]
    code: str
    """A stable code such as NF104; never changes meaning once released."""
    message: str
    hint: str
    """How to fix it, in words."""


# ---------------------------------------------------------------- checks and signals


class CheckParams(TypedDict):
    path: str
    """A signal file, a nanoforge.toml, or a project folder (every file it names)."""
    axes: NotRequired[int | None]
    """Axes per signal; default: the project's, else 1."""


class CheckResult(TypedDict):
    diagnostics: list[DiagnosticInfo]


class FixParams(TypedDict):
    path: str
    """A signal file, a nanoforge.toml, or a project folder (its nanoforge.toml and every file it names)."""
    axes: NotRequired[int | None]
    out_dir: NotRequired[str | None]
    """Folder for the fixed copies; default: beside the originals."""
    in_place: NotRequired[bool | None]
    """Replace the originals (atomically) instead of writing NAME_fixed copies."""


class FixedFile(TypedDict):
    source: str
    path: str
    """The file written: a new NAME_fixed copy, or the source itself when fixed in place."""
    fixes: dict[str, int]
    """Per code, how many lines its fix changed."""


class FixResult(TypedDict):
    files: list[FixedFile]
    """Only files that had something to fix."""
    diagnostics: list[DiagnosticInfo]
    """What is left to fix by hand, in the written files (and the untouched ones)."""


class SignalsAddParams(TypedDict):
    dir: str
    class_name: NotRequired[str | None]
    """n-class: the class the file holds."""
    file: NotRequired[str | None]
    """n-class: the class's file; extrapolation: the training file."""
    nominal: NotRequired[str | None]
    abnormal: NotRequired[str | None]


class SummaryParams(TypedDict):
    path: str
    axes: NotRequired[int | None]


class OverallStats(TypedDict):
    mean: float
    min: float
    max: float
    std: float


class Spectrum(TypedDict):
    freq_hz: list[float]
    magnitude: list[float]


class AxisStats(TypedDict):
    """One axis: per-sample statistics over the signals, the whole-axis ones, the mean spectrum."""

    axis: int
    mean: list[float]
    min: list[float]
    max: list[float]
    std: list[float]
    overall: OverallStats
    fft: Spectrum
    peaks_hz: list[float]


class SignalSummary(TypedDict):
    path: str
    signals: int
    buffer: int
    axes: int
    sampling_hz: float
    raw: list[AxisStats]
    filtered: NotRequired[list[AxisStats]]
    """Present when the project's band-pass filter is enabled."""


# ---------------------------------------------------------------- projects


class ProjectNewParams(TypedDict):
    dir: str
    type: str
    """A project type's name, as `nanoforge/types` lists them."""
    axes: NotRequired[int | None]
    buffer: NotRequired[int | None]
    sampling_hz: NotRequired[float | None]
    max_ram: NotRequired[int | None]
    max_flash: NotRequired[int | None]
    target: NotRequired[str | None]
    sensor: NotRequired[str | None]
    seed: NotRequired[int | None]


class ProjectTypeInfo(TypedDict):
    name: str
    """What `type` says in nanoforge.toml and `nanoforge new --type` takes."""
    title: str
    roles: list[str]
    """Keys of a [[signals]] table: class and file, nominal and abnormal, or file."""
    sensors: list[str]
    """generic, and multi where the type takes one sample per line."""
    main_metric: str
    usage: str
    """How `nanoforge signals add` is called for this type."""
    targets_first: bool
    """Each line of a training file is the target value, then the buffer."""
    learns_on_device: bool
    """The library learns on the device: emulation learns files, then detects others."""


class TypeList(TypedDict):
    types: list[ProjectTypeInfo]


class ProjectInfoParams(TypedDict):
    dir: str
    """The project folder or any path inside it."""


class SignalFileInfo(TypedDict):
    role: str
    """The class name, or nominal / abnormal / training."""
    path: str
    exists: bool
    lines: int | None
    columns: int | None


class ProjectInfo(TypedDict):
    root: str
    valid: bool
    """False when nanoforge.toml has errors; then only root, errors and signals are set."""
    errors: int
    signals: list[SignalFileInfo]
    type: NotRequired[str]
    type_name: NotRequired[str]
    axes: NotRequired[int]
    buffer: NotRequired[int]
    sampling_hz: NotRequired[float]
    target: NotRequired[str]


# ---------------------------------------------------------------- data


class DataParams(TypedDict):
    action: Literal["extract", "remove-columns", "reshape", "shuffle", "concat"]
    path: NotRequired[str | None]
    """The source file (every action but concat)."""
    paths: NotRequired[list[str] | None]
    """concat: the files to join, in order."""
    lines: NotRequired[str | None]
    """extract: e.g. "1-100,150"."""
    columns: NotRequired[str | int | None]
    """remove-columns: e.g. "3,10-20" (1-based); reshape: values per line."""
    seed: NotRequired[int | None]
    out_dir: NotRequired[str | None]
    """Folder for the result; default: beside the source."""


class DataResult(TypedDict):
    path: str
    """The new file; sources are never changed."""
    note: str | None


# ---------------------------------------------------------------- benchmarks


class Metrics(TypedDict):
    """A library's scores on the worst evaluation split; which ones depends on the project type."""

    balanced_accuracy: NotRequired[float]
    """n-class, 1-class, anomaly detection."""
    nominal_recall: NotRequired[float]
    detection: NotRequired[float]
    r2: NotRequired[float]
    """Extrapolation, with rmse and smape."""
    rmse: NotRequired[float]
    smape: NotRequired[float]
    min_learn: NotRequired[int]
    """Anomaly detection: learn calls the library needs before detecting."""


class BestLibrary(Metrics):
    """The best library a benchmark found so far."""

    library: str
    score: float
    ram: int
    flash: int
    found_at_s: NotRequired[float]
    pipeline: NotRequired[list[str]]
    model: NotRequired[str]
    ci95: NotRequired[list[float] | None]
    warning: NotRequired[str]
    """Extrapolation: the signals hardly predict the target."""


class BenchStatus(TypedDict):
    """One benchmark; also the payload of the `nanoforge/bench/progress` notification."""

    project: str
    id: str
    state: str
    """starting, running, paused, finished, stopped, interrupted, failed (or unknown)."""
    elapsed_s: float
    time_budget_s: float | None
    cores: int | None
    seed: int | None
    candidates_evaluated: int
    candidates_total: int | None
    best: BestLibrary | None
    history: list[tuple[float, float, str]]
    """[seconds, score, library] each time the best changed."""
    error: str | None
    updated: float | None


class BenchStartParams(TypedDict):
    project: str
    time_budget: NotRequired[float | None]
    """Seconds; default 300."""
    cores: NotRequired[int | None]
    """Worker processes; default: one per core of the daemon's machine."""
    seed: NotRequired[int | None]


class BenchControlParams(TypedDict):
    project: str
    action: Literal["pause", "resume", "stop"]


class BenchList(TypedDict):
    benchmarks: list[BenchStatus]


class CandidatesParams(TypedDict):
    project: str
    limit: NotRequired[int | None]


class Candidate(Metrics):
    library: str
    score: float
    state: str
    """full, or pruned (stopped early by the racing)."""
    ram: int
    flash: int
    pipeline: list[str]
    model: str
    ci95: list[float] | None


class Candidates(TypedDict):
    id: str
    """The benchmark these candidates come from (the latest)."""
    main_metric: str
    """The metric the project type ranks by (balanced_accuracy, r2, …): the column to show."""
    candidates: list[Candidate]


class LibraryParams(TypedDict):
    project: str
    library: NotRequired[str | None]
    """Default: the best of the latest benchmark."""


class PlotPoint(TypedDict):
    x: float
    y: float
    kind: Literal["nominal", "abnormal", "synthetic"]
    outlier: bool
    """The library's own decision, which the 2-D boundary only approximates."""
    synthetic: NotRequired[str]


class PlotGrid(TypedDict):
    size: int
    x: list[float]
    y: list[float]
    outlier: list[list[int]]
    """size × size, row = y (growing upwards), 1 outside the boundary."""


class PlotResult(TypedDict):
    library: str
    explained_variance: list[float]
    points: list[PlotPoint]
    grid: PlotGrid
    threshold: float


# ---------------------------------------------------------------- emulator


class EmulateParams(TypedDict):
    """Either `file` (n-class, 1-class, extrapolation) or `learn` and `detect` (anomaly detection)."""

    project: str
    library: NotRequired[str | None]
    file: NotRequired[str | None]
    targets: NotRequired[str | None]
    """Extrapolation: the true values, one per line, for R², RMSE and SMAPE."""
    learn: NotRequired[list[str] | None]
    detect: NotRequired[list[str] | None]
    sensitivity: NotRequired[float | None]


class ClassifyLine(TypedDict):
    line: int
    class_: str
    class_id: int
    probabilities: list[float]


class ClassifySummary(TypedDict):
    signals: int
    per_class: dict[str, int]
    mean_certainty: float | None


class ClassifyResult(TypedDict):
    library: str
    file: str
    results: list[ClassifyLine]
    summary: ClassifySummary


class DetectLine(TypedDict):
    file: str
    line: int
    similarity: int
    status: Literal["nominal", "anomaly"]


class DetectSummary(TypedDict):
    learned: int
    minimum_learn_calls: int
    learning_done: bool
    signals: int
    nominal: int
    anomalies: int
    mean_similarity: float | None
    sensitivity: float


class DetectResult(TypedDict):
    library: str
    results: list[DetectLine]
    summary: DetectSummary


class ExtrapolateLine(TypedDict):
    line: int
    value: float


class ExtrapolateSummary(TypedDict):
    signals: int
    mean: float | None
    r2: NotRequired[float]
    rmse: NotRequired[float]
    smape: NotRequired[float]


class ExtrapolateResult(TypedDict):
    library: str
    file: str
    results: list[ExtrapolateLine]
    summary: ExtrapolateSummary


class OneClassLine(TypedDict):
    line: int
    outlier: bool
    score: float


class OneClassSummary(TypedDict):
    signals: int
    outliers: int
    nominal: int
    outlier_rate: float | None
    threshold: float


class OneClassResult(TypedDict):
    library: str
    file: str
    results: list[OneClassLine]
    summary: OneClassSummary


EmulateResult = Union[ClassifyResult, DetectResult, ExtrapolateResult, OneClassResult]  # noqa: UP007

# ---------------------------------------------------------------- deploy


class DeployParams(TypedDict):
    project: str
    library: NotRequired[str | None]
    target: NotRequired[str | None]
    """A core (cortex-m4, …) or an MCU name; default: the project's."""
    dir: NotRequired[str | None]
    """Default: the project's [deploy] dir."""
    suffix: NotRequired[str | None]
    force: NotRequired[bool | None]
    """Replace files nanoforge did not write."""
    source: NotRequired[bool | None]
    """Also write the library's C source (neai.c), for firmware that builds it itself."""


class MeasuredFootprint(TypedDict):
    flash: int
    flash_code: int
    flash_knowledge: int
    ram: int
    ram_static: int
    stack: int


class EstimatedFootprint(TypedDict):
    flash: int
    ram: int


class Footprint(TypedDict):
    estimated: EstimatedFootprint
    measured: MeasuredFootprint | None


class DeployResult(TypedDict):
    dir: str
    files: list[str]
    neai_id: str | None
    target: str | None
    footprint: Footprint | None


# ---------------------------------------------------------------- the daemon


class DaemonStatus(TypedDict):
    pid: int
    version: str
    build: str
    """Identifies the installed code; a client of another build restarts the daemon."""
    started: float
    sessions: int
    projects: list[str]
    idle_timeout_s: float


class Stopping(TypedDict):
    stopping: bool


# ---------------------------------------------------------------- the methods

REQUESTS: dict[str, tuple[Any, Any]] = {
    "nanoforge/check": (CheckParams, CheckResult),
    "nanoforge/fix": (FixParams, FixResult),
    "nanoforge/signals/add": (SignalsAddParams, PathResult),
    "nanoforge/signals/summary": (SummaryParams, SignalSummary),
    "nanoforge/project/new": (ProjectNewParams, PathResult),
    "nanoforge/project/info": (ProjectInfoParams, ProjectInfo),
    "nanoforge/types": (Empty, TypeList),
    "nanoforge/data": (DataParams, DataResult),
    "nanoforge/bench/start": (BenchStartParams, BenchStatus),
    "nanoforge/bench/status": (ProjectParams, BenchStatus),
    "nanoforge/bench/list": (ProjectParams, BenchList),
    "nanoforge/bench/control": (BenchControlParams, BenchStatus),
    "nanoforge/bench/candidates": (CandidatesParams, Candidates),
    "nanoforge/bench/plot": (LibraryParams, PlotResult),
    "nanoforge/emulate": (EmulateParams, EmulateResult),
    "nanoforge/deploy": (DeployParams, DeployResult),
    "nanoforge/daemon/status": (Empty, DaemonStatus),
    "nanoforge/daemon/stop": (Empty, Stopping),
}
"""Method → (params, result)."""

NOTIFICATIONS: dict[str, Any] = {
    "nanoforge/bench/progress": BenchStatus,
}
"""Method → params, daemon to client."""

# ---------------------------------------------------------------- reading the declarations


def key_name(field: str) -> str:
    """Python cannot name a field `class`; the declarations say `class_`."""
    return field[:-1] if field.endswith("_") else field


@functools.cache
def fields(td: Any) -> tuple[tuple[str, Any, bool, str | None], ...]:
    """(wire name, type, required, doc) of a TypedDict's keys, in declaration order; read
    once per TypedDict (every request's params are checked with it)."""
    hints = get_type_hints(td, include_extras=True)
    docs = _field_docs(td)
    out = []
    for name, tp in hints.items():
        required = get_origin(tp) is not NotRequired
        if not required:
            tp = get_args(tp)[0]
        out.append((key_name(name), tp, required, docs.get(name)))
    return tuple(out)


def _field_docs(td: Any) -> dict[str, str]:
    """The string literal under a field is its documentation (as for dataclasses in IDEs)."""
    import ast
    import inspect
    import textwrap

    docs: dict[str, str] = {}
    for cls in _lineage(td):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for a, b in zip(body, body[1:], strict=False):
            if (isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and isinstance(b, ast.Expr)
                    and isinstance(b.value, ast.Constant) and isinstance(b.value.value, str)):
                docs[a.target.id] = b.value.value
    return docs


def _lineage(td: Any) -> list[Any]:
    """A TypedDict and the TypedDicts it extends, bases first. Python 3.11 keeps no trace of
    a TypedDict's bases, so they are read from its source."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(td)))
    except (OSError, TypeError):
        return [td]
    names = [b.id for b in tree.body[0].bases if isinstance(b, ast.Name)] if isinstance(tree.body[0], ast.ClassDef) else []
    module = vars(sys.modules[td.__module__])
    out: list[Any] = []
    for base in (module.get(n) for n in names):
        if base is not None and is_typeddict(base):
            out += [b for b in _lineage(base) if b not in out]
    return [*out, td]


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) in (Union, pytypes.UnionType):
        return get_args(tp)
    return None


# ---------------------------------------------------------------- validation


def _describe(tp: Any) -> str:
    if tp is str:
        return "a string"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is type(None):
        return "null"
    if (args := _union_args(tp)) is not None:
        return " or ".join(_describe(a) for a in args)
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if get_origin(tp) in (list, tuple):
        return "a list"
    return "an object"


def conforms(tp: Any, value: Any) -> bool:
    """Whether a JSON value has the declared type (TypedDicts: required keys present, known keys typed)."""
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if (args := _union_args(tp)) is not None:
        return any(conforms(a, value) for a in args)
    origin = get_origin(tp)
    if origin is Literal:
        return value in get_args(tp)
    if origin is list:
        (item,) = get_args(tp)
        return isinstance(value, list) and all(conforms(item, v) for v in value)
    if origin is tuple:
        items = get_args(tp)
        return isinstance(value, (list, tuple)) and len(value) == len(items) and all(
            conforms(t, v) for t, v in zip(items, value, strict=True))
    if origin is dict:
        _, item = get_args(tp)
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(item, v) for k, v in value.items())
    if is_typeddict(tp):
        if not isinstance(value, dict):
            return False
        return all((name in value and conforms(t, value[name])) if req else (name not in value or conforms(t, value[name]))
                   for name, t, req, _ in fields(tp))
    raise TypeError(f"the protocol cannot declare {tp!r}")


def invalid_param(params_type: Any, params: Any) -> str | None:
    """Why `params` do not fit `params_type`, naming the parameter; None when they fit.

    A null counts as not given: clients send null for an option the user left out."""
    if not isinstance(params, dict):
        return "parameters must be an object"
    for name, tp, required, _ in fields(params_type):
        value = params.get(name)
        if value is None:
            if required:
                return f"missing parameter '{name}'"
            continue
        if not conforms(tp, value):
            return f"parameter '{name}' has the wrong type: expected {_describe(tp)}"
    return None


# ---------------------------------------------------------------- JSON Schema


def _schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Any:
        return {}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    if tp in simple:
        return {"type": simple[tp]}
    if (args := _union_args(tp)) is not None:
        return {"anyOf": [_schema(a, defs) for a in args]}
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is list:
        return {"type": "array", "items": _schema(get_args(tp)[0], defs)}
    if origin is tuple:
        items = [_schema(a, defs) for a in get_args(tp)]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(get_args(tp)[1], defs)}
    if is_typeddict(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: recursive shapes end here
            props: dict[str, Any] = {}
            for key, t, _req, doc in fields(tp):
                props[key] = {**_schema(t, defs), **({"description": doc} if doc else {})}
            d: dict[str, Any] = {"type": "object", "properties": props,
                                 "required": [k for k, _t, req, _d in fields(tp) if req]}
            if tp.__doc__ and tp.__doc__ != _TYPEDDICT_DOC:
                d["description"] = tp.__doc__.strip()
            defs[name] = d
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"the protocol cannot declare {tp!r}")


_TYPEDDICT_DOC = TypedDict("_Probe", {}).__doc__


def json_schema() -> dict[str, Any]:
    """The whole protocol as one JSON Schema document: `$defs` for the shapes, and per
    method the schema of its params and result (requests) or params (notifications)."""
    defs: dict[str, Any] = {}
    requests = {m: {"params": _schema(p, defs), "result": _schema(r, defs)} for m, (p, r) in REQUESTS.items()}
    notes = {m: {"params": _schema(p, defs)} for m, p in NOTIFICATIONS.items()}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "nanoforge client/daemon protocol",
            "requests": requests, "notifications": notes, "$defs": dict(sorted(defs.items()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nanoforge.daemon.protocol", description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--json-schema", action="store_true", help="print the protocol as JSON Schema")
    g.add_argument("--typescript", action="store_true", help="print the TypeScript declarations of the extension")
    args = ap.parse_args(argv)
    if args.json_schema:
        print(json.dumps(json_schema(), indent=1, ensure_ascii=False))
    else:
        from .tsgen import typescript

        sys.stdout.write(typescript())
    return 0


if __name__ == "__main__":
    sys.exit(main())
