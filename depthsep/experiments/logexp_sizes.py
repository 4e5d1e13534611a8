"""``depthsep logexp-sizes``: neurons of x1·x2·…·xn at one fixed accuracy ε (the log–exp construction)
beside Theorem 5.1's product tree (which reaches every ε with the same neurons), by plan alone.

Nothing is trained. Each log–exp number is :func:`depthsep.construct.logexp.plan` for one
(n, box, ε): its pieces are fitted and its error bound evaluated, so a row is a network that
:func:`~depthsep.construct.logexp.assemble` writes out with exactly those widths (a test builds
some). Each tree number is :func:`depthsep.theory.tree.optimal_tree` — the exact minimum of
Theorem 5.1's count over schedules with k hidden layers — and does not depend on ε, the box or the
metric: Taylor gates reach any accuracy by shrinking their scale, never by adding neurons.

The module reads as its passes:

1. **preset** — :func:`logexp_sizes_grid`: which n, ε, boxes and which 1/ε sweep a mode runs;
2. **compute** — :func:`logexp_sizes`: one plan per (n, box, ε), a refusal recorded as ``"refused"``
   with its reason (a piece would need more than :data:`~depthsep.construct.univariate.MAX_WIDTH`
   neurons, or the rule could not bring its bound below ε); each plan is kept in a JSON cache as it
   lands (a full grid takes tens of minutes: a killed run resumes where it stopped) with a progress
   line on stderr;
3. **table** — :func:`logexp_sizes_table`;
4. **figure** — :func:`plot_logexp_sizes`: neurons vs n at each ε (log y), and neurons vs 1/ε at one n
   (log–log) with the tree as flat lines.

Which k the tree is shown at: 2 and 3 (:data:`TREE_LAYERS`), the log–exp construction's native
depths (2 hidden layers on a box with a ≥ 0, 3 where the sign must be computed). For n ≤ 27,
k = 3 ≥ ⌈log3 n⌉ is already the least tree of any depth (4(n − 1) + max(0, 3 − ⌊log2 n⌋) neurons).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

from .._openblas import one_thread
from ..checks import choice, figure_paths, int_list, positive_int, positive_numbers, writable_file
from ..construct import METRICS
from ..construct.logexp import parse_box, plan
from ..construct.univariate import MAX_WIDTH
from ..errors import DepthsepError
from ..theory.tree import optimal_tree
from ._figures import save
from ._atomic import write_json

# -- 1. preset --------------------------------------------------------------------------------------

MODES = ("quick", "full")
#: Figure 2's positive box, and a symmetric one where the sign needs its own layer.
DOMAINS = ("0:2", "-1:1")
#: Hidden layers of the Theorem 5.1 trees shown: the log–exp construction's two native depths.
TREE_LAYERS = (2, 3)

_PRESETS = {
    # quick: every n up to 20 (each plan ≤ 2.5 s on one core); 17–36 s in all on a shared 2-core machine.
    "quick": dict(n=(2, 3, 4, 6, 8, 12, 16, 20), epsilons=(0.1, 0.01), sweep_n=20,
                  sweep_epsilons=(0.5, 0.2, 0.1, 0.05, 0.02, 0.01)),
    # full: the whole n = 2…24 grid. Past n = 21 at ε = 0.01 on 0:2 the exp piece's fit grows to
    # hundreds of neurons and one plan takes minutes (n = 22: 449 s, 964 exp neurons against 62 at
    # n = 21); so does ε = 0.005 at n = 20 (unfinished after 8 min), which the sweep therefore leaves
    # to ``sweep_epsilons``.
    "full": dict(n=tuple(range(2, 25)), epsilons=(0.1, 0.01), sweep_n=20,
                 sweep_epsilons=(0.5, 0.2, 0.1, 0.05, 0.02, 0.01)),
}


def logexp_sizes_grid(mode: str = "quick") -> dict:
    """The grid a mode runs: ``n`` and ``epsilons`` (panel 1, on every box), ``sweep_n`` and
    ``sweep_epsilons`` (panel 2, on the first box). A copy: changing it changes nothing here."""
    choice(mode, "logexp-sizes mode", MODES)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in _PRESETS[mode].items()}


def product(n: int) -> str:
    """x1*x2*…*xn, as :func:`~depthsep.construct.logexp.plan` reads it."""
    from ..poly import Polynomial

    return str(Polynomial.product(n))


def _domains(domains) -> list[str]:
    """Boxes as ``a:b`` text, each checked by the construction's own parser; ``"0:2,-1:1"`` or a list."""
    if domains is None:
        return list(DOMAINS)
    items = [d.strip() for d in domains.split(",") if d.strip()] if isinstance(domains, str) else list(domains)
    if not items:
        raise DepthsepError("--domains needs at least one box a:b")
    out = []
    for d in items:
        box = parse_box(d)
        out.append(f"{box.lo:g}:{box.hi:g}")
    return list(dict.fromkeys(out))


