"""Figure 2 with what is expressible: per cell (k hidden layers × W), the best explicit log–exp
network that fits, against what training found there — and training started from that network.

    >>> from depthsep.experiments.expressible import expressible
    >>> expressible("quick", store="figure2.db", cells="expressible.json", out="expressible.png",
    ...             warm_store="warmstart.db")["rows"][0]                           # doctest: +SKIP
    {'layers': 2, 'width': 80, 'fits': True, 'hidden_widths': [80, 80], 'constructed_mae': 0.10, ...}

Figure 2's red cells could mean that k layers of width W cannot express x1⋯x20 well, or that
AdaDelta does not find a network that can. x1⋯x20 = exp(Σ log x_i) is a two-hidden-layer network
(:mod:`depthsep.construct.logexp`): 20 log pieces side by side, then one exp piece. So a cell
*can* hold it when k ≥ 2 and W ≥ 20 (one neuron per log piece); one hidden layer holds no log–exp
network ("does not fit"). The module reads as its passes:

1. **preset** — :func:`expressible_grid`: Figure 2's grid (:func:`~.figure2.figure2_grid`) and the
   search: per width, the candidates of :func:`candidates` — every log piece W // n neurons, the
   exp piece W, each piece fitted at that width (:func:`~depthsep.construct.logexp.plan_widths`),
   over the shifts :data:`C_VALUES` and exp caps :data:`TOPS`; and the ε rule's networks
   (:data:`EPSILONS`) where they fit (its bound is 2.5–4× conservative, so at these widths they
   never do — kept so the comparison says so);
2. **construct** — :func:`construct_cells`: the best candidate per (activation, W), chosen by its
   MAE *in float32* (the precision the trained nets compute in: a float64-accurate exp piece with
   outer weights ~10⁷ is useless there) plus two standard errors on :data:`SELECT_SAMPLES` points;
   then the chosen network is measured on fresh points: MAE under U[0, 2]^20 on :data:`SAMPLES`
   seeded points with its standard error (float32 and float64), once per (activation, W) at 2
   hidden layers — a cell of k layers is that network plus k − 2 carry layers, and states those
   MAEs once :func:`carry_error` shows, by evaluating both, that its MAE differs by less than
   :data:`CARRY_TOLERANCE` (else it is measured itself); and per cell on Figure 2's own
   test points exactly as the engine scores a model — the warm start's MAE at step 0. Written to
   a JSON file (:data:`FORMAT`) beside ``figure2.db``: a finished file is read, not recomputed
   (one from another search — older files lack the carry check — is rebuilt);
3. **warm start** — :func:`warm_start`: each fitting cell trained with Figure 2's setup from its
   construction (``init = "log-exp:…"``, embedded into width W: :mod:`depthsep.train.warm`) through
   :func:`~depthsep.train.sweep.run_specs` into its own store (Figure 2's store keeps only
   drawn starts, so its heatmap is unchanged);
4. **analysis** — :func:`comparison`: from the JSON and the two stores alone, per cell the
   constructed MAE, the trained MAE (Figure 2's drawn start), and the warm start before → after, with a
   verdict; :func:`draw`: the constructed and trained heatmaps side by side on one colour scale
   centred on the best constant predictor.
"""

from __future__ import annotations

import json
import math
import os
import time
from statistics import fmean

from ..checks import choice, figure_paths, writable_file
from ..errors import DepthsepError
from ..train.config import RunOptions
from ..train.spec import DRAWN_INITS
from ._atomic import write_json
from .figure2 import MODES, figure2_grid, heatmap_data, setup_of

# -- 1. preset -------------------------------------------------------------------------------------

