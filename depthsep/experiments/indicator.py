"""The unit-ball indicator experiment of Safran & Shamir: depth 2 against depth 3.

Safran & Shamir, "Depth-width tradeoffs in approximating natural functions with neural networks"
(ICML 2017, arXiv 1610.09887) prove that f(x) = 1{|x| ≤ 1} on R^d is ε-approximable in L2, under
suitable input distributions, by a 3-layer (2-hidden-layer) ReLU network of width poly(d, 1/ε),
while there are distributions under which a 2-layer (1-hidden-layer) network needs a width
exponential in d. Section 5 shows the gap in training:

* d = 100; 5·10⁵ training and 5·10⁴ validation points x = r·u, u uniform on the sphere and
  r ~ U[0, 2] (half the points inside the ball); label 1{|x| ≤ 1};
* ReLU networks with a linear output: 2-layer of widths 100, 200, 400, 800 and one 3-layer with
  hidden layers of 100 and 20 neurons (≈ 12 K parameters against ≈ 81 K for the 2-layer width 800);
* squared loss, batches of 100, SGD with momentum 0.95 and a learning rate 0.1 decaying by 0.95
  every 1000 batches down to a floor of 10⁻⁴ (TensorFlow);
* Figure 2 plots the root-mean-square error on the training set and on the validation set against
  the number of batches: the 3-layer network beats every 2-layer one, and doubling the 2-layer width
  gives diminishing returns.

(Two details above are not confirmed against the published text and deserve a check before they
are quoted: the 3-layer net's hidden sizes (100, 20) and the learning-rate schedule. Nothing below
depends on them: the presets train equal widths with Adam, as explained next.)

Here (target ``ball:D``, :mod:`depthsep.train.ball_target`) both depths are trained for every
width through the batched engine, and the validation RMSE on a fixed set of fresh points is
reported per (d, depth, width), mean over seeds with min/max. Where this departs from the paper,
and why:

* **Equal widths.** The engine's networks have one width for all hidden layers, so the 3-layer net
  at width w has hidden layers (w, w) — at w = 100 that is ≈ 20 K parameters, still a quarter of
  the 2-layer width-800 net; the comparison the paper draws (fewer parameters, lower error) is
  reported per row as ``parameters``.
* **Adam, constant rate 10⁻³**, no momentum schedule: the engine's optimizers have no schedules
  (nor momentum SGD), and Adam at its usual rate needs no schedule tuning and makes progress within
  a few thousand batches, which is what makes a CPU-sized default possible. Both depths get the
  same optimizer, data and budget, so the comparison stays fair.
* **Fresh points every step** instead of a 5·10⁵-point training set: the training stream never
  repeats, so its RMSE and the validation RMSE estimate the same population error; only the
  validation RMSE is reported. Baseline: the best constant predictor (1/2) has RMSE 1/2.
* **Several d.** The paper uses d = 100 only; the quick preset adds d = 2 and d = 10, where the
  lower bound (width exponential in d) is no obstacle, so that one can see whether the 1-hidden-layer
  error still falls with width there while it stalls at d = 100 (the paper's "diminishing returns").

Presets (every one can be overridden argument by argument):

* ``quick`` (default, ≈ 1–2 min on 2 CPU cores): d ∈ {2, 10, 100}, widths 25…400, 3000 batches of
  100, 8192 test points.
* ``paper``: d = 100, widths 100, 200, 400, 800, 135 000 batches of 100 (the batch at which the
  paper's learning-rate schedule reaches its floor), 5·10⁴ validation points — hours on a CPU
  (the 2-hidden-layer width-800 net dominates), about 7 minutes on one H100.

The module reads top to bottom as the experiment's passes: the preset and the checks of every
argument (:func:`indicator`) → the models, trained on the one sweep path
(:func:`depthsep.train.sweep.run_specs`) into a results store, each committed as it finishes →
the table, computed from the store's rows alone (:func:`analyse`) → the figure
(:func:`plot_indicator`). A killed run loses only the models in flight; a re-run trains what is
missing, and a finished one trains nothing and redraws from the store in seconds.
"""

from __future__ import annotations

import math

from .. import checks
from ..train.ball_target import PAPER_RADIUS, check_radius
from ..train.config import RunOptions, TrainingConfig
from ..train.store import KEY_COLUMNS, ResultStore, spec_key
from ..train.sweep import run_specs
from ._stats import summarise
from ._figures import save

SOURCE = "Safran & Shamir, ICML 2017 (arXiv 1610.09887), Section 5 and Figure 2"
PRESETS = {
    "quick": {"dims": (2, 10, 100), "widths": (25, 50, 100, 200, 400), "steps": 3000, "test_size": 8192},
    "paper": {"dims": (100,), "widths": (100, 200, 400, 800), "steps": 135_000, "test_size": 50_000},
}
LAYERS = (1, 2)     # the paper's depth 2 and depth 3
BATCH_SIZE = 100    # the paper's batches
LR = 1e-3           # Adam's usual rate; see the module docstring for why not the paper's SGD schedule
STORE = "indicator.db"
# The paper's network and objective: ReLU, squared loss; Adam for the reason in the module docstring.
ACTIVATION, LOSS, OPTIMIZER = "relu", "l2", "adam"


