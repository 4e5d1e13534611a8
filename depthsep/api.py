"""The Python API: one function per CLI command, returning exactly the dict that `--json` prints.

    >>> import depthsep
    >>> depthsep.bounds("x1*x2*x3")["shallow_lower"]
    8
    >>> depthsep.tree(20, layers=2)["schedule"]
    [5, 1]
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from .errors import DepthsepError
from .poly import parse_polynomial


def polynomial(poly: str) -> dict:
    """`depthsep poly POLY`: variables, degree, sparsity and the sparse terms of a polynomial."""
    return parse_polynomial(poly).as_dict()


def bounds(poly: str) -> dict:
    """`depthsep bounds POLY`: derivative rank, shallow/deep neuron bounds (Thms 4.1–4.4, Props 4.5–4.6)."""
    from .theory.bounds import bounds as compute

    return compute(poly).as_dict()


def tree(n: int, layers: int) -> dict:
    """`depthsep tree N --layers K`: the optimal Theorem 5.1 product tree and eq. (2)/(5)'s optimum."""
    from .theory.tree import optimal_tree

    return optimal_tree(_positive_int(n, "N"), _positive_int(layers, "--layers")).as_dict()


def advise(n: int, max_width: int) -> dict:
    """`depthsep advise N --max-width W`: the fewest hidden layers whose product tree fits under W."""
    from .theory.tree import advise as compute

    return compute(_positive_int(n, "N"), _positive_int(max_width, "--max-width")).as_dict()


