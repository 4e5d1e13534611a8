"""Figure 2 of Rolnick & Tegmark: how well nets of k hidden layers × W neurons per layer learn
x1·x2·…·x20, against the width the theory says k layers need.

    >>> from depthsep.experiments.figure2 import figure2, heatmap
    >>> figure2("quick", store="figure2.db", out="figure2.png")["files"]       # doctest: +SKIP
    ['figure2.png', 'figure2.svg']
    >>> heatmap("runs.db", "product:20", "tanh", "fig2.png", setup={"steps": 300})["setup"]  # doctest: +SKIP
    {'steps': 300, 'batch_size': 128, 'lr': 1.0, 'optimizer': 'adadelta', 'loss': 'l1', 'domain': '0:2', ...}

The module reads as its passes:

1. **preset** — :func:`figure2_grid`: the paper's fixed setup and our documented choices for what it
   leaves open (steps, batch, seeds, test set), as a ``quick`` and a ``full`` grid;
2. **sweep** — :func:`figure2`: the grid's specs through :func:`depthsep.train.sweep.run_specs` into a
   results store (resumable: a finished store trains nothing and is only redrawn);
3. **analysis** — :func:`heatmap_data`: the store alone (one training setup of one target and
   activation, drawn starts only) → mean, min and max test MAE per (layers, width) cell; and :func:`constant_baseline`:
   the best constant predictor's MAE on the very test points the models were scored on, re-drawn
   from the setup's (target, domain, test size) by :func:`depthsep.train.data.evaluation_set`;
4. **figures** — :func:`heatmap`: the cells on a colour scale centred on that baseline, with the
   paper's curve and the exact product tree overlaid (drawn by :mod:`depthsep.experiments._heatmap`).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from datetime import datetime, timezone

from ..checks import choice, figure_paths, positive_int, positive_number
from ..errors import DepthsepError
from ..train.config import RunOptions
from ..train.spec import DEFAULT_LR, DRAWN_INITS, LOSSES, parse_domain
from ..train.store import ResultStore
from ..train.sweep import grid_specs, run_specs, stored_rows
from ._atomic import write_csv
from ._provenance import command_line, write_record
from ._stats import summarise

# -- 1. preset -------------------------------------------------------------------------------------

MODES = ("quick", "full")

#: Figure 2's fixed setup (Section 5): n = 20, x_i ~ U[0, 2], AdaDelta, absolute-error loss; and
#: Glorot's initialisation (see :func:`figure2_grid` for why).
FIGURE2_SETUP = dict(target="product:20", domain="0:2", optimizer="adadelta", lr=None, loss="l1", init="glorot")


def figure2_grid(mode: str = "quick") -> dict:
    """Keyword arguments for :func:`depthsep.train.sweep.grid_specs` (and ``sweep``) reproducing Figure 2.

    Fixed by the paper: target x1·x2·…·x20 (n = 20), x_i ~ U[0, 2], AdaDelta (torch default
    lr = 1.0, rho = 0.9), L1 loss, tanh ("ReLU similar"). **Not stated** by the paper: steps,
    batch size, test set, initialisation. Our choices and why:

    * ``batch_size = 128`` fresh points per step (an infinite stream, no epochs): the target is
      heavy-tailed (mean 1, median ≈ 0.003), and with L1 the gradient only sees signs of residuals,
      so a modest batch with many steps beats a large batch with few; 128 keeps a step cheap on a
      CPU core while the sign estimate is already stable.
    * **steps** — the best constant predictor (the median) already scores MAE ≈ 0.97–1.0 (0.995 on
      the quick test set, 0.974 on the full one: the tail makes the sample MAE itself noisy), so
      nothing shows unless training runs long. Measured on this engine (seed 0, batch 128, test
      20 000): after 5 000 steps every net is still ≈ 0.96–0.99; after 20 000 steps one layer × 80
      stays at 0.996 while 2 × 40 reaches 0.93, 4 × 20 0.89, 6 × 20 0.87 and 4 × 40 0.86 — depth
      beats width at equal or fewer neurons. ``quick`` uses 50 000 steps (at 20 000 the 2–8-layer
      rows were still noisy); ``full`` uses 60 000, so the deep nets get closer to convergence.
    * **seeds** — 4: the CPU engine trains models in groups of 4 slots that share the seed-independent
      shape, so 4 seeds cost about what 1 does; the heatmap shows the mean and the min–max over seeds.
    * ``test_size`` — 100 000 points for ``full`` (the MAE's standard error ≈ 0.01 with this tail),
      20 000 for ``quick``.
    * ``init = "glorot"`` — Glorot's draw (Keras's default when the paper was written), × √2 for
      relu (:func:`depthsep.train.spec.initial_parameters`). nn.Linear's draw (``random``) shrinks
      the signal at every layer, and the deep half of the grid then tests the initialisation, not
      depth: in a full grid trained from it (60 000 steps), all 186 relu models of 12–20 layers
      (widths 65–100) and all 80 tanh models of 18–20 layers ended at the constant predictor (0.974,
      to within 0.001). From Glorot's draw the same shapes can learn::

          depthsep sweep --target product:20 --layers 12,20 --widths 50 --activation tanh,relu \\
              --seeds 0,1 --steps 12000 --batch-size 128 --domain 0:2 --optimizer adadelta \\
              --loss l1 --test-size 20000 --init glorot          # and again with --init random

      From ``glorot``, relu nets of 12 and 20 layers reach 0.58–0.79 and tanh nets of 20 layers
      0.93; from ``random`` all of them stay at 0.995, the constant. The draw is not enough for
      deep, wide tanh nets: at 60 000 steps and 16–20 layers × 100, 10 of 20 relu seeds learned
      from ``glorot`` (none from ``random``), but only 5 of 20 tanh seeds (6 of 20 from ``random``).
      There AdaDelta's step size matters more (``docs/results/README.md``: at rate 0.3 every seed
      of 20 × 100 learns). Up to 8 layers the two draws give the same picture: on the quick grid
      no cell's mean moved by more than 0.05, in either direction (23 of 30 within their seed
      spread), and one layer stays at the constant while 2–8 layers beat it under both.

    ``quick``: tanh, layers {1, 2, 3, 4, 6, 8} × widths {5, 10, 20, 40, 80} (30 cells × 4 seeds):
    2 min 40 s wall on a 2-core AMD EPYC with the fused CPU step (5 min 44 s with the engine as it
    was before that step, in the same run; 7 min on a 2-core Intel Xeon then). One hidden layer
    stays at MAE 0.95–0.98 for every width (barely below the constant's 0.995), while 2–6 layers of
    width ≥ 20 reach 0.77–0.86. ``full``:
    the paper's grid — widths 5, 10, …, 100 (step 5) × layers 1…20 × {tanh, relu}, 4 seeds: 3 200
    models, 5.2·10¹⁵ floating-point operations, 200× the quick grid's: about 10 h on 2 CPU cores
    (a slice of it — layers 2, 5, 10, 20 × widths 10, 25, 50, 100, 1 000 steps — trains at 130–135
    GFLOP/s there, the quick grid at 158), so meant for a GPU or the Ray backend.

    These values are the keys of the models in an existing ``figure2.db``: changing one makes the
    next run train a new grid beside the stored one instead of resuming it.
    """
    choice(mode, "Figure 2 mode", MODES)
    if mode == "quick":
        grid = dict(layers=[1, 2, 3, 4, 6, 8], widths=[5, 10, 20, 40, 80], activations=["tanh"],
                    seeds=[0, 1, 2, 3], steps=50_000, batch_size=128, test_size=20_000)
    else:
        grid = dict(layers=list(range(1, 21)), widths=list(range(5, 101, 5)),
                    activations=["tanh", "relu"], seeds=[0, 1, 2, 3], steps=60_000,
                    batch_size=128, test_size=100_000)
    return {**FIGURE2_SETUP, **grid}


# -- 2. sweep into the store ------------------------------------------------------------------------

def figure2(mode: str = "quick", store="figure2.db", out="figure2.png", run: RunOptions = RunOptions(),
            init: str | None = None) -> dict:
    """``depthsep figure2``: train (or resume) the grid of :func:`figure2_grid` into ``store``, then
    draw one heatmap per activation. ``init`` (``random`` or ``glorot``) replaces the preset's
    starting weights, to see what they change.

    Returns the summary of :func:`~depthsep.train.sweep.run_specs` plus ``files`` (PNG and SVG paths:
    ``out`` for the first activation, ``<stem>-<activation>.<ext>`` for the others), ``tables``
    (each heatmap's cells as CSV, same stems), ``baseline_mae``, the best constant predictor's
    test MAE the colours are centred on, and ``record``: ``<stem>.run.json``, the command that makes
    it all again and what it was made with (:mod:`._provenance`). Every figure path is checked
    before any training.
    """
    started, start = datetime.now(timezone.utc), time.perf_counter()
    grid = figure2_grid(mode)
    if init is not None:
        grid["init"] = choice(init, "--init", DRAWN_INITS)
    stem, ext = os.path.splitext(os.fspath(out))
    outs = [os.fspath(out) if i == 0 else f"{stem}-{activation}{ext or '.png'}"
            for i, activation in enumerate(grid["activations"])]
    for path in outs:
        figure_paths(path)
    specs = grid_specs(**grid)
    summary = run_specs(specs, store, run, label="figure2")
    # Draw exactly the preset's setup, whatever else the store holds.
    setup = setup_of(specs[0])
    files, tables, baseline = [], [], None
    for activation, path in zip(grid["activations"], outs):
        drawn = heatmap(store, grid["target"], activation, path, setup=setup)
        files += drawn["files"]
        tables.append(drawn["table"])
        baseline = drawn["baseline"]["mae"]
    with ResultStore(store, readonly=True) as stored:
        rows = stored_rows(stored, specs)
    command = command_line("depthsep", "figure2", f"--{mode}", ("--init", init), ("--store", os.fspath(store)),
                           ("--out", outs[0]),
                           ("--backend", None if run.backend == "local" else run.backend), ("--address", run.address),
                           ("--device", run.device), ("--workers", run.workers))
    record = write_record(outs[0], command, started, time.perf_counter() - start, summary, rows, files + tables)
    return {**summary, "files": files, "tables": tables, "baseline_mae": baseline, "record": record}


# -- 3. analysis from the store ---------------------------------------------------------------------

#: The columns that make two runs the same experiment apart from layers, width and seed: a training
#: setup. A heatmap draws one setup; :func:`heatmap_data` lets the caller choose which.
SETUP_COLUMNS = ("steps", "batch_size", "lr", "optimizer", "loss", "domain", "test_size", "init")


def setup_of(spec) -> dict:
    """A spec's training setup: its values of :data:`SETUP_COLUMNS`, as a store row holds them."""
    return {column: getattr(spec, column) for column in SETUP_COLUMNS}


def _setup_value(column: str, value):
    """A setup value as the store holds it, checked with the name the caller used."""
    if column in ("steps", "batch_size", "test_size"):
        return positive_int(value, column)
    if column == "lr":
        return positive_number(value, column)
    if column == "optimizer":
        return choice(value, column, tuple(DEFAULT_LR))
    if column == "loss":
        return choice(value, column, LOSSES)
    if column == "init":
        return choice(value, column, DRAWN_INITS)
    return parse_domain(value)                          # domain: compared as the pair (a, b)


def _matches(setup: dict, wanted: dict) -> bool:
    return all((parse_domain(setup[c]) if c == "domain" else setup[c]) == value
               for c, value in wanted.items())


def describe_setup(setup: dict) -> str:
    """``steps=300 batch_size=128 lr=1 optimizer=adadelta loss=l1 domain=0:2 test_size=20000 init=glorot``."""
    return " ".join(f"{c}={setup[c]:g}" if c == "lr" else f"{c}={setup[c]}" for c in SETUP_COLUMNS)


def constant_baseline(target: str, domain, test_size: int) -> dict:
    """The best constant predictor on the test set of (``target``, ``domain``, ``test_size``).

    For mean absolute error the best constant is the labels' median m:
    argmin_c (1/N) Σ |y_i − c| = m, so the baseline is (1/N) Σ |y_i − m|. The points are those
    every model of that setup was scored on (:func:`depthsep.train.data.evaluation_set`). Returns
    ``{"constant": m, "mae": …, "test_size": N}``; a cell below ``mae`` learned something a constant
    cannot.
    """
    import torch

    from ..train.data import evaluation_set
    from ..train.targets import make_target

    labels = torch.cat([y for _, y in evaluation_set(make_target(target), parse_domain(domain), test_size)])
    median = float(labels.quantile(0.5))                 # the midpoint for even N: any c in between is as good
    return {"constant": median, "mae": float((labels - median).abs().mean()), "test_size": int(labels.numel())}


def heatmap_data(store_path, target: str = "product:20", activation: str = "tanh",
                 setup: dict | None = None) -> dict:
    """The numbers behind a heatmap, from the runs of ``target`` × ``activation`` in the store.

    Only runs from drawn weights (``init`` ``random`` or ``glorot``) count: Figure 2 asks what
    training finds, and a run started from a construction (:mod:`depthsep.train.warm`) answers
    another question, even when it was written into the same store.
    A store can hold the same grid under several training setups (:data:`SETUP_COLUMNS`, the
    initialisation among them); one is drawn. ``setup`` (any of those columns → value) narrows the
    choice; among the setups left, the one with the most runs is drawn (ties: most steps, then the
    largest test set, then Figure 2's own initialisation). A ``setup`` that
    matches none raises :class:`DepthsepError` naming the setups there are.

    Returns ``target``, ``activation``, ``n``, ``layers``, ``widths``; per cell (rows = layers,
    columns = widths) ``mae`` (mean over the seeds that finished; None where none did), ``mae_min``,
    ``mae_max``, ``seeds`` (finished runs) and ``diverged``; ``setup`` (the one drawn),
    ``setups_left_out`` (the others, each with its ``runs``) and ``baseline`` (:func:`constant_baseline`
    of the drawn setup).
    """
    from ..train.targets import make_target

    target = make_target(target).name
    wanted = {}
    for column, value in (setup or {}).items():
        if column not in SETUP_COLUMNS:
            raise DepthsepError(f"unknown setup column '{column}' (choose from {', '.join(SETUP_COLUMNS)})")
        wanted[column] = _setup_value(column, value)
    with ResultStore(store_path, readonly=True) as store:
        rows = [r for r in store.rows({"target": target, "activation": activation}) if r["init"] in DRAWN_INITS]
    if not rows:
        raise DepthsepError(f"no runs from drawn weights ({' or '.join(DRAWN_INITS)}) for target {target} with "
                            f"activation {activation} in {os.fspath(store_path)}")
    by_setup = defaultdict(list)
    for row in rows:
        by_setup[tuple(row[c] for c in SETUP_COLUMNS)].append(row)
    setups = [dict(zip(SETUP_COLUMNS, key)) for key in by_setup]
    matching = [s for s in setups if _matches(s, wanted)]
    if not matching:
        there = "; ".join(f"{describe_setup(s)} ({len(by_setup[tuple(s.values())])} runs)" for s in setups)
        asked = ", ".join(f"{c}={v}" for c, v in setup.items())
        raise DepthsepError(f"no runs of {target} with {activation} at {asked} in {os.fspath(store_path)}; "
                            f"it holds: {there}")
    drawn = max(matching, key=lambda s: (len(by_setup[tuple(s.values())]), s["steps"], s["test_size"],
                                         s["init"] == FIGURE2_SETUP["init"]))
    chosen = by_setup[tuple(drawn.values())]
    left_out = [{**s, "runs": len(by_setup[tuple(s.values())])} for s in setups if s != drawn]

    layers = sorted({r["layers"] for r in chosen})
    widths = sorted({r["width"] for r in chosen})
    runs = defaultdict(list)                               # a diverged run has no test MAE: None
    for r in chosen:
        runs[(r["layers"], r["width"])].append(r["test_mae"] if r["status"] == "done" else None)
    cells = [[summarise(runs[(k, w)]) for w in widths] for k in layers]

    def grid(field):
        return [[cell[field] for cell in row] for row in cells]

    return {"target": target, "activation": activation, "n": chosen[0]["n"], "layers": layers,
            "widths": widths, "mae": grid("mean"), "mae_min": grid("min"), "mae_max": grid("max"),
            "seeds": [[len(runs[(k, w)]) - cell["diverged"] for w, cell in zip(widths, row)]
                      for k, row in zip(layers, cells)],
            "diverged": grid("diverged"), "setup": drawn, "setups_left_out": left_out,
            "baseline": constant_baseline(target, drawn["domain"], drawn["test_size"])}


# -- 4. figures -------------------------------------------------------------------------------------

def heatmap(store, target: str = "product:20", activation: str = "tanh", out="heatmap.png",
            setup: dict | None = None) -> dict:
    """``depthsep plot heatmap``: the cells of :func:`heatmap_data` as a PNG and an SVG.

    Blue cells beat the best constant predictor, red ones do worse (the colour scale is centred on
    its MAE); each cell prints its mean and, below, the min–max over seeds (grids too large to print
    numbers get a second panel with the seed spread). The paper's curve
    W = n^((k−1)/k)·2^(n^(1/k)) and the widest layer of the exact product tree (Thm 5.1) are
    overlaid; rows whose width lies beyond the widest column get an arrow and a note below.

    Beside the figure, ``<stem>.csv``: the same cells as a table (:func:`write_cells`).

    Returns ``files`` (``out`` and the same stem in the other format), ``table`` (the CSV),
    ``setup`` (the one drawn), ``setups_left_out`` and ``baseline``.
    """
    paths = figure_paths(out)                            # check where we write before any work
    data = heatmap_data(store, target, activation, setup)
    from ._heatmap import draw

    draw(data, paths)
    table = os.path.splitext(os.fspath(out))[0] + ".csv"
    write_cells(data, table)
    return {"files": paths, "table": table, "setup": data["setup"], "setups_left_out": data["setups_left_out"],
            "baseline": data["baseline"]}


#: The columns of :func:`write_cells`: the cell, its test MAE over seeds, and the setup it was drawn from.
CELL_COLUMNS = ("target", "activation", "layers", "width", "mae_mean", "mae_min", "mae_max", "seeds",
                "diverged", *SETUP_COLUMNS, "baseline_mae")


def write_cells(data: dict, path) -> None:
    """One row per (layers, width) cell of :func:`heatmap_data`, as CSV (an empty MAE: no seed finished)."""
    rows = []
    for i, k in enumerate(data["layers"]):
        for j, w in enumerate(data["widths"]):
            rows.append([data["target"], data["activation"], k, w, data["mae"][i][j], data["mae_min"][i][j],
                         data["mae_max"][i][j], data["seeds"][i][j], data["diverged"][i][j],
                         *(data["setup"][c] for c in SETUP_COLUMNS), data["baseline"]["mae"]])
    write_csv(path, list(CELL_COLUMNS), rows)


__all__ = ["CELL_COLUMNS", "FIGURE2_SETUP", "MODES", "SETUP_COLUMNS", "constant_baseline", "describe_setup",
           "figure2", "figure2_grid", "heatmap", "heatmap_data", "setup_of", "write_cells"]
