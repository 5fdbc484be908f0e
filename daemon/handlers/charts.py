"""`nanoforge/bench/charts`: what the benchmark view plots while a benchmark runs."""

from __future__ import annotations

from .. import benchcharts
from ..core import Core
from ..librpc import _root
from ..protocol import BenchCharts, LibraryParams
from ..registry import handler, in_thread


@handler("nanoforge/bench/charts")
async def bench_charts(core: Core, params: LibraryParams) -> BenchCharts:
    return await in_thread(core, benchcharts.charts, _root(dict(params)), params.get("library"))
