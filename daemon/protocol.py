"""The client/daemon protocol: every `nanoforge/*` request, its params and its result, and
every notification, declared once.

The daemon validates params against these declarations (a missing or mistyped
parameter is an invalid-params error that names it), the JSON Schema export documents
them for any client, and the VS Code extension's TypeScript types are generated from
them (`python -m nanoforge.daemon.protocol --typescript`), so the three cannot drift.

Conventions: optional params are `NotRequired[X | None]` (clients send null for "not
given"); result keys that only some project types have are `NotRequired`. Files and
folders are absolute paths (`AbsPath`: the daemon does not share a client's working
folder); numbers carry their bounds (`Annotated[int, Range(…)]`). This module
imports nothing that computes, so clients may import it.

To add a method: declare its params and result TypedDicts here, add the method to
REQUESTS, write the handler `async def f(core: Core, params: P) -> R` with
`@handler("nanoforge/…")` in a module of daemon/handlers/ (imported by its __init__), and
regenerate clients/vscode/src/protocol.ts (a test fails until it is). A notification:
declare it in NOTIFICATIONS and send it with `registry.notify`.
"""

import argparse
import json
import sys
from typing import Annotated, Any, Literal, Union

from .typedschema import AbsolutePath, NotRequired, Pattern, Range, Text, TypedDict, json_schema_document

AbsPath = Annotated[str, AbsolutePath()]
Axes = Annotated[int, Range(1, 1024)]
"""Up to 64 for one sensor, 1024 for a multi-sensor project (engine/project.py has the per-sensor limit)."""
Seed = Annotated[int, Range(0, 2**32 - 1)]
LibraryKey = Annotated[str, Pattern("[0-9a-f]{6,40}", "a library id as `nanoforge bench candidates` lists it")]
Name = Annotated[str, Text()]

# ---------------------------------------------------------------- shared shapes


class Empty(TypedDict):
    """No parameters."""


class PathResult(TypedDict):
    path: str


class ProjectParams(TypedDict):
    project: AbsPath
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
    path: AbsPath
    """A signal file, a nanoforge.toml, or a project folder (every file it names)."""
    axes: NotRequired[Axes | None]
    """Axes per signal; default: the project's, else 1."""


class CheckResult(TypedDict):
    diagnostics: list[DiagnosticInfo]


class FixParams(TypedDict):
    path: AbsPath
    """A signal file, a nanoforge.toml, or a project folder (its nanoforge.toml and every file it names)."""
    axes: NotRequired[Axes | None]
    out_dir: NotRequired[AbsPath | None]
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
    dir: AbsPath
    class_name: NotRequired[Name | None]
    """n-class: the class the file holds."""
    file: NotRequired[AbsPath | None]
    """n-class: the class's file; extrapolation: the training file."""
    nominal: NotRequired[AbsPath | None]
    abnormal: NotRequired[AbsPath | None]


class SummaryParams(TypedDict):
    path: AbsPath
    axes: NotRequired[Axes | None]


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
    """The numbers' bounds depend on each other (axes on the sensor, budgets on the
    target): engine/project.py checks them and says which."""

    dir: AbsPath
    type: Name
    """A project type's name, as `nanoforge/types` lists them."""
    axes: NotRequired[int | None]
    buffer: NotRequired[int | None]
    sampling_hz: NotRequired[float | None]
    max_ram: NotRequired[int | None]
    max_flash: NotRequired[int | None]
    target: NotRequired[Name | None]
    sensor: NotRequired[Name | None]
    seed: NotRequired[Seed | None]


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
    validation_roles: list[str]
    """How `nanoforge validate` labels its files (n-class: class; AD: learn, nominal, abnormal; …)."""
    validation_usage: str


class TypeList(TypedDict):
    types: list[ProjectTypeInfo]


class ProjectInfoParams(TypedDict):
    dir: AbsPath
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
    path: NotRequired[AbsPath | None]
    """The source file (every action but concat)."""
    paths: NotRequired[list[AbsPath] | None]
    """concat: the files to join, in order."""
    lines: NotRequired[Annotated[str, Text(4096)] | None]
    """extract: e.g. "1-100,150"."""
    columns: NotRequired[Annotated[str, Text(4096)] | Annotated[int, Range(1, 1 << 24)] | None]
    """remove-columns: e.g. "3,10-20" (1-based); reshape: values per line."""
    seed: NotRequired[Seed | None]
    out_dir: NotRequired[AbsPath | None]
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


