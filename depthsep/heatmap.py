"""Figure 2 from the results store: test error over (layers, width), with the theory overlaid.

    >>> from depthsep.heatmap import heatmap
    >>> heatmap("runs.db", "product:20", "tanh", "fig2.png")           # doctest: +SKIP
    ['fig2.png', 'fig2.svg']

Each cell is the mean test MAE over the seeds stored for that (layers, width); red is high error and
blue low, as in the paper. Two theory curves sit on top, both as "width needed with k layers":

* the paper's W_k = n^((k−1)/k)·2^(n^(1/k)) (:func:`depthsep.theory.tree.paper_curve`), the black
  curve of Figure 2;
* the widest layer of the exact optimal product tree of Theorem 5.1
  (:func:`depthsep.theory.tree.optimal_tree`) — what the explicit construction actually needs.

The width axis is logarithmic (the curves span 2^20 at k = 1 down to ~40), with the trained widths
labelled; cells are drawn between geometric midpoints of neighbouring widths.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict

from .errors import DepthsepError
from .plots import output_paths
from .theory.tree import optimal_tree, paper_curve

#: The columns that make two rows the same experiment apart from layers, width and seed.
SETUP_COLUMNS = ("optimizer", "lr", "loss", "steps", "batch_size", "domain", "test_size")


def heatmap_data(store_path, target: str, activation: str, setup: dict | None = None) -> dict:
    """The numbers behind the plot: ``layers``, ``widths``, ``mae`` (rows = layers, None where
    missing), ``seeds`` (count per cell), ``diverged`` (count per cell), ``setup`` and ``n``.

    Rows are those of ``target``/``activation``; when the store holds several training setups
    (steps, batch size, optimizer, …) for them, ``setup`` picks one (column → value), else the
    setup with the most rows is used.
    """
    from .train.store import ResultStore
    from .train.targets import make_target

    target = make_target(target).name
    with ResultStore(store_path, readonly=True) as store:
        rows = store.rows({"target": target, "activation": activation, **(setup or {})})
    if not rows:
        raise DepthsepError(f"no runs for target {target} with activation {activation} in {store_path}")
    by_setup = defaultdict(list)
    for row in rows:
        by_setup[tuple(row[c] for c in SETUP_COLUMNS)].append(row)
    chosen = max(by_setup.values(), key=len)
    layers = sorted({r["layers"] for r in chosen})
    widths = sorted({r["width"] for r in chosen})
    sums, counts, diverged = defaultdict(float), defaultdict(int), defaultdict(int)
    for r in chosen:
        cell = (r["layers"], r["width"])
        if r["status"] == "done" and r["test_mae"] is not None:
            sums[cell] += r["test_mae"]
            counts[cell] += 1
        else:
            diverged[cell] += 1
    mae = [[sums[(k, w)] / counts[(k, w)] if counts[(k, w)] else None for w in widths] for k in layers]
    return {"target": target, "activation": activation, "n": chosen[0]["n"], "layers": layers,
            "widths": widths, "mae": mae,
            "seeds": [[counts[(k, w)] for w in widths] for k in layers],
            "diverged": [[diverged[(k, w)] for w in widths] for k in layers],
            "setup": {c: chosen[0][c] for c in SETUP_COLUMNS}, "setups_in_store": len(by_setup)}


def _edges(values: list[float]) -> list[float]:
    """Cell boundaries on a log axis: geometric midpoints, end cells as wide as their neighbours."""
    if len(values) == 1:
        return [values[0] / 1.25, values[0] * 1.25]
    mids = [math.sqrt(a * b) for a, b in zip(values, values[1:])]
    return [values[0] ** 2 / mids[0]] + mids + [values[-1] ** 2 / mids[-1]]


def heatmap(store_path, target: str, activation: str, out: str, setup: dict | None = None,
            title: str | None = None) -> list[str]:
    """Draw mean test MAE over (layers, width) with the theory curves; write PNG and SVG.

    ``out`` names the PNG (or the stem); the SVG gets the same stem. Returns both paths.
    """
    paths = output_paths(out)                           # check where we write before any work
    data = heatmap_data(store_path, target, activation, setup)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import patheffects
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    layers, widths, n = data["layers"], data["widths"], data["n"]
    grid = np.array([[np.nan if v is None else v for v in row] for row in data["mae"]], dtype=float)
    # Blue (low error) → pale → red (high error): the paper's scheme, perceptually even-ish.
    cmap = LinearSegmentedColormap.from_list(
        "depthsep_rdbu", ["#2c5fa8", "#6fa8d6", "#e9eef2", "#f1a27c", "#b2182b"]
    ).with_extremes(bad="#d9d9d9")
    finite = grid[np.isfinite(grid)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if vmax - vmin < 1e-9:
        vmin, vmax = vmin - 0.005, vmax + 0.005

    fig, ax = plt.subplots(figsize=(7.2, 5.4), dpi=150, layout="constrained")
    x_edges = _edges([float(w) for w in widths])
    y_edges = [k - 0.5 for k in layers] + [layers[-1] + 0.5] if _contiguous(layers) else None
    if y_edges is None:                                  # gaps in layers: one row per stored value
        ys = [float(k) for k in layers]
        mids = [(a + b) / 2 for a, b in zip(ys, ys[1:])]
        y_edges = [ys[0] - 0.5] + mids + [ys[-1] + 0.5]
    mesh = ax.pcolormesh(x_edges, y_edges, grid, cmap=cmap, vmin=vmin, vmax=vmax,
                         edgecolors="white", linewidth=0.6)
    numbers = len(widths) * len(layers) <= 80
    if numbers:                                          # small grids: print the numbers
        for i, k in enumerate(layers):
            for j, w in enumerate(widths):
                v = grid[i, j]
                if np.isfinite(v):
                    shade = (v - vmin) / (vmax - vmin)
                    ax.text(math.sqrt(x_edges[j] * x_edges[j + 1]), (y_edges[i] + y_edges[i + 1]) / 2,
                            f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if shade < 0.2 or shade > 0.8 else "#222222")
                elif data["diverged"][i][j]:
                    ax.text(math.sqrt(x_edges[j] * x_edges[j + 1]), (y_edges[i] + y_edges[i + 1]) / 2,
                            "div", ha="center", va="center", fontsize=7, color="#555555")

    # Theory: width needed with k layers (k over the plotted range, including between rows).
    ks = list(range(1, max(layers) + 1))
    curve = [paper_curve(n, k) for k in ks]
    tree = [max(optimal_tree(n, k).widths) for k in ks]
    halo = [patheffects.withStroke(linewidth=3.2, foreground="white")]
    ax.plot(curve, ks, color="black", lw=2.0, marker="o", ms=3.5, path_effects=halo,
            label=r"paper's curve $W = n^{(k-1)/k}\,2^{n^{1/k}}$")
    ax.plot(tree, ks, color="#1b1b1b", lw=1.4, ls="--", marker="s", ms=3, mfc="white",
            path_effects=halo, label="exact product tree, widest layer (Thm 5.1)")
    x_max = x_edges[-1]
    for k, needed in zip(ks, curve):                     # say where the curve leaves the plot
        if k in layers and needed > x_max:
            exact = max(optimal_tree(n, k).widths)
            # Above the row's printed numbers when there are any, so it hides none of them.
            ax.annotate(f"k={k} needs W ≈ {needed:,.0f} (tree: {exact:,}) →", (0.985, k + 0.3 * numbers),
                        xycoords=("axes fraction", "data"), ha="right", va="center", fontsize=7,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
            break

    ax.set_xscale("log")
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    nice = {5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500, 1000}
    x_ticks = widths if len(widths) <= 10 else [w for w in widths if w in nice or w in (widths[0], widths[-1])]
    ax.xaxis.set_major_locator(FixedLocator(x_ticks))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_locator(FixedLocator(layers if len(layers) <= 12 else layers[::2]))
    ax.tick_params(length=3)
    ax.set_xlabel("width: neurons per hidden layer (log scale)")
    ax.set_ylabel("hidden layers k")
    s = data["setup"]
    seeds = sorted({c for row in data["seeds"] for c in row if c})
    seed_text = (f"{seeds[0]} seed{'s' if seeds[0] != 1 else ''}" if len(seeds) == 1
                 else f"{seeds[0]}–{seeds[-1]} seeds" if seeds else "no seeds")
    # A neutral title: whether depth beats width is for the cells to show, not the caption to claim.
    fig.suptitle(title or f"Learning {target} with {activation}: test MAE over hidden layers × width",
                 fontsize=11, x=0.02, ha="left")
    fig.text(0.01, 0.005,
             f"x ~ U[{s['domain'].replace(':', ', ')}], {s['optimizer']} lr={s['lr']:g}, "
             f"{s['loss'].upper()} loss, {s['steps']:,} steps × batch {s['batch_size']}; "
             f"test MAE on {s['test_size']:,} points, mean over {seed_text} per cell",
             fontsize=7, color="#555555", ha="left", va="bottom")
    cbar = fig.colorbar(mesh, ax=ax, pad=0.02)
    cbar.set_label("test MAE (mean over seeds)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7.5, frameon=False,
              borderaxespad=0.2, handlelength=2.6, columnspacing=1.2)
    fig.get_layout_engine().set(h_pad=0.1)
    for path in paths:
        fig.savefig(path)
    plt.close(fig)
    return paths


def _contiguous(values: list[int]) -> bool:
    return all(b - a == 1 for a, b in zip(values, values[1:]))


__all__ = ["heatmap", "heatmap_data"]
