"""Radial functions f(x) = φ(|x|): what depth separations really separate (seed 001).

The API behind ``depthsep radial build|sizes|experiment``; every function returns a JSON-able dict.

* :func:`radial_build` — an explicit ReLU network for φ(|x|) on the ball |x| ≤ R with one hidden
  layer (ridge functions, Safran–Eldan–Shamir's route) or two (Eldan–Shamir's |x|² then φ(√s)),
  verified on the ball, written with :meth:`Network.save`.
* :func:`radial_sizes` — the neurons of both constructions for a grid of (d, ε), by formula only; the
  one-layer rows name the sphere cubature used ("product", "orbit" or "array": whichever has the
  fewest directions, the array rule being the one polynomial in d).
* :func:`radial_experiment` — trains 1- and 2-hidden-layer networks on ``radial:PHI:D`` targets.

φ is text in the variable t, parsed by :func:`depthsep.expr.parse_function` (never evaluated as
code) and evaluated by walking the sympy tree.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from .errors import DepthsepError
from .expr import parse_function, symbol
from .theory import radial as theory

T = symbol("t")
LIPSCHITZ_GRID = 200_001
MAX_BUILD_NEURONS = 200_000
MAX_BUILD_WEIGHTS = 20_000_000
CUBATURE_NAMES = {"product": "product Gauss rule", "orbit": "hyperoctahedral-orbit rule",
                  "array": "orthogonal-array rule"}


@dataclass
class Profile:
    """A parsed φ: its text, sympy expression, numpy evaluator, and Lipschitz constant on [0, R]."""

    text: str
    expr: sp.Expr
    numpy: Callable[[np.ndarray], np.ndarray]
    radius: float
    lipschitz: float


def _numpy_evaluator(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    from .activations import X, _numpy_function

    return _numpy_function(expr.subs(T, X))


def torch_evaluator(expr: sp.Expr):
    from .activations import X, _torch_function

    return _torch_function(expr.subs(T, X))


def parse_phi(text: object) -> sp.Expr:
    """φ as a sympy expression in t; DepthsepError unless it is a real formula that depends on t."""
    expr = parse_function(text, "t")
    if T not in expr.free_symbols:
        raise DepthsepError(f"phi must be a function of t, got the constant '{text}'")
    return expr


def positive_number(value, name: str) -> float:
    """``value`` as a finite float > 0, or a one-line DepthsepError naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DepthsepError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise DepthsepError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def check_radius(radius) -> float:
    return positive_number(radius, "radius")


def profile(text: object, radius: float = 1.0, lipschitz: float | None = None) -> Profile:
    """Parse φ, check it is finite on [0, R], and find its Lipschitz constant there.

    L = max(max |φ'| on a grid of 200 001 points, max secant slope on that grid), times 1.01
    (safety for the gaps between grid points); ``lipschitz`` overrides it.
    """
    radius = check_radius(radius)
    expr = parse_phi(text)
    phi = _numpy_evaluator(expr)
    r = np.linspace(0.0, radius, LIPSCHITZ_GRID)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(phi(r)), r.shape)
    if np.iscomplexobj(values) or not np.all(np.isfinite(values)):
        bad = r[~np.isfinite(values)] if not np.iscomplexobj(values) else r[:1]
        where = f" (e.g. at t = {bad[0]:g})" if len(bad) else ""
        raise DepthsepError(f"phi = {text} is not finite and real on [0, {radius:g}]{where}")
    values = values.astype(np.float64)
    if lipschitz is None:
        secant = float(np.max(np.abs(np.diff(values)) / np.diff(r)))
        with np.errstate(all="ignore"):
            derivative = sp.diff(expr, T)
            try:
                slopes = np.asarray(_numpy_evaluator(derivative)(r), dtype=np.float64)
                finite = slopes[np.isfinite(slopes)]
                tangent = float(np.max(np.abs(finite))) if len(finite) else 0.0
            except (DepthsepError, TypeError, ValueError):
                tangent = 0.0
        lipschitz = 1.01 * max(secant, tangent)
        if not math.isfinite(lipschitz):
            raise DepthsepError(f"phi = {text} is not Lipschitz on [0, {radius:g}]")
    else:
        lipschitz = positive_number(lipschitz, "lipschitz")
    return Profile(str(text).strip(), expr, phi, radius, max(float(lipschitz), 1e-12))