class SelectionOptimism(TypedDict):
    """How much the benchmark's figure for its best library should be expected to drop on
    new data (docs/selection.md, "The selection's optimism"): the choice is re-run on half
    the splits and the first one judged on the other half, over every halving."""

    metric: str
    """The project type's main metric (balanced_accuracy, r2, …)."""
    stated: float
    """The benchmark's figure for the best: the main metric's mean over the splits (R²:
    the worse pooled repeat)."""
    optimism: float
    """The expected drop on new data from choosing the best among the candidates evaluated."""
    expected: float
    """stated − optimism: what the best library is expected to do on new data like the project's."""
    drop: float
    """The mean drop seen over the halvings, before scaling to the choice on every split."""
    stable: float
    """The share of halvings whose choice is the benchmark's best (1: the same every time)."""
    saturated: bool
    """The best is perfect on every split: the splits show no luck to measure, so the
    optimism reads 0 whatever the number of signals; only new recordings can tell."""
    candidates: int
    """Fully evaluated candidates the choice was made among."""
    splits: int
    halves: int
    synthetic: NotRequired[bool]
    """The figures count synthetic faults as anomalies (1-class; anomaly detection with
    few abnormal signals): the estimate is for faults like those, and real anomalies may be
    caught more or less often; only recorded abnormal signals can tell (benchmarks before
    this field: absent)."""


class BestLibrary(Metrics):
    """The best library a benchmark found so far."""

    library: str
    score: float
    ram: int
    """Of the fitted library as it ships (1-class: its backstop included); `bench candidates`
    lists the search's figures, made before the fit, as does the state of a benchmark
    that ended before nanoforge showed the shipped ones."""
    flash: int
    """As `ram`."""
    found_at_s: NotRequired[float]
    pipeline: NotRequired[list[str]]
    model: NotRequired[str]
    ci95: NotRequired[list[float] | None]
    warning: NotRequired[str]
    """Extrapolation: the signals hardly predict the target."""
    selection: NotRequired[SelectionOptimism | None]


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
    cluster: NotRequired[str | None]
    """The Dask scheduler's address when the evaluations run on a cluster."""
    workers: NotRequired[int | None]
    """Workers evaluating now (local processes or Dask worker threads)."""
    evals_per_s_per_worker: NotRequired[float | None]
    """Evaluations per second per worker over the latest 10 s."""
    message: NotRequired[str | None]
    """Why a running benchmark is paused when nobody paused it (its cluster is unreachable)."""


class BenchStartParams(TypedDict):
    project: AbsPath
    time_budget: NotRequired[Annotated[float, Range(0, 30 * 86400, above=True)] | None]
    """Seconds; default 300."""
    cores: NotRequired[Annotated[int, Range(1, 1024)] | None]
    """Worker processes; default: one per core of the daemon's machine."""
    seed: NotRequired[Seed | None]
    cluster: NotRequired[str | None]
    """A Dask scheduler's address (tcp://HOST:PORT), or "local"; default: the project's `cluster`."""


class BenchControlParams(TypedDict):
    project: AbsPath
    action: Literal["pause", "resume", "stop"]


class BenchList(TypedDict):
    benchmarks: list[BenchStatus]


class CandidatesParams(TypedDict):
    project: AbsPath
    limit: NotRequired[Annotated[int, Range(1, 100_000)] | None]


class MeasuredSize(TypedDict):
    flash: int
    ram: int


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
    measured: NotRequired[MeasuredSize | None]
    """Flash and RAM (static + stack) measured on the project's core, once the candidate's
    library has been built (deployed or timed); the search's estimate is ram/flash."""
    cycles: NotRequired[dict[str, int] | None]
    """Cycles per call on the project's core (mean; `nanoforge timing`), once counted."""
    over_latency: NotRequired[bool]
    """Its slowest call is over max_latency_ms at clock_hz (known once its cycles are)."""
    harder: NotRequired[float]
    """For a candidate perfect on every split: its main metric's mean on the harder splits
    (half of the signals held out: of each class for n-class, of each couple's nominal
    signals for anomaly detection), which orders those candidates (docs/selection.md)."""
    harder_noisy: NotRequired[float]
    """For an n-class candidate perfect on every split: its main metric's mean on the harder
    splits with noise added to the held-out signals, which orders those candidates with
    `harder` (each bound counts half)."""