#: log(x + c): c trades the mean bias ≈ n·c against steeper pieces near 0; measured at W = 80
#: (50 000 points, float64): c = 3e-4 → MAE 0.101, 1e-3 → 0.106, 3e-3 → 0.128, 1e-2 → 0.26.
C_VALUES = (1e-4, 3e-4, 1e-3)
#: Caps on the exp piece's interval (None: the whole range of ŝ, up to 20·log 2 ≈ 13.9). Uncapped
#: pieces carry outer weights ~e^13.9 whose float32 rounding adds 0.05–0.15 to the MAE; a cap at 9
#: loses only the mass of x1⋯x20 > e^9 ≈ 8 000, a few thousandths. (A cap at 7 looked as good on
#: 20 000 points but leaves a heavy tail of errors: its MAE's standard error was 4× larger.)
TOPS = (None, 11.0, 9.0)
#: ε-rule networks tried as well (metric mae): the smallest fits in W ≥ 280 only.
EPSILONS = (0.1, 0.2, 0.4)
#: Points per candidate when choosing (float32, seed :data:`SELECT_SEED`). The choice minimises
#: MAE + 2 standard errors: the errors inherit the product's heavy tail, and a candidate whose MAE
#: is low only on the points drawn is not the best.
SELECT_SAMPLES = 200_000
SELECT_SEED = 1
SAMPLES = 1_000_000            # points per cell in the stated MAE (fresh ones: seed SEED)
SEED = 0
#: A cell k > 2 states the MAEs of its 2-layer network once both are evaluated on CHECK_SAMPLES
#: seeded points (seed CHECK_SEED) and the change of the MAE there, plus two standard errors, is at
#: most CARRY_TOLERANCE in float32 and float64 (:func:`carries`): half the last digit the MAE is
#: stated to, under a third of the smallest standard error in the quick grid (0.0018). Measured on
#: the quick grid's choices (tanh): |shift| + 2 SE ≤ 3e-8 in float64, ≤ 9e-5 in float32 (W = 80),
#: though single outputs move by up to 0.05 there — a tanh carry rounds its input once more in
#: float32 and the steep log pieces near 0 amplify that, evenly to both sides of the target.
CHECK_SAMPLES = 20_000
CHECK_SEED = 2
CARRY_TOLERANCE = 5e-4
FORMAT = "depthsep.expressible/1"
#: A warm start "keeps" its construction while its MAE stays within this of where it started: about
#: twice the trained MAE's seed spread in a Figure 2 cell is ≈ 0.02–0.05, the test set's own noise
#: (quick: 20 000 points) ≈ 0.01.
KEEP_TOLERANCE = 0.01


def expressible_grid(mode: str = "quick", grid: dict | None = None) -> dict:
    """Figure 2's grid of ``mode`` (or ``grid``, a smaller one of the same keys) plus the search's
    choices (all of them keys of a cells file)."""
    choice(mode, "mode", MODES)
    grid = figure2_grid(mode) if grid is None else dict(grid)
    return {"mode": mode, "grid": grid,
            "search": {"c": list(C_VALUES), "top": list(TOPS), "epsilons": list(EPSILONS),
                       "select_samples": SELECT_SAMPLES, "select_seed": SELECT_SEED, "samples": SAMPLES, "seed": SEED,
                       "select_precision": "float32", "check_samples": CHECK_SAMPLES, "check_seed": CHECK_SEED,
                       "carry_tolerance": CARRY_TOLERANCE}}


def candidates(n: int, width: int) -> list[str]:
    """The ``init`` texts of the log–exp networks tried for one width W (at 2 hidden layers): every
    log piece W // n neurons (the first layer holds n pieces), the exp piece W, over the shifts and
    caps; then the ε rule's networks (kept only where they fit, see :func:`construct_cells`)."""
    from ..train.spec import parse_init

    out = []
    if width // n >= 1:
        out += [parse_init(f"log-exp:log={width // n},exp={width},c={c}" + ("" if top is None else f",top={top}"))
                for c in C_VALUES for top in TOPS]
    return out + [parse_init(f"log-exp:eps={e}") for e in EPSILONS]


# -- 2. construct ----------------------------------------------------------------------------------

def _spec(grid: dict, layers: int, width: int, activation: str, init: str, seed: int = 0):
    from ..train.config import TrainingConfig
    from ..train.spec import ModelSpec

    config = TrainingConfig(**{k: grid[k] for k in ("steps", "batch_size", "loss", "optimizer", "lr",
                                                    "domain", "test_size")})
    return ModelSpec(grid["target"], layers=layers, width=width, activation=activation, seed=seed,
                     init=init, **config.as_dict())


