"""Figures from the paper, redrawn from depthsep's own numbers.

Every function writes both a PNG (to look at) and an SVG (to edit or print) and returns the paths.
matplotlib is imported inside the functions with the Agg backend, so importing this module is cheap
and nothing ever needs a screen.
"""

from __future__ import annotations

import math
import os

from .errors import DepthsepError
from .theory.tree import continuous_group_sizes

_FORMATS = (".png", ".svg")


def output_paths(path: str) -> list[str]:
    """[requested path, same stem with the other format]; checks the directory before plotting."""
    stem, ext = os.path.splitext(os.fspath(path))
    ext = ext.lower()
    if ext and ext not in _FORMATS:
        raise DepthsepError(f"figure path must end in .png or .svg, got {path!r}")
    directory = os.path.dirname(os.path.abspath(stem)) or "."
    if not os.path.isdir(directory):
        raise DepthsepError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DepthsepError(f"output directory is not writable: {directory}")
    first = ext or ".png"
    return [stem + first] + [stem + other for other in _FORMATS if other != first]


def _loglog_fit(xs, ys) -> tuple[float, float]:
    """Least-squares line log b = α log n + β; returns (α, β)."""
    import numpy as np

    alpha, beta = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(alpha), float(beta)


def _plain_log_ticks(ax, low: float, high: float) -> None:
    """Label a short log axis with plain numbers (1, 2, 5, 10, …) instead of bare powers of ten."""
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ticks = [m * 10.0 ** e for e in range(-1, 10) for m in (1, 2, 3, 5)]
    ax.yaxis.set_major_locator(FixedLocator([t for t in ticks if low / 1.2 <= t <= high * 1.2]))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())


def figure1(path: str, n_max: int = 10**4) -> list[str]:
    """Figure 1 of the paper: the optimal continuous group sizes b_i against n, for k = 1, 2, 3.

    For each n the b_i solve eq. (5), b_i = b_{i−1} + log2(b_{i−1} − 1/ln 2), under eq. (4),
    ∏ b_i = n (see :func:`depthsep.theory.tree.continuous_group_sizes`); n is sampled log-uniformly
    from 2 to ``n_max`` and values of n without a solution (b_i ≥ 1) are skipped. One log–log panel
    per k, each b_i a solid curve with its dashed least-squares fit log b = α log n + β (α in the
    legend; it approaches 1/k as n grows) and the reference n^(1/k) dotted. Writes a PNG and an SVG
    with the same stem and returns both paths.
    """
    outputs = output_paths(path)
    if isinstance(n_max, bool) or not isinstance(n_max, int) or not 10 <= n_max <= 10**9:
        raise DepthsepError(f"n_max must be an integer from 10 to 10^9, got {n_max!r}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    ns = np.geomspace(2.0, float(n_max), 240)
    colours = ["#1b6ca8", "#d1495b", "#2a9d8f"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.9), dpi=150, constrained_layout=True)
    for k, ax in zip((1, 2, 3), axes):
        solved = [(n, continuous_group_sizes(n, k)) for n in ns]
        solved = [(n, b) for n, b in solved if b is not None]
        xs = np.array([n for n, _ in solved])
        sizes = np.array([b for _, b in solved])
        for i in range(k):
            alpha, beta = _loglog_fit(xs, sizes[:, i])
            ax.plot(xs, sizes[:, i], color=colours[i], lw=2.2, label=f"$b_{i + 1}$")
            ax.plot(xs, np.exp(beta) * xs ** alpha, color=colours[i], lw=1.2, ls="--",
                    label=f"fit $b_{i + 1}$: slope α = {alpha:.3f}")
        ax.plot(xs, xs ** (1.0 / k), color="0.15", lw=1.2, ls=":",
                label=f"$n^{{1/{k}}}$ (slope {1.0 / k:.3f})")
        if xs[0] > ns[0]:  # small n where eq. (5) has no solution with every b_i >= 1
            ax.axvspan(ns[0], xs[0], color="0.88", zorder=0)
            ax.text(math.sqrt(ns[0] * xs[0]), 0.5, "no solution\nwith all $b_i \\geq 1$",
                    transform=ax.get_xaxis_transform(), ha="center", va="center",
                    fontsize=8, color="0.35", rotation=90)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(ns[0], ns[-1])
        if k > 1:
            _plain_log_ticks(ax, sizes.min(), sizes.max())
        ax.set_title(f"k = {k} hidden layer{'s' if k > 1 else ''}")
        ax.set_xlabel("n (number of inputs multiplied)")
        ax.grid(True, which="major", alpha=0.45)
        ax.grid(True, which="minor", alpha=0.15)
        ax.legend(loc="upper left", fontsize=8.5, framealpha=0.9)
    axes[0].set_ylabel("optimal group size $b_i$ in hidden layer i")
    fig.suptitle("Optimal group sizes of the product tree (Rolnick & Tegmark 2018, Fig. 1): "
                 r"eq. (5) under $b_1 b_2 \cdots b_k = n$; the $b_i$ approach $n^{1/k}$",
                 fontsize=12)
    try:
        for out in outputs:
            fig.savefig(out)
    except OSError as err:
        raise DepthsepError(f"could not write figure: {err}") from None
    finally:
        plt.close(fig)
    return outputs


def convergence(rows: list[dict], title: str, path: str) -> list[str]:
    """Theorem 3.4 made visible: neurons needed vs ε for a smooth σ (flat) and for ReLU (growing)."""
    paths = output_paths(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eps = [r["epsilon"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for key, label, colour in (("neurons", rows[0]["activation"], "tab:blue"), ("relu_neurons", "relu", "tab:red")):
        points = [(e, r[key]) for e, r in zip(eps, rows) if r.get(key)]
        if points:
            left.plot(*zip(*points), "o-", color=colour, label=label)
    left.set(xscale="log", yscale="log", xlabel="ε asked for", ylabel="neurons", title="size needed for sup error < ε")
    left.invert_xaxis()
    for key, label, colour in (("sup_error", rows[0]["activation"], "tab:blue"), ("relu_sup_error", "relu", "tab:red")):
        points = [(e, r[key]) for e, r in zip(eps, rows) if r.get(key)]
        if points:
            right.plot(*zip(*points), "o-", color=colour, label=label)
    right.plot(eps, eps, "k:", label="sup error = ε")
    right.set(xscale="log", yscale="log", xlabel="ε asked for", ylabel="measured sup error", title="error reached")
    right.invert_xaxis()
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    for p in paths:
        fig.savefig(p, dpi=150)
    plt.close(fig)
    return paths