def _check_activation(activation: str, domains: list[str]) -> str:
    from ..activations import get_activation
    from ..network import ACTIVATIONS

    name = get_activation(activation).name
    if name not in ACTIVATIONS:
        raise DepthsepError(f"--activation {name}: networks can be built with {', '.join(ACTIVATIONS)}")
    signed = [d for d in domains if parse_box(d).signed]
    if name == "exp" and signed:
        # A product of n ≥ 1 odd powers needs the sign steps that exp neurons cannot form.
        raise DepthsepError(f"exp neurons cannot form the sign steps the box {signed[0]} needs; "
                            "use tanh, sigmoid, softplus or relu, or only boxes with a >= 0")
    return name


# -- 2. compute -------------------------------------------------------------------------------------

def _logexp_cell(n: int, domain: str, epsilon: float, metric: str, activation: str) -> dict:
    """One plan: its neurons and widths, or ``"refused"`` and the construction's one-line reason."""
    started = time.perf_counter()
    try:
        built = plan(product(n), domain, metric, epsilon, activation)
    except DepthsepError as err:
        return {"logexp_neurons": "refused", "logexp_widths": None, "logexp_layers": None,
                "logexp_bound": None, "refused": str(err), "plan_s": round(time.perf_counter() - started, 3)}
    return {"logexp_neurons": built.neurons, "logexp_widths": list(built.widths), "logexp_layers": len(built.widths),
            "logexp_bound": built.bound * abs(built.coefficient), "refused": None,
            "plan_s": round(time.perf_counter() - started, 3)}


#: The cache's format: its plans are reused only by the same depthsep (the rule may change).
CACHE_FORMAT = "depthsep.logexp-sizes/1"


def _cache_key(n: int, domain: str, epsilon: float, metric: str, activation: str) -> str:
    return f"{n}|{domain}|{epsilon!r}|{metric}|{activation}"


def read_cache(path) -> dict:
    """The plans a cache file holds (empty when absent or written by another depthsep version).
    A file that is not a cache is refused in one line and left as it is."""
    from .. import __version__

    if path is None or not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
        if data.get("format") != CACHE_FORMAT or not isinstance(data.get("plans"), dict):
            raise ValueError
    except (OSError, ValueError, AttributeError):
        raise DepthsepError(f"{os.fspath(path)} is not a logexp-sizes cache (refusing to overwrite it)") from None
    return data["plans"] if data.get("depthsep") == __version__ else {}


def _write_cache(path, plans: dict) -> None:
    from .. import __version__

    write_json(path, {"format": CACHE_FORMAT, "depthsep": __version__, "plans": plans})