def _measure(network, poly: str, domain: str, samples: int, precision: str, seed: int = SEED) -> dict:
    from ..verification import distribution_error

    d = distribution_error(network, poly, domain, "mae", samples=samples, seed=seed, dtype=precision)
    return {"mae": d["mae"], "standard_error": d["standard_error"]}


def test_set_mae(spec) -> float:
    """The MAE of ``spec``'s starting network on Figure 2's test points, in float32 as the engine
    scores a trained model: where a warm start begins."""
    import torch

    from ..train.data import evaluation_set
    from ..train.naive import build_network

    net = build_network(spec)
    total = 0.0
    with torch.no_grad():
        for x, y in evaluation_set(spec.target_fn, spec.domain, spec.test_size):
            total += (net(x).squeeze(-1).double() - y).abs().sum().item()
    return total / spec.test_size


def _choose(grid: dict, activation: str, width: int, domain: str, poly: str) -> tuple[str | None, list[dict]]:
    """The best candidate for (activation, W) at 2 hidden layers by float32 MAE, and every try."""
    from ..train.warm import construction

    n = int(grid["target"].split(":")[1])
    tried = []
    for init in candidates(n, width):
        spec = _spec(grid, 2, max(width, 1), activation, init)
        try:
            network = construction(spec)
        except DepthsepError as err:
            tried.append({"init": init, "error": str(err)})
            continue
        widths = network.hidden_widths
        if max(widths) > width:
            tried.append({"init": init, "hidden_widths": widths, "fits": False})
            continue
        m = _measure(network, poly, domain, SELECT_SAMPLES, "float32", SELECT_SEED)
        tried.append({"init": init, "hidden_widths": widths, "fits": True, "mae_float32": m["mae"],
                      "standard_error": m["standard_error"]})
    fitting = [t for t in tried if t.get("fits") and math.isfinite(t["mae_float32"] + t["standard_error"])]
    best = min(fitting, key=lambda t: t["mae_float32"] + 2 * t["standard_error"], default=None)
    return (best["init"] if best else None), tried


def carry_error(deep, shallow, poly: str, domain: str, samples: int = CHECK_SAMPLES, seed: int = CHECK_SEED) -> dict:
    """How far ``deep`` (a construction with carry layers) computes away from ``shallow`` (the same
    construction at 2 hidden layers), evaluating both on ``samples`` seeded points of U[domain]^n,
    per precision (``float32``, ``float64``):

    * ``max`` and ``mean`` of |N_deep − N_shallow| (numpy and torch evaluation each compared with
      itself, the worse counting; inf where either is not finite);
    * ``shift``: the mean of |N_deep − p| − |N_shallow − p| with the gaps scored as
      :func:`~depthsep.verification.distribution_error` scores them — the change of the MAE on
      these points — and ``shift_se``, its standard error (the points are paired, so this is far
      tighter than ``mean``, which only bounds ``|shift|``)."""
    import numpy as np

    from ..poly import parse_polynomial
    from ..train.spec import parse_domain
    from ..verification import in_precision, torch_outputs

    p = parse_polynomial(poly)
    lo, hi = parse_domain(domain)
    x = np.random.default_rng(seed).uniform(lo, hi, size=(samples, p.n))
    exact = p.evaluate(x)
    out = {}
    for precision in ("float32", "float64"):
        nets = [in_precision(net, precision) for net in (deep, shallow)]
        outputs = [(np.asarray(net(x), np.float64), torch_outputs(net, x)) for net in nets]
        gaps = [np.maximum(np.abs(num - exact), np.abs(tor - exact)) for num, tor in outputs]
        diff = np.maximum(*(np.abs(d - s) for d, s in zip(*outputs)))
        change = gaps[0] - gaps[1]
        if not (np.all(np.isfinite(diff)) and np.all(np.isfinite(change))):
            out[precision] = dict.fromkeys(("max", "mean", "shift", "shift_se"), math.inf)
            continue
        out[precision] = {"max": float(np.max(diff)), "mean": float(np.mean(diff)), "shift": float(np.mean(change)),
                          "shift_se": float(np.std(change) / math.sqrt(samples))}
    return out


