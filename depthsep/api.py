"""The Python API: one function per CLI command, with the CLI's option names as parameters, returning
exactly the data that `--json` prints. Nothing here prints; every function is exported by ``depthsep``.

    >>> import depthsep
    >>> depthsep.bounds("x1*x2*x3")["shallow_lower"]
    8
    >>> depthsep.tree(20, layers=2)["schedule"]
    [5, 1]

Values may be given as Python values or as the text the CLI would pass (``layers="1,2"`` or
``layers=[1, 2]``): each is checked once, by :mod:`depthsep.checks`. Training functions take the
training options of :class:`~depthsep.train.config.TrainingConfig` and the run options of
:class:`~depthsep.train.config.RunOptions` as keywords; a keyword left None takes the default stated
there (or the experiment's preset).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy as sp

from . import checks
from .errors import DepthsepError
from .train.config import RunOptions, TrainingConfig


def polynomial(poly: str) -> dict:
    """`depthsep poly POLY`: variables, degree, sparsity and the sparse terms of a polynomial."""
    return parse_polynomial(poly).as_dict()


def bounds(poly: str) -> dict:
    """`depthsep bounds POLY`: derivative rank, shallow/deep neuron bounds (Thms 4.1–4.4, Props 4.5–4.6),
    and the best upper bound with the construction that attains it."""
    from .construct.sizes import bounds_with_constructions

    return bounds_with_constructions(poly)


def tree(n, layers) -> dict:
    """`depthsep tree N --layers K`: the optimal Theorem 5.1 product tree and eq. (2)/(5)'s optimum."""
    from .theory.tree import optimal_tree

    return optimal_tree(checks.positive_int(n, "N"), checks.positive_int(layers, "--layers")).as_dict()


def advise(n, max_width) -> dict:
    """`depthsep advise N --max-width W`: the fewest hidden layers whose product tree fits under W."""
    from .theory.tree import advise as compute

    return compute(checks.positive_int(n, "N"), checks.positive_int(max_width, "--max-width")).as_dict()


def activation(name: str, degree: int | None = None, point=0, poly: str | None = None) -> dict:
    """`depthsep activation NAME`: exact Taylor coefficients at `point` and which hypotheses hold.

    The degree defaults to 2d for `poly` of degree d (what Thm 4.1 needs), else 8.
    """
    from .activations import get_activation, hypotheses

    act = get_activation(name)
    target = parse_polynomial(poly) if poly is not None else None
    if degree is not None:
        degree = checks.integer(degree, "--degree", minimum=0)
    if degree is None:
        degree = 2 * target.degree if target is not None else 8
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


def build(poly: str, layers=None, activation: str = "tanh", model: str = "bias", epsilon=None, radius=1.0,
          dtype: str = "float64", out=None, construction: str = "taylor", domain=None, metric=None) -> dict:
    """`depthsep build POLY --layers 1|deep|K --activation A --out F [--out G]`: an explicit network for
    POLY, scaled (Prop 3.3, gate by gate), verified, and written in each format asked for (.json, .onnx,
    .pt, .pt2); ``out`` is a path or a list of paths. ``construction="log-exp"`` builds the
    fixed-accuracy exp-of-logs network of a monomial instead, on the box ``domain`` (a:b; default
    (−R, R)) within ``epsilon`` in ``metric`` (sup, mae or rmse under U[a, b]^n)."""
    from .construct import CONSTRUCTIONS, logexp
    from .construct.build import build as construct
    from .network import PRECISIONS, check_output

    construction = checks.choice(construction, "--construction", CONSTRUCTIONS)
    dtype = checks.choice(dtype, "--dtype", PRECISIONS)
    paths = [] if out is None else [out] if isinstance(out, (str, bytes)) or hasattr(out, "__fspath__") else list(out)
    paths = [check_output(p, activation, dtype) for p in paths]   # before the work, not after it
    if epsilon is not None:
        epsilon = checks.positive_number(epsilon, "--epsilon")
    radius = checks.positive_number(radius, "--radius")
    if construction == "taylor":
        for name, value in (("--domain", domain), ("--metric", metric)):
            if value is not None:
                raise DepthsepError(f"{name} is for --construction log-exp; the Taylor constructions are built for sup error on (-R, R)^n (--radius)")
        result = construct(poly, "1" if layers is None else layers, activation, model, epsilon, radius, dtype=dtype)
        network, report = result.network, dict(result.report)
    else:
        if model == "paper":
            raise DepthsepError("--construction log-exp needs biases (its pieces are shifted neurons); use --model bias")
        network, report = logexp.build(poly, f"{-radius!r}:{radius!r}" if domain is None else domain, metric or "sup",
                                       epsilon, activation, None if layers is None else checks.positive_int(layers, "--layers"), dtype=dtype)
    for path in paths:
        network.save(path)
    if paths:
        report["out"] = [str(p) for p in paths]
    return report


