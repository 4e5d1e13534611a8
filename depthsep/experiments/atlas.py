"""The width atlas: for each n and each number of hidden layers k, the fewest neurons a trained tanh
net needs to reach a fixed relative accuracy on x1⋯xn — an empirical test of Conjecture 5.2 of
Rolnick & Tegmark (k layers need 2^Θ(n^(1/k)) neurons) — and the same scan for any one target.

    >>> result = atlas("quick", store="atlas.db", out="atlas.png")            # doctest: +SKIP
    >>> print(atlas_table(result))                                            # doctest: +SKIP
    >>> [(f["layers"], f["beta"], f["beta_low"], f["beta_high"]) for f in result["fits"]]  # doctest: +SKIP

The module reads as its passes:

1. **preset** — :func:`atlas_preset`: the training budget, threshold, seeds and width cap, each
   choice with the pilot numbers behind it; :func:`atlas_plan` checks a request against it;
2. **search** — :func:`atlas_state`: from the store alone, each cell's gallop–bisect search on the
   √2 width grid (:mod:`._width_search`) and the probes it needs next; :func:`atlas` trains each
   round's probes for *every* open cell in one :func:`~depthsep.train.sweep.run_specs` call (all
   seeds batched) until no cell needs one. Because the state is a function of the store, a re-run —
   or a run after ``kill -9`` — replays the finished probes and trains only what is missing;
3. **analysis** — :func:`atlas_rows`: per (n, k) the minimal width and neurons, every probe's
   per-seed errors, the theory beside it, and :func:`atlas_fits`: log2 m = a·n^β + c per k
   (:mod:`._exponent_fit`);
4. **figures** — :func:`plot_atlas`: minimal neurons vs n with the theory, the collapse log2 m
   against n^(1/k), and β̂ with its interval against 1/k; :func:`atlas_table` is the text table.

:func:`budget_check` re-runs part of an atlas at twice the steps into the same store and reports
how far the minimal widths move: learning is only an upper bound on expressivity.

**What is measured.** The error of a model is its relative test RMSE, RMSE / std of the target under
the input law, with the std exact for products and polynomials (:mod:`depthsep.train.moments`) and
estimated from the test points for other targets. A probe (one width) trains every seed; it
*succeeds* when the best seed reaches the threshold — the existence question: some net of that
size, found by this training, is that accurate — and the median over seeds is kept beside it (the
trainability question). Equal hidden widths W, neurons m = k·W.

**The input law.** x_i ~ U[−√3, √3]: E x_i = 0 and E x_i² = 1, so the product has unit variance for
every n and errors compare across n. It is also symmetric, and that makes the product hard to
*learn*: it is orthogonal to every function of fewer than all n inputs, so the gradient at a
generic start sees it only through the net's n-th order interactions, and its kurtosis (9/5)^n
makes batch gradients noisy (34 at n = 6, 110 at n = 8). The paper's U[0, 2] (``domain="0:2"``)
gives the product a mean of 1 and large low-order parts that are easy to fit, but a heavy tail: its
variance (4/3)^n − 1 is carried by rare points (at n = 20 the median product is ≈ 0.002 while the
std is ≈ 17.7), so a relative RMSE there measures the tail.

The same kurtosis makes a finite test set's own second moment noisy: its relative standard error is
√(((9/5)^n − 1)/N), 8.5 % at n = 7 with the quick preset's 8 192 points. Errors are divided by the
exact std all the same (the law's, not the sample's), so at n = 7 the zero predictor scores 1.09 on
that test set; ``full`` scores on 32 768 points.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Mapping

from ..checks import choice, figure_paths, positive_int, positive_ints, positive_number, seeds as check_seeds
from ..errors import DepthsepError
from ..train.config import RunOptions, TrainingConfig
from ..train.spec import parse_domain
from ._exponent_fit import MIN_POINTS, fit_exponent
from ._width_search import SMALLEST_WIDTH, SearchState, search, width_grid

# -- 1. preset -------------------------------------------------------------------------------------

MODES = ("quick", "full")
PRODUCT = "product"                 # the family with an n axis: product:2, product:3, …
UNIT_DOMAIN = (-math.sqrt(3), math.sqrt(3))   # E x = 0, E x² = 1: Var(x1⋯xn) = 1 for every n
ACTIVATION = "tanh"                 # Figure 2's σ, and smooth: the product gates of Thm 5.1 need σ'' ≠ 0
STORE, OUT = "atlas.db", "atlas.png"
N_LIMIT = 24                        # the n axis of ``full``, and where an open-ended axis stops
AUTO_FIRST_N = 5                    # an open-ended axis starts with n = 2…5 searched side by side
AUTO_LOOKAHEAD = 1                  # and keeps this many n open beyond the first unfinished one
BUDGET_FACTOR = 2                   # budget_check's steps, as a multiple of the atlas's
METRIC = "relative test RMSE: test RMSE / std of the target under the input law"
SUCCESS = "a probe succeeds when its best seed reaches the threshold (the median is reported beside it)"

LOGEXP = "log-exp network (k·widest layer)"


@lru_cache(maxsize=512)
def logexp_size(n: int, layers: int, threshold: float, domain: tuple[float, float]) -> int | None:
    """k·(widest layer) of :mod:`depthsep.construct.logexp`'s tanh network for x1⋯xn with exactly
    ``layers`` hidden layers whose RMSE under U[a, b]^n is at most ``threshold``·std — a network of
    the atlas's equal-width shape (narrower layers padded to the widest) that provably reaches the
    threshold a found cell reaches. None where the construction needs more layers (two on a box with
    a ≥ 0, three around 0 for the sign) or its rule refuses the accuracy.

    Equal widths because the atlas counts m = k·W: a cell's trained minimum and this size are then
    the same kind of number, and a trained cell above it failed where a network of its shape exists.
    """
    from ..construct.logexp import plan as logexp_plan
    from ..train.moments import target_std as exact_std
    from ..train.targets import make_target

    std = exact_std(make_target(f"product:{n}"), domain)
    try:
        built = logexp_plan(make_target(f"product:{n}").polynomial, f"{domain[0]!r}:{domain[1]!r}", "rmse",
                            threshold * std, ACTIVATION, layers=layers)
    except DepthsepError:
        return None
    return layers * max(built.widths)


#: Sizes of explicit fixed-accuracy networks drawn beside the trained minimum: label →
#: ``f(n, layers, threshold, domain)``, the neurons of a construction whose relative RMSE on the
#: atlas's input law U[domain]^n is at most ``threshold`` (None where it has none); a caller may pass
#: others as ``constructions=`` to :func:`atlas`.
CONSTRUCTIONS: dict[str, Callable[[int, int, float, tuple[float, float]], int | None]] = {LOGEXP: logexp_size}


@dataclass(frozen=True)
class AtlasPreset:
    """The cells, accuracy and budget of an atlas (see :func:`atlas_preset` for the reasons).

    ``n`` None: open-ended — n = 2, 3, … until the shallowest depth asked for is above the width
    cap (at most :data:`N_LIMIT`).
    """

    layers: tuple[int, ...]
    n: tuple[int, ...] | None
    seeds: tuple[int, ...]
    threshold: float
    max_width: int
    training: TrainingConfig = field(default_factory=TrainingConfig)


def atlas_preset(mode: str = "quick") -> AtlasPreset:
    """The ``quick`` or ``full`` atlas.

    Piloted on this engine (tanh, x_i ~ U[−√3, √3], 4 seeds, 8 192 test points; relative RMSE of
    the best seed; a 2-core machine shared with other jobs, so times are upper bounds):

    * **optimizer and loss** — Adam at lr 3e-3 with L2 (the metric is an RMSE). At n = 6 after
      10 000 steps of 256, one layer of 64 reaches 0.27 with Adam/L2, 0.36 with AdaDelta/L2
      (Figure 2's optimizer, lr 1.0), 0.49 with Adam/L1 and 0.57 with AdaDelta/L1; two layers of 32:
      0.23, 0.29, 0.33 and 0.86. Adam's rate: at n = 7, width 64, 10 000 steps, lr 1e-3 leaves
      three layers at 0.62, 3e-3 reaches 0.36, and 1e-2 throws seeds back to the constant (1.0–1.1).
    * **steps and batch** — the product is learned slowly and noisily (see the module docstring):
      at n = 6, one layer of 64 reaches 0.37 after 5 000 steps of 256, 0.27 after 10 000, 0.29 after
      20 000 steps of 128 and 0.20 with 10 000 batches of 1 024 (six times the time). 10 000 steps of
      256 keep the preset near 3–4 minutes; the rate is constant (the engine has no schedule).
    * **threshold 0.3** — relative RMSE 0.3 (91 % of the variance explained). At n = 6 one layer's
      error flattens at ≈ 0.17 whatever the width (128: 0.18, 256: 0.17) — a budget floor, not a
      width limit — so a threshold near it would measure the budget; at 0.3 the error still falls
      steeply with the width (n = 6, one layer: 0.52 at 32, 0.37 at 48, 0.27 at 64).
    * **width cap 128** — a probe with k ≥ 2 costs ∝ W², and every cell of the last n probes the cap
      and fails: at W = 256 a three-layer probe costs about 4× the 128 one, for nothing — at n = 7
      no depth gets below 0.36 at any width up to 128, and one layer gains nothing past it (0.49 at
      128, 0.48 at 256).
    * **seeds** 0–3: the CPU engine trains 4 models per group, so four seeds cost what one does.

    Measured: ``atlas("quick")`` from an empty store, 1 min 50 s wall on this 2-core machine
    otherwise idle (3 min 20 s, 17 rounds, 392 models, while another process kept one core ≈ 80 %
    busy; the same atlas, as a seed gives); n reaches 7, where every
    depth is above the cap. :func:`budget_check` (20 000 steps, n = 6 and 7): 4 min 48 s; at n = 6
    one and two layers unchanged, three layers one grid step lower (24 → 16); n = 7 still above the
    cap for every depth (three layers: 0.31 at width 64, against 0.36 at 10 000 steps).

    What limits the largest n: training, not the width cap. At n = 7 the error stops falling with
    the width (three layers: 0.36 at 64, 0.44 at 128 after 10 000 steps; 0.31 and 0.34 after 20 000);
    at n = 8, two and three layers of width 64–128 stay exactly at the constant predictor (relative
    RMSE 1.02 for all four seeds after 20 000 steps) and one layer of 256 reaches only 0.93 — while a
    three-layer product tree for n = 8 has 32 neurons (Thm 5.1).

    ``full``: n = 2…24, k = 1…6, widths up to 8 192, 40 000 steps of 1 024, 32 768 test points — for
    a GPU or a Ray cluster, resumable; cells past the training limit fail at every width, and a
    cell whose previous n is already above the cap is not searched (see :func:`atlas_state`).
    """
    choice(mode, "atlas mode", MODES)
    if mode == "quick":
        return AtlasPreset(layers=(1, 2, 3), n=None, seeds=(0, 1, 2, 3), threshold=0.3, max_width=128,
                           training=TrainingConfig(steps=10_000, batch_size=256, loss="l2", optimizer="adam",
                                                   lr=3e-3, domain=UNIT_DOMAIN, test_size=8192))
    return AtlasPreset(layers=tuple(range(1, 7)), n=tuple(range(2, N_LIMIT + 1)), seeds=(0, 1, 2, 3),
                       threshold=0.3, max_width=8192,
                       training=TrainingConfig(steps=40_000, batch_size=1024, loss="l2", optimizer="adam",
                                               lr=3e-3, domain=UNIT_DOMAIN, test_size=32_768))


#: The store columns that make a training setup: an atlas reads only the runs of its own.
SETUP_COLUMNS = ("activation", "optimizer", "lr", "loss", "steps", "batch_size", "domain", "test_size")


@dataclass(frozen=True)
class AtlasPlan:
    """A checked atlas request: a product family over ``n`` (``family`` = "product", ``n`` None for
    open-ended) or one ``target`` (``family`` None), and what every cell is trained with."""

    mode: str
    family: str | None
    target: str | None
    n: tuple[int, ...] | None
    layers: tuple[int, ...]
    seeds: tuple[int, ...]
    threshold: float
    max_width: int
    grid: tuple[int, ...]
    training: TrainingConfig

    def target_of(self, n: int | None) -> str:
        return f"product:{n}" if self.family == PRODUCT else self.target

    def spec(self, target: str, layers: int, width: int, seed: int, steps: int | None = None):
        config = self.training if steps is None else replace(self.training, steps=steps)
        return config.spec(target, layers, width, ACTIVATION, seed)

    def setup(self, steps: int | None = None) -> dict:
        """The setup columns as a store row holds them."""
        row = self.spec(self.target_of(2), 1, 1, 0, steps).row()
        return {c: row[c] for c in SETUP_COLUMNS}


def atlas_plan(mode: str = "quick", target=None, n=None, layers=None, threshold=None, seeds=None, steps=None,
               max_width=None, domain=None) -> AtlasPlan:
    """Check a request against the preset of ``mode``; every argument left None takes the preset's
    value. Raises :class:`DepthsepError` (one line) for a bad value, before anything is trained."""
    from ..train.targets import make_target

    preset = atlas_preset(mode)
    text = PRODUCT if target is None else str(target).strip()
    if text == PRODUCT:
        family, name = PRODUCT, None
    else:
        family, name = None, make_target(text).name
        if n is not None:
            raise DepthsepError(f"--n is for the product family; target {name} has one n "
                                f"({make_target(name).n})")
    threshold = positive_number(preset.threshold if threshold is None else threshold, "--threshold")
    if not threshold < 1:
        raise DepthsepError(f"--threshold must be in (0, 1), got {threshold:g} "
                            "(a relative RMSE of 1 is the best constant's)")
    n_axis = None
    if family == PRODUCT:
        n_axis = preset.n if n is None else tuple(sorted(positive_ints(n, "--n")))
    layer_list = tuple(sorted(positive_ints(preset.layers if layers is None else layers, "--layers")))
    seed_list = tuple(check_seeds(preset.seeds if seeds is None else seeds))
    cap = positive_int(preset.max_width if max_width is None else max_width, "--max-width")
    if cap < SMALLEST_WIDTH:
        raise DepthsepError(f"--max-width {cap} is below the smallest width probed ({SMALLEST_WIDTH})")
    training = preset.training.with_(steps=None if steps is None else positive_int(steps, "--steps"),
                                     domain=None if domain is None else parse_domain(domain))
    return AtlasPlan(mode, family, name, n_axis, layer_list, seed_list, threshold, cap,
                     tuple(width_grid(cap)), training)


# -- 2. the search, from the store -----------------------------------------------------------------

@lru_cache(maxsize=256)
def target_std(target: str, domain: tuple[float, float], test_size: int) -> tuple[float, str]:
    """(std of ``target`` under its input law, how it was obtained): exact for products and
    polynomials (:func:`depthsep.train.moments.target_std`), else the std of the labels of the very
    test points the models are scored on (:func:`depthsep.train.data.evaluation_set`)."""
    from ..train.moments import target_std as exact_std
    from ..train.targets import make_target

    made = make_target(target)
    exact = exact_std(made, domain)
    if exact is not None:
        std, how = exact, "exact"
    else:
        import torch

        from ..train.data import evaluation_set

        labels = torch.cat([y for _, y in evaluation_set(made, domain, test_size)])
        std, how = float(labels.std(correction=0)), f"estimated from the {labels.numel()} test points"
    if not (math.isfinite(std) and std > 0):
        raise DepthsepError(f"target {target} is constant under its input law: no relative error to measure")
    return std, how


@dataclass(frozen=True)
class Cell:
    """One (target, k) of the atlas and where its search stands. ``probes``: width → the per-seed
    relative errors (None: diverged) of the probes whose every seed is stored. ``skipped``: not
    searched, because the same k was already above the cap at n − 1; ``waiting``: its next probe
    waits until the same k at n − 1 has made that probe (or finished)."""

    target: str
    n: int
    layers: int
    state: SearchState
    probes: dict
    skipped: bool = False
    waiting: bool = False

    @property
    def open(self) -> bool:
        return not self.skipped and not self.state.finished


@dataclass(frozen=True)
class AtlasState:
    """The atlas as the store holds it: ``n`` (the axis, None for one target), ``cells`` in
    (n, k) order, ``todo`` (the specs the open cells need next) and ``std`` per target."""

    n: tuple[int, ...] | None
    cells: list[Cell]
    todo: list
    std: dict


def _stored(store, plan: AtlasPlan, steps: int | None) -> dict:
    """{(target, layers, width, seed): relative-error-ready row} for the runs of the plan's setup."""
    from ..train.store import ResultStore

    if not os.path.exists(os.fspath(store)):
        return {}
    setup = plan.setup(steps)
    with ResultStore(store, readonly=True) as opened:
        rows = opened.rows(activation=ACTIVATION, steps=setup["steps"])
    return {(r["target"], r["layers"], r["width"], r["seed"]): r for r in rows
            if all(r[c] == setup[c] for c in SETUP_COLUMNS)}


def atlas_state(store, plan: AtlasPlan, steps: int | None = None, only=None) -> AtlasState:
    """Every cell's search replayed on the runs ``store`` holds for ``plan`` (trained with ``steps``,
    default the plan's), and the specs that the open cells need next.

    A probe counts once all its seeds are stored. Cells: for one target, one per k; for the product
    family, one per (n, k) on the n axis — the plan's, or, open-ended, n = 2, 3, … up to the first n
    whose shallowest k is above the cap (while that is unknown, up to :data:`AUTO_LOOKAHEAD` n beyond
    the first unfinished one, and at least to :data:`AUTO_FIRST_N`, are searched side by side).

    Along the axis the searches run as a wave: a cell's next probe *waits* until the same k at the
    previous n on the axis has made that probe or finished (every gallop walks the same widths, so
    n trails n − 1 by about a round), and a cell whose previous n is above the cap (or skipped) is
    *skipped* unless its own search had already finished. So when one n fails at the cap, the larger
    n have not yet paid for their widest probes — the cost of a failing cell — and an open-ended
    axis drops its look-ahead n cheaply. Waits change when a probe is trained, never which probes a
    search makes; both rules read the store alone, so an interrupted run resumes to the same table.
    ``only``: a set of (n, k) to restrict to (n None for one target). The function writes nothing.
    """
    stored = _stored(store, plan, steps)
    stds: dict = {}

    def cell(target: str, k: int, skipped: bool = False) -> Cell:
        from ..train.targets import make_target

        if target not in stds:
            stds[target] = target_std(target, plan.training.domain, plan.training.test_size)[0]
        probes = {}
        for width in plan.grid:
            rows = [stored.get((target, k, width, seed)) for seed in plan.seeds]
            if all(rows):
                probes[width] = [None if r["status"] != "done" or r["test_rmse"] is None
                                 else r["test_rmse"] / stds[target] for r in rows]
        outcome = {w: _success(errors, plan.threshold) for w, errors in probes.items()}
        state = search(list(plan.grid), outcome)
        return Cell(target, make_target(target).n, k, state, probes, skipped=skipped and not state.finished)

    cells: list[Cell] = []
    if plan.family != PRODUCT:
        cells = [cell(plan.target, k) for k in plan.layers if only is None or (None, k) in only]
        axis = None
    else:
        by_n: dict[int, dict[int, Cell]] = {}

        def row_of(n: int, previous: int | None) -> dict[int, Cell]:
            """The cells of n; ``previous``: the n before it on the axis, whose cells decide the
            skips and the waits."""
            before = by_n.get(previous, {})
            row = {}
            for k in plan.layers:
                # a neighbour that is not itself searched (``only``) neither holds a cell up nor skips it
                p = before.get(k) if only is None or (previous, k) in only else None
                made = cell(plan.target_of(n), k, skipped=p is not None and (
                    p.skipped or p.state.status == "above_cap"))
                if p is not None and made.open and not p.state.finished and made.state.next not in p.state.probes:
                    made = replace(made, waiting=True)
                row[k] = made
            by_n[n] = row
            return row

        if plan.n is not None:
            axis = tuple(plan.n)
            for previous, n in zip((None,) + axis, axis):
                row_of(n, previous)
        else:
            shallowest, n, axis = plan.layers[0], 2, []
            while n <= N_LIMIT:
                axis.append(n)
                status = row_of(n, n - 1)[shallowest].state.status
                if status == "above_cap":
                    break
                if status == "searching":
                    for extra in range(n + 1, min(max(n + AUTO_LOOKAHEAD, AUTO_FIRST_N), N_LIMIT) + 1):
                        axis.append(extra)
                        row_of(extra, extra - 1)
                    break
                n += 1
            axis = tuple(axis)
        cells = [by_n[n][k] for n in axis for k in plan.layers if only is None or (n, k) in only]
    todo = [plan.spec(c.target, c.layers, c.state.next, seed, steps)
            for c in cells if c.open and not c.waiting for seed in plan.seeds
            if (c.target, c.layers, c.state.next, seed) not in stored]
    return AtlasState(None if axis is None else tuple(axis), cells, todo, stds)


def _success(errors: list, threshold: float) -> bool:
    finite = [e for e in errors if e is not None]
    return bool(finite) and min(finite) <= threshold


def check_store(store, plan: AtlasPlan) -> None:
    """Refuse (one line, reading only) a store holding runs of another training setup than the
    plan's or its :func:`budget_check` companion (the same with :data:`BUDGET_FACTOR`× the steps)."""
    from ..train.store import ResultStore

    path = os.fspath(store)
    if not os.path.exists(path):
        return
    allowed = [plan.setup(), plan.setup(plan.training.steps * BUDGET_FACTOR)]
    with ResultStore(path, readonly=True) as opened:
        rows = opened.rows()
    for row in rows:
        setup = {c: row[c] for c in SETUP_COLUMNS}
        if setup not in allowed:
            raise DepthsepError(f"results store {path} holds runs of another training setup "
                                f"({_describe(setup)}) than this atlas ({_describe(allowed[0])}); "
                                "use another --store, or the store's own settings")


def _describe(setup: dict) -> str:
    return " ".join(f"{c}={setup[c]:g}" if c == "lr" else f"{c}={setup[c]}" for c in SETUP_COLUMNS)


def _search_rounds(store, plan: AtlasPlan, run: RunOptions, label: str, steps: int | None = None,
                   only=None) -> dict:
    """Train round after round until no cell is open: each round, the next probe of every open cell
    in one run_specs call. Returns the final state and what the rounds did."""
    from ..train.sweep import run_specs

    rounds, trained, train_s = 0, 0, 0.0
    while True:
        state = atlas_state(store, plan, steps, only)
        if not state.todo:
            if any(c.open for c in state.cells):    # a wave always has a head that can move
                raise RuntimeError("atlas search stalled: open cells but nothing to train")
            return {"state": state, "rounds": rounds, "trained": trained, "train_s": round(train_s, 3)}
        rounds += 1
        opened = sum(c.open for c in state.cells)
        summary = run_specs(state.todo, store, run, label=f"{label} round {rounds} ({opened} cells open)")
        trained += summary["trained"]
        train_s += summary["wall_s"]


def atlas(mode: str = "quick", target=None, n=None, layers=None, threshold=None, seeds=None, steps=None,
          max_width=None, domain=None, store=STORE, out=OUT, run: RunOptions = RunOptions(),
          constructions: Mapping[str, Callable] | None = None) -> dict:
    """``depthsep atlas``: search (or resume) the minimal width of every cell into ``store``, then
    report from the store and draw ``out`` (PNG and SVG; None: no figure).

    ``target``: "product" (the family over n, the default) or one target (``product:N``,
    ``poly:EXPR``, ``radial:PHI:D…``). Every other argument left None takes the preset's value
    (:func:`atlas_preset`). ``constructions``: sizes of explicit networks to draw beside the
    trained minimum (default :data:`CONSTRUCTIONS`). ``run``: where and how to train.

    Returns ``mode, target, threshold, metric, success, setup, n, rows, fits, theory, files, store,
    rounds, trained, train_s, wall_s``: ``rows`` (:func:`atlas_rows`) each with ``n, layers,
    min_width, min_neurons, status, probes`` (``width`` and per-seed ``errors``); ``fits``
    (:func:`atlas_fits`) each with ``layers, beta, beta_low, beta_high``.
    """
    start = time.perf_counter()
    plan = atlas_plan(mode, target, n, layers, threshold, seeds, steps, max_width, domain)
    paths = figure_paths(out) if out is not None else []
    check_store(store, plan)
    done = _search_rounds(store, plan, run, "atlas")
    result = atlas_result(plan, done["state"], constructions)
    result.update({"store": os.fspath(store), "rounds": done["rounds"], "trained": done["trained"],
                   "train_s": done["train_s"]})
    result["files"] = plot_atlas(result, paths[0]) if paths else []
    result["wall_s"] = round(time.perf_counter() - start, 3)
    return result


# -- 3. analysis -----------------------------------------------------------------------------------

def _probe(width: int, errors: list, threshold: float) -> dict:
    finite = [e for e in errors if e is not None]
    return {"width": width, "errors": errors, "best": min(finite) if finite else None,
            "median": statistics.median(finite) if finite else None,
            "diverged": len(errors) - len(finite), "success": _success(errors, threshold)}


def atlas_rows(plan: AtlasPlan, state: AtlasState, constructions: Mapping[str, Callable] | None = None) -> list[dict]:
    """One row per cell: ``n, layers, target, min_width, min_neurons`` (None unless found),
    ``status`` (found, above_cap, skipped or searching), ``monotone``, ``probes`` in the order the
    search made them (each ``width, errors`` per seed, ``best, median, diverged, success``),
    ``at_min`` and ``largest_failure`` (the probes at the minimum and at the widest failing width),
    and, for products, ``tree_neurons`` (Thm 5.1's exact count, the ε → 0 notion the conjecture is
    about) and ``constructions`` (label → neurons)."""
    from ..theory.tree import optimal_tree

    constructions = CONSTRUCTIONS if constructions is None else constructions
    rows = []
    for c in state.cells:
        probes = [_probe(w, c.probes[w], plan.threshold) for w in c.state.probes]
        by_width = {p["width"]: p for p in probes}
        failures = [p for p in probes if not p["success"]]
        status = "skipped" if c.skipped else c.state.status
        found = status == "found"
        row = {"n": c.n, "layers": c.layers, "target": c.target,
               "min_width": c.state.min_width if found else None,
               "min_neurons": c.layers * c.state.min_width if found else None,
               "status": status, "monotone": c.state.monotone, "probes": probes,
               "at_min": by_width.get(c.state.min_width) if found else None,
               "largest_failure": max(failures, key=lambda p: p["width"]) if failures else None}
        if plan.family == PRODUCT:
            row["tree_neurons"] = optimal_tree(c.n, c.layers).neurons
            row["constructions"] = {label: size(c.n, c.layers, plan.threshold, plan.training.domain)
                                    for label, size in constructions.items()}
        rows.append(row)
    return rows


def atlas_fits(rows: list[dict], layers) -> list[dict]:
    """Per k, :func:`~._exponent_fit.fit_exponent` of log2 m over the found cells (at least
    :data:`~._exponent_fit.MIN_POINTS`; fewer gives a fit whose numbers are None and says why)."""
    fits = []
    for k in layers:
        found = sorted((r["n"], r["min_neurons"]) for r in rows if r["layers"] == k and r["status"] == "found")
        fits.append(fit_exponent([n for n, _ in found], [math.log2(m) for _, m in found], layers=k))
    return fits


def target_theory(plan: AtlasPlan) -> dict | None:
    """What the theory says beside the atlas: for the product family, Thm 5.1's tree (exact neurons
    per (n, k), 2^n for one layer) — in the rows; for a polynomial, the `bounds` keys (shallow
    lower/upper, deep upper, the best built network); None for other targets."""
    if plan.family == PRODUCT:
        return {"source": "Theorem 5.1 product tree (exact), 2^n with one layer; ε → 0",
                "per_row": "tree_neurons"}
    if plan.target.startswith("poly:") or plan.target.startswith("product:"):
        from ..construct.sizes import bounds_with_constructions

        body = plan.target.split(":", 1)[1]
        expr = body if plan.target.startswith("poly:") else "*".join(f"x{i + 1}" for i in range(int(body)))
        bounds = bounds_with_constructions(expr)
        keys = ("shallow_lower", "shallow_upper", "deep_upper", "best_upper")
        return {"source": f"depthsep bounds '{expr}' (ε → 0)", **{k: bounds.get(k) for k in keys}}
    return None


def atlas_result(plan: AtlasPlan, state: AtlasState, constructions: Mapping[str, Callable] | None = None) -> dict:
    """The JSON-ready atlas of ``state`` (see :func:`atlas`), without the run's own fields."""
    rows = atlas_rows(plan, state, constructions)
    fits = atlas_fits(rows, plan.layers) if plan.family == PRODUCT else []
    std_how = {t: target_std(t, plan.training.domain, plan.training.test_size)[1] for t in state.std}
    setup = {**plan.training.as_dict(), "domain": plan.setup()["domain"], "lr": plan.spec(
        plan.target_of(2), 1, 1, 0).lr, "activation": ACTIVATION, "seeds": list(plan.seeds),
        "max_width": plan.max_width, "widths": list(plan.grid), "lr_schedule": "constant"}
    return {"mode": plan.mode, "target": plan.family or plan.target, "threshold": plan.threshold,
            "metric": METRIC, "success": SUCCESS, "std": sorted(set(std_how.values())),
            "setup": setup, "n": None if state.n is None else list(state.n), "layers": list(plan.layers),
            "rows": rows, "fits": fits, "theory": target_theory(plan)}


# -- budget sensitivity ------------------------------------------------------------------------------

def budget_check(mode: str = "quick", target=None, n=None, layers=None, threshold=None, seeds=None, steps=None,
                 max_width=None, domain=None, cells=None, store=STORE, run: RunOptions = RunOptions()) -> dict:
    """Re-search some cells of an atlas at :data:`BUDGET_FACTOR`× the steps, into the same store
    (those runs differ in ``steps``, so they are keyed apart), and report how the minimal widths move.

    The atlas itself is resumed first (nothing is trained if it is complete). ``cells``: (n, k)
    pairs (n None for one target); default, for each k, the two largest n of the atlas — the frontier,
    where a budget limit shows first. Returns ``factor, steps, longer_steps, rows`` (each ``n, layers,
    min_width, longer_min_width, status, longer_status, grid_steps`` — the change in √2-grid steps,
    negative when the longer budget needs fewer neurons, None when either is not found — and the
    longer search's ``probes``), ``summary`` (counts of lower, same, higher, not comparable),
    ``trained`` and ``wall_s``.
    """
    start = time.perf_counter()
    base = atlas(mode, target, n, layers, threshold, seeds, steps, max_width, domain, store, out=None, run=run)
    plan = atlas_plan(mode, target, n, layers, threshold, seeds, steps, max_width, domain)
    if cells is None:
        if plan.family == PRODUCT:
            frontier = sorted(base["n"])[-2:]
            wanted = {(r["n"], r["layers"]) for r in base["rows"] if r["n"] in frontier}
        else:
            wanted = {(None, k) for k in plan.layers}
    else:
        wanted = {(None if plan.family != PRODUCT else positive_int(c[0], "cell n"), positive_int(c[1], "cell layers"))
                  for c in cells}
        known = {(r["n"] if plan.family == PRODUCT else None, r["layers"]) for r in base["rows"]}
        missing = sorted(wanted - known, key=str)
        if missing:
            raise DepthsepError(f"budget_check cells {missing} are not in the atlas")
    longer = plan.training.steps * BUDGET_FACTOR
    if plan.family == PRODUCT:          # the atlas's own n axis, not one grown from the longer runs
        plan = replace(plan, n=tuple(base["n"]))
    done = _search_rounds(store, plan, run, "budget", steps=longer, only=wanted)
    longer_rows = {(r["n"], r["layers"]): r for r in atlas_rows(plan, done["state"])}
    grid = list(plan.grid)
    rows, summary = [], {"lower": 0, "same": 0, "higher": 0, "not comparable": 0}
    for r in base["rows"]:
        key = (r["n"], r["layers"])
        if key not in longer_rows:
            continue
        other = longer_rows[key]
        change = None
        if r["status"] == "found" and other["status"] == "found":
            change = grid.index(other["min_width"]) - grid.index(r["min_width"])
            summary["lower" if change < 0 else "higher" if change > 0 else "same"] += 1
        else:
            summary["not comparable"] += 1
        rows.append({"n": r["n"], "layers": r["layers"], "min_width": r["min_width"],
                     "longer_min_width": other["min_width"], "status": r["status"],
                     "longer_status": other["status"], "grid_steps": change, "probes": other["probes"]})
    return {"factor": BUDGET_FACTOR, "steps": plan.training.steps, "longer_steps": longer,
            "threshold": plan.threshold, "rows": rows, "summary": summary, "trained": done["trained"],
            "rounds": done["rounds"], "wall_s": round(time.perf_counter() - start, 3)}


# -- 4. table and figures ----------------------------------------------------------------------------

def atlas_table(result: dict) -> str:
    """Rows: n; columns: k; cells: minimal neurons ("> cap" where the cap failed, "-" not searched,
    "?" still searching, "*" where success was not monotone in the width)."""
    from ..text import table

    layers = result["layers"]
    by = {(r["n"], r["layers"]): r for r in result["rows"]}
    ns = sorted({r["n"] for r in result["rows"]})

    def cell(row):
        if row is None or row["status"] == "skipped":
            return "-"
        if row["status"] == "above_cap":
            return "> cap"
        if row["status"] == "searching":
            return "?"
        return f"{row['min_neurons']}{'' if row['monotone'] else '*'}"

    body = [[n] + [cell(by.get((n, k))) for k in layers] for n in ns]
    seeds = len(result["setup"]["seeds"])
    title = (f"minimal neurons k·W reaching relative RMSE ≤ {result['threshold']:g} "
             f"({'best of ' + str(seeds) + ' seeds' if seeds > 1 else 'one seed'}; "
             f"cap W = {result['setup']['max_width']})")
    return table(["n"] + [f"k={k}" for k in layers], body, title=title)


LAYER_COLOURS = ["#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#555555"]


CONSTRUCTION_STYLES = (":", "-.")   # line styles of the construction sizes, in label order


def _colour(k: int) -> str:
    return LAYER_COLOURS[(k - 1) % len(LAYER_COLOURS)]


def plot_atlas(result: dict, path) -> list[str]:
    """The atlas as a PNG and an SVG at ``path``'s stem; returns the paths.

    Product family, three panels: (a) minimal neurons m = k·W against n per k on a log2 axis, with
    Thm 5.1's exact tree count dashed in the same colour (2^n for one layer) and any construction
    sizes dotted; a cell above the cap is an open marker at k·cap with an arrow up. (b) the
    collapse: log2 m against n^(1/k) — straight lines if Conjecture 5.2's 2^Θ(n^(1/k)) holds — with
    each k's fit at β = 1/k. (c) β̂ per k with its interval, against the conjecture's 1/k and against
    1. One target: minimal neurons per k, with the `bounds` beside them, and the best seed's error
    against width per k.
    """
    paths = figure_paths(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._figures import save

    if result["n"] is None:
        fig = _plot_one_target(plt, result)
    else:
        fig = _plot_family(plt, result)
    return save(fig, paths, dpi=120)


def _footer(result: dict) -> str:
    s = result["setup"]
    unit = "{:g}:{:g}".format(*UNIT_DOMAIN)
    law = "U[−√3, √3]" if s["domain"] == unit else f"U[{s['domain'].replace(':', ', ')}]"
    return (f"tanh, x_i ~ {law}, {s['optimizer']} lr {s['lr']:g} (constant), "
            f"{s['loss']} loss, {s['steps']} steps of {s['batch_size']}, seeds {', '.join(map(str, s['seeds']))}; "
            f"success: best seed's test RMSE / std ≤ {result['threshold']:g}; width grid {s['widths'][0]}…"
            f"{s['max_width']} (×√2)")


def _plot_family(plt, result: dict):
    from matplotlib.lines import Line2D

    rows, layers, cap = result["rows"], result["layers"], result["setup"]["max_width"]
    ns = result["n"]
    labels = sorted({label for r in rows for label, size in r.get("constructions", {}).items() if size})
    fig, axes = plt.subplots(1, 3, figsize=(16.5, 5.6), layout="constrained",
                             gridspec_kw={"width_ratios": (1.25, 1.1, 0.8)})
    ax = axes[0]
    for k in layers:
        mine = sorted((r for r in rows if r["layers"] == k), key=lambda r: r["n"])
        colour = _colour(k)
        found = [r for r in mine if r["status"] == "found"]
        ax.plot([r["n"] for r in found], [r["min_neurons"] for r in found], "-o", color=colour, lw=1.6, ms=6,
                label=f"k = {k}", zorder=3)
        for r in found:
            if not r["monotone"]:
                ax.plot([r["n"]], [r["min_neurons"]], "o", ms=12, mfc="none", mec=colour, mew=1.0, zorder=3)
        above = [r for r in mine if r["status"] == "above_cap"]
        if above:
            xs, ys = [r["n"] for r in above], [k * cap for _ in above]
            ax.plot(xs, ys, "o", mfc="white", mec=colour, mew=1.6, ms=7, zorder=4)
            for x, y in zip(xs, ys):
                ax.annotate("", xy=(x, y * 1.9), xytext=(x, y * 1.12),
                            arrowprops=dict(arrowstyle="->", color=colour, lw=1.3))
        tree = [(r["n"], r["tree_neurons"]) for r in mine]
        ax.plot([t[0] for t in tree], [t[1] for t in tree], "--", color=colour, lw=1.1, alpha=0.8, zorder=2)
        for label, style in zip(labels, CONSTRUCTION_STYLES):
            pts = [(r["n"], r["constructions"][label]) for r in mine if r["constructions"].get(label)]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=colour, lw=1.3, marker=".", ms=5)
    ax.set_yscale("log", base=2)
    ax.set_xticks(ns)
    ax.set_xlabel("n (inputs of the product x1⋯xn)")
    ax.set_ylabel("neurons m = k·W")
    ax.set_title("(a) fewest neurons reaching the threshold")
    top = max([r["tree_neurons"] for r in rows] + [max(layers) * cap * 2])
    ax.set_ylim(1.5, min(top, 2 ** 16) * 1.5)
    ax.grid(True, which="major", color="0.9", lw=0.6)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="0.3", ls="--", label="Thm 5.1 tree (ε → 0; 2^n for k = 1)"),
                Line2D([], [], color="0.3", marker="o", mfc="white", ls="none", label="above the width cap (k·cap)")]
    handles += [Line2D([], [], color="0.3", ls=style, marker=".", label=label)
                for label, style in zip(labels, CONSTRUCTION_STYLES)]
    if any(not r["monotone"] for r in rows):
        handles.append(Line2D([], [], color="0.3", marker="o", ms=11, mfc="none", ls="none",
                              label="success not monotone in W"))
    ax.legend(handles=handles, fontsize=8, loc="upper left")

    ax = axes[1]
    fits = {f["layers"]: f for f in result["fits"]}
    for k in layers:
        found = sorted((r["n"], r["min_neurons"]) for r in rows if r["layers"] == k and r["status"] == "found")
        if not found:
            continue
        xs = [n ** (1 / k) for n, _ in found]
        ax.plot(xs, [math.log2(m) for _, m in found], "o", color=_colour(k), ms=6, label=f"k = {k}, x = n^(1/{k})")
        fit = fits.get(k)
        if fit and fit["fixed"]:
            fixed = fit["fixed"][0]
            grid = [min(xs) + (max(xs) - min(xs)) * i / 50 for i in range(51)]
            ax.plot(grid, [fixed["a"] * x + fixed["c"] for x in grid], "-", color=_colour(k), lw=1.0, alpha=0.7)
    ax.set_xlabel("n^(1/k)")
    ax.set_ylabel("log2 m")
    ax.set_title("(b) collapse: straight if m = 2^Θ(n^(1/k))")
    ax.plot([], [], "-", color="0.4", lw=1.0, label="least squares at β = 1/k")
    ax.grid(True, color="0.9", lw=0.6)
    ax.legend(fontsize=8, loc="lower right")

    ax = axes[2]
    kk = [k / 10 for k in range(10, 10 * max(layers) + 1)]
    ax.plot(kk, [1 / k for k in kk], "-", color="0.25", lw=1.2, label="conjecture 5.2: β = 1/k")
    ax.axhline(1.0, color="0.55", ls=":", lw=1.2, label="β = 1 (2^n, one layer's growth)")
    drawn = False
    for k in layers:
        fit = fits.get(k)
        if not fit or fit["beta"] is None:
            continue
        drawn = True
        ax.errorbar([k], [fit["beta"]], yerr=[[fit["beta"] - fit["beta_low"]], [fit["beta_high"] - fit["beta"]]],
                    fmt="o", color=_colour(k), capsize=4, ms=7, lw=1.6)
    if not drawn:
        ax.text(0.5, 0.5, f"no k has {MIN_POINTS} found points:\nno fit", transform=ax.transAxes,
                ha="center", va="center", color="0.3")
    ax.set_xticks(layers)
    ax.set_xlim(0.5, max(layers) + 0.5)
    ax.set_ylim(0, max([1.3] + [f["beta_high"] * 1.05 for f in result["fits"] if f["beta_high"] is not None]))
    ax.set_xlabel("hidden layers k")
    ax.set_ylabel("β̂ in log2 m = a·n^β + c")
    ax.set_title(f"(c) fitted exponent, {int(100 * 0.95)}% bootstrap interval")
    ax.grid(True, color="0.9", lw=0.6)
    ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"Width atlas of x1⋯xn: fewest neurons of k tanh layers reaching relative RMSE ≤ "
                 f"{result['threshold']:g}")
    fig.supxlabel(_footer(result), fontsize=8, color="0.3")
    return fig


