"""A project type with the n-class evaluation and a search space of a few dozen
candidates, so a test can exhaust it in seconds: the determinism and cluster tests
compare whole benchmarks. Loaded as a plug-in (NANOFORGE_PLUGINS=tests.smallspace) by
the daemon, its jobs and Dask workers alike; nothing outside the tests knows it."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from nanoforge.engine import evaluation as ev
from nanoforge.engine.types.ncc import NClass

if TYPE_CHECKING:
    from nanoforge.engine.search import Context

NAME = "ncc-small"
SLOW = "NANOFORGE_TEST_SLOW"  # a file: while it exists, each evaluation takes SLOW_SECONDS more
SLOW_SECONDS = 0.5


class SmallSpace(NClass):
    name = NAME
    title = "n-class classification (small search space)"
    order = 900

    def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
        return [[ev.block("stats"), ev.block("scale")],
                [ev.block("diff"), ev.block("stats"), ev.block("scale")],
                [ev.block("fft", window=True, log=True, bands=8), ev.block("scale"), ev.block("pca", k=4)]]

    def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Slowed while the test's switch file exists: a test that kills the daemon or the
        scheduler mid-run must not find the few dozen candidates already done (on a loaded
        machine the CLI calls between seeing the run started and the kill took longer than
        the whole run)."""
        switch = os.environ.get(SLOW)
        if switch and os.path.exists(switch):
            time.sleep(SLOW_SECONDS)
        return super().run_splits(ctx, cfg, race_below)

    def baselines(self, ctx: Context) -> list[dict[str, Any]]:
        return []  # the space is the few dozen candidates below, nothing else

    def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
        return [ev.block("centroid"), ev.block("linear", algo="logreg", C=1.0)]

    def models(self, ctx: Context) -> list[dict[str, Any]]:
        s = ctx.seed
        return [ev.block("centroid"), ev.block("knn", k=3, protos=4, seed=s), ev.block("gnb"),
                ev.block("linear", algo="logreg", C=1.0), ev.block("linear", algo="linsvm", C=0.1),
                ev.block("forest", algo="et", trees=10, depth=4, seed=s),
                ev.block("gbt", stages=10, depth=2, lr=0.3, seed=s), ev.block("mlp", hidden=8, alpha=1e-3, seed=s)]