class Candidates(TypedDict):
    id: str
    """The benchmark these candidates come from (the latest)."""
    main_metric: str
    """The metric the project type ranks by (balanced_accuracy, r2, …): the column to show."""
    candidates: list[Candidate]
    selection: NotRequired[SelectionOptimism | None]
    """The selection's optimism for the benchmark's best."""
    clock_hz: NotRequired[float]
    """The project's clock_hz: a candidate's cycles / clock_hz is its time per call."""
    target: NotRequired[str]
    """The project's core, which the measured figures and cycles are for."""


class LibraryParams(TypedDict):
    project: AbsPath
    library: NotRequired[LibraryKey | None]
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


class ChartSeries(TypedDict):
    name: str
    x: list[float]
    y: list[float]
    style: str
    """points, line or cross (the wrong answers)."""


class ChartLine(TypedDict):
    y: float
    label: str


class ChartGrid(TypedDict):
    x: list[float]
    y: list[float]
    inside: list[list[float]]
    """len(y) × len(x), row = y: 1 inside the library's boundary, 0 outside."""


class Chart(TypedDict):
    """A project type's results chart (`ProjectType.report_plots`), as any renderer draws it."""

    title: str
    x_label: str
    y_label: str
    series: list[ChartSeries]
    hlines: NotRequired[list[ChartLine]]
    y_range: NotRequired[list[float]]
    diagonal: NotRequired[bool]
    """Draw y = x (estimated vs real)."""
    grid: NotRequired[ChartGrid]


class BestPoint(TypedDict):
    """The best library at the moment it became the best: the four indicators."""

    t: float
    """Seconds into the benchmark."""
    candidates: int
    """Candidates evaluated by then."""
    library: str
    score: float
    main: float | None
    """The project type's main metric (worst split)."""
    ram: int
    flash: int


class BenchCharts(TypedDict):
    id: str
    """The latest benchmark, whose evolution this is."""
    main_metric: str
    main_label: str
    library: str | None
    """The library the plots are of (default: the best so far); null before there is one."""
    evolution: list[BestPoint]
    scores: list[tuple[float, float]]
    """[seconds, score] of every fully evaluated candidate (evenly thinned to 2000)."""
    plots: list[Chart]


# ---------------------------------------------------------------- emulator


class EmulateParams(TypedDict):
    """Either `file` (n-class, 1-class, extrapolation) or `learn` and `detect` (anomaly detection)."""

    project: AbsPath
    library: NotRequired[LibraryKey | None]
    file: NotRequired[AbsPath | None]
    targets: NotRequired[AbsPath | None]
    """Extrapolation: the true values, one per line, for R², RMSE and SMAPE."""
    learn: NotRequired[list[AbsPath] | None]
    detect: NotRequired[list[AbsPath] | None]
    sensitivity: NotRequired[Annotated[float, Range(0, 100, above=True)] | None]


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

# ---------------------------------------------------------------- sampling finder


class SamplingFinderParams(TypedDict):
    paths: list[AbsPath]
    """Continuous recordings at the highest rate, one sample per line; one file per class."""
    variables: int
    hz: float
    """The rate the files were recorded at."""
    min_hz: NotRequired[float | None]
    """The lowest rate to try; default hz / 32."""
    seed: NotRequired[int | None]


class SamplingCell(TypedDict):
    hz: float
    buffer: int
    """Samples per axis."""
    duration_s: float
    score: float | None
    """Cross-validated balanced accuracy; null when the recordings are too short for it."""
    windows: int


class SamplingRecommendation(TypedDict):
    hz: float
    buffer: int
    duration_s: float
    score: float
    best_score: float
    why: str


class SamplingFinderResult(TypedDict):
    files: list[str]
    variables: int
    hz: float
    samples: list[int]
    chance: float
    seed: int
    matrix: list[SamplingCell]
    recommendation: SamplingRecommendation | None


# ---------------------------------------------------------------- serial port (datalogger)


class SerialPort(TypedDict):
    device: str
    description: str
    hwid: str


class SerialPorts(TypedDict):
    ports: list[SerialPort]


class SerialRecordParams(TypedDict):
    """Where the signals go: `out` (a new file), or `project` with `class_name`,
    `nominal` or `abnormal` (a new file in its signals/ folder, added to the project at
    the end)."""

    port: str
    baud: int
    axes: NotRequired[int | None]
    """Default: the project's, else 1."""
    buffer: NotRequired[int | None]
    """Samples per axis; buffered mode default: the project's, else learnt from the stream."""
    continuous: NotRequired[bool | None]
    """One sample per line, cut into signals of `buffer` samples per axis."""
    overlap: NotRequired[int | None]
    """Continuous mode: samples shared by consecutive signals."""
    lines: NotRequired[int | None]
    """Stop after this many signals."""
    seconds: NotRequired[float | None]
    out: NotRequired[AbsPath | None]
    project: NotRequired[AbsPath | None]
    class_name: NotRequired[str | None]
    nominal: NotRequired[bool | None]
    abnormal: NotRequired[bool | None]