def _check_size(dim, epsilon, layers):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise DepthsepError(f"dim must be an integer >= 1, got {dim!r}")
    epsilon = positive_number(epsilon, "epsilon")
    if str(layers) not in ("1", "2"):
        raise DepthsepError(f"radial constructions have --layers 1 or 2, got {layers!r}")
    return int(dim), epsilon, int(layers)


def plan(prof: Profile, dim: int, epsilon: float, layers: int) -> dict:
    """The sizes of a construction (no network built)."""
    if layers == 2:
        return theory.two_layer_plan(dim, epsilon, prof.lipschitz, prof.radius)
    return theory.one_layer_plan(prof.numpy, dim, epsilon, prof.radius)


def radial_build(phi, dim, radius=1.0, epsilon=1e-2, layers=2, activation="relu", lipschitz=None, out=None,
                 seed: int = 0) -> dict:
    """Build, verify (sup over the ball ≤ ε or DepthsepError) and optionally save a ReLU network for φ(|x|)."""
    from .construct import radial as construct

    started = time.perf_counter()
    if activation != "relu":
        raise DepthsepError(f"radial constructions are ReLU networks; got --activation {activation}")
    dim, epsilon, layers = _check_size(dim, epsilon, layers)
    prof = profile(phi, radius, lipschitz)
    sizes = plan(prof, dim, epsilon, layers)
    if layers == 1 and not sizes["feasible"]:
        raise DepthsepError(f"one-hidden-layer radial construction: {sizes['reason']}")
    weights = sizes["neurons"] * (dim + 1) + (sizes["hidden_widths"][-1] if layers == 2 else 0) * sizes["hidden_widths"][0]
    if sizes["neurons"] > MAX_BUILD_NEURONS or weights > MAX_BUILD_WEIGHTS:
        raise DepthsepError(f"the {layers}-hidden-layer construction for d = {dim}, epsilon = {epsilon:g} needs "
                            f"{sizes['neurons']} neurons; refusing to build more than {MAX_BUILD_NEURONS} "
                            f"(use radial sizes for the count)")
    meta = {"target": f"phi(|x|), phi(t) = {prof.text}", "dim": dim, "radius": prof.radius, "epsilon": epsilon,
            "lipschitz": prof.lipschitz}
    if layers == 2:
        meta["construction"] = "Eldan-Shamir: sum of broken-line x_i^2, then broken-line phi(sqrt(s)) with knots (jR/m)^2"
        network = construct.two_layer(prof.numpy, dim, prof.radius, sizes["k"], sizes["m"], meta)
        details = {"k": sizes["k"], "m": sizes["m"]}
    else:
        if sizes["max_g"] * 1e-14 > epsilon / 10:
            raise DepthsepError(f"one-hidden-layer radial construction: its ridge functions reach {sizes['max_g']:.3g} "
                                f"and cancel to phi; float64 cannot resolve epsilon = {epsilon:g}")
        meta["construction"] = (f"ridge sum: Chebyshev q(|x|^2) = E_u g(u.x), {CUBATURE_NAMES[sizes['cubature']]}, "
                                "broken-line g")
        meta["cubature"] = sizes["cubature"]
        network = construct.one_layer(sizes["profile"], dim, prof.radius, sizes["degree"], sizes["knots"], meta,
                                      cubature=sizes["cubature"])
        details = {"degree": sizes["degree"], "cubature": sizes["cubature"], "directions": sizes["directions"],
                   "knots": sizes["knots"], "poly_error": sizes["poly_error"], "max_ridge": sizes["max_g"]}
    check = construct.radial_sup_error(network, prof.numpy, dim, prof.radius, seed=seed)
    if check["sup_error"] > epsilon:
        raise DepthsepError(f"the {layers}-hidden-layer radial network misses epsilon = {epsilon:g}: "
                            f"sup error {check['sup_error']:.3g} on the ball")
    network.meta["sup_error"] = check["sup_error"]
    report = {"phi": prof.text, "dim": dim, "radius": prof.radius, "epsilon": epsilon, "layers": layers,
              "activation": "relu", "lipschitz": prof.lipschitz, "construction": meta["construction"],
              "hidden_widths": network.hidden_widths, "neurons": network.neurons,
              "predicted_neurons": sizes["neurons"], **details,
              "budget": {k: float(v) for k, v in sizes["budget"].items()},
              "sup_error": check["sup_error"], "verify_points": check["points"],
              "build_s": round(time.perf_counter() - started, 3)}
    if out is not None:
        network.save(os.fspath(out))
        report["out"] = os.fspath(out)
    return report