def target_size(n: int, domain: str, metric: str) -> float:
    """The product's own size in the metric — the error of the network that outputs 0: E|x1⋯xn|
    (mae), sqrt(E (x1⋯xn)²) (rmse) or max |x1⋯xn| (sup) under U[a, b]^n, one coordinate's integral
    to the n-th power (by the construction's own quadrature). Where ε is at least this, no network
    is needed at all, and the log–exp count stops growing as ε falls (on -1:1, E|x1⋯xn| = 2^-n)."""
    box = parse_box(domain)
    if metric == "sup":
        return box.max(abs) ** n
    if metric == "mae":
        return box.mean(abs) ** n
    return math.sqrt(box.mean(lambda x: x * x) ** n)


def _tree_cells(n: int) -> dict:
    trees = {k: optimal_tree(n, k) for k in TREE_LAYERS}
    return {**{f"tree_k{k}": t.neurons for k, t in trees.items()},
            **{f"tree_k{k}_widths": list(t.widths) for k, t in trees.items()}}


def logexp_sizes(mode: str = "quick", n=None, epsilons=None, domains=None, metric: str = "mae",
                 activation: str = "tanh", out="logexp_sizes.png", *, sweep_n=None, sweep_epsilons=None,
                 cache=None, progress: bool = False) -> dict:
    """Neurons of x1⋯xn at fixed ε: the log–exp construction (:func:`~depthsep.construct.logexp.plan`)
    beside Theorem 5.1's tree with k = 2 and 3 hidden layers (:func:`~depthsep.theory.tree.optimal_tree`).

    ``mode`` picks the grid (:func:`logexp_sizes_grid`); ``n``, ``epsilons``, ``domains`` (boxes
    ``a:b``), ``sweep_n`` and ``sweep_epsilons`` replace its parts. ``metric`` (sup, mae, rmse under
    U[a, b]^n) is what ε bounds. Returns ``rows`` (one per n, box, ε), ``sweep`` (one per ε at
    ``sweep_n`` on the first box), the settings, ``wall_s`` and, unless ``out`` is None, ``files``
    (PNG and SVG). A log–exp count the construction refuses is the string ``"refused"`` with the
    reason in ``refused``. ``cache``: a JSON file of finished plans, read first and written after
    each plan (None: none); ``progress``: a line per plan on stderr, with an ETA.
    """
    grid = logexp_sizes_grid(mode)
    ns = int_list(grid["n"] if n is None else n, "--n", minimum=1)
    eps = positive_numbers(grid["epsilons"] if epsilons is None else epsilons, "--epsilons")
    boxes = _domains(domains)
    metric = choice(metric, "--metric", METRICS)
    activation = _check_activation(activation, boxes)
    s_n = positive_int(grid["sweep_n"] if sweep_n is None else sweep_n, "--sweep-n")
    s_eps = positive_numbers(grid["sweep_epsilons"] if sweep_epsilons is None else sweep_epsilons, "--sweep-epsilons")
    paths = figure_paths(out) if out is not None else None      # a bad --out fails before the work
    if cache is not None:
        writable_file(cache, "--cache")
    cells = read_cache(cache)              # a (n, box, ε) shared by both panels is planned once

    started = time.perf_counter()
    wanted = [(k, box, e) for box in boxes for e in eps for k in sorted(ns)]
    swept = [(s_n, boxes[0], e) for e in sorted(s_eps, reverse=True)]
    todo = list(dict.fromkeys(c for c in wanted + swept if _cache_key(*c, metric, activation) not in cells))

    def plan_all() -> None:
        begun = time.perf_counter()
        for i, (k, box, e) in enumerate(todo):
            cells[_cache_key(k, box, e, metric, activation)] = cell = _logexp_cell(k, box, e, metric, activation)
            if cache is not None:
                _write_cache(cache, cells)
            if progress:
                elapsed = time.perf_counter() - begun
                eta = elapsed / (i + 1) * (len(todo) - i - 1)
                print(f"logexp-sizes {i + 1}/{len(todo)} plans  n = {k}, {box}, eps = {e:g}: "
                      f"{cell['logexp_neurons']} neurons in {cell['plan_s']:.1f} s  elapsed {elapsed:.0f} s  "
                      f"ETA {eta:.0f} s (plans grow with n and 1/eps)", file=sys.stderr, flush=True)

    # The fits are least squares on tall, narrow matrices: threads gain little there, and on a
    # shared machine a multi-threaded BLAS made the quick grid ten times slower (measured: 222 s
    # against 19 s on one thread, 2 busy cores).
    with one_thread():
        plan_all()

    def row(k: int, box: str, e: float) -> dict:
        return {"n": k, "domain": box, "epsilon": e, "target_size": target_size(k, box, metric),
                **cells[_cache_key(k, box, e, metric, activation)], **_tree_cells(k)}

    rows = [row(*c) for c in wanted]
    sweep = [row(*c) for c in swept]
    result = {"mode": mode, "metric": metric, "activation": activation, "domains": boxes, "epsilons": eps,
              "n": sorted(ns), "sweep_n": s_n, "sweep_domain": boxes[0], "tree_layers": list(TREE_LAYERS),
              "max_piece_width": MAX_WIDTH, "rows": rows, "sweep": sweep, "planned": len(todo),
              "cache": None if cache is None else os.fspath(cache), "wall_s": round(time.perf_counter() - started, 2)}
    if paths is not None:
        result["files"] = plot_logexp_sizes(result, paths[0])
    return result