class SerialEmulateParams(TypedDict):
    project: AbsPath
    library: NotRequired[LibraryKey | None]
    port: str
    baud: int
    learn: NotRequired[int | None]
    """Libraries that learn on the device: learn the first N signals, then detect."""
    lines: NotRequired[int | None]
    seconds: NotRequired[float | None]


class SerialRunParams(TypedDict):
    id: int
    since: NotRequired[int | None]
    """Results already seen (the previous status's `next`)."""


class SerialSkipped(TypedDict):
    partial: int
    banner: int
    garbage: int
    width: int


class SerialStatus(TypedDict):
    id: int
    state: Literal["running", "done", "failed"]
    port: str
    path: str | None
    """The file recorded into."""
    accepted: int
    """Lines accepted (samples in continuous mode)."""
    signals: int
    skipped: SerialSkipped
    elapsed_s: float
    rate: float
    """Accepted lines per second."""
    results: list[dict[str, Any]]
    """Live emulation: one answer per signal since `since`, as `nanoforge/emulate` gives them."""
    next: int
    error: str | None
    ended_by: Literal["lines", "seconds", "stopped", "disconnected", "orphaned"] | None


# ---------------------------------------------------------------- datalogger generator


class DataloggerBoard(TypedDict):
    name: str
    title: str
    framework: str
    """baremetal, zephyr or arduino."""
    family: str
    """Bare-metal: the MCU family of its UART driver."""
    core: str


class DataloggerBoards(TypedDict):
    boards: list[DataloggerBoard]
    sensors: list[str]


class DataloggerParams(TypedDict):
    board: str
    sensor: NotRequired[str | None]
    """accel, gyro, imu, magn (Zephyr's channels) or generic."""
    hz: float
    buffer: int
    axes: int
    continuous: NotRequired[bool | None]
    baud: NotRequired[int | None]
    """Default 115200."""
    out_dir: AbsPath
    """A new (or empty) folder."""


class DataloggerResult(TypedDict):
    dir: str
    board: str
    framework: str
    files: list[str]
    notes: list[str]
    """What the user should know: a timer rate that is not exact, a UART too slow for the data."""


# ---------------------------------------------------------------- deploy


class DeployParams(TypedDict):
    project: AbsPath
    library: NotRequired[LibraryKey | None]
    target: NotRequired[Name | None]
    """A core (cortex-m4, …) or an MCU name; default: the project's."""
    dir: NotRequired[Annotated[str, Text(4096)] | None]
    """Default: the project's [deploy] dir; a relative one is inside the project."""
    suffix: NotRequired[Annotated[str, Pattern("[A-Za-z0-9_]{0,32}", "letters, digits or '_' (at most 32)")] | None]
    force: NotRequired[bool | None]
    """Replace files nanoforge did not write, and deploy a library whose measured flash or
    RAM is over the project's max_flash / max_ram (refused otherwise)."""
    source: NotRequired[bool | None]
    """Also write the library's C source (neai.c), for firmware that builds it itself."""
    api: NotRequired[Literal["v4", "v5"] | None]
    """"v4" or "v5" (NanoEdge AI Studio 4.x or 5.x API); default: the project's api."""
    pretrained: NotRequired[bool | None]
    """Anomaly detection: start from the project's nominal signals, learned by the same C."""
    cflags: NotRequired[Annotated[str, Text(4096)] | None]
    """The firmware's build choices (float ABI, -fshort-enums, -fshort-wchar, -O level);
    default: the project's [deploy] cflags."""


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
    warnings: NotRequired[list[str]]
    """What --force let through (a library over budget), to show the user."""


# ---------------------------------------------------------------- timing


class TimingParams(TypedDict):
    project: AbsPath
    library: NotRequired[LibraryKey | None]
    """Default: the best of the latest benchmark."""
    clock: NotRequired[float | None]
    """Hz; default: the project's clock_hz (80 MHz unless set)."""


class CallTiming(TypedDict):
    cycles: int
    """Mean over the calls made (one per signal run)."""
    max: int
    calls: int
    ms: float
    """cycles at the clock, zero wait states."""


class CoreTiming(TypedDict):
    core: str
    available: bool
    reason: NotRequired[str]
    """Why there is no figure (the emulator cannot run the core, say)."""
    calls: NotRequired[dict[str, CallTiming]]
    """By C function: neai_classification_init, neai_classification, …"""