def _layer_list(layers) -> list[int]:
    if isinstance(layers, (list, tuple)):
        items = list(layers)
    elif isinstance(layers, str) and layers.strip() in ("both", "1,2", "all"):
        items = [1, 2]
    else:
        items = [layers]
    result = []
    for item in items:
        if str(item).strip() not in ("1", "2"):
            raise DepthsepError(f"radial constructions have --layers 1 or 2, got {item!r}")
        result.append(int(str(item).strip()))
    return result


def radial_sizes(phi, layers=(1, 2), dims=(1, 2, 4, 8, 16, 32), epsilons=(0.1, 0.05, 0.02, 0.01), radius=1.0,
                 lipschitz=None, out=None, diagonal: float | None = None) -> dict:
    """Neurons of the radial constructions for every (layers, d, ε), by formula (nothing built).

    Rows ``{"layers", "dim", "epsilon", "neurons", "hidden_widths", …}``; ``neurons`` is None where the
    one-layer polynomial degree would pass its cap. ``diagonal`` = c adds rows along ε = c/d (default
    c = max ε · min d) for the "polynomial in both?" panel. With ``out`` a PNG and an SVG are written.
    """
    prof = profile(phi, radius, lipschitz)
    layer_list = _layer_list(layers)
    dims = [_check_size(d, 1.0, 1)[0] for d in dims]
    epsilons = [_check_size(1, e, 1)[1] for e in epsilons]
    if not dims or not epsilons:
        raise DepthsepError("radial sizes needs at least one dim and one epsilon")
    c = diagonal if diagonal is not None else max(epsilons) * min(dims)
    cells = [(d, e, "grid") for d in dims for e in epsilons] + [(d, c / d, "diagonal") for d in dims]
    rows = []
    for ell in layer_list:
        for d, e, kind in cells:
            sizes = plan(prof, d, e, ell)
            row = {"layers": ell, "dim": d, "epsilon": e, "series": kind}
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
        result["figures"] = plot_sizes(result, os.fspath(out))
    return result


