"""Resumable grid sweeps into the results store: :func:`run_specs`, the one path every training run
takes into a store, and :func:`sweep`, a grid run through it.

    >>> from depthsep.train.config import RunOptions, TrainingConfig
    >>> sweep("product:20", [1, 2], [10, 20], ["tanh"], [0, 1], "runs.db",
    ...       TrainingConfig(steps=1000, test_size=20_000), RunOptions(workers=2))   # doctest: +SKIP
    {'total': 8, 'skipped': 0, 'trained': 8, 'diverged': 0, 'wall_s': 0.589, 'store': 'runs.db',
     'best': {'layers': 2, 'width': 20, 'activation': 'tanh', 'test_mae': 0.9905..., 'seeds': 2},
     'worst': {'layers': 1, 'width': 20, 'activation': 'tanh', 'test_mae': 1.0027..., 'seeds': 2}}

A sweep is the product layers × widths × activations × seeds at one training configuration. Specs
already in the store are skipped, the rest are trained by :func:`~depthsep.train.backends.train`
and each result is committed the moment it is scored, so a sweep can be killed at any time and
re-run: it picks up where it stopped and never stores a configuration twice.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import replace
from statistics import fmean

from ..checks import positive_ints, seeds as check_seeds
from ..errors import DepthsepError
from .backends import check_backend, train
from .config import RUN_FIELDS, RunOptions, TRAINING_FIELDS, TrainingConfig
from .spec import RANDOM_INIT, ModelSpec
from .store import KEY_COLUMNS, ResultStore, spec_key
from .warm import check_fits

# -- the sweep -------------------------------------------------------------------------------------

#: What a cell is reported by (the grid's axes); other columns are added when they vary in a run.
CELL_COLUMNS = ("layers", "width", "activation")


def grid_specs(target: str, layers, widths, activations, seeds,
               config: TrainingConfig = TrainingConfig(), init: str = RANDOM_INIT, **training) -> list[ModelSpec]:
    """The grid as validated ModelSpecs under ``config``, in the order activation, layers, width, seed.

    ``layers``, ``widths``, ``seeds``: ints or comma-separated text (``"1,2,3"``); ``activations``:
    names or ``"tanh,relu"``; ``init``: where every model starts (:func:`~.spec.parse_init`).
    ``training``: TrainingConfig fields as keywords (``steps=…``), applied over ``config`` — the
    spelling from before TrainingConfig, still accepted.
    """
    config = _merged(config, training, TRAINING_FIELDS, "grid_specs")
    layers, widths = positive_ints(layers, "layers"), positive_ints(widths, "widths")
    seeds = check_seeds(seeds, "seeds")
    names = activations.split(",") if isinstance(activations, str) else list(activations)
    names = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not names:
        raise DepthsepError("activations needs at least one value")
    return [config.spec(target, k, w, a, s, init) for a in names for k in layers for w in widths for s in seeds]


def sweep(target: str, layers, widths, activations, seeds, store_path,
          config: TrainingConfig = TrainingConfig(), run: RunOptions = RunOptions(), init: str = RANDOM_INIT,
          **options) -> dict:
    """Train every (activation, layers, width, seed) of the grid not yet in the store at ``store_path``.

    The grid of :func:`grid_specs` under ``config`` from ``init``, run by :func:`run_specs` with
    ``run`` (see there for what is returned). ``options``: TrainingConfig or RunOptions fields as keywords, applied over
    ``config`` and ``run`` — the spelling from before those classes, still accepted.
    """
    config = _merged(config, {k: v for k, v in options.items() if k in TRAINING_FIELDS}, TRAINING_FIELDS, "sweep")
    run = _merged(run, {k: v for k, v in options.items() if k not in TRAINING_FIELDS}, RUN_FIELDS, "sweep")
    return run_specs(grid_specs(target, layers, widths, activations, seeds, config, init), store_path, run)


def _merged(base, changes: dict, allowed: tuple, caller: str):
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    return replace(base, **changes) if changes else base


def run_specs(specs: list[ModelSpec], store_path, run: RunOptions = RunOptions(), label: str = "sweep") -> dict:
    """The one path every training run takes: train each spec not yet in the store at ``store_path``.

    Each result is committed as soon as it is scored, so the run can be killed at any time and
    re-run: it picks up where it stopped and never stores a configuration twice. ``run.progress``:
    a bar with ETA on stderr (``label`` names it). ``run.backend``: ``local`` (this machine,
    ``run.workers`` processes) or ``ray`` (tasks on a Ray cluster at ``run.address``, or a private
    loopback instance without one); either way only this process writes the store, and no helper
    process outlives it.

    Returns ``{total, skipped, trained, diverged, wall_s, store, best, worst}``: ``diverged`` counts
    this run's newly trained models only; ``best`` and ``worst`` are the cells of ``specs`` (all of a
    spec but its seed) with the lowest and highest mean test MAE over their finished seeds, read
    from the store (so models of earlier runs count): ``{layers, width, activation, test_mae,
    seeds}`` plus any other key column that differs between the cells, or None when no model of
    ``specs`` finished.
    """
    check_backend(run)
    if run.backend == "local":
        from .engine import local_device

        # A bad device fails before the store is touched.
        run = replace(run, device=str(local_device(run.device)))
    # A construction that does not fit its model fails before the store is touched.
    for spec in {(s.target, s.domain, s.activation, s.layers, s.width, s.init): s for s in specs}.values():
        check_fits(spec)
    start = time.perf_counter()
    with ResultStore(store_path) as store:
        done = store.done_keys()
        todo = list({spec_key(s): s for s in specs if spec_key(s) not in done}.values())
        counts = {"trained": 0, "diverged": 0}

        def commit(result) -> None:
            store.add(result)
            counts["trained"] += 1
            counts["diverged"] += result.status == "diverged"
            if bar is not None:
                bar.result(counts["trained"])

        bar = _progress_bar(len(todo), label) if run.progress and todo else None
        try:
            if todo:
                train(todo, run, progress=None if bar is None else bar.update, on_result=commit)
        finally:
            if bar is not None:
                bar.close()
        best, worst = _extreme_cells(store, specs)
    return {"total": len(specs), "skipped": len(specs) - len(todo), "trained": counts["trained"],
            "diverged": counts["diverged"], "wall_s": round(time.perf_counter() - start, 3),
            "store": os.fspath(store_path), "best": best, "worst": worst}


def stored_rows(store: ResultStore, specs: list[ModelSpec], **filters) -> list[dict]:
    """The store's rows of the models ``specs`` name, narrowed by ``filters`` (column=value, as
    :meth:`ResultStore.rows` takes them)."""
    wanted = {spec_key(s) for s in specs}
    return [row for row in store.rows(target=sorted({s.target for s in specs}), **filters)
            if tuple(row[c] for c in KEY_COLUMNS) in wanted]


def _extreme_cells(store: ResultStore, specs: list[ModelSpec]) -> tuple[dict | None, dict | None]:
    """(best, worst) cell of ``specs`` by mean test MAE over the seeds stored as done."""
    cell_columns = [c for c in KEY_COLUMNS if c != "seed"]
    maes: dict[tuple, list[float]] = {}
    for row in stored_rows(store, specs, status="done"):
        maes.setdefault(tuple(row[c] for c in cell_columns), []).append(row["test_mae"])
    if not maes:
        return None, None
    varying = [c for i, c in enumerate(cell_columns) if len({cell[i] for cell in maes}) > 1]
    shown = list(CELL_COLUMNS) + [c for c in varying if c not in CELL_COLUMNS]

    def report(cell: tuple) -> dict:
        values = dict(zip(cell_columns, cell))
        return {**{c: values[c] for c in shown}, "test_mae": fmean(maes[cell]), "seeds": len(maes[cell])}

    ranked = sorted(maes, key=lambda cell: fmean(maes[cell]))
    return report(ranked[0]), report(ranked[-1])


# -- progress on stderr ----------------------------------------------------------------------------

class _PlainBar:
    """``sweep  37%  44/120 models  ETA 3m05s`` on stderr: every 2 s on a terminal (one line,
    redrawn), every 30 s into a log file, and at the end."""

    def __init__(self, models: int, label: str = "sweep"):
        self.models, self.stored, self.label = models, 0, label
        self.start = self.last = time.perf_counter()
        self.fraction = 0.0

    def update(self, done: int, total: int) -> None:
        self.fraction = done / total if total else 1.0
        self._draw()

    def result(self, stored: int) -> None:
        self.stored = stored
        self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < (2.0 if sys.stderr.isatty() else 30.0):
            return
        self.last = now
        elapsed = now - self.start
        eta = elapsed * (1 - self.fraction) / self.fraction if self.fraction > 0 else math.nan
        end = "\r" if sys.stderr.isatty() and not force else "\n"
        sys.stderr.write(f"{self.label} {100 * self.fraction:4.0f}%  {self.stored}/{self.models} models  "
                         f"elapsed {_clock(elapsed)}  ETA {_clock(eta)}{end}")
        sys.stderr.flush()

    def close(self) -> None:
        self._draw(force=True)


class _RichBar:
    def __init__(self, models: int, label: str = "sweep"):
        from rich.console import Console
        from rich.progress import (BarColumn, Progress, TaskProgressColumn,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)
        self.models = models
        self.progress = Progress(TextColumn(label), BarColumn(), TaskProgressColumn(),
                                 TextColumn("{task.fields[stored]}/{task.fields[models]} models"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(file=sys.stderr), transient=False)
        self.task = self.progress.add_task("sweep", total=1.0, stored=0, models=models)
        self.progress.start()

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done / total if total else 1.0)

    def result(self, stored: int) -> None:
        self.progress.update(self.task, stored=stored)

    def close(self) -> None:
        self.progress.stop()


def _progress_bar(models: int, label: str = "sweep"):
    try:
        if sys.stderr.isatty():
            return _RichBar(models, label)
    except ImportError:
        pass
    return _PlainBar(models, label)


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


__all__ = ["grid_specs", "run_specs", "stored_rows", "sweep"]