def carries(check: dict) -> bool:
    """Whether a :func:`carry_error` check lets a deeper cell state its 2-layer network's MAEs: in
    both precisions |shift| + 2 standard errors ≤ :data:`CARRY_TOLERANCE`."""
    return all(abs(c["shift"]) + 2 * c["shift_se"] <= CARRY_TOLERANCE for c in check.values())


def construct_cells(mode: str = "quick", path="expressible.json", grid: dict | None = None) -> dict:
    """Passes 1–2: the best log–exp network per cell of Figure 2's ``mode`` grid, measured; written
    to ``path`` (JSON, :data:`FORMAT`) and returned. A file of the same preset is read instead.

    The MAEs on :data:`SAMPLES` points (the expensive part) are measured once per (activation, W),
    on the 2-hidden-layer network; a deeper cell differs from it only by its k − 2 carry layers, so
    it states those MAEs after both networks are evaluated on the same points (:func:`carry_error`)
    and its MAE there moves by less than :data:`CARRY_TOLERANCE` (:func:`carries`) — a cell that
    fails is measured itself. Each row says which network was measured (``measured_layers``) and
    keeps the check (``carry_{max,mean,shift,shift_se}_{float32,float64}``). The test-set MAE is
    each cell's own (cheap)."""
    from .._openblas import one_thread

    preset = expressible_grid(mode, grid)
    path = os.fspath(path)
    if os.path.exists(path):
        stored = read_cells(path)
        if stored.get("grid") == json.loads(json.dumps(preset["grid"])) and stored.get("search") == json.loads(json.dumps(preset["search"])):
            return stored
    writable_file(path, "--cells")
    started = time.perf_counter()
    # One BLAS thread: on a shared 2-core machine several threads made fitting a construction's
    # pieces 30× and a measurement 2× slower (measured: 13.5 s vs 0.44 s, 3.6 s vs 1.6 s).
    with one_thread():
        rows, searched = _construct(preset["grid"])
    result = {"format": FORMAT, "mode": mode, "grid": preset["grid"], "search": preset["search"], "cells": rows,
              "candidates": searched, "samples": SAMPLES, "seed": SEED,
              "wall_s": round(time.perf_counter() - started, 1)}
    write_json(path, result, indent=1)
    return json.loads(json.dumps(result))


def _construct(grid: dict) -> tuple[list[dict], list[dict]]:
    """The cells' rows and the search per (activation, W), as :func:`construct_cells` writes them."""
    from ..train.warm import construction

    from ..poly import Polynomial

    n = int(grid["target"].split(":")[1])
    poly = str(Polynomial.product(n))
    domain = grid["domain"]

    def measured(network) -> dict:
        m32 = _measure(network, poly, domain, SAMPLES, "float32")
        m64 = _measure(network, poly, domain, SAMPLES, "float64")
        return {"mae": m32["mae"], "standard_error": m32["standard_error"],
                "mae_float64": m64["mae"], "standard_error_float64": m64["standard_error"]}

    rows, searched = [], []
    for activation in grid["activations"]:
        for width in grid["widths"]:
            init, tried = _choose(grid, activation, width, domain, poly)
            searched.append({"activation": activation, "width": width, "chosen": init, "tried": tried})
            shallow = base = None                     # the 2-layer network and its MAEs, when first needed
            for k in grid["layers"]:
                row = {"activation": activation, "layers": k, "width": width, "init": init}
                if init is None or k < 2:
                    rows.append({**row, "init": None, "fits": False,
                                 "why": "one hidden layer holds no log-exp network" if k < 2 else
                                        f"the first layer needs at least {n} neurons (one per log piece)"})
                    continue
                spec = _spec(grid, k, width, activation, init)
                network = construction(spec)
                if max(network.hidden_widths) > width:
                    rows.append({**row, "init": None, "fits": False, "hidden_widths": network.hidden_widths,
                                 "why": f"its carry layers need {max(network.hidden_widths)} neurons"})
                    continue
                if shallow is None:
                    shallow = construction(_spec(grid, 2, width, activation, init))
                    base = measured(shallow)
                check = carry_error(network, shallow, poly, domain)
                carried = carries(check)
                rows.append({**row, "fits": True, "hidden_widths": network.hidden_widths,
                             **(base if carried else measured(network)), "measured_layers": 2 if carried else k,
                             **{f"carry_{s}_{p}": check[p][s] for p in check
                                for s in ("max", "mean", "shift", "shift_se")},
                             "test_mae": test_set_mae(spec), "test_size": grid["test_size"]})
    return rows, searched