# -- pass 1: the preset, every argument checked before anything is trained ----------------------

def indicator(dims=None, widths=None, layers=LAYERS, steps=None, seeds=(0,), preset: str = "quick",
              batch_size=BATCH_SIZE, lr=LR, radius=PAPER_RADIUS, test_size=None, store=STORE, out=None,
              run: RunOptions = RunOptions()) -> dict:
    """Train ReLU nets with each number of hidden ``layers`` (1 = the paper's depth 2, 2 = depth 3)
    and each width on ``ball:D`` (|x| ~ U[0, radius]) for each d; L2 loss, Adam, ``steps`` batches —
    every model not yet in the results store at ``store`` (``run``: where and how; see
    :class:`~depthsep.train.config.RunOptions`).

    ``dims``, ``widths``, ``steps``, ``test_size`` left None take the ``preset``'s value. Returns
    the table of :func:`analyse` with the setup, ``store``, ``trained`` and ``skipped`` (models
    trained by this call, and found in the store), ``train_s`` (this call's training time) and,
    with ``out``, ``figures`` (a PNG and an SVG).
    """
    preset = checks.choice(preset, "--preset", tuple(PRESETS))
    given = {"dims": dims, "widths": widths, "steps": steps, "test_size": test_size}
    setting = {**PRESETS[preset], **{k: v for k, v in given.items() if v is not None}}
    dims = checks.positive_ints(setting["dims"], "--dims")
    widths = sorted(checks.positive_ints(setting["widths"], "--widths"))
    layers = sorted(checks.positive_ints(layers, "--layers"))
    seeds = checks.seeds(seeds, "--seeds")
    radius = check_radius(radius, "--radius")
    config = TrainingConfig(steps=checks.positive_int(setting["steps"], "--steps"),
                            batch_size=checks.positive_int(batch_size, "--batch-size"), loss=LOSS,
                            optimizer=OPTIMIZER, lr=checks.positive_number(lr, "--lr"),
                            test_size=checks.positive_int(setting["test_size"], "--test-size"))
    paths = None if out is None else checks.figure_paths(out)   # a bad --out fails now, not after training

    # -- pass 2: the models, on the one sweep path into the store --------------------------------
    cells = {(d, ell, w): [config.spec(_target(d, radius), ell, w, ACTIVATION, seed) for seed in seeds]
             for d in dims for ell in layers for w in widths}
    ran = run_specs([spec for specs in cells.values() for spec in specs], store, run, label="indicator")

    # -- pass 3 and 4: the table from the store alone, then the figure ---------------------------
    result = {"experiment": "indicator of the unit ball, depth 2 vs depth 3", "source": SOURCE, "preset": preset,
              **analyse(store, cells, radius),
              "dims": dims, "widths": widths, "layers": layers, "seeds": seeds,
              "steps": config.steps, "batch_size": config.batch_size, "lr": config.lr, "optimizer": OPTIMIZER,
              "loss": LOSS, "activation": ACTIVATION, "test_size": config.test_size,
              "store": ran["store"], "trained": ran["trained"], "skipped": ran["skipped"],
              "train_s": round(ran["wall_s"], 1)}
    if paths is not None:
        result["figures"] = plot_indicator(result, paths)
    return result


def _target(dim: int, radius: float) -> str:
    return f"ball:{dim}:{radius!r}"   # the spec stores the canonical name (ball:D at the paper's R = 2)


def parameter_count(dim: int, layers: int, width: int) -> int:
    """Weights and biases of a ReLU net R^dim → R with ``layers`` hidden layers of ``width``."""
    return width * (dim + 1) + (layers - 1) * width * (width + 1) + width + 1


# -- pass 3: analysis, from the store's rows ----------------------------------------------------