def activation(name: str, degree: int | None = None, point=0, poly: str | None = None) -> dict:
    """`depthsep activation NAME`: exact Taylor coefficients at `point` and which hypotheses hold.

    The degree defaults to 2d for `poly` of degree d (what Thm 4.1 needs), else 8.
    """
    from .activations import get_activation, hypotheses

    act = get_activation(name)
    target = parse_polynomial(poly) if poly is not None else None
    if degree is None:
        degree = 2 * target.degree if target is not None else 8
    if degree < 0:
        raise DepthsepError(f"--degree must be >= 0, got {degree}")
    point = parse_point(point)
    coefficients = act.taylor(degree, point)
    result = {
        "activation": act.name,
        "expression": str(act.expr),
        "point": str(point),
        "degree": degree,
        "coefficients": [
            {"k": k, "exact": str(c), "value": _float_or_none(c)} for k, c in enumerate(coefficients)
        ],
    }
    if target is not None:
        result["polynomial"] = str(target)
        result["hypotheses"] = hypotheses(act, target.degree, point, n_vars=target.n)
    else:
        result["hypotheses"] = hypotheses(act, max(degree // 2, 1), point)
    return result


def figure1(out: str, n_max: int = 10_000) -> list[str]:
    """`depthsep plot figure1 --out F.png`: Figure 1 of the paper, as PNG and SVG."""
    from .plots import figure1 as draw

    return draw(out, n_max=n_max)


def build(poly: str, layers="1", activation: str = "tanh", model: str = "bias", epsilon=None, radius=1.0,
          out: str | None = None) -> dict:
    """`depthsep build POLY --layers 1|deep|K --activation A --out F`: an explicit network for POLY,
    scaled (Prop 3.3, gate by gate), verified, and written as .json, .onnx or .pt."""
    from pathlib import Path

    from .construct.build import build as construct
    from .network import check_writable

    if out is not None:
        out = Path(out)
        if out.suffix not in (".json", ".onnx", ".pt"):
            raise DepthsepError(f"--out {out} must end in .json, .onnx or .pt")
        check_writable(out)  # before the work, not after it
    result = construct(poly, layers, activation, model, epsilon, radius)
    report = dict(result.report)
    if out is not None:
        result.network.save(out)
        report["out"] = str(out)
    return report


def verify(network: str, poly: str, radius=1.0, high_precision: bool = False, seed: int = 0) -> dict:
    """`depthsep verify NET.json POLY --radius R`: an estimate of sup |N − p| on (−R, R)^n."""
    from .network import load_network
    from .verify import sup_error

    net = load_network(network)
    report = sup_error(net, poly, radius, seed=seed, high_precision=high_precision)
    report.update({"network": str(network), "target": str(parse_polynomial(poly)), "neurons": net.neurons,
                   "hidden_widths": net.hidden_widths, "activation": net.activation})
    return report


def converge(poly: str, activation: str = "tanh", layers="1", model: str = "bias", radius=1.0,
             epsilons=(1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6), out: str | None = None) -> dict:
    """`depthsep converge POLY`: Theorem 3.4 made visible — the neurons a smooth σ needs stay fixed as
    ε shrinks (only the scale δ moves), while a ReLU network must grow."""
    from .construct.build import build as construct
    from .plots import convergence

    p = parse_polynomial(poly)
    relu_layers = layers if (str(layers) != "1" or p.n == 1) else "deep"
    if str(relu_layers) not in ("1", "deep"):
        relu_layers = "deep"
    rows = []
    for epsilon in epsilons:
        row = {"epsilon": float(epsilon), "activation": activation}
        for prefix, act, lay in (("", activation, layers), ("relu_", "relu", relu_layers)):
            try:
                made = construct(p, lay, act, model if act != "relu" else "bias", epsilon, radius).report
                row.update({f"{prefix}neurons": made["neurons"], f"{prefix}sup_error": made["sup_error"],
                            f"{prefix}hidden_widths": made["hidden_widths"]})
            except DepthsepError as err:  # float64 ran out: a measured outcome, recorded as such
                row.update({f"{prefix}neurons": None, f"{prefix}sup_error": None, f"{prefix}note": str(err)})
        rows.append(row)
    result = {"target": str(p), "activation": activation, "layers": str(layers), "relu_layers": str(relu_layers),
              "radius": radius, "rows": rows}
    if out is not None:
        result["figures"] = convergence(rows, f"{p}: {activation} ({layers} layer(s)) vs relu", out)
    return result


def sweep(target: str, layers, widths, activations=("tanh",), seeds=(0,), store: str = "runs.db", *,
          steps: int = 2000, batch_size: int = 256, loss: str = "l1", optimizer: str = "adadelta", lr=None,
          domain="0:2", test_size: int = 100_000, progress: bool = True, backend: str = "local",
          address: str | None = None, device: str | None = None) -> dict:
    """`depthsep sweep`: train every (activation, layers, width, seed) not yet in the store, batched,
    committing each finished model at once (re-running resumes; rows are never doubled).
    ``backend="ray"`` trains on a Ray cluster (``address``) or a private local one; only this process
    writes the store. ``device``: "cpu", "cuda" or "cuda:N" (None: a GPU when torch sees one)."""
    from .train.sweep import sweep as run

    return run(target, list(layers), list(widths), list(activations), list(seeds), store, steps=steps,
               batch_size=batch_size, loss=loss, optimizer=optimizer, lr=lr, domain=domain,
               test_size=test_size, progress=progress, backend=backend, address=address, device=device)


def runs(store: str, fmt: str = "csv", out: str | None = None) -> int:
    """`depthsep runs --store S --csv|--json`: export the results table; returns the number of rows."""
    from .train.store import export

    return export(store, fmt, out)


def figure2(mode: str = "quick", store: str = "figure2.db", out: str = "figure2.png", progress: bool = True,
            backend: str = "local", address: str | None = None, device: str | None = None) -> dict:
    """`depthsep figure2 [--quick|--full]`: the paper's Figure 2 sweep (resumable), then its heatmaps."""
    from .train.sweep import figure2 as run

    if mode not in ("quick", "full"):
        raise DepthsepError(f"figure2 mode must be quick or full, got {mode!r}")
    return run(mode, store, out, progress=progress, backend=backend, address=address, device=device)


def doctor() -> dict:
    """`depthsep doctor`: versions, device, torch threads, CPU count and Ray availability."""
    from .doctor import doctor as report

    return report()


def plot_heatmap(store: str, target: str = "product:20", activation: str = "tanh", out: str = "heatmap.png") -> list[str]:
    """`depthsep plot heatmap`: test MAE over (layers, width) with the paper's curve and the exact tree widths."""
    from .heatmap import heatmap as draw

    return draw(store, target, activation, out)


def radial_build(phi: str, dim: int, radius=1.0, epsilon=1e-2, layers: int = 2, activation: str = "relu",
                 lipschitz=None, out: str | None = None) -> dict:
    """`depthsep radial build --phi PHI --dim D`: an explicit ReLU network for φ(|x|) on the ball |x| ≤ R,
    with one hidden layer (ridge functions) or two (|x|², then φ(√s)), verified and optionally written."""
    from .radial import radial_build as run

    return run(phi, dim, radius, epsilon, layers, activation, lipschitz, out)


def radial_sizes(phi: str, layers=(1, 2), dims=(1, 2, 4, 8, 16, 32), epsilons=(0.1, 0.05, 0.02, 0.01), radius=1.0,
                 lipschitz=None, out: str | None = None) -> dict:
    """`depthsep radial sizes --phi PHI`: neurons of both radial constructions per (d, ε), by formula."""
    from .radial import radial_sizes as run

    return run(phi, layers, dims, epsilons, radius, lipschitz, out)


def radial_experiment(phis=None, dims=(2, 4, 8, 16), widths=(8, 16, 32, 64, 128), steps: int = 4000, seeds=(0,),
                      distribution: str = "radius", workers: int | None = None, out: str | None = None,
                      progress: bool = True) -> dict:
    """`depthsep radial experiment`: 1- and 2-hidden-layer ReLU nets trained on ``radial:PHI:D`` for each φ
    (None: the three default profiles; "D" in φ stands for d) and d; relative test RMSE per width,
    mean over ``seeds`` with min/max, and the smallest width reaching the target error. Inputs:
    ``distribution`` "radius" (|x| ~ U[0, 1], uniform direction: the whole profile at every d) or
    "ball" (uniform in the unit ball, where |x| concentrates near 1 as d grows)."""
    from .radial import DEFAULT_PHIS
    from .radial import radial_experiment as run

    return run(phis=DEFAULT_PHIS if phis is None else phis, dims=dims, widths=widths, steps=steps, seeds=seeds,
               distribution=distribution, workers=workers, out=out, progress=progress)


def radial_indicator(dims=None, widths=None, layers=(1, 2), steps: int | None = None, seeds=(0,), paper: bool = False,
                     batch_size: int = 100, lr: float = 1e-3, radius=2.0, test_size: int | None = None,
                     workers: int | None = None, out: str | None = None, progress: bool = True) -> dict:
    """`depthsep radial indicator`: Safran & Shamir's (ICML 2017, Sec. 5) unit-ball indicator 1{|x| ≤ 1},
    |x| ~ U[0, 2], learned by 1- and 2-hidden-layer ReLU nets (the paper's depths 2 and 3); test RMSE
    per (d, depth, width), mean over seeds. ``dims``/``widths``/``steps``/``test_size`` left None take the
    quick preset (d = 2, 10, 100; about a minute) or, with ``paper=True``, the paper's scale."""
    from .indicator import indicator_experiment

    return indicator_experiment(dims=dims, widths=widths, layers=layers, steps=steps, seeds=seeds,
                                preset="paper" if paper else "quick", batch_size=batch_size, lr=lr, radius=radius,
                                test_size=test_size, workers=workers, out=out, progress=progress)


# -- helpers ----------------------------------------------------------------------------------
def parse_point(point) -> sp.Rational:
    """An expansion point as an exact rational: '1/2', '0.25', 0.5, Fraction(1, 2)."""
    if isinstance(point, sp.Rational):
        return point
    if isinstance(point, Fraction):
        return sp.Rational(point.numerator, point.denominator)
    if isinstance(point, bool):
        raise DepthsepError(f"expansion point must be a number, got {point!r}")
    if isinstance(point, int):
        return sp.Integer(point)
    text = repr(point) if isinstance(point, float) else str(point).strip()
    try:
        value = Fraction(text)  # parses '1/2', '0.25', '1e-3'; 'nan', 'inf' and code are refused
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        raise DepthsepError(f"expansion point must be a finite rational number like 0, 1/2 or 0.25, got {point!r}") from None
    return sp.Rational(value.numerator, value.denominator)


def _float_or_none(c) -> float | None:
    try:
        return float(sp.N(c, 20))
    except (TypeError, ValueError):
        return None


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DepthsepError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise DepthsepError(f"{name} must be >= 1, got {value}")
    return value