def verify(network: str, poly: str, radius=1.0, high_precision: bool = False, seed=0, dtype=None,
           domain=None, metric: str = "sup") -> dict:
    """`depthsep verify NET POLY --radius R`: an estimate of sup |N − p| on (−R, R)^n for a network
    written as .json, .onnx, .pt or .pt2; with ``domain`` (a:b) on [a, b]^n, and with ``metric`` mae
    or rmse the error under x ~ U[a, b]^n instead of the sup."""
    from .construct import METRICS
    from .network import load_network
    from .train.spec import parse_domain
    from .verification import distribution_error, sup_error

    metric = checks.choice(metric, "--metric", METRICS)
    radius = checks.positive_number(radius, "--radius")
    seed = checks.integer(seed, "--seed", 0)
    lo, hi = (-radius, radius) if domain is None else parse_domain(domain)
    net = load_network(network)
    if metric == "sup":
        report = sup_error(net, poly, (hi - lo) / 2, seed=seed, high_precision=bool(high_precision), dtype=dtype,
                           center=(hi + lo) / 2)
    else:
        report = distribution_error(net, poly, (lo, hi), metric, seed=seed, dtype=dtype)
    report.update({"network": str(network), "target": str(parse_polynomial(poly)), "neurons": net.neurons,
                   "hidden_widths": net.hidden_widths, "activation": net.activation})
    return report


def converge(poly: str, activation: str = "tanh", layers="1", model: str = "bias", radius=1.0,
             epsilons="1e-1,1e-2,1e-3,1e-4,1e-5,1e-6", out: str | None = None) -> dict:
    """`depthsep converge POLY`: Theorem 3.4 made visible — the neurons a smooth σ needs stay fixed as
    ε shrinks (only the scale δ moves), while a ReLU network must grow."""
    from .experiments.converge import converge as run

    return run(poly, activation, layers, model, checks.positive_number(radius, "--radius"),
               checks.positive_numbers(epsilons, "--epsilons"), out)


def sweep(target: str, layers, widths, activation="tanh", seeds=0, store: str = "runs.db", *, steps=None,
          batch_size=None, loss=None, optimizer=None, lr=None, domain=None, test_size=None, init=None,
          backend=None, address=None, device=None, workers=None, progress=None) -> dict:
    """`depthsep sweep`: train every (activation, layers, width, seed) not yet in the store, batched,
    committing each finished model at once (re-running resumes; rows are never doubled). Returns the
    counts and the best and worst cell of the grid. ``init``: where training starts (None: random
    weights; ``log-exp:…``: an explicit network, see :func:`depthsep.train.spec.parse_init`)."""
    from .train.spec import parse_init
    from .train.sweep import sweep as run

    activations = [a.strip() for a in activation.split(",") if a.strip()] if isinstance(activation, str) else list(activation)
    config = training_config(steps=steps, batch_size=batch_size, loss=loss, optimizer=optimizer, lr=lr,
                             domain=domain, test_size=test_size)
    return run(target, checks.positive_ints(layers, "--layers"), checks.positive_ints(widths, "--widths"), activations,
               checks.seeds(seeds), store, config=config, init=parse_init(init),
               run=run_options(backend=backend, address=address, device=device, workers=workers, progress=progress))


def runs(store: str = "runs.db", fmt: str | None = None, out: str | None = None) -> list[dict]:
    """`depthsep runs --store S [--csv|--json] [--out F]`: the rows of a results store. With ``out``
    the rows are also written there, as CSV or JSON (``fmt``, or the file's suffix; CSV otherwise)."""
    from .train.store import read_rows, write_rows

    rows = read_rows(store)
    if out is not None:
        if fmt is None:
            fmt = "json" if str(out).endswith(".json") else "csv"
        write_rows(rows, checks.writable_file(out), checks.choice(fmt, "format", ("csv", "json")))
    return rows