def analyse(store, cells: dict, radius: float) -> dict:
    """The table of the experiment whose models are ``cells`` ((d, layers, width) → specs, one per
    seed), read from the results store at ``store``; nothing else is consulted.

    ``rows`` — one per cell: ``rmse`` (mean over seeds of the test RMSE), ``rmse_min``/``rmse_max``,
    ``mae``, ``parameters``, ``diverged`` — and ``summary`` — one per (d, layers): the best width and
    RMSE, and for the deeper nets the narrowest width that beats the best shallowest net of any width.
    """
    targets = sorted({spec.target for specs in cells.values() for spec in specs})
    with ResultStore(store, readonly=True) as db:
        stored = {tuple(row[c] for c in KEY_COLUMNS): row for row in db.rows(target=targets, activation=ACTIVATION)}
    rows = []
    for (d, ell, w), specs in cells.items():
        runs = [stored[key] for key in map(spec_key, specs) if key in stored]
        rmse = summarise(r["test_rmse"] for r in runs)
        mae = summarise(r["test_mae"] for r in runs)
        rows.append({"dim": d, "layers": ell, "depth": ell + 1, "width": w,
                     "parameters": parameter_count(d, ell, w), "target": specs[0].target,
                     "rmse": rmse["mean"], "rmse_min": rmse["min"], "rmse_max": rmse["max"],
                     "mae": mae["mean"], "diverged": rmse["diverged"]})
    dims = list(dict.fromkeys(d for d, _, _ in cells))
    layers = sorted({ell for _, ell, _ in cells})
    inside = 1.0 / radius   # P(|x| ≤ 1) when |x| ~ U[0, R]
    return {"radius": radius, "distribution": f"direction uniform on the sphere, |x| ~ U[0, {radius:g}]",
            "inside_fraction": inside, "baseline_rmse": math.sqrt(inside * (1 - inside)),
            "error_measure": "test RMSE on fresh points (the paper's validation RMSE), mean over seeds",
            "rows": rows, "summary": _summary(rows, dims, layers)}


def _summary(rows: list[dict], dims: list[int], layers: list[int]) -> list[dict]:
    """Per (d, layers): best width and RMSE; for deeper nets, the narrowest width beating the best
    shallowest net — the paper's claim (a small deep net beats every wide shallow one) in one row."""
    out = []
    for d in dims:
        shallow_best = None
        for ell in layers:
            mine = [r for r in rows if r["dim"] == d and r["layers"] == ell and r["rmse"] is not None]
            best = min(mine, key=lambda r: r["rmse"], default=None)
            entry = {"dim": d, "layers": ell, "depth": ell + 1,
                     "best_rmse": best and best["rmse"], "best_width": best and best["width"],
                     "best_parameters": best and best["parameters"]}
            if ell == layers[0]:
                shallow_best = best
            elif shallow_best is not None:
                beats = [r for r in mine if r["rmse"] < shallow_best["rmse"]]
                first = min(beats, key=lambda r: r["width"], default=None)
                entry.update({"beats_shallow_at_width": first and first["width"],
                              "beats_shallow_parameters": first and first["parameters"]})
            out.append(entry)
    return out


# -- pass 4: the figure -------------------------------------------------------------------------

def plot_indicator(result: dict, paths: list[str]) -> list[str]:
    """Per d, two panels: test RMSE vs width and vs parameter count, one line per depth (band:
    min–max over seeds), and the constant predictor's RMSE for scale. Writes each of ``paths``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dims = result["dims"]
    fig, axes = plt.subplots(2, len(dims), figsize=(max(4.8 * len(dims), 7.0), 8.5), squeeze=False)
    for col, d in enumerate(dims):
        for ell in result["layers"]:
            rows = sorted((r for r in result["rows"] if r["dim"] == d and r["layers"] == ell and r["rmse"] is not None),
                          key=lambda r: r["width"])
            if not rows:
                continue
            label = f"depth {ell + 1} ({ell} hidden layer{'s' if ell > 1 else ''})"
            for ax, key in zip(axes[:, col], ("width", "parameters")):
                xs = [r[key] for r in rows]
                line, = ax.plot(xs, [r["rmse"] for r in rows], marker="o", label=label)
                if len(result["seeds"]) > 1:
                    ax.fill_between(xs, [r["rmse_min"] for r in rows], [r["rmse_max"] for r in rows],
                                    color=line.get_color(), alpha=0.2, lw=0)
        for ax, xlabel in zip(axes[:, col], ("width (neurons per hidden layer)", "parameters")):
            ax.axhline(result["baseline_rmse"], color="k", ls=":", lw=0.8, label="constant predictor")
            ax.set_xscale("log", base=2 if xlabel.startswith("width") else 10)
            if xlabel.startswith("width"):  # label the widths trained, not powers of two
                ax.set_xticks(result["widths"], [str(w) for w in result["widths"]])
                ax.minorticks_off()
            ax.set_xlabel(xlabel)
            ax.set_ylabel("test RMSE")
            ax.set_ylim(bottom=0)
            ax.grid(alpha=0.3)
        axes[0, col].set_title(f"1{{|x| ≤ 1}} in d = {d}")
        axes[0, col].legend(fontsize=8)
    seeds = len(result["seeds"])
    fig.suptitle(f"unit-ball indicator, |x| ~ U[0, {result['radius']:g}] (Safran & Shamir 2017)\n"
                 f"ReLU, L2, Adam, {result['steps']} batches of {result['batch_size']}, "
                 f"mean of {seeds} seed{'s' if seeds > 1 else ''}", fontsize=11)
    fig.tight_layout()
    return save(fig, paths, dpi=120)


__all__ = ["BATCH_SIZE", "LAYERS", "LR", "PRESETS", "SOURCE", "STORE", "analyse", "indicator",
           "parameter_count", "plot_indicator"]
