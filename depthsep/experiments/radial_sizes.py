"""``depthsep radial sizes``: neurons of both radial constructions over a grid of (d, ε), by formula.

Nothing is built or trained: each row is :func:`depthsep.theory.radial.plan` for one (layers, d, ε),
so the table reaches sizes far beyond what :func:`~depthsep.construct.radial_build.radial_build`
would write out (whose widths a test checks against these rows). Seed 001's questions are read off
three panels: size vs d at fixed ε (Thm 1: polynomial in d for one hidden layer, via the array sphere
rule), size vs 1/ε at fixed d (Thm 2: polynomial in 1/ε), and size along the diagonal ε = c/d (Thm 4:
not polynomial in both at one hidden layer; two stay poly(d, L/ε)).
"""

from __future__ import annotations

from ..checks import figure_paths, positive_ints, positive_numbers
from ..theory.radial import plan, profile, radial_layers
from ._figures import save

DIMS = (1, 2, 4, 8, 16, 32)
EPSILONS = (0.1, 0.05, 0.02, 0.01)


def radial_sizes(phi, layers=(1, 2), dims=DIMS, epsilons=EPSILONS, radius=1.0, lipschitz=None, out=None,
                 diagonal: float | None = None) -> dict:
    """Neurons of the radial constructions for every (layers, d, ε), by formula (nothing built).

    Rows ``{"layers", "dim", "epsilon", "series", "neurons", "hidden_widths", …}``; ``neurons`` is None
    where the one-layer polynomial degree would pass its cap. ``diagonal`` = c adds rows along ε = c/d
    (series "diagonal"; default c = max ε · min d). With ``out`` a PNG and an SVG are written.
    """
    layer_list = radial_layers(layers)
    dims = positive_ints(dims, "--dims")
    epsilons = positive_numbers(epsilons, "--epsilons")
    if out is not None:
        figure_paths(out)                           # a bad --out fails before the work
    prof = profile(phi, radius, lipschitz)
    c = diagonal if diagonal is not None else max(epsilons) * min(dims)
    cells = [(d, e, "grid") for d in dims for e in epsilons] + [(d, c / d, "diagonal") for d in dims]
    rows = []
    for ell in layer_list:
        for d, e, series in cells:
            sizes = plan(prof, d, e, ell)
            row = {"layers": ell, "dim": d, "epsilon": e, "series": series}
            if ell == 1 and not sizes["feasible"]:
                row.update({"neurons": None, "hidden_widths": None, "note": sizes["reason"]})
            elif ell == 1:
                row.update({"neurons": sizes["neurons"], "hidden_widths": sizes["hidden_widths"],
                            "degree": sizes["degree"], "cubature": sizes["cubature"],
                            "directions": sizes["directions"], "knots": sizes["knots"]})
            else:
                row.update({"neurons": sizes["neurons"], "hidden_widths": sizes["hidden_widths"],
                            "k": sizes["k"], "m": sizes["m"]})
            rows.append(row)
    result = {"phi": prof.text, "radius": prof.radius, "lipschitz": prof.lipschitz, "diagonal_c": c,
              "rows": rows}
    if out is not None:
        result["figures"] = plot_sizes(result, out)
    return result


def plot_sizes(result: dict, path) -> list[str]:
    """Three log–log panels: size vs d (one colour per ε), size vs 1/ε (one colour per d), size along
    ε = c/d. Solid: one hidden layer, dashed: two; a colour means the same ε (or d) in every line.
    Written as PNG and SVG (:func:`~depthsep.checks.figure_paths`); returns the paths."""
    paths = figure_paths(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    rows = [r for r in result["rows"] if r["neurons"]]
    grid = [r for r in rows if r["series"] == "grid"]
    depths = sorted({r["layers"] for r in rows})
    epsilons = sorted({r["epsilon"] for r in grid}, reverse=True)
    dims = sorted({r["dim"] for r in grid})
    # Sequential colours (the palest end left out): one per ε in panel 1, one per d in panel 2.
    eps_colour = {e: plt.cm.plasma(0.85 * i / max(1, len(epsilons) - 1)) for i, e in enumerate(epsilons)}
    dim_colour = {d: plt.cm.viridis(0.9 * i / max(1, len(dims) - 1)) for i, d in enumerate(dims)}
    styles = {1: ("-", "o"), 2: ("--", "s")}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    for ell in depths:
        line, marker = styles[ell]
        mine = [r for r in grid if r["layers"] == ell]
        for e in epsilons:
            pts = sorted((r["dim"], r["neurons"]) for r in mine if r["epsilon"] == e)
            if pts:
                axes[0].plot(*zip(*pts), line, marker=marker, color=eps_colour[e], ms=4)
        for d in dims:
            pts = sorted((1 / r["epsilon"], r["neurons"]) for r in mine if r["dim"] == d)
            if pts:
                axes[1].plot(*zip(*pts), line, marker=marker, color=dim_colour[d], ms=4)
        pts = sorted((r["dim"], r["neurons"]) for r in rows if r["layers"] == ell and r["series"] == "diagonal")
        if pts:
            axes[2].plot(*zip(*pts), line, marker=marker, color="k", ms=4)
    titles = ["neurons vs d, each ε", "neurons vs 1/ε, each d", f"neurons along ε = {result['diagonal_c']:g}/d"]
    for ax, title, xlabel in zip(axes, titles, ["input dimension d", "1/ε", "input dimension d"]):
        ax.set_xscale("log", base=2 if xlabel.startswith("input") else 10)
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("hidden neurons")
        ax.grid(alpha=0.3)
    depth_handles = [Line2D([], [], color="k", ls=styles[ell][0], marker=styles[ell][1],
                            label=f"{ell} hidden layer{'s' if ell > 1 else ''}") for ell in depths]
    axes[0].legend(handles=depth_handles + [Line2D([], [], color=eps_colour[e], lw=3, label=f"ε = {e:g}")
                                            for e in epsilons], fontsize=8)
    axes[1].legend(handles=depth_handles + [Line2D([], [], color=dim_colour[d], lw=3, label=f"d = {d}") for d in dims],
                   fontsize=8, ncol=2)
    axes[2].legend(handles=depth_handles, fontsize=8)
    fig.suptitle(f"radial φ(t) = {result['phi']} on |x| ≤ {result['radius']:g}, L = {result['lipschitz']:.3g}: "
                 "neurons of the explicit constructions (1 hidden layer: ridge functions on a sphere rule; "
                 "2: Eldan–Shamir)", fontsize=10)
    fig.tight_layout()
    return save(fig, paths, dpi=120)


__all__ = ["DIMS", "EPSILONS", "plot_sizes", "radial_sizes"]
