"""The Figure 2 heatmap, drawn from :func:`depthsep.experiments.figure2.heatmap_data`'s numbers.

Layout, one cell per stored (layers k, width W), every row and column the same size::

    title: target, activation; what blue and red mean
    legend: ─●─ paper's curve   ╌□╌ exact tree   ▶ needed width outside the trained widths
    k=8 │ 0.83  │ 0.81  │ …        colour: mean test MAE over seeds, on a scale centred (white) on
        │.80–.85│.79–.84│          the best constant predictor's MAE: blue beats it, red does not
    k=1 │ 0.99  │ …     │ ▶        second line: min–max over the seeds
          5      10  …  width
    footer: training setup, test set, baseline, rows whose curve lies off to the right

The theory curves are placed between columns by interpolating log W, so a marker sits in the cell
whose width is nearest (in ratio) to the width the theory asks for. Numbers carry a white halo and
the markers sit in the gap between a cell's two lines, so no overlay hides a number. Grids with too
many cells to print numbers get a second panel: the seed spread (max − min) per cell.
"""

from __future__ import annotations

import math
import textwrap

from ..theory.tree import optimal_tree, paper_curve
from ._figures import save

#: Cells up to which each cell prints its numbers; beyond, the seed spread gets its own panel.
NUMBERED_CELLS = 80
#: Blue (beats the constant) → white (the constant) → red (worse): the paper's colours, centred.
COLOURS = ["#1f4e8c", "#6fa8d6", "#f7f7f7", "#f1a27c", "#b2182b"]
NO_RUN = "#c8c8c8"


def column_position(widths: list[int], width: float) -> float:
    """Where ``width`` falls on the categorical column axis (column i at x = i): linear in log W
    between neighbouring columns, extrapolated with the nearest pair's ratio beyond them."""
    logs = [math.log(w) for w in widths]
    if len(logs) == 1:
        return math.log(width / widths[0], 2)           # one column: one cell per doubling
    at = math.log(width)
    i = max([j for j in range(len(logs) - 1) if logs[j] <= at], default=0)    # the pair around W, or the end pair
    return i + (at - logs[i]) / (logs[i + 1] - logs[i])


def _ticks(count: int, most: int = 12) -> list[int]:
    """Indices to label: all of them for short axes, else every s-th counted back from the last."""
    stride = math.ceil(count / most)
    return sorted(range(count - 1, -1, -stride))


def _decimals(values: list[float], centre: float) -> int:
    """2 decimals when they resolve the differences that matter (cells and baseline ≥ 0.05 apart), else 3."""
    spread = max(values + [centre]) - min(values + [centre]) if values else 0.0
    return 2 if spread >= 0.05 else 3