def read_cells(path) -> dict:
    """A cells file written by :func:`construct_cells` (one-line error for anything else)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as err:
        raise DepthsepError(f"cannot read {os.fspath(path)}: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DepthsepError(f"{os.fspath(path)} is not a {FORMAT} file")
    return data


# -- 3. warm start ---------------------------------------------------------------------------------

def warm_specs(cells: dict) -> list:
    """Figure 2's specs (its seeds, steps, batch, test set) for every fitting cell, each starting
    from the cell's construction."""
    grid = cells["grid"]
    return [_spec(grid, row["layers"], row["width"], row["activation"], row["init"], seed)
            for row in cells["cells"] if row["fits"] for seed in grid["seeds"]]


def warm_start(cells: dict, store="warmstart.db", run: RunOptions = RunOptions()) -> dict:
    """Pass 3: train :func:`warm_specs` into ``store`` (resumable) with :func:`run_specs`."""
    from ..train.sweep import run_specs

    return run_specs(warm_specs(cells), store, run, label="warm start")


# -- 4. analysis and figure ------------------------------------------------------------------------

def _trained(store, grid: dict, activation: str) -> dict:
    from ..train.sweep import grid_specs

    return heatmap_data(store, grid["target"], activation, setup=setup_of(grid_specs(**grid)[0]))


def verdict(before: float, after: float | None, trained: float | None) -> str:
    """What training did to a construction: ``improves`` / ``keeps`` (within
    :data:`KEEP_TOLERANCE`) / ``worsens``; ``destroys`` when it ends no better than training from
    drawn weights did; ``diverged`` when no seed finished."""
    if after is None:
        return "diverged"
    if after < before - KEEP_TOLERANCE:
        return "improves"
    if after <= before + KEEP_TOLERANCE:
        return "keeps"
    if trained is not None and after >= trained:
        return "destroys"
    return "worsens"


def comparison(cells: dict, store, warm_store=None) -> list[dict]:
    """Per cell, from the cells file and the stores alone: constructed widths and MAE (± its
    standard error), the trained MAE (Figure 2's drawn start, mean over seeds), and — with ``warm_store`` —
    the warm start's test MAE before (step 0) and after (mean, min, max over seeds) and its
    :func:`verdict`."""
    from ..train.store import ResultStore

    grid = cells["grid"]
    trained = {a: _trained(store, grid, a) for a in grid["activations"]}
    warm = {}
    if warm_store is not None:
        with ResultStore(warm_store, readonly=True) as db:
            for r in db.rows(target=grid["target"], steps=grid["steps"], test_size=grid["test_size"]):
                if r["init"] not in DRAWN_INITS:
                    warm.setdefault((r["activation"], r["layers"], r["width"], r["init"]), []).append(
                        r["test_mae"] if r["status"] == "done" else None)
    rows = []
    for cell in cells["cells"]:
        a, k, w = cell["activation"], cell["layers"], cell["width"]
        data = trained[a]
        t = (data["mae"][data["layers"].index(k)][data["widths"].index(w)]
             if k in data["layers"] and w in data["widths"] else None)
        row = {"activation": a, "layers": k, "width": w, "fits": cell["fits"], "trained_mae": t}
        if cell["fits"]:
            row.update({"init": cell["init"], "hidden_widths": cell["hidden_widths"],
                        "constructed_mae": cell["mae"], "standard_error": cell["standard_error"],
                        "constructed_mae_float64": cell["mae_float64"], "before": cell["test_mae"]})
            runs = warm.get((a, k, w, cell["init"]))
            if runs:
                done = [v for v in runs if v is not None]
                after = fmean(done) if done else None
                row.update({"after": after, "after_min": min(done, default=None),
                            "after_max": max(done, default=None), "seeds": len(done),
                            "verdict": verdict(cell["test_mae"], after, t)})
        rows.append(row)
    return rows