def plot_sizes(result: dict, path: str) -> list[str]:
    """Three log–log panels: size vs d (one colour per ε), size vs 1/ε (one colour per d), size along
    ε = c/d. Solid: one hidden layer, dashed: two; a colour means the same ε (or d) in every line."""
    from .plots import output_paths

    paths = output_paths(path)
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
        line, marker = styles.get(ell, (":", "^"))
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
    depth_handles = [Line2D([], [], color="k", ls=styles.get(ell, (":", "^"))[0], marker=styles.get(ell, (":", "^"))[1],
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
    for p in paths:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return paths


# -- experiment ------------------------------------------------------------------------------------
# (i) an O(1)-Lipschitz φ; (ii) Eldan–Shamir-style, frequency ∝ d; (iii) the 1-Lipschitz function of
# seed 001's Thm 4, sin(2π d³ t²)/(2π d³), which needs width 2^Ω(d log d) at accuracy ∝ 1/d³.
DEFAULT_PHIS = ("cos(pi*t)", "sin(2*pi*D*t)", "sin(2*pi*D^3*t^2)/(2*pi*D^3)")
INPUT_LAWS = {"radius": "|x| ~ U[0, 1], direction uniform", "ball": "x uniform in the unit ball"}
STD_POINTS = 20_000   # points that estimate the std of φ(|x|) which scales the errors


def radial_experiment(phis=DEFAULT_PHIS, dims=(2, 4, 8, 16), widths=(8, 16, 32, 64, 128), layers=(1, 2),
                      steps: int = 4000, batch_size: int = 128, lr: float = 3e-3, seeds=(0,),
                      target_error: float = 0.2, test_size: int = 8192, distribution: str = "radius",
                      workers: int | None = None, out=None, progress=None) -> dict:
    """Train 1- and 2-hidden-layer ReLU networks (L2 loss, adam) on ``radial:PHI:D`` for each φ and d.

    A "D" in φ is replaced by d (``sin(2*pi*D*t)``: Eldan–Shamir-style, frequency ∝ d). Reports, per
    (φ, d, layers), each width's relative test RMSE (RMSE / std of φ(|x|) under the input law) and
    the smallest width with relative RMSE ≤ ``target_error`` (None if no width reached it).

    ``distribution`` is the input law (see :mod:`depthsep.train.radial_target`). "radius" (the
    default): direction uniform and |x| ~ U[0, 1], the same law of |x| in every d, so each d tests
    the whole profile φ on [0, 1]. "ball": x uniform in the unit ball, |x| = U^(1/d); then E|x| =
    d/(d+1) and std |x| ≈ 1/d, so for large d the inputs only see φ near t = 1: std φ(|x|) ≈ |φ'(1)|/d
    (smaller still where φ'(1) = 0, as for cos(πt)), and the relative error of either depth measures
    how well a net resolves that sliver of φ, not the profile.

    Labels are φ(|x|) scaled to unit std under the input law (the factor, to 6 digits, is part of
    the target's name): the relative error does not depend on the scale, training does.

    Each model is trained once per seed in ``seeds`` (its own initial weights and data stream):
    ``errors`` holds each width's mean over seeds, ``errors_min``/``errors_max`` the spread, and the
    smallest width is read off the means, so one lucky seed cannot make a width look sufficient.
    """
    from .indicator import parse_seeds
    from .plots import output_paths
    from .train import train_models
    from .train.radial_target import check_distribution
    from .train.sweep import training_progress

    if isinstance(phis, str):
        phis = (phis,)
    distribution = check_distribution(distribution)
    if out is not None:
        output_paths(os.fspath(out))  # a bad --out fails now, not after the training
    seed_list = parse_seeds(seeds)
    layer_list = _layer_list(layers)
    settings = dict(lr=lr, steps=steps, batch_size=batch_size, test_size=test_size)
    specs, keys, stds = _experiment_specs(phis, dims, widths, layer_list, seed_list, distribution, settings)
    started = time.perf_counter()
    with training_progress(progress, len(specs), "radial") as (on_progress, on_result):
        results = train_models(specs, progress=on_progress, on_result=on_result, workers=workers)
    rows = _experiment_rows(keys, results, stds, target_error)
    result = {"phis": list(phis), "dims": list(dims), "widths": list(widths), "layers": layer_list,
              "steps": steps, "batch_size": batch_size, "lr": lr, "loss": "l2", "optimizer": "adam",
              "seeds": seed_list, "distribution": distribution, "input_law": INPUT_LAWS[distribution],
              "target_error": target_error,
              "error_measure": "test RMSE / std of phi(|x|) under the input distribution, mean over seeds",
              "rows": rows, "train_s": round(time.perf_counter() - started, 1)}
    if out is not None:
        result["figures"] = plot_experiment(result, os.fspath(out))
    return result


def _experiment_specs(phis, dims, widths, layer_list, seed_list, distribution, settings):
    """One ModelSpec per (φ, d, layers, width, seed), its key (φ, d, layers, width, target name), and
    the std under the input law (fixed points: it only scales the errors) of each (φ, d): of φ itself
    ("phi") and of the target trained on, φ scaled to unit std ("trained")."""
    import torch

    from .train import ModelSpec, make_target

    law = "" if distribution == "ball" else f":{distribution}"
    specs, keys, stds = [], [], {}
    for template in phis:
        for d in dims:
            text = str(template).replace("D", str(int(d)))
            target = make_target(f"radial:{text}:{int(d)}{law}")
            x = target.draw(torch.Generator().manual_seed(12345), STD_POINTS)
            std = phi_std = float(target(x.double()).std())
            if math.isfinite(std) and std > 0:
                # Train on φ scaled to unit std (6 significant digits, exact in the name). The relative
                # error does not depend on the scale, but training does: Thm 4's φ has amplitude
                # 1/(2π d³) ≈ 5e-6 at d = 32, below the output noise of Adam at its usual rate, so
                # unscaled it would measure the optimiser, not the function.
                target = make_target(f"radial:({text})*{1 / std:.6g}:{int(d)}{law}")
                std = float(target(x.double()).std())
            stds[(template, int(d))] = {"trained": std, "phi": phi_std}
            for ell in layer_list:
                for w in widths:
                    for seed in seed_list:
                        specs.append(ModelSpec(target.name, ell, int(w), activation="relu", loss="l2",
                                               optimizer="adam", seed=seed, **settings))
                        keys.append((template, int(d), ell, int(w), target.name))
    return specs, keys, stds


def _experiment_rows(keys, results, stds, target_error) -> list[dict]:
    """Per (φ, d, layers): mean/min/max relative error per width over the seeds, and the smallest
    width whose mean reaches ``target_error``."""
    from .indicator import summarise

    per_width = {}  # (template, d, ell, w, name) -> the seeds' relative errors (None: diverged)
    for key, res in zip(keys, results):
        std = max(stds[key[:2]]["trained"], 1e-12)
        per_width.setdefault(key, []).append(None if res.test_rmse is None else res.test_rmse / std)
    table = {}
    for (template, d, ell, w, name), rels in per_width.items():
        entry = table.setdefault((template, d, ell), {"phi": template, "target": name, "dim": d, "layers": ell,
                                                      "target_std": stds[(template, d)]["phi"], "errors": {},
                                                      "errors_min": {}, "errors_max": {}})
        stats = summarise(rels)
        entry["errors"][str(w)] = stats["mean"]
        entry["errors_min"][str(w)], entry["errors_max"][str(w)] = stats["min"], stats["max"]
    for entry in table.values():
        reached = [int(w) for w, e in entry["errors"].items() if e is not None and e <= target_error]
        entry["smallest_width"] = min(reached) if reached else None
    return list(table.values())


LAYER_STYLES = {1: dict(ls="-", marker="o"), 2: dict(ls="--", marker="s")}
LAYER_NAMES = {1: "1 hidden layer", 2: "2 hidden layers"}


def plot_experiment(result: dict, path: str) -> list[str]:
    """One column per φ. Top: the smallest width reaching the target error vs d (log2–log2), one line
    per depth; a d that no trained width reached sits in a "none ≤ W" row above the widest width W.
    Bottom: relative error vs width, one colour per d (sequential colormap, shared colourbar), solid
    for 1 hidden layer and dashed for 2, seed min–max band, the target error as a dotted line."""
    from .plots import output_paths

    paths = output_paths(path)
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
    seeds = result.get("seeds", [0])
    law = INPUT_LAWS.get(result.get("distribution"), result.get("distribution", ""))
    fig.suptitle(f"ReLU nets on φ(|x|), {law}: {result['steps']} Adam steps of {result['batch_size']}, "
                 f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"
                 f"{' (mean, min–max band)' if len(seeds) > 1 else ''}")
    for p in paths:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return paths


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
        style = LAYER_STYLES.get(ell, dict(ls=":", marker="^"))
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

    many = len(result.get("seeds", ())) > 1
    for row in sorted(rows, key=lambda r: (r["dim"], r["layers"])):
        ws = sorted(int(w) for w in row["errors"] if row["errors"][w] is not None)
        if not ws:
            continue
        colour, style = colours[row["dim"]], LAYER_STYLES.get(row["layers"], dict(ls=":", marker="^"))
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

    handles = [Line2D([], [], color="0.15", label=LAYER_NAMES.get(ell, f"{ell} hidden layers"),
                      **LAYER_STYLES.get(ell, dict(ls=":", marker="^")))
               for ell in result["layers"]]
    handles.append(Line2D([], [], color="0.15", marker="o", mfc="white", ls="none",
                          label=f"no width ≤ {max(result['widths'])} reached the target"))
    handles.append(Line2D([], [], color="k", ls=":", label=f"target error {result['target_error']:g}"))
    return handles
