"""Figure 1 of Rolnick & Tegmark (ICLR 2018): the optimal group sizes of the product tree against n.

Theorem 5.1 multiplies n inputs in k hidden layers by splitting them into groups: hidden layer i
multiplies groups of b_i values, so ∏ b_i = n (eq. 4). Treating the b_i as reals and making the
neuron count of eq. (2) stationary under that constraint gives the recursion of eq. (5)::

    b_i = b_{i−1} + log2(b_{i−1} − 1/ln 2),      b_1 b_2 ⋯ b_k = n

so b_1 fixes every b_i (:func:`depthsep.theory.tree.continuous_group_sizes` solves it). The figure
has one log–log panel per k = 1, 2, 3 with each b_i against n; the paper's point is that every b_i
approaches n^(1/k), the even split, as n grows. Nothing is trained: the figure is computed in a
second from the theory module.
"""

from __future__ import annotations

import math

from ..checks import figure_paths, integer
from ..errors import DepthsepError
from ..theory.tree import continuous_group_sizes
from ._figures import save

N_MAX = 10**4           # the paper's axis ends at n = 10^4
N_POINTS = 240          # n sampled log-uniformly: smooth curves, still a second to solve
LAYERS = (1, 2, 3)      # the paper's panels
# From 10: eq. (5) has a k = 3 solution only from n ≈ 4.4 on, and each panel needs a stretch of
# curve to fit; to 10^9: past it the log-log curves only continue their straight lines.
_N_MAX_RANGE = (10, 10**9)


def figure1(out, n_max: int = N_MAX) -> list[str]:
    """Draw Figure 1 for n from 2 to ``n_max``; write ``out`` (.png or .svg) and the same stem in the
    other format; return both paths.

    Each b_i is a solid curve with its dashed least-squares fit log b = α log n + β (α in the legend;
    it approaches 1/k as n grows) and the reference n^(1/k) dotted. Values of n where eq. (5) has no
    solution with every b_i ≥ 1 are skipped and shaded.
    """
    paths = figure_paths(out)
    low, high = _N_MAX_RANGE
    n_max = integer(n_max, "--n-max")
    if not low <= n_max <= high:
        raise DepthsepError(f"--n-max must be an integer from {low} to 10^9, got {n_max}")
    curves = {k: _group_sizes(n_max, k) for k in LAYERS}
    return _draw(curves, n_max, paths)


def _group_sizes(n_max: int, layers: int):
    """(ns, sizes): the n with a solution, and their b_1…b_k as rows."""
    import numpy as np

    solved = [(n, continuous_group_sizes(n, layers)) for n in np.geomspace(2.0, float(n_max), N_POINTS)]
    solved = [(n, b) for n, b in solved if b is not None]
    return np.array([n for n, _ in solved]), np.array([b for _, b in solved])


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


def _draw(curves: dict, n_max: int, paths: list[str]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    first, last = 2.0, float(n_max)
    colours = ["#1b6ca8", "#d1495b", "#2a9d8f"]
    fig, axes = plt.subplots(1, len(LAYERS), figsize=(14, 4.9), dpi=150, constrained_layout=True)
    for k, ax in zip(LAYERS, axes):
        xs, sizes = curves[k]
        for i in range(k):
            alpha, beta = _loglog_fit(xs, sizes[:, i])
            ax.plot(xs, sizes[:, i], color=colours[i], lw=2.2, label=f"$b_{i + 1}$")
            ax.plot(xs, np.exp(beta) * xs ** alpha, color=colours[i], lw=1.2, ls="--",
                    label=f"fit $b_{i + 1}$: slope α = {alpha:.3f}")
        ax.plot(xs, xs ** (1.0 / k), color="0.15", lw=1.2, ls=":",
                label=f"$n^{{1/{k}}}$ (slope {1.0 / k:.3f})")
        if xs[0] > first:  # small n where eq. (5) has no solution with every b_i >= 1
            ax.axvspan(first, xs[0], color="0.88", zorder=0)
            ax.text(math.sqrt(first * xs[0]), 0.5, "no solution\nwith all $b_i \\geq 1$",
                    transform=ax.get_xaxis_transform(), ha="center", va="center",
                    fontsize=8, color="0.35", rotation=90)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(first, last)
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
    return save(fig, paths)


__all__ = ["N_MAX", "figure1"]
