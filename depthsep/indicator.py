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
"""

from __future__ import annotations

import math
import os
import time

from .errors import DepthsepError

SOURCE = "Safran & Shamir, ICML 2017 (arXiv 1610.09887), Section 5 and Figure 2"
PRESETS = {
    "quick": {"dims": (2, 10, 100), "widths": (25, 50, 100, 200, 400), "steps": 3000, "test_size": 8192},
    "paper": {"dims": (100,), "widths": (100, 200, 400, 800), "steps": 135_000, "test_size": 50_000},
}
BATCH_SIZE = 100    # the paper's batches
LR = 1e-3           # Adam's usual rate; see the module docstring for why not the paper's SGD schedule


def _int_list(values, name: str, minimum: int | None = None) -> list[int]:
    """A non-empty list of distinct integers (≥ ``minimum`` if given), in the order given; an int is
    a list of one."""
    if isinstance(values, int) and not isinstance(values, bool):
        values = (values,)
    kind = "integers" if minimum is None else f"integers >= {minimum}"
    try:
        items = list(values)
    except TypeError:
        raise DepthsepError(f"{name} must be a list of {kind}, got {values!r}") from None
    if not items:
        raise DepthsepError(f"{name} needs at least one value")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or (minimum is not None and item < minimum):
            raise DepthsepError(f"{name} must be {kind}, got {item!r}")
    return list(dict.fromkeys(items))


def _positive_ints(values, name: str) -> list[int]:
    return _int_list(values, name, minimum=1)


def parse_seeds(seeds) -> list[int]:
    """A non-empty list of distinct integer seeds (an int is one seed)."""
    return _int_list(seeds, "seeds")


def _radius(value) -> float:
    """|x| ~ U[0, R] must reach past the unit sphere, or every label is 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 1):
        raise DepthsepError(f"radius must be a number > 1 (inputs have |x| ~ U[0, radius]), got {value!r}")
    return float(value)


def parameter_count(dim: int, layers: int, width: int) -> int:
    """Weights and biases of a ReLU net R^dim → R with ``layers`` hidden layers of ``width``."""
    return width * (dim + 1) + (layers - 1) * width * (width + 1) + width + 1


def summarise(values: list[float | None]) -> dict:
    """Mean, min and max of the finite values (a diverged run is None); None where none is finite."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {"mean": None, "min": None, "max": None, "diverged": len(values)}
    return {"mean": sum(finite) / len(finite), "min": min(finite), "max": max(finite),
            "diverged": len(values) - len(finite)}


def _settings(preset: str, **given) -> dict:
    """The preset's values, overridden by every argument that is not None."""
    if preset not in PRESETS:
        raise DepthsepError(f"preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    settings = dict(PRESETS[preset])
    settings.update({k: v for k, v in given.items() if v is not None})
    return settings


def indicator_experiment(dims=None, widths=None, layers=(1, 2), steps=None, seeds=(0,), preset: str = "quick",
                         batch_size: int = BATCH_SIZE, lr: float = LR, radius: float = 2.0, test_size=None,
                         workers: int | None = None, out=None, progress=None) -> dict:
    """Train ReLU nets with each number of hidden ``layers`` (1 = the paper's depth 2, 2 = depth 3)
    and each width on ``ball:D`` (|x| ~ U[0, radius]) for each d; L2 loss, Adam, ``steps`` batches.

    Returns ``rows`` — one per (d, layers, width): ``rmse`` (mean over seeds of the test RMSE),
    ``rmse_min``/``rmse_max``, ``mae``, ``parameters`` — and ``summary`` — one per (d, layers):
    the best width and RMSE, and for the deeper nets the narrowest width that beats the best
    shallowest net of any width. With ``out`` a PNG and an SVG are written.
    """
    from .train import ModelSpec, make_target, train_models
    from .train.sweep import training_progress

    s = _settings(preset, dims=dims, widths=widths, steps=steps, test_size=test_size)
    dim_list = _positive_ints(s["dims"], "dims")
    width_list = sorted(_positive_ints(s["widths"], "widths"))
    layer_list = sorted(_positive_ints(layers, "layers"))
    seed_list = parse_seeds(seeds)
    paths = _figure_paths(out)
    targets = {d: make_target(f"ball:{d}:{_radius(radius)!r}") for d in dim_list}
    cells = [(d, ell, w) for d in dim_list for ell in layer_list for w in width_list]
    specs = [ModelSpec(targets[d].name, ell, w, activation="relu", loss="l2", optimizer="adam", lr=lr,
                       steps=s["steps"], batch_size=batch_size, seed=seed, test_size=s["test_size"])
             for d, ell, w in cells for seed in seed_list]
    started = time.perf_counter()
    with training_progress(progress, len(specs), "indicator") as (on_progress, on_result):
        results = train_models(specs, progress=on_progress, on_result=on_result, workers=workers)
    train_s = round(time.perf_counter() - started, 1)

    k = len(seed_list)
    rows = [_row(d, ell, w, targets[d].name, results[i * k:(i + 1) * k]) for i, (d, ell, w) in enumerate(cells)]
    radius = targets[dim_list[0]].radius
    inside = 1.0 / radius
    result = {
        "experiment": "indicator of the unit ball, depth 2 vs depth 3", "source": SOURCE, "preset": preset,
        "dims": dim_list, "widths": width_list, "layers": layer_list, "seeds": seed_list,
        "steps": s["steps"], "batch_size": batch_size, "lr": specs[0].lr, "optimizer": "adam", "loss": "l2",
        "activation": "relu", "radius": radius, "test_size": s["test_size"],
        "distribution": f"direction uniform on the sphere, |x| ~ U[0, {radius:g}]",
        "inside_fraction": inside, "baseline_rmse": math.sqrt(inside * (1 - inside)),
        "error_measure": "test RMSE on fresh points (the paper's validation RMSE), mean over seeds",
        "rows": rows, "summary": _summary(rows, dim_list, layer_list), "train_s": train_s,
    }
    if paths is not None:
        result["figures"] = plot_indicator(result, paths[0])
    return result


def _figure_paths(out) -> list[str] | None:
    """Checked before training, so a bad --out fails in a second rather than after the run."""
    if out is None:
        return None
    from .plots import output_paths

    return output_paths(os.fspath(out))


def _row(d: int, ell: int, w: int, name: str, runs) -> dict:
    rmse = summarise([r.test_rmse for r in runs])
    mae = summarise([r.test_mae for r in runs])
    return {"dim": d, "layers": ell, "depth": ell + 1, "width": w, "parameters": parameter_count(d, ell, w),
            "target": name, "rmse": rmse["mean"], "rmse_min": rmse["min"], "rmse_max": rmse["max"],
            "mae": mae["mean"], "diverged": rmse["diverged"]}


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


def plot_indicator(result: dict, path: str) -> list[str]:
    """Per d, two panels: test RMSE vs width and vs parameter count, one line per depth (band:
    min–max over seeds), and the constant predictor's RMSE for scale."""
    from .plots import output_paths

    paths = output_paths(path)
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
    for p in paths:
        fig.savefig(p, dpi=120)
    plt.close(fig)
    return paths