def figure2(mode: str = "quick", store: str = "figure2.db", out: str = "figure2.png", init: str | None = None, *,
            backend=None, address=None, device=None, workers=None, progress=None) -> dict:
    """`depthsep figure2 [--quick|--full]`: the paper's Figure 2 sweep (resumable), then its heatmaps;
    ``init`` None keeps the preset's starting weights (Glorot's)."""
    from .experiments.figure2 import figure2 as run

    return run(checks.choice(mode, "figure2 mode", ("quick", "full")), store, out,
               run=run_options(backend=backend, address=address, device=device, workers=workers, progress=progress),
               init=init)


def atlas(mode: str = "quick", target=None, n=None, layers=None, threshold=None, seeds=None, steps=None,
          max_width=None, domain=None, store: str = "atlas.db", out: str | None = "atlas.png",
          budget_check: bool = False, *, backend=None, address=None, device=None, workers=None,
          progress=None) -> dict:
    """`depthsep atlas [--quick|--full]`: the smallest width per (n, k) that trained k-hidden-layer nets
    need to reach a relative RMSE on x1⋯xn (or one target), searched into a resumable store; the fitted
    exponent of log2 m against Conjecture 5.2's n^(1/k). None takes the preset's value. With
    ``budget_check``, the frontier cells are searched again at twice the steps (into the same store)."""
    from .experiments import atlas as experiment

    mode = checks.choice(mode, "atlas mode", experiment.MODES)
    run = run_options(backend=backend, address=address, device=device, workers=workers, progress=progress)
    given = dict(target=target, n=n, layers=layers, threshold=threshold, seeds=seeds, steps=steps,
                 max_width=max_width, domain=domain, store=store)
    if budget_check:
        return {"budget": experiment.budget_check(mode, run=run, **given)}
    return experiment.atlas(mode, out=out, run=run, **given)


def report(mode: str = "quick", store_dir: str = ".", out: str = "report", sections=None, *, backend=None,
           address=None, device=None, workers=None, progress=None) -> dict:
    """`depthsep report [--quick|--full|--smoke] --out DIR`: every numbered claim of both papers beside
    the check that tests it, as report.html, report.md and claims.json in ``out``; the training
    experiments' stores live in ``store_dir`` (resumed when present). ``sections``: comma-separated
    section keys (None: all)."""
    from .experiments import report as experiment

    if isinstance(sections, str):
        sections = [k.strip() for k in sections.split(",") if k.strip()]
        if not sections:
            raise DepthsepError("--sections needs at least one section key")
    return experiment.report(checks.choice(mode, "report mode", experiment.MODES), store_dir, out,
                             run_options(backend=backend, address=address, device=device, workers=workers,
                                         progress=progress), sections=sections)


def logexp_sizes(mode: str = "quick", n=None, epsilons=None, domains=None, metric: str = "mae",
                 activation: str = "tanh", out: str | None = "logexp_sizes.png", sweep_n=None,
                 sweep_epsilons=None, cache: str | None = "logexp_sizes.json", progress=None) -> dict:
    """`depthsep logexp-sizes [--quick|--full]`: neurons of x1⋯xn at a fixed ε — the log–exp
    construction's plan beside Theorem 5.1's tree (k = 2, 3; the same for every ε) — against n on
    each box, and against 1/ε at ``sweep_n``; a table and, unless ``out`` is None, a figure. Finished
    plans are kept in ``cache`` (a killed run resumes); ``progress`` (None: RunOptions' default): a
    line per plan on stderr."""
    from .experiments.logexp_sizes import logexp_sizes as run

    return run(mode, n, epsilons, domains, metric, activation, out, sweep_n=sweep_n, sweep_epsilons=sweep_epsilons,
               cache=cache, progress=run_options(progress=progress).progress)