class TimingResult(TypedDict):
    library: str
    neai_id: str
    clock_hz: float
    signals: int
    """Project signals each inference entry point ran on."""
    target: str
    """The project's core."""
    max_latency_ms: float | None
    cores: list[CoreTiming]


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


# ---------------------------------------------------------------- validation


class ValidationInput(TypedDict):
    role: str
    """One of the project type's `validation_roles`."""
    file: AbsPath
    label: NotRequired[str | None]
    """n-class: the class name of every signal in the file."""


class ValidateParams(TypedDict):
    project: AbsPath
    libraries: list[LibraryKey]
    """Candidate library ids, as `bench candidates` lists them."""
    inputs: list[ValidationInput]


class StoredInput(TypedDict):
    role: str
    label: str | None
    file: str
    sha256: str


class ValidatedLibrary(TypedDict):
    library: str
    rank: int
    benchmark_best: bool
    """The library the benchmark chose."""
    benchmark_score: float | None
    ram_estimate: int | None
    flash_estimate: int | None
    pipeline: list[str]
    model: str
    metrics: dict[str, Any]
    """The project type's metrics on the files (n-class: accuracy, balanced_accuracy, f1, mcc, precision,
    roc_auc, per_class_recall, confusion; AD, 1-class: balanced_accuracy, nominal_recall, detection, auc;
    extrapolation: r2, rmse, mae, smape), and signals."""


class Experiment(TypedDict):
    id: str
    """e0001, e0002, …"""
    project_type: str
    main_metric: str
    main_label: str
    created: float
    benchmark_best: str | None
    classes: list[str]
    inputs: list[StoredInput]
    libraries: list[ValidatedLibrary]
    """Best first."""
    verdict: Literal["confirmed", "other", "none"]
    advice: str
    """One line: the verdict and what to do."""


class ExperimentLine(TypedDict):
    id: str
    created: float
    libraries: list[str]
    inputs: int
    best: str
    main_metric: str
    best_value: float | None
    verdict: str


class ExperimentList(TypedDict):
    experiments: list[ExperimentLine]


class ExperimentParams(TypedDict):
    project: AbsPath
    id: NotRequired[str | None]
    """Default: the latest."""


class ReportParams(TypedDict):
    project: AbsPath
    library: NotRequired[LibraryKey | None]
    """Default: the best of the latest benchmark."""
    experiment: NotRequired[str | None]
    """A validation experiment to include; default: the latest that validated the library."""
    html: NotRequired[AbsPath | None]
    """Where to write the HTML report (absolute path)."""
    pdf: NotRequired[AbsPath | None]


class ReportResult(TypedDict):
    library: str
    experiment: str | None
    html: str | None
    pdf: str | None


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
    "nanoforge/bench/charts": (LibraryParams, BenchCharts),
    "nanoforge/emulate": (EmulateParams, EmulateResult),
    "nanoforge/deploy": (DeployParams, DeployResult),
    "nanoforge/validate": (ValidateParams, Experiment),
    "nanoforge/validate/list": (ProjectParams, ExperimentList),
    "nanoforge/validate/show": (ExperimentParams, Experiment),
    "nanoforge/report": (ReportParams, ReportResult),
    "nanoforge/sampling-finder": (SamplingFinderParams, SamplingFinderResult),
    "nanoforge/serial/ports": (Empty, SerialPorts),
    "nanoforge/datalogger/boards": (Empty, DataloggerBoards),
    "nanoforge/datalogger": (DataloggerParams, DataloggerResult),
    "nanoforge/serial/record": (SerialRecordParams, SerialStatus),
    "nanoforge/serial/emulate": (SerialEmulateParams, SerialStatus),
    "nanoforge/serial/status": (SerialRunParams, SerialStatus),
    "nanoforge/serial/stop": (SerialRunParams, SerialStatus),
    "nanoforge/timing": (TimingParams, TimingResult),
    "nanoforge/daemon/status": (Empty, DaemonStatus),
    "nanoforge/daemon/stop": (Empty, Stopping),
}
"""Method → (params, result)."""

NOTIFICATIONS: dict[str, Any] = {
    "nanoforge/bench/progress": BenchStatus,
}
"""Method → params, daemon to client."""

def json_schema() -> dict[str, Any]:
    """The whole protocol as one JSON Schema document."""
    return json_schema_document("nanoforge client/daemon protocol", REQUESTS, NOTIFICATIONS)


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
