"""The report's own small figures — the ones no experiment command draws: Prop 3.3's error against
the scale, Section 4's one-layer against deep counts, and x^d's counts against d. Each takes the
rows a check in :mod:`depthsep.experiments._claims` returned and writes a PNG (and its SVG)."""

from __future__ import annotations

from ..checks import figure_paths
from ._figures import save


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_scale(rows: list[dict], poly: str, epsilon: float, out) -> list[str]:
    """Prop 3.3: sup error of the same network at scale t (log–log), with t² for reference."""
    plt = _pyplot()
    ts = [r["t"] for r in rows]
    errors = [r["sup_error"] for r in rows]
    fig, ax = plt.subplots(figsize=(7.2, 4.2), layout="constrained")
    ax.plot(ts, errors, "o-", color="tab:blue", label=f"measured sup error, {rows[0]['neurons']} neurons at every t")
    anchor = next((r for r in rows if r["regime"] == "truncation"), rows[0])
    best = min(rows, key=lambda r: r["sup_error"])
    shown = [t for t in ts if t >= best["t"] / 4]        # the reference only where truncation could rule
    ax.plot(shown, [anchor["sup_error"] * (t / anchor["t"]) ** 2 for t in shown], ":", color="0.3",
            label="∝ t² (truncation: the next Taylor term)")
    ax.axhline(epsilon, color="tab:red", lw=0.9, ls="--", label=f"ε = {epsilon:g}")
    ax.set(xscale="log", yscale="log", xlabel="scale t (inputs enter σ as t·x; the readout divides by t^d)",
           ylabel="sup |N_t − p| on (−1, 1)^n", title=f"Prop 3.3: one network for {poly}, rescaled")
    ax.invert_xaxis()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8.5)
    return save(fig, figure_paths(out), dpi=130)


def plot_monomials(rows: list[dict], out) -> list[str]:
    """Thm 4.1: one hidden layer (∏(r_i+1), built) against the deep network built and its formula,
    per monomial, by degree (log y): exponential against linear."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.6, 4.4), layout="constrained")
    deg = [r["degree"] for r in rows]
    ax.scatter(deg, [r["built"] for r in rows], s=14, color="tab:red", alpha=0.6,
               label="one hidden layer, built (= ∏(r_i+1) = derivative rank)")
    ax.scatter(deg, [r["deep_built"] for r in rows], s=14, color="tab:blue", alpha=0.6, marker="s",
               label="deep network, built")
    ax.scatter(deg, [r["deep_formula"] for r in rows], s=18, facecolors="none", edgecolors="tab:blue",
               marker="o", label="Thm 4.1(ii): Σ(7⌈log2 r_i⌉ + 4)")
    ax.set(yscale="log", xlabel="degree d = Σ r_i", ylabel="neurons",
           title=f"{len(rows)} random monomials: shallow against deep (paper model, σ = exp)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8.5)
    return save(fig, figure_paths(out), dpi=130)


def plot_powers(rows: list[dict], out) -> list[str]:
    """Prop 4.6: x^d with one hidden layer (d+1) and deep (built, and 7⌈log2 d⌉)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 4.0), layout="constrained")
    ds = [r["d"] for r in rows]
    ax.plot(ds, [r["built"] for r in rows], "o-", ms=3.5, color="tab:red", label="one hidden layer, built (d + 1)")
    ax.plot(ds, [r["deep_built"] for r in rows], "s-", ms=3.5, color="tab:blue", label="deep, built")
    ax.plot(ds, [r["deep_formula"] for r in rows], ":", color="tab:blue", label="Prop 4.6(ii): 7⌈log2 d⌉")
    ax.set(xlabel="d", ylabel="neurons", title="x^d: linear against logarithmic (paper model, σ = exp)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8.5)
    return save(fig, figure_paths(out), dpi=130)


__all__ = ["plot_monomials", "plot_powers", "plot_scale"]
