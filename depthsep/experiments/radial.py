"""``depthsep radial experiment``: how wide must 1- and 2-hidden-layer ReLU nets be to learn φ(|x|)
as the dimension d grows (seed 001)? Read top to bottom, the module is the experiment's passes:

1. **preset** — :data:`PRESET`, the grid and training setup, each choice with its reason;
2. **targets** — one ``radial:PHI:D`` per (φ, d), φ scaled to unit std under the input law, and one
   :class:`~depthsep.train.spec.ModelSpec` per (φ, d, layers, width, seed);
3. **training** — :func:`depthsep.train.sweep.run_specs` into a results store (``radial.db``): each
   finished model committed at once, a re-run trains only what is missing, a kill loses only the
   models in flight;
4. **analysis** — :func:`experiment_rows` reads the runs back from the store (never from memory):
   relative error per width, mean/min/max over seeds, the smallest width reaching the target error;
5. **figure** — :func:`plot_experiment`; the table is the CLI's rendering of the rows.

A finished experiment re-run with the same arguments trains nothing and redraws from its store.

    >>> result = radial_experiment(dims=(2, 4), widths=(8, 16), store="radial.db")   # doctest: +SKIP
    >>> result["trained"], result["rows"][0]["smallest_width"]                        # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..checks import figure_paths, positive_int, positive_ints, positive_number, seeds as check_seeds
from ..errors import DepthsepError
from ..theory.radial import radial_layers
from ..train.config import RunOptions, TrainingConfig
from ..train.radial_target import check_distribution
from ..train.store import KEY_COLUMNS, ResultStore, spec_key
from ._stats import summarise
from ._figures import save

if TYPE_CHECKING:
    from ..train.spec import ModelSpec

# -- 1. the preset ---------------------------------------------------------------------------------

#: (i) an O(1)-Lipschitz φ, the control: nothing should separate the depths; (ii) Eldan–Shamir-style,
#: frequency ∝ d, so L ∝ d; (iii) the 1-Lipschitz function of seed 001's Thm 4,
#: sin(2π d³ t²)/(2π d³), which needs depth-2 width 2^Ω(d log d) at accuracy ∝ 1/d³. "D" stands for d.
DEFAULT_PHIS = ("cos(pi*t)", "sin(2*pi*D*t)", "sin(2*pi*D^3*t^2)/(2*pi*D^3)")
INPUT_LAWS = {"radius": "|x| ~ U[0, 1], direction uniform", "ball": "x uniform in the unit ball"}
ACTIVATION = "relu"      # the constructions and seed 001's theorems are about ReLU nets
STORE = "radial.db"      # the default results store
STD_POINTS = 20_000      # points that estimate the std of φ(|x|) which scales the labels and errors
STD_SEED = 12345         # their seed: a target's std is a function of its name alone
ERROR_MEASURE = "test RMSE / std of phi(|x|) under the input distribution, mean over seeds"


@dataclass(frozen=True)
class RadialPreset:
    """The grid and training setup of the radial experiment, and why.

    * ``phis`` — :data:`DEFAULT_PHIS`: a control, a d-dependent Lipschitz constant (what Eldan–Shamir
      separate) and Thm 4's 1-Lipschitz function (what seed 001 says is separated).
    * ``dims`` 2, 4, 8, 16 and ``widths`` 8 … 128 — doubling, so growth is read on log2 axes and the
      smallest sufficient width is known to a factor 2; width 128 at d = 16 keeps one model cheap on
      a CPU core (the grid is 3 φ × 4 d × 2 depths × 5 widths = 120 models per seed).
    * ``layers`` 1 and 2 — seed 001's depth 2 against depth 3.
    * ``distribution`` "radius" — direction uniform and |x| ~ U[0, 1], the same law of |x| in every d,
      so each d tests the whole profile φ on [0, 1]. Under "ball" (x uniform in the unit ball)
      |x| = U^(1/d) has mean d/(d+1) and std ≈ 1/d: for large d the inputs see only φ near t = 1,
      std φ(|x|) ≈ |φ'(1)|/d (smaller still where φ'(1) = 0, as for cos(πt)), and the relative error
      measures how well a net resolves that sliver of φ, not the profile.
    * ``target_error`` 0.2 — relative RMSE 0.2 leaves 4 % of the variance unexplained: strict enough
      that the best constant (relative error 1) is far from it, loose enough to be reached at small d.
    * ``seeds`` (0,) — one seed per model; with several, each width's error is the mean (the spread is
      kept) and the smallest width is read off the means, so one lucky seed cannot make a width
      look sufficient.
    * ``training`` — L2 loss (the measure is a relative RMSE); Adam, whose per-parameter steps cope
      with the very different slopes of the three φ, at lr 3e-3 (above torch's 1e-3, to move within
      the budget); 4 000 steps of 128 fresh points (an endless stream, nothing to overfit); 8 192
      test points, which fix a relative RMSE to about 1–2 %.

    Labels are φ(|x|) scaled to unit std under the input law (the factor, to 6 digits, is part of
    the target's name, so every stored row says what was trained): the relative error does not
    depend on the scale, training does — Thm 4's φ has amplitude 1/(2π d³) ≈ 5e-6 at d = 32, below
    the output noise of Adam at its usual rate, so unscaled it would measure the optimiser.
    """

    phis: tuple[str, ...] = DEFAULT_PHIS
    dims: tuple[int, ...] = (2, 4, 8, 16)
    widths: tuple[int, ...] = (8, 16, 32, 64, 128)
    layers: tuple[int, ...] = (1, 2)
    seeds: tuple[int, ...] = (0,)
    distribution: str = "radius"
    target_error: float = 0.2
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        steps=4000, batch_size=128, loss="l2", optimizer="adam", lr=3e-3, test_size=8192))


PRESET = RadialPreset()


# -- 2. targets and specs --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)   # a key by identity: a std may be nan
class Cell:
    """One (φ, d): the target trained on (φ scaled to unit std, its canonical name), the std of φ
    itself under the input law, and the std of the trained target (≈ 1, measured the same way)."""

    phi: str
    dim: int
    target: str
    phi_std: float
    trained_std: float


def law_std(target_name: str) -> float:
    """Std of the target's values at :data:`STD_POINTS` points of its input law (seed :data:`STD_SEED`)."""
    import torch

    from ..train.targets import make_target

    target = make_target(target_name)
    x = target.draw(torch.Generator().manual_seed(STD_SEED), STD_POINTS)
    return float(target(x.double()).std())


def radial_cells(phis, dims, distribution: str) -> list[Cell]:
    """The targets of the experiment, one per (φ, d) in that order; a "D" in φ is replaced by d."""
    from ..train.targets import make_target

    law = "" if distribution == "ball" else f":{distribution}"
    cells = []
    for template in phis:
        for d in dims:
            text = str(template).replace("D", str(d))
            name = make_target(f"radial:{text}:{d}{law}").name
            std = phi_std = law_std(name)
            if math.isfinite(std) and std > 0:
                name = make_target(f"radial:({text})*{1 / std:.6g}:{d}{law}").name
                std = law_std(name)
            cells.append(Cell(template, d, name, phi_std, std))
    return cells


def experiment_specs(cells, layers, widths, seeds, training: TrainingConfig) -> list[tuple[tuple, ModelSpec]]:
    """``(key, spec)`` for every (φ, d, layers, width, seed) in that order; key = (Cell, layers, width)."""
    return [((cell, ell, w), training.spec(cell.target, ell, w, ACTIVATION, seed))
            for cell in cells for ell in layers for w in widths for seed in seeds]


# -- 3. the run ------------------------------------------------------------------------------------

def radial_experiment(phis=None, dims=None, widths=None, steps=None, seeds=None, distribution=None,
                      store=STORE, out=None, run: RunOptions = RunOptions(), *, layers=None,
                      batch_size=None, lr=None, test_size=None, target_error=None) -> dict:
    """Train 1- and 2-hidden-layer ReLU nets on ``radial:PHI:D`` for each φ and d into ``store``, then
    report from the store, per (φ, d, layers), each width's relative test RMSE and the smallest width
    whose mean over seeds is ≤ ``target_error`` (None if no width reached it).

    Every argument left None takes :data:`PRESET`'s value. ``run``: where and how to train (backend,
    address, device, workers, progress). ``out``: a figure path (PNG and SVG are written). Returns
    the settings, ``rows`` (each ``phi, target, dim, layers, target_std, errors, errors_min,
    errors_max, smallest_width``; errors keyed by width as text), ``store``, ``trained``, ``skipped``,
    ``train_s`` and, with ``out``, ``figures``.
    """
    from ..train.sweep import run_specs

    phis = _phis(PRESET.phis if phis is None else phis)
    dims = positive_ints(PRESET.dims if dims is None else dims, "--dims")
    widths = positive_ints(PRESET.widths if widths is None else widths, "--widths")
    layer_list = radial_layers(PRESET.layers if layers is None else layers)
    seed_list = check_seeds(PRESET.seeds if seeds is None else seeds)
    distribution = check_distribution(PRESET.distribution if distribution is None else distribution)
    target_error = positive_number(PRESET.target_error if target_error is None else target_error, "--target-error")
    training = PRESET.training.with_(
        steps=None if steps is None else positive_int(steps, "--steps"),
        batch_size=None if batch_size is None else positive_int(batch_size, "--batch-size"),
        lr=None if lr is None else positive_number(lr, "--lr"),
        test_size=None if test_size is None else positive_int(test_size, "--test-size"))
    if out is not None:
        figure_paths(out)                           # a bad --out fails now, not after the training
    cells = radial_cells(phis, dims, distribution)
    keyed = experiment_specs(cells, layer_list, widths, seed_list, training)
    summary = run_specs([spec for _, spec in keyed], store, run, label="radial")
    result = {"phis": list(phis), "dims": dims, "widths": widths, "layers": layer_list,
              "steps": training.steps, "batch_size": training.batch_size, "lr": training.lr,
              "loss": training.loss, "optimizer": training.optimizer, "seeds": seed_list,
              "distribution": distribution, "input_law": INPUT_LAWS[distribution], "target_error": target_error,
              "error_measure": ERROR_MEASURE, "rows": experiment_rows(store, keyed, target_error),
              "store": summary["store"], "trained": summary["trained"], "skipped": summary["skipped"],
              "train_s": round(summary["wall_s"], 1)}
    if out is not None:
        result["figures"] = plot_experiment(result, out)
    return result


def _phis(phis) -> list[str]:
    """One φ (text) or several; each must be non-empty text (its formula is checked as a target)."""
    items = [phis] if isinstance(phis, str) else list(phis)
    if not items or not all(isinstance(p, str) and p.strip() for p in items):
        raise DepthsepError(f"--phis needs one or more functions of t, got {phis!r}")
    return list(dict.fromkeys(p.strip() for p in items))


# -- 4. analysis from the store --------------------------------------------------------------------

def experiment_rows(store_path, keyed, target_error: float) -> list[dict]:
    """Per (φ, d, layers), from the runs stored at ``store_path`` for the ``(key, spec)`` pairs of
    :func:`experiment_specs`: mean/min/max relative error per width over the seeds (a diverged run
    counts as missing) and the smallest width whose mean reaches ``target_error``."""
    targets = sorted({cell.target for (cell, _, _), _ in keyed})
    with ResultStore(store_path, readonly=True) as store:
        stored = {tuple(row[c] for c in KEY_COLUMNS): row for row in store.rows(target=targets)}
    missing = sum(spec_key(spec) not in stored for _, spec in keyed)
    if missing:
        raise DepthsepError(f"results store {store_path}: {missing} of the experiment's {len(keyed)} runs "
                            "are not stored; run the experiment again to train them")
    per_width = {}  # (cell, layers, width) -> the seeds' relative errors, in seed order (None: diverged)
    for key, spec in keyed:
        rmse, std = stored[spec_key(spec)]["test_rmse"], max(key[0].trained_std, 1e-12)
        per_width.setdefault(key, []).append(None if rmse is None else rmse / std)
    table = {}
    for (cell, ell, w), errors in per_width.items():
        entry = table.setdefault((cell, ell), {"phi": cell.phi, "target": cell.target, "dim": cell.dim,
                                               "layers": ell, "target_std": cell.phi_std, "errors": {},
                                               "errors_min": {}, "errors_max": {}})
        stats = summarise(errors)
        entry["errors"][str(w)] = stats["mean"]
        entry["errors_min"][str(w)], entry["errors_max"][str(w)] = stats["min"], stats["max"]
    for entry in table.values():
        reached = [int(w) for w, e in entry["errors"].items() if e is not None and e <= target_error]
        entry["smallest_width"] = min(reached) if reached else None
    return list(table.values())


# -- 5. the figure ---------------------------------------------------------------------------------

LAYER_STYLES = {1: dict(ls="-", marker="o"), 2: dict(ls="--", marker="s")}
LAYER_NAMES = {1: "1 hidden layer", 2: "2 hidden layers"}


def plot_experiment(result: dict, path) -> list[str]:
    """One column per φ. Top: the smallest width reaching the target error vs d (log2–log2), one line
    per depth; a d that no trained width reached sits in a "none ≤ W" row above the widest width W.
    Bottom: relative error vs width, one colour per d (sequential colormap, shared colourbar), solid
    for 1 hidden layer and dashed for 2, seed min–max band, the target error as a dotted line.
    Written as PNG and SVG (:func:`~depthsep.checks.figure_paths`); returns the paths."""
    paths = figure_paths(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phis, dims = result["phis"], sorted(result["dims"])
    colours = _dim_colours(dims)
    fig, axes = plt.subplots(2, len(phis), figsize=(4.8 * len(phis) + 1.2, 8.4), squeeze=False,
                             sharey="row", layout="constrained", height_ratios=(1, 1.25))
    for column, template in enumerate(phis):
        rows = [r for r in result["rows"] if r["phi"] == template]
        _smallest_width_panel(axes[0, column], rows, dims, result["widths"])
        _error_panel(axes[1, column], rows, colours, result)
        axes[0, column].set_title(f"φ(t) = {template}" + ("  (D = d)" if "D" in str(template) else ""))
    axes[0, 0].set_ylabel(f"smallest width with error ≤ {result['target_error']:g}")
    axes[1, 0].set_ylabel("test RMSE / std of φ(|x|)")
    _dim_colourbar(fig, axes[1, :], dims, colours)
    fig.legend(handles=_style_handles(result), loc="outside lower center", ncol=4, frameon=False)
    seeds = result["seeds"]
    fig.suptitle(f"ReLU nets on φ(|x|), {INPUT_LAWS[result['distribution']]}: {result['steps']} Adam steps of "
                 f"{result['batch_size']}, seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"
                 f"{' (mean, min–max band)' if len(seeds) > 1 else ''}")
    return save(fig, paths, dpi=120)


def _dim_colours(dims) -> dict:
    """One colour per d from viridis, dark (small d) to light (large d); the palest yellow is left
    out so the largest d still reads on white."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    if len(dims) == 1:
        return {dims[0]: cmap(0.45)}
    return {d: cmap(0.85 * i / (len(dims) - 1)) for i, d in enumerate(dims)}


def _log2_axis(ax, axis: str, values, labels=None) -> None:
    """A log2 axis ticked at exactly ``values`` (the d or widths that were run), plain numbers."""
    from matplotlib.ticker import NullLocator

    if axis == "x":
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(values), labels or [str(v) for v in values])
        ax.xaxis.set_minor_locator(NullLocator())
    else:
        ax.set_yscale("log", base=2)
        ax.set_yticks(list(values), labels or [str(v) for v in values])
        ax.yaxis.set_minor_locator(NullLocator())


def _smallest_width_panel(ax, rows, dims, widths) -> None:
    """Smallest width vs d per depth. Unreached d are drawn as open markers at 2W (W the widest width
    trained), a row of its own labelled "none ≤ W"; depths are nudged apart by ±5% in d so that
    equal values stay visible."""
    widths = sorted(int(w) for w in widths)
    top, none_y = widths[-1], 2 * widths[-1]
    for ell in sorted({r["layers"] for r in rows}):
        mine = sorted((r for r in rows if r["layers"] == ell), key=lambda r: r["dim"])
        xs = [r["dim"] * 2 ** (0.07 * (ell - 1.5)) for r in mine]
        ys = [r["smallest_width"] or none_y for r in mine]
        style = LAYER_STYLES[ell]
        ax.plot(xs, ys, color="0.15", ls=style["ls"], lw=1.4, zorder=2)
        for x, y, r in zip(xs, ys, mine):
            reached = r["smallest_width"] is not None
            ax.plot([x], [y], marker=style["marker"], ms=7, color="0.15", mfc="0.15" if reached else "white",
                    mew=1.4, ls="none", zorder=3)
    ax.axhspan(math.sqrt(top * none_y), none_y * 1.5, color="0.92", lw=0, zorder=0)
    _log2_axis(ax, "x", dims)
    _log2_axis(ax, "y", [*widths, none_y], [*map(str, widths), f"none ≤ {top}"])
    ax.set_ylim(widths[0] / 1.5, none_y * 1.5)
    ax.set_xlim(dims[0] / 1.5, dims[-1] * 1.5)
    ax.set_xlabel("input dimension d")
    ax.grid(True, which="major", color="0.88", lw=0.6)


def _error_panel(ax, rows, colours, result) -> None:
    """Relative test error vs width, one line per (d, depth); the seeds' min–max band if several."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullLocator

    many = len(result["seeds"]) > 1
    for row in sorted(rows, key=lambda r: (r["dim"], r["layers"])):
        ws = sorted(int(w) for w in row["errors"] if row["errors"][w] is not None)
        if not ws:
            continue
        colour, style = colours[row["dim"]], LAYER_STYLES[row["layers"]]
        ax.plot(ws, [row["errors"][str(w)] for w in ws], color=colour, ls=style["ls"], marker=style["marker"],
                ms=4, lw=1.4)
        if many:
            ax.fill_between(ws, [row["errors_min"][str(w)] for w in ws], [row["errors_max"][str(w)] for w in ws],
                            color=colour, alpha=0.12, lw=0)
    ax.axhline(result["target_error"], color="k", ls=":", lw=1.0)
    _log2_axis(ax, "x", sorted(int(w) for w in result["widths"]))
    ax.set_yscale("log")
    # errors span about a decade or two: label 1, 2, 5 × 10^k in plain numbers
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("width (neurons per hidden layer)")
    ax.grid(True, which="major", color="0.88", lw=0.6)


def _dim_colourbar(fig, axes, dims, colours) -> None:
    """A discrete colourbar: one box per d, labelled with d."""
    import matplotlib as mpl

    cmap = mpl.colors.ListedColormap([colours[d] for d in dims])
    norm = mpl.colors.BoundaryNorm(np.arange(len(dims) + 1), cmap.N)
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), location="right",
                       aspect=30, pad=0.01)
    bar.set_ticks(np.arange(len(dims)) + 0.5, labels=[str(d) for d in dims])
    bar.set_label("input dimension d")
    bar.ax.tick_params(length=0)


def _style_handles(result) -> list:
    """Legend entries shared by all panels: line style per depth, what an open marker and the dotted
    line mean."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="0.15", label=LAYER_NAMES[ell], **LAYER_STYLES[ell])
               for ell in result["layers"]]
    handles.append(Line2D([], [], color="0.15", marker="o", mfc="white", ls="none",
                          label=f"no width ≤ {max(result['widths'])} reached the target"))
    handles.append(Line2D([], [], color="k", ls=":", label=f"target error {result['target_error']:g}"))
    return handles


__all__ = ["ACTIVATION", "DEFAULT_PHIS", "INPUT_LAWS", "PRESET", "RadialPreset", "STORE", "experiment_rows",
           "experiment_specs", "law_std", "plot_experiment", "radial_cells", "radial_experiment"]