def draw(data: dict, paths: list[str]) -> None:
    """Write the heatmap of ``data`` to each of ``paths`` (the format follows the extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import patheffects
    from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm
    from matplotlib.lines import Line2D

    layers, widths, n = data["layers"], data["widths"], data["n"]
    rows, cols = len(layers), len(widths)
    mean, low, high = (np.array([[np.nan if v is None else v for v in row] for row in data[key]], float)
                       for key in ("mae", "mae_min", "mae_max"))
    baseline = data["baseline"]["mae"]
    finite = mean[np.isfinite(mean)]
    # Equal distance from the constant, equal colour strength, on both sides: a cell that is barely
    # better than predicting the median stays pale however the others do.
    # (At least 0.1% of the baseline, so a grid that all diverged or equals the constant still has a scale.)
    reach = max(float(np.max(np.abs(finite - baseline))) if finite.size else 0.0, 1e-3 * max(abs(baseline), 1.0))
    norm = TwoSlopeNorm(vcenter=baseline, vmin=baseline - reach, vmax=baseline + reach)
    cmap = LinearSegmentedColormap.from_list("depthsep_centred", COLOURS).with_extremes(bad=NO_RUN)
    numbered = rows * cols <= NUMBERED_CELLS
    spread_panel = not numbered and max((c for row in data["seeds"] for c in row), default=0) > 1

    # Numbered cells get room for two lines of text; the figure is never narrower than its captions.
    height = max(2.4 + 0.62 * rows, 5.0) if numbered else 6.4
    width = max(2.6 + 0.95 * cols, 8.0) if numbered else 7.6
    fig, axes = plt.subplots(1, 2 if spread_panel else 1, dpi=150, layout="constrained", squeeze=False,
                             figsize=(width + (6.0 if spread_panel else 0.0), height))
    ax = axes[0, 0]
    x_edges, y_edges = np.arange(cols + 1) - 0.5, np.arange(rows + 1) - 0.5
    mesh = ax.pcolormesh(x_edges, y_edges, np.ma.masked_invalid(mean), cmap=cmap, norm=norm,
                         edgecolors="white", linewidth=0.8)
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    thin_halo = [patheffects.withStroke(linewidth=1.8, foreground="white")]
    digits = _decimals(finite.tolist(), baseline)
    if numbered:
        for i in range(rows):
            for j in range(cols):
                if np.isfinite(mean[i, j]):
                    ax.text(j, i + 0.17, f"{mean[i, j]:.{digits}f}", ha="center", va="center", fontsize=8.5,
                            color="#111111", path_effects=halo, zorder=5)
                    if data["seeds"][i][j] > 1:
                        ax.text(j, i - 0.24, f"{low[i, j]:.{digits}f}–{high[i, j]:.{digits}f}", ha="center",
                                va="center", fontsize=6.3, color="#333333", path_effects=thin_halo, zorder=5)
                if data["diverged"][i][j]:
                    ax.text(j, i - 0.24 if not np.isfinite(mean[i, j]) else i + 0.40,
                            f"{data['diverged'][i][j]} diverged", ha="center", va="center", fontsize=5.8,
                            color="#5a0000", path_effects=thin_halo, zorder=5)

    # Theory: the width each row's k needs, one point per drawn row.
    needed = {"paper": [paper_curve(n, k) for k in layers],
              "tree": [max(optimal_tree(n, k).widths) for k in layers]}
    xs = {name: [column_position(widths, w) for w in values] for name, values in needed.items()}
    line_halo = [patheffects.withStroke(linewidth=3.0, foreground="white")]
    ax.plot(xs["paper"], range(rows), color="black", lw=1.6, marker="o", ms=4, path_effects=line_halo, zorder=3)
    ax.plot(xs["tree"], range(rows), color="#1b1b1b", lw=1.2, ls=(0, (3, 2)), marker="s", ms=3.6,
            mfc="white", path_effects=line_halo, zorder=3)
    # A row whose needed width lies outside the trained widths gets an arrow on that edge (outside
    # the cells) and its numbers in the footer.
    outside = {i: ">" if max(xs["paper"][i], xs["tree"][i]) > cols - 0.5 else "<" for i in range(rows)
               if max(xs["paper"][i], xs["tree"][i]) > cols - 0.5 or min(xs["paper"][i], xs["tree"][i]) < -0.5}
    for i, side in outside.items():
        ax.plot(cols - 0.5 if side == ">" else -0.5, i, ls="none", marker=side, ms=7, color="black",
                clip_on=False, zorder=6)
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(y_edges[0], y_edges[-1])
    for axis, values in ((ax.xaxis, widths), (ax.yaxis, layers)):
        picked = _ticks(len(values))
        axis.set_ticks(picked, [str(values[i]) for i in picked])
    ax.tick_params(length=0)
    ax.set_xlabel("width W: neurons per hidden layer")
    ax.set_ylabel("hidden layers k")
    for side in ax.spines.values():
        side.set_visible(False)

    cbar = fig.colorbar(mesh, ax=ax, pad=0.03, fraction=0.05, aspect=30)   # room for the edge arrows
    # The baseline is a labelled tick of its own; plain ticks too close to it would collide with it.
    plain = [t for t in cbar.get_ticks() if norm.vmin <= t <= norm.vmax and abs(t - baseline) > 0.12 * reach]
    cbar.set_ticks(plain + [baseline], labels=[f"{t:.{digits}f}" for t in plain] + [f"{baseline:.3f} constant"])
    cbar.ax.axhline(baseline, color="black", lw=1.4)
    cbar.set_label("test MAE, mean over seeds (white: the best constant predictor)", fontsize=8.5)
    cbar.ax.tick_params(labelsize=7.5)

    if spread_panel:
        spread_ax = axes[0, 1]
        spread = np.ma.masked_invalid(high - low)
        shown = spread_ax.pcolormesh(x_edges, y_edges, spread, cmap="Greys", vmin=0,
                                     edgecolors="white", linewidth=0.4)
        spread_ax.set_xlim(x_edges[0], x_edges[-1])
        spread_ax.set_ylim(y_edges[0], y_edges[-1])
        for axis, values in ((spread_ax.xaxis, widths), (spread_ax.yaxis, layers)):
            picked = _ticks(len(values))
            axis.set_ticks(picked, [str(values[i]) for i in picked])
        spread_ax.tick_params(length=0)
        spread_ax.set_xlabel("width W: neurons per hidden layer")
        spread_ax.set_title("seed spread: max − min test MAE per cell", fontsize=9.5)
        for side in spread_ax.spines.values():
            side.set_visible(False)
        fig.colorbar(shown, ax=spread_ax, pad=0.015, fraction=0.05, aspect=30).ax.tick_params(labelsize=7.5)
        fig.get_layout_engine().set(w_pad=0.2)          # keep the first colour bar's label with its bar

    s, base = data["setup"], data["baseline"]
    fig.suptitle(f"Learning {data['target']} with {data['activation']}: test MAE over hidden layers × width\n"
                 f"blue: better than the best constant predictor (MAE {baseline:.3f}), red: worse",
                 fontsize=10.5, x=0.01, ha="left", linespacing=1.5)
    handles = [Line2D([], [], color="black", lw=1.6, marker="o", ms=4,
                      label=r"paper's curve $W = n^{(k-1)/k}\,2^{n^{1/k}}$"),
               Line2D([], [], color="#1b1b1b", lw=1.2, ls=(0, (3, 2)), marker="s", ms=3.6, mfc="white",
                      label="exact product tree, widest layer (Thm 5.1)")]
    if outside:
        handles.append(Line2D([], [], ls="none", marker=">", ms=6, color="black",
                              label="needed width outside the trained widths"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7.5,
              frameon=False, borderaxespad=0.3, handlelength=2.4, columnspacing=1.2)

    seeds = sorted({c for row in data["seeds"] for c in row if c})
    seed_text = ("no finished runs" if not seeds else f"{seeds[0]} seed{'s' if seeds[0] != 1 else ''}"
                 if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]} seeds")
    cell_text = "mean (min–max) over" if numbered and seeds and seeds[-1] > 1 else "mean over"
    lines = [f"x ~ U[{s['domain'].replace(':', ', ')}], {s['optimizer']} lr={s['lr']:g}, "
             f"{s['loss'].upper()} loss, {s['init']} init, {s['steps']:,} steps × batch {s['batch_size']}; "
             f"test MAE on the same {s['test_size']:,} points "
             f"for every cell, {cell_text} {seed_text}; the constant is their median, {base['constant']:.3g}"]
    if outside:
        lines.append("▶ outside the trained widths: " + "; ".join(
            f"k = {layers[i]} needs W ≈ {needed['paper'][i]:,.0f} (tree: {needed['tree'][i]:,})"
            for i in outside))
    if np.isnan(mean).any():
        lines.append("grey: no finished run in the cell")
    if data["setups_left_out"]:
        lines.append(f"{len(data['setups_left_out'])} other training setup(s) in the store not drawn")
    # Wrapped to the figure's width (≈ 17 characters per inch at 7 pt) so constrained layout can place it.
    wrap = int(17 * fig.get_figwidth())
    lines = [part for line in lines for part in textwrap.wrap(line, wrap, subsequent_indent="   ")]
    fig.supxlabel("\n".join(lines), fontsize=7, color="#444444", x=0.01, ha="left", linespacing=1.5)
    save(fig, paths)