def draw(cells: dict, store, out="expressible.png", warm_store=None) -> list[str]:
    """Two heatmaps side by side on ONE colour scale centred on the best constant predictor's
    test MAE (white): the constructed MAE per cell (hatched grey: does not fit) and the trained
    MAE of Figure 2 (from ``store``). With ``warm_store`` each constructed cell also prints, below,
    the test MAE after training from it. Written as PNG and SVG; returns the paths."""
    paths = figure_paths(out)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import patheffects
    from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm
    from matplotlib.patches import Rectangle

    from ._figures import save
    from ._heatmap import COLOURS, NO_RUN

    grid = cells["grid"]
    activation = grid["activations"][0]
    data = _trained(store, grid, activation)
    n = data["n"]
    layers, widths = grid["layers"], grid["widths"]
    built = {(c["layers"], c["width"]): c for c in cells["cells"] if c["activation"] == activation}
    after = {} if warm_store is None else {(r["layers"], r["width"]): r.get("after")
                                           for r in comparison(cells, store, warm_store) if r["activation"] == activation}
    constructed = np.array([[built[(k, w)]["mae"] if built[(k, w)]["fits"] else np.nan for w in widths]
                            for k in layers], float)
    trained = np.array([[np.nan if v is None else v for v in
                         (data["mae"][data["layers"].index(k)][data["widths"].index(w)]
                          if k in data["layers"] and w in data["widths"] else None for w in widths)]
                        for k in layers], float)
    baseline = data["baseline"]["mae"]
    values = np.concatenate([constructed[np.isfinite(constructed)], trained[np.isfinite(trained)]])
    reach = max(float(np.max(np.abs(values - baseline))) if values.size else 0.0, 1e-3)
    norm = TwoSlopeNorm(vcenter=baseline, vmin=baseline - reach, vmax=baseline + reach)
    cmap = LinearSegmentedColormap.from_list("depthsep_centred", COLOURS).with_extremes(bad=NO_RUN)
    rows, cols = len(layers), len(widths)
    numbered = rows * cols <= 80
    fig, axes = plt.subplots(1, 2, figsize=(2 * max(2.2 + 0.95 * cols, 5.5) + 1.2, max(2.6 + 0.6 * rows, 5.0)),
                             dpi=150, layout="constrained", sharey=True)
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    titles = ("constructed: best log–exp network that fits (float32)",
              f"trained (Figure 2, {data['setup']['init']} start, mean of {max(max(r) for r in data['seeds'])} seeds)")
    for ax, grid_values, title in zip(axes, (constructed, trained), titles):
        mesh = ax.pcolormesh(np.arange(cols + 1) - 0.5, np.arange(rows + 1) - 0.5, np.ma.masked_invalid(grid_values),
                             cmap=cmap, norm=norm, edgecolors="white", linewidth=0.8)
        for i, k in enumerate(layers):
            for j, w in enumerate(widths):
                if np.isfinite(grid_values[i, j]):
                    if numbered:
                        warm = after.get((k, w)) if grid_values is constructed else None
                        ax.text(j, i + (0.15 if warm is not None else 0.0), f"{grid_values[i, j]:.2f}", ha="center",
                                va="center", fontsize=8.5, path_effects=halo)
                        if warm is not None:
                            ax.text(j, i - 0.22, f"trained from it: {warm:.2f}", ha="center", va="center",
                                    fontsize=6.3, color="#333333", path_effects=halo)
                elif grid_values is constructed:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#8a8a8a",
                                           linewidth=0))
                    if numbered:
                        ax.text(j, i, "does not\nfit", ha="center", va="center", fontsize=6.5, color="#333333",
                                path_effects=halo)
        ax.set_xticks(range(cols), [str(w) for w in widths])
        ax.set_yticks(range(rows), [str(k) for k in layers])
        ax.tick_params(length=0)
        ax.set_xlabel("width W: neurons per hidden layer")
        ax.set_title(title, fontsize=9.5)
        for side in ax.spines.values():
            side.set_visible(False)
    axes[0].set_ylabel("hidden layers k")
    cbar = fig.colorbar(mesh, ax=list(axes), pad=0.02, fraction=0.04, aspect=30)
    plain = [t for t in cbar.get_ticks() if norm.vmin <= t <= norm.vmax and abs(t - baseline) > 0.12 * reach]
    cbar.set_ticks(plain + [baseline], labels=[f"{t:.1f}" for t in plain] + [f"{baseline:.3f} constant"])
    cbar.ax.axhline(baseline, color="black", lw=1.4)
    cbar.ax.tick_params(labelsize=7.5)
    cbar.set_label("MAE (white: the best constant predictor)", fontsize=8.5)
    fig.suptitle(f"{grid['target']} with {activation} on U[{grid['domain'].replace(':', ', ')}]: what k layers × W "
                 f"can express vs what training finds", fontsize=10.5, x=0.01, ha="left")
    caption = (f"constructed: MAE under U[{grid['domain'].replace(':', ', ')}]$^{{{n}}}$ on {cells['samples']:,} seeded "
               f"points (standard error ≤ {max((c['standard_error'] for c in cells['cells'] if c['fits']), default=0):.3f}); "
               f"trained: test MAE on {grid['test_size']:,} points after {grid['steps']:,} AdaDelta steps; hatched: no "
               "log–exp network fits (one hidden layer, or W < n)"
               + ("; 'trained from it': test MAE after the same training started from the construction (mean over seeds)"
                  if after else ""))
    import textwrap

    fig.supxlabel("\n".join(textwrap.wrap(caption, int(17 * fig.get_figwidth()))), fontsize=7, color="#444444",
                  x=0.01, ha="left", linespacing=1.5)
    return save(fig, paths)