# -- 3. table ---------------------------------------------------------------------------------------

def logexp_sizes_table(result: dict) -> str:
    """Both panels as text: neurons per (box, ε, n), then per ε at the sweep's n."""
    from ..text import table

    trees = [f"tree k={k}" for k in result["tree_layers"]]
    metric = result["metric"]
    headers = ["box", "eps", "n", f"{metric} of p", "log-exp", "widths"] + trees

    def cells(r):
        return [r["domain"], r["epsilon"], r["n"], r["target_size"], r["logexp_neurons"], r["logexp_widths"]] + \
               [r[f"tree_k{k}"] for k in result["tree_layers"]]

    first = table(headers, [cells(r) for r in result["rows"]],
                  title=f"x1*...*xn, {metric} <= eps under U[a,b]^n, {result['activation']}: hidden neurons "
                        f"(log-exp: planned for that eps; tree: Thm 5.1, every eps)")
    second = table(headers, [cells(r) for r in result["sweep"]],
                   title=f"n = {result['sweep_n']} on {result['sweep_domain']}, each eps")
    note = (f"refused: a piece would need more than {result['max_piece_width']} neurons, or the bound "
            "could not be brought below eps")
    size = (f"{metric} of p: the product's own {metric}, the error of the zero network "
            "(where eps is at least this, nothing needs to be built)")
    out = [first, "", second, "", size]
    if any(r["refused"] for r in result["rows"] + result["sweep"]):
        out += ["", note]
    out += ["", f"planned in {result['wall_s']:g} s"]
    return "\n".join(out)


# -- 4. figure --------------------------------------------------------------------------------------

def _count(r) -> float:
    """A row's log–exp neurons for plotting: NaN (a gap) where refused."""
    return float(r["logexp_neurons"]) if isinstance(r["logexp_neurons"], int) else math.nan