def expressible(mode: str = "quick", store: str = "figure2.db", cells: str = "expressible.json",
                out: str = "expressible.png", warm_store: str = "warmstart.db", warm_start: bool = True, *,
                backend=None, address=None, device=None, workers=None, progress=None) -> dict:
    """`depthsep expressible [--quick|--full]`: Figure 2 beside what its cells can express — per cell the
    best log–exp network that fits (measured, kept in ``cells``), the trained MAE from ``store``, and
    (with ``warm_start``) Figure 2's training started from that network, into ``warm_store``."""
    from .experiments.expressible import expressible as run

    return run(checks.choice(mode, "expressible mode", ("quick", "full")), store, cells, out,
               warm_store if warm_start else None,
               run=run_options(backend=backend, address=address, device=device, workers=workers, progress=progress))


def doctor() -> dict:
    """`depthsep doctor`: versions, device, torch threads, CPU count and Ray availability."""
    from .environment import doctor as report

    return report()


def figure1(out: str, n_max=10_000) -> list[str]:
    """`depthsep plot figure1 --out F.png`: Figure 1 of the paper, as PNG and SVG."""
    from .experiments.figure1 import figure1 as draw

    return draw(out, n_max=checks.positive_int(n_max, "--n-max"))


def plot_heatmap(store: str = "runs.db", target: str = "product:20", activation: str = "tanh",
                 out: str = "heatmap.png", *, steps=None, batch_size=None, lr=None, optimizer=None, loss=None,
                 domain=None, test_size=None, init=None) -> dict:
    """`depthsep plot heatmap`: test MAE over (layers, width) with the paper's curve and the exact tree
    widths; the options after ``out`` choose the training setup drawn when the store holds several."""
    from .experiments.figure2 import heatmap

    setup = {k: v for k, v in dict(steps=steps, batch_size=batch_size, lr=lr, optimizer=optimizer, loss=loss,
                                   domain=domain, test_size=test_size, init=init).items() if v is not None}
    return heatmap(store, target, activation, out, setup=setup or None)


def radial_build(phi: str, dim, radius=1.0, epsilon=1e-2, layers=2, activation: str = "relu",
                 lipschitz=None, out: str | None = None) -> dict:
    """`depthsep radial build --phi PHI --dim D`: an explicit ReLU network for φ(|x|) on the ball |x| ≤ R,
    with one hidden layer (ridge functions) or two (|x|², then φ(√s)), verified and optionally written."""
    from .construct.radial_build import radial_build as run

    return run(phi, checks.positive_int(dim, "--dim"), radius, epsilon, checks.positive_int(layers, "--layers"),
               activation, lipschitz, out)


def radial_sizes(phi: str, layers="1,2", dims="1,2,4,8,16,32", epsilons="0.1,0.05,0.02,0.01", radius=1.0,
                 lipschitz=None, out: str | None = None) -> dict:
    """`depthsep radial sizes --phi PHI`: neurons of both radial constructions per (d, ε), by formula."""
    from .experiments.radial_sizes import radial_sizes as run

    return run(phi, tuple(checks.positive_ints(layers, "--layers")), tuple(checks.positive_ints(dims, "--dims")),
               tuple(checks.positive_numbers(epsilons, "--epsilons")), radius, lipschitz, out)


def radial_experiment(phis=None, dims=None, widths=None, steps=None, seeds=0, distribution=None,
                      store: str = "radial.db", out: str | None = None, *, backend=None, address=None,
                      device=None, workers=None, progress=None) -> dict:
    """`depthsep radial experiment`: 1- and 2-hidden-layer ReLU nets trained on ``radial:PHI:D`` for each
    φ ("D" in φ stands for d) and d, stored and resumable; relative test RMSE per width, mean over seeds
    with min/max, and the smallest width reaching the target error. None takes the preset's value."""
    from .experiments.radial import radial_experiment as run

    if isinstance(phis, str):
        phis = tuple(p.strip() for p in phis.split(";") if p.strip())
    given = dict(phis=phis, dims=None if dims is None else tuple(checks.positive_ints(dims, "--dims")),
                 widths=None if widths is None else tuple(checks.positive_ints(widths, "--widths")),
                 steps=None if steps is None else checks.positive_int(steps, "--steps"),
                 distribution=distribution)
    return run(seeds=tuple(checks.seeds(seeds)), store=store, out=out,
               run=run_options(backend=backend, address=address, device=device, workers=workers, progress=progress),
               **{k: v for k, v in given.items() if v is not None})