def _plot_one_target(plt, result: dict):
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullLocator, ScalarFormatter

    rows, layers, cap = result["rows"], result["layers"], result["setup"]["max_width"]
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.0), layout="constrained")
    ax = axes[0]
    for r in rows:
        k, colour = r["layers"], _colour(r["layers"])
        if r["status"] == "found":
            ax.plot([k], [r["min_neurons"]], "o", color=colour, ms=8)
        elif r["status"] == "above_cap":
            ax.plot([k], [k * cap], "o", mfc="white", mec=colour, mew=1.6, ms=8)
            ax.annotate("", xy=(k, k * cap * 1.9), xytext=(k, k * cap * 1.12),
                        arrowprops=dict(arrowstyle="->", color=colour, lw=1.3))
    theory = result["theory"] or {}
    styles = {"shallow_lower": ("0.2", ":", "shallow lower bound (1 layer)"),
              "shallow_upper": ("0.2", "--", "shallow upper bound (1 layer)"),
              "deep_upper": ("0.5", "-.", "deep upper bound")}
    for key, (colour, ls, label) in styles.items():
        value = theory.get(key)
        if isinstance(value, (int, float)) and value > 0:
            ax.axhline(value, color=colour, ls=ls, lw=1.1, label=f"{label}: {value}")
    best = theory.get("best_upper")
    if isinstance(best, dict) and best.get("neurons"):
        ax.plot([best["layers"]], [best["neurons"]], "*", color="0.2", ms=11,
                label=f"best built network: {best['neurons']} neurons, {best['layers']} layers")
    ax.set_yscale("log", base=2)
    values = [v for line in ax.get_lines() for v in line.get_ydata() if v and v > 0] or [1, k * cap]
    low, high = math.floor(math.log2(min(values))) - 1, math.ceil(math.log2(max(values))) + 1
    ax.set_ylim(2 ** low, 2 ** high)
    ax.set_yticks([2 ** e for e in range(low, high + 1)], [str(2 ** e) for e in range(low, high + 1)])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xticks(layers)
    ax.set_xlim(0.5, max(layers) + 0.5)
    ax.set_xlabel("hidden layers k")
    ax.set_ylabel("fewest neurons m = k·W reaching the threshold")
    ax.grid(True, color="0.9", lw=0.6)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax = axes[1]
    for r in rows:
        probes = sorted((p for p in r["probes"] if p["best"] is not None), key=lambda p: p["width"])
        ax.plot([p["width"] for p in probes], [p["best"] for p in probes], "-o", color=_colour(r["layers"]),
                ms=4, lw=1.3, label=f"k = {r['layers']} (best seed)")
        ax.plot([p["width"] for p in probes], [p["median"] for p in probes], ":", color=_colour(r["layers"]), lw=1.0)
    ax.axhline(result["threshold"], color="k", ls="--", lw=1.0, label=f"threshold {result['threshold']:g}")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("width W (probed by the search)")
    ax.set_ylabel("relative test RMSE (dotted: median seed)")
    ax.grid(True, color="0.9", lw=0.6)
    ax.legend(fontsize=8)
    fig.suptitle(f"Width atlas of {result['target']}")
    fig.supxlabel(_footer(result), fontsize=8, color="0.3")
    return fig


__all__ = ["ACTIVATION", "AUTO_FIRST_N", "AUTO_LOOKAHEAD", "AtlasPlan", "AtlasPreset", "AtlasState",
           "BUDGET_FACTOR", "CONSTRUCTIONS", "Cell", "METRIC", "MODES", "N_LIMIT", "OUT", "PRODUCT",
           "SETUP_COLUMNS", "STORE", "UNIT_DOMAIN", "atlas", "atlas_fits", "atlas_plan", "atlas_preset",
           "atlas_result", "atlas_rows", "atlas_state", "atlas_table", "budget_check", "check_store",
           "plot_atlas", "target_std", "target_theory"]
