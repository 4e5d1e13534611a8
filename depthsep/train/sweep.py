"""Resumable grid sweeps into the results store.

    >>> from depthsep.experiments.figure2 import figure2_grid
    >>> sweep(**figure2_grid("quick"), store_path="runs.db")          # doctest: +SKIP
    {'total': 120, 'skipped': 0, 'trained': 120, 'diverged': 0, 'wall_s': 312.4, 'store': 'runs.db'}

A sweep is the product layers × widths × activations × seeds at one training setup. Specs already
in the store are skipped, the rest are trained by :func:`~depthsep.train.engine.train_models` and
each result is committed the moment it is scored, so a sweep can be killed at any time and re-run:
it picks up where it stopped and never stores a configuration twice.
"""

from __future__ import annotations

import math
import os
import sys
import time
from contextlib import contextmanager
from typing import Callable

from ..errors import DepthsepError
from .backends import check_backend, train
from .config import RunOptions
from .spec import ModelSpec
from .store import ResultStore, spec_key

# -- the sweep -------------------------------------------------------------------------------------

def _unique(name: str, values) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = [values]
    out = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def grid_specs(target: str, layers, widths, activations, seeds, *, steps: int = 2000,
               batch_size: int = 256, loss: str = "l1", optimizer: str = "adadelta",
               lr: float | None = None, domain="0:2", test_size: int = 100_000) -> list[ModelSpec]:
    """The grid as ModelSpecs (validated), in the order activation, layers, width, seed."""
    axes = {name: _unique(name, values) for name, values in
            (("layers", layers), ("widths", widths), ("activations", activations), ("seeds", seeds))}
    empty = [name for name, values in axes.items() if not values]
    if empty:
        raise DepthsepError(f"empty sweep grid: no {', no '.join(empty)} given")
    return [ModelSpec(target, layers=k, width=w, activation=a, loss=loss, optimizer=optimizer, lr=lr,
                      steps=steps, batch_size=batch_size, seed=s, domain=domain, test_size=test_size)
            for a in axes["activations"] for k in axes["layers"] for w in axes["widths"]
            for s in axes["seeds"]]


def sweep(target: str, layers: list[int], widths: list[int], activations: list[str],
          seeds: list[int], store_path, *, steps: int = 2000, batch_size: int = 256,
          loss: str = "l1", optimizer: str = "adadelta", lr: float | None = None, domain="0:2",
          test_size: int = 100_000, progress: bool = True, device=None,
          workers: int | None = None, backend: str = "local", address: str | None = None) -> dict:
    """Train every (activation, layers, width, seed) not yet in the store at ``store_path``.

    The grid of :func:`grid_specs`, run by :func:`run_specs` (see there for what is returned).
    """
    specs = grid_specs(target, layers, widths, activations, seeds, steps=steps,
                       batch_size=batch_size, loss=loss, optimizer=optimizer, lr=lr, domain=domain,
                       test_size=test_size)
    run = RunOptions(backend=backend, address=address, device=device, workers=workers, progress=progress)
    return run_specs(specs, store_path, run)


def run_specs(specs: list[ModelSpec], store_path, run: RunOptions = RunOptions(), label: str = "sweep") -> dict:
    """The one path every training run takes: train each spec not yet in the store at ``store_path``.

    Each result is committed as soon as it is scored, so the run can be killed at any time and
    re-run: it picks up where it stopped and never stores a configuration twice. Returns ``{total,
    skipped, trained, diverged, wall_s, store}`` (``diverged`` counts this run's newly trained models
    only). ``run.progress``: a bar with ETA on stderr (``label`` names it). ``run.backend``: ``local``
    (this machine) or ``ray`` (tasks on a Ray cluster at ``run.address``, or a private loopback
    instance without one); either way only this process writes the store.
    """
    check_backend(run.backend, run.address)
    device = run.device
    if run.backend == "local":
        from .engine import local_device

        device = local_device(device)         # a bad device fails before the store is touched
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
                train(todo, run.backend, run.address, device=device, workers=run.workers,
                      progress=None if bar is None else bar.update, on_result=commit)
        finally:
            if bar is not None:
                bar.close()
    return {"total": len(specs), "skipped": len(specs) - len(todo), "trained": counts["trained"],
            "diverged": counts["diverged"], "wall_s": round(time.perf_counter() - start, 3),
            "store": os.fspath(store_path)}


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
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn,
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


@contextmanager
def training_progress(show, models: int, label: str):
    """``(progress, on_result)`` callbacks for :func:`train_models`: a bar with ETA on stderr when
    ``show`` is true, ``show`` itself when it is a ``progress(done, total)`` callable, else nothing."""
    if callable(show):
        yield show, None
        return
    if not show or not models:
        yield None, None
        return
    bar, finished = _progress_bar(models, label), 0

    def on_result(_result) -> None:
        nonlocal finished
        finished += 1
        bar.result(finished)

    try:
        yield bar.update, on_result
    finally:
        bar.close()


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


__all__ = ["grid_specs", "run_specs", "sweep"]