def radial_indicator(dims=None, widths=None, layers="1,2", steps=None, seeds=0, paper: bool = False,
                     batch_size=None, lr=None, radius=None, test_size=None, store: str = "indicator.db",
                     out: str | None = None, *, backend=None, address=None, device=None, workers=None,
                     progress=None) -> dict:
    """`depthsep radial indicator`: Safran & Shamir's (ICML 2017, Sec. 5) unit-ball indicator 1{|x| ≤ 1},
    |x| ~ U[0, 2], learned by 1- and 2-hidden-layer ReLU nets (the paper's depths 2 and 3), stored and
    resumable; test RMSE per (d, depth, width), mean over seeds. None takes the quick preset's value
    (d = 2, 10, 100; about a minute) or, with ``paper=True``, the paper's."""
    from .experiments.indicator import indicator

    given = dict(dims=None if dims is None else tuple(checks.positive_ints(dims, "--dims")),
                 widths=None if widths is None else tuple(checks.positive_ints(widths, "--widths")),
                 steps=None if steps is None else checks.positive_int(steps, "--steps"),
                 batch_size=None if batch_size is None else checks.positive_int(batch_size, "--batch-size"),
                 lr=None if lr is None else checks.positive_number(lr, "--lr"),
                 radius=None if radius is None else checks.positive_number(radius, "--radius"),
                 test_size=None if test_size is None else checks.positive_int(test_size, "--test-size"))
    return indicator(layers=tuple(checks.positive_ints(layers, "--layers")), seeds=tuple(checks.seeds(seeds)),
                     preset="paper" if paper else "quick", store=store, out=out,
                     run=run_options(backend=backend, address=address, device=device, workers=workers,
                                     progress=progress),
                     **{k: v for k, v in given.items() if v is not None})


def bench_train(steps=None, quick: bool = False, test_size=None, naive_threads=None, repeat=None,
                naive_repeat=None, skip_naive: bool = False) -> dict:
    """`depthsep bench train`: the batched engine against the naive one-model-at-a-time loop on the
    same 96-model grid; wall times, model-steps/s, speed-up, GFLOP/s and the matmul peak."""
    from .train.bench import bench_train as run

    given = {k: checks.positive_int(v, "--" + k.replace("_", "-")) for k, v in
             dict(steps=steps, test_size=test_size, naive_threads=naive_threads, repeat=repeat,
                  naive_repeat=naive_repeat).items() if v is not None}
    return run(quick=bool(quick), skip_naive=bool(skip_naive), **given)


def parse_polynomial(poly):
    """The parsed polynomial (sympy loads with it, on first use)."""
    from .poly import parse_polynomial as parse

    return parse(poly)


# -- helpers ----------------------------------------------------------------------------------
def parse_point(point) -> sp.Rational:
    """An expansion point as an exact rational: '1/2', '0.25', 0.5, Fraction(1, 2)."""
    import sympy as sp

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
    import sympy as sp

    try:
        return float(sp.N(c, 20))
    except (TypeError, ValueError):
        return None


# -- the configurations, built once -----------------------------------------------------------
def training_config(**given) -> TrainingConfig:
    """A :class:`TrainingConfig` from the CLI's training options (None: its default), checked."""
    for key in ("steps", "batch_size", "test_size"):
        if given.get(key) is not None:
            given[key] = checks.positive_int(given[key], "--" + key.replace("_", "-"))
    if given.get("lr") is not None:
        given["lr"] = checks.positive_number(given["lr"], "--lr")
    return TrainingConfig().with_(**given)


def run_options(**given) -> RunOptions:
    """A :class:`RunOptions` from the CLI's run options (None: its default), checked."""
    if given.get("workers") is not None:
        given["workers"] = checks.positive_int(given["workers"], "--workers")
    return RunOptions().with_(**given)


__all__ = [
    "activation", "advise", "atlas", "bench_train", "bounds", "build", "converge", "doctor", "expressible", "figure1", "figure2",
    "logexp_sizes", "plot_heatmap", "polynomial", "radial_build", "radial_experiment", "radial_indicator", "radial_sizes",
    "report", "run_options", "runs", "sweep", "training_config", "tree", "verify",
]