def plot_logexp_sizes(result: dict, path) -> list[str]:
    """Two panels. Left: hidden neurons vs n (log y), log–exp solid (a colour family per box, darker
    for smaller ε), the trees dashed. Right: hidden neurons vs 1/ε at the sweep's n (log–log), the
    trees flat. A refused plan is a gap. Written as PNG and SVG; returns the paths."""
    paths = figure_paths(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    boxes, eps = result["domains"], sorted(result["epsilons"], reverse=True)
    families = [plt.cm.Blues, plt.cm.Oranges, plt.cm.Greens, plt.cm.Purples]
    markers = ["o", "s", "^", "D"]

    def colour(box_index: int, eps_index: int):
        return families[box_index % len(families)](0.55 + 0.4 * eps_index / max(1, len(eps) - 1))

    tree_style = {k: dict(ls="--", color=c, lw=1.6) for k, c in zip(result["tree_layers"], ["0.1", "0.55", "0.75"])}
    metric = result["metric"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2))
    ns = result["n"]
    hollow = False
    for b, box in enumerate(boxes):
        for j, e in enumerate(eps):
            mine = sorted((r for r in result["rows"] if r["domain"] == box and r["epsilon"] == e), key=lambda r: r["n"])
            left.plot([r["n"] for r in mine], [_count(r) for r in mine], "-", marker=markers[b % len(markers)], ms=4,
                      color=colour(b, j), label=f"log–exp, {box}, ε = {e:g}")
            trivial = [r for r in mine if r["epsilon"] >= r["target_size"]]
            if trivial:
                left.plot([r["n"] for r in trivial], [_count(r) for r in trivial], "o", ms=9, mfc="none",
                          mec=colour(b, j), mew=1.2)
                hollow = True
    by_n = {r["n"]: r for r in result["rows"]}
    for k in result["tree_layers"]:
        left.plot(ns, [by_n[m][f"tree_k{k}"] for m in ns], label=f"Thm 5.1 tree, k = {k} (every ε)", **tree_style[k])
    if hollow:
        left.plot([], [], "o", ms=9, mfc="none", mec="0.3", label=f"ringed: ε ≥ the product's own {metric} (0 meets ε)")
    left.set_yscale("log")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel("n (inputs of the product x1·x2·…·xn)")
    left.set_ylabel("hidden neurons (count)")
    left.set_title(f"neurons vs n at fixed ε ({metric})")
    left.legend(fontsize=7.5, loc="upper left")

    sweep = result["sweep"]
    b0 = 0
    pts = sorted((1 / r["epsilon"], _count(r)) for r in sweep)
    right.plot(*zip(*pts), "-", marker=markers[b0], ms=5, color=colour(b0, len(eps) - 1),
               label=f"log–exp, {result['sweep_domain']}")
    trivial = [(1 / r["epsilon"], _count(r)) for r in sweep if r["epsilon"] >= r["target_size"]]
    if trivial:
        right.plot(*zip(*trivial), "o", ms=10, mfc="none", mec=colour(b0, len(eps) - 1), mew=1.2,
                   label=f"ringed: ε ≥ the product's own {metric}")
    xs = [p[0] for p in pts]
    for k in result["tree_layers"]:
        right.plot([min(xs), max(xs)], [sweep[0][f"tree_k{k}"]] * 2, label=f"Thm 5.1 tree, k = {k} (every ε)",
                   **tree_style[k])
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel(f"1/ε (ε: the {metric} the network is planned to stay under)")
    right.set_ylabel("hidden neurons (count)")
    right.set_title(f"neurons vs 1/ε at n = {result['sweep_n']} on {result['sweep_domain']}")
    right.legend(fontsize=8, loc="upper left")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        # Headroom above the data keeps the legend off the lines.
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * (hi / lo) ** 0.45)
    refused = sum(1 for r in result["rows"] + sweep if r["refused"])
    gaps = f"; {refused} refused plan{'s' if refused != 1 else ''} left as gaps" if refused else ""
    fig.suptitle(f"x1·x2·…·xn on U[a, b]^n, {result['activation']}: the log–exp construction for one ε "
                 f"vs Theorem 5.1's product tree (exact for every ε){gaps}", fontsize=10)
    fig.tight_layout()
    return save(fig, paths, dpi=120)


__all__ = ["CACHE_FORMAT", "DOMAINS", "MODES", "TREE_LAYERS", "logexp_sizes", "logexp_sizes_grid", "logexp_sizes_table", "read_cache",
           "plot_logexp_sizes", "product", "target_size"]