def render_table(rows: list[dict]) -> str:
    """:func:`comparison`'s rows as a plain-text table, one line per cell (k, W)."""
    from ..text import table

    def r3(v):
        return None if v is None else round(v, 3)

    body = [[r["layers"], r["width"], r.get("hidden_widths") or "does not fit",
             None if not r["fits"] else f"{r['constructed_mae']:.3f} ± {r['standard_error']:.3f}",
             r3(r["trained_mae"]), r3(r.get("before")), r3(r.get("after")), r.get("verdict")] for r in rows]
    return table(["k", "W", "constructed widths", "constructed MAE", "trained MAE", "warm before",
                  "warm after", "training"], body)


def expressible(mode: str = "quick", store="figure2.db", cells="expressible.json", out="expressible.png",
                warm_store=None, run: RunOptions = RunOptions(), grid: dict | None = None) -> dict:
    """The whole experiment: Figure 2's ``mode`` grid (or ``grid``, e.g. a smaller one for a test of
    the pipeline) trained (or resumed) into ``store``, the constructions measured into ``cells``
    (JSON), the figure ``out`` (PNG and SVG), and with ``warm_store`` the warm starts trained;
    returns ``files``, ``cells``, ``rows`` (:func:`comparison`) and the sweeps' summaries."""
    from ..train.sweep import grid_specs, run_specs

    figure_paths(out)                                    # check where we write before any work
    writable_file(cells, "--cells")
    grid = figure2_grid(mode) if grid is None else dict(grid)
    trained = run_specs(grid_specs(**grid), store, run, label="figure2")
    built = construct_cells(mode, cells, grid)
    warm = warm_start(built, warm_store, run) if warm_store is not None else None
    files = draw(built, store, out, warm_store)
    return {"files": files, "cells": os.fspath(cells), "figure2": trained, "warm_start": warm,
            "rows": comparison(built, store, warm_store)}


__all__ = ["CARRY_TOLERANCE", "CHECK_SAMPLES", "CHECK_SEED", "C_VALUES", "EPSILONS", "FORMAT", "KEEP_TOLERANCE",
           "SAMPLES", "SELECT_SAMPLES", "SELECT_SEED", "TOPS", "candidates", "carries", "carry_error", "comparison",
           "construct_cells", "draw", "expressible", "expressible_grid", "read_cells", "render_table",
           "test_set_mae", "verdict", "warm_specs", "warm_start"]
