"""Theorem 3.4 made visible: as ε → 0 a smooth σ needs no more neurons, a ReLU network ever more.

Theorem 3.4 (Rolnick & Tegmark): if σ has non-zero Taylor coefficients up to the degree d of p, the
fewest neurons m_ε(p) of a network that ε-approximates p on (−R, R)^n has a finite limit as ε → 0.
The proof keeps the network and only moves its scale (Prop 3.3)::

    N_δ(x) = N(δx) / δ^d        same neurons, sup |N_δ − p| → 0 as δ → 0

A ReLU network is piecewise linear and has no Taylor series, so its number of pieces — its size —
must grow as ε shrinks (the paper's remark after the theorem).

For each ε the experiment builds both networks with :func:`depthsep.construct.build.build`, which
searches the scale and verifies the sup error it reports: σ with the ``layers`` asked for, and ReLU
with one hidden layer for one variable, else the deep (Yarotsky) construction. Passes: check every
argument → one row per ε (neurons and measured sup error of each network) → figure.

What a row may record instead of a network is the construction running out at that ε: float64
round-off for σ (δ^d in the readout cancels catastrophically once δ is small), the size limit for
ReLU. Nothing else can fail inside the ε loop, because every argument is checked before it.
"""

from __future__ import annotations

from ..checks import figure_paths, positive_number, positive_numbers
from ..construct.build import build, parse_layers
from ..errors import DepthsepError
from ..poly import parse_polynomial
from ._figures import save

EPSILONS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)   # six decades: past where float64 gives out at small d


def converge(poly, activation: str = "tanh", layers="1", model: str = "bias", radius=1.0,
             epsilons=EPSILONS, out=None) -> dict:
    """Neurons and measured sup error of σ's network and of a ReLU network, for each ε.

    Returns ``target``, ``activation``, ``layers``, ``relu_layers``, ``radius`` and ``rows`` — one per
    ε: ``neurons``, ``sup_error``, ``hidden_widths`` and the same with the prefix ``relu_``; where a
    construction runs out at that ε, its numbers are None and ``note`` / ``relu_note`` says why. With
    ``out`` a PNG and an SVG are written (``figures``).
    """
    p = parse_polynomial(poly)
    epsilons = positive_numbers(epsilons, "--epsilons")
    radius = positive_number(radius, "--radius")
    paths = None if out is None else figure_paths(out)
    # The remaining arguments (layers, σ, model, and how they fit p) are checked by the build itself,
    # one source of truth: a build without ε keeps its scale of least error and so cannot run out of
    # precision — whatever it refuses is the input, refused in one line before any ε is tried.
    reference = build(p, layers=layers, activation=activation, model=model, radius=radius).report
    activation, layers = reference["activation"], parse_layers(layers)
    # ReLU's one-hidden-layer construction interpolates one variable; several need the deep one.
    relu_layers = 1 if layers == 1 and p.n == 1 else "deep"

    rows = []
    for epsilon in epsilons:
        row = {"epsilon": epsilon, "activation": activation}
        for prefix, act, lay, mod in (("", activation, layers, model), ("relu_", "relu", relu_layers, "bias")):
            try:
                made = build(p, layers=lay, activation=act, model=mod, epsilon=epsilon, radius=radius).report
                row.update({f"{prefix}neurons": made["neurons"], f"{prefix}sup_error": made["sup_error"],
                            f"{prefix}hidden_widths": made["hidden_widths"]})
            except DepthsepError as err:  # the construction ran out at this ε: a measured outcome
                row.update({f"{prefix}neurons": None, f"{prefix}sup_error": None, f"{prefix}note": str(err)})
        rows.append(row)

    result = {"target": str(p), "activation": activation, "layers": str(layers), "relu_layers": str(relu_layers),
              "radius": radius, "rows": rows}
    if paths is not None:
        result["figures"] = plot_convergence(rows, f"{p}: {activation} ({layers} layer(s)) vs relu", paths)
    return result


def plot_convergence(rows: list[dict], title: str, paths: list[str]) -> list[str]:
    """Left: neurons needed against ε (flat for σ, growing for ReLU). Right: the sup error reached
    against ε, with the line sup error = ε. Writes each of ``paths``; returns them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eps = [r["epsilon"] for r in rows]
    smooth = rows[0]["activation"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for ax, key in ((left, "neurons"), (right, "sup_error")):
        for prefix, label, colour in (("", smooth, "tab:blue"), ("relu_", "relu", "tab:red")):
            points = [(e, r[prefix + key]) for e, r in zip(eps, rows) if r.get(prefix + key)]
            if points:
                ax.plot(*zip(*points), "o-", color=colour, label=label)
    right.plot(eps, eps, "k:", label="sup error = ε")
    left.set(xscale="log", yscale="log", xlabel="ε asked for", ylabel="neurons", title="size needed for sup error < ε")
    right.set(xscale="log", yscale="log", xlabel="ε asked for", ylabel="measured sup error", title="error reached")
    for ax in (left, right):
        ax.invert_xaxis()
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return save(fig, paths, dpi=150)


__all__ = ["EPSILONS", "converge", "plot_convergence"]
