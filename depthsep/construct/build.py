"""`depthsep build`: polynomial → plan of gates → circuit at a scale δ → network, verified.

The scale. Every gate reads its inputs through δ (Prop 3.3 applied gate by gate): smaller δ puts σ
closer to its Taylor polynomial (truncation error ∝ δ²) but divides more by δ^d in the readout
(round-off error ∝ u/δ^d, u the unit round-off of the precision the network runs in: 2^-53 in
float64, 2^-24 in float32). Each gate's δ is t divided by a bound on its inputs, and the one
dimensionless t is searched on log t, scoring every candidate network in its own precision:

1. down the grid t = 1, 1/2, 1/4, … until round-off has clearly taken over;
2. golden-section refinement around the grid's least error: the t of least error, t*;
3. with ``epsilon``: bisection between t* and the first larger t that misses it, for the largest t
   that reaches ε with 10 % to spare (the best-conditioned network that does the job), or t* itself
   if only t* comes within ε; without ``epsilon``, t*.

Candidates are scored by :func:`~depthsep.verification.quick_sup_error` (samples only, cheap enough for a
search); the network returned is scored by :func:`~depthsep.verification.sup_error` (samples, corners,
faces, gradient ascent), which never reports less than the quick score at the same seed. That one
number is the build's ``sup_error``, whether or not ε was given. If even t* misses ε, the precision
cannot reach it with this construction, and the refusal states the sup error of t*'s network — the
very network, and number, that the same build without ε returns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..activations import NotAnalyticError, get_activation
from ..checks import choice, positive_number
from ..errors import DepthsepError
from ..network import ACTIVATIONS, Network, check_precision
from ..poly import Polynomial, parse_polynomial
from ..theory.bounds import deep_upper, shallow_upper
from ..theory.tree import optimal_tree
from ..verification import quick_sup_error, sup_error
from .deep import plan_deep
from .relu import build_relu
from .shallow import plan_shallow
from .tree import plan_product_tree

# Where the bias model may expand σ, in order of preference (0 first: the paper's own choice).
EXPANSION_POINTS = ("0", "1/2", "1", "1/4", "-1/2", "3/4", "2")
GRID_STEPS = 60  # t = 2^0 … 2^-59: far past where float64 round-off takes over for any degree built here
ROUND_OFF_TAKEN_OVER = 1e3  # stop the grid once a t scores this much worse than the best so far
GOLDEN_STEPS = 8  # log2 t bracket of width 2 shrinks to 2·0.618^8 ≈ 0.04: t* to within 3 % (the error is flat there)
BISECTION_STEPS = 8  # the largest t that reaches ε, to within 2^-8 of a factor 2 (0.3 %)
VERIFIED_STEPS = 5  # the same, with the full estimate, when the quick one was too kind
# With ε, the search aims 10 % below it: the reported error is a lower bound on the sup, and a network
# at the very edge of ε would fail the next verification that finds a slightly worse point. On the
# truncation side (error ∝ t²) the headroom costs 5 % of t.
HEADROOM = 0.9


@dataclass
class Kit:
    """What a gate needs to know about σ: its Taylor coefficients at the point, and the scale t."""

    activation: str
    point: float
    taylor: list[float]
    taylor_at_zero: float
    t: float = 1.0


@dataclass
class Build:
    network: Network
    report: dict = field(default_factory=dict)


def parse_layers(layers) -> int | str:
    """`--layers`: 1, "deep", or K ≥ 2 (a product tree)."""
    text = str(layers).strip().lower()
    if text == "deep":
        return "deep"
    try:
        k = int(text)
    except ValueError:
        raise DepthsepError(f"--layers must be 1, deep or an integer K >= 2, got {layers!r}") from None
    if k < 1:
        raise DepthsepError(f"--layers must be >= 1, got {k}")
    return k


def _plan(p: Polynomial, layers, radius: float):
    """The construction for --layers, with the count its theorem promises."""
    if layers == 1:
        plan, outputs, constant = plan_shallow(p, radius)
        source = "Prop 4.5" if p.n == 1 and not p.is_monomial else ("Thm 4.1(i)" if p.is_monomial else "Thm 4.1(i) per monomial, shared neurons once")
        return plan, outputs, constant, 1, "shallow", shallow_upper(p), source
    if layers == "deep":
        plan, outputs, constant = plan_deep(p, radius)
        source = "Prop 4.6(ii)" if p.is_monomial and p.n == 1 else ("Thm 4.1(ii)" if p.is_monomial else "Thm 4.3(ii)")
        return plan, outputs, constant, 1, "deep", deep_upper(p), source
    if not (p.is_monomial and all(r == 1 for r in p.monomials[0])):
        raise DepthsepError(f"--layers {layers} builds the product tree of Theorem 5.1, for a product x1*x2*...*xN; use --layers 1 or deep for {p}")
    tree = optimal_tree(p.n, layers)
    plan, outputs, constant = plan_product_tree(p.n, tree.schedule, radius)
    outputs = {node: c * float(p.terms[p.monomials[0]]) for node, c in outputs.items()}
    return plan, outputs, constant, layers, f"product tree {tree.schedule}", tree.neurons, "Thm 5.1"


def _needed_degrees(plan, outputs, carries: bool) -> set[int]:
    """The Taylor coefficients σ_k the gates divide by (identity gates, when values are carried, σ_1)."""
    needed = {1} if carries else set()
    for node in plan.graph(outputs):
        if node.op == "monomial":
            needed.add(sum(node.powers))
        elif node.op == "vandermonde":
            needed.update(range(len(node.coefficients)))
    return needed


def _expansion_point(activation, needed: set[int], model: str):
    """The first candidate point where every needed coefficient is non-zero (exactly)."""
    candidates = ("0",) if model == "paper" else EXPANSION_POINTS
    top = max(needed)
    for text in candidates:
        try:
            coefficients = activation.coefficients(top, text)
        except NotAnalyticError:
            continue
        zeros = [k for k in sorted(needed) if coefficients[k].is_zero]
        if not zeros:
            return text, [float(c.value) for c in coefficients]
        if model == "paper":
            k = zeros[0]
            what = {0: "carry a constant", 1: "carry a value (identity gate)", 2: "square or multiply two values"}.get(k, f"multiply {k} values")
            raise DepthsepError(
                f"{activation.name} cannot {what} in the paper model: its Taylor coefficient sigma_{k} at 0 is 0; use --model bias"
            )
    raise DepthsepError(f"{activation.name} has no expansion point among {', '.join(candidates)} where sigma_k != 0 for k in {sorted(needed)}")


def build(poly, layers="1", activation: str = "tanh", model: str = "bias", epsilon=None, radius=1.0, *,
          seed: int = 0, dtype: str = "float64") -> Build:
    """Build, scale and verify a network for ``poly`` that runs in ``dtype`` (see the module docstring).

    Returns the network (its precision set to ``dtype``) and a report whose ``sup_error`` is that
    network's, measured by :func:`~depthsep.verification.sup_error` in ``dtype`` with ``seed``.
    """
    started = time.perf_counter()
    p = parse_polynomial(poly)
    if p.n == 0:
        raise DepthsepError(f"{p} is a constant: it has no inputs, and a network for it would have none either")
    layers = parse_layers(layers)
    radius = positive_number(radius, "--radius")
    epsilon = None if epsilon is None else positive_number(epsilon, "--epsilon")
    choice(model, "--model", ("paper", "bias"))
    dtype = check_precision(dtype, "--dtype")
    act = get_activation(activation)
    if act.name == "relu" or not act.analytic:
        if model == "paper":
            # Without biases a ReLU network is positively homogeneous of degree 1: N(cx) = c N(x).
            raise DepthsepError(f"{act.name} without biases is positively homogeneous and cannot approximate {p}; use --model bias")
        network, report = build_relu(p, layers, radius, epsilon, dtype=dtype, seed=seed)
        report["build_s"] = round(time.perf_counter() - started, 3)
        return Build(network, report)
    if act.name not in ACTIVATIONS:
        raise DepthsepError(f"--activation {act.name}: networks can be built with {', '.join(ACTIVATIONS)}")

    laid = layout(p, layers, act, model, radius)
    construction, source, promised, point = laid.construction, laid.theorem, laid.promised, laid.expansion_point
    chosen, network, sup = _search_scale(laid.network_at, p, radius, epsilon, dtype, seed)
    network.meta.update({
        "target": str(p), "construction": construction, "theorem": source, "model": model,
        "expansion_point": point, "scale": chosen, "epsilon": epsilon, "radius": radius, "sup_error": sup["sup_error"],
    })
    report = {
        "target": str(p), "construction": construction, "theorem": source, "activation": act.name, "model": model,
        "expansion_point": point, "hidden_widths": network.hidden_widths, "layers": len(network.hidden_widths),
        "neurons": network.neurons, "promised": promised,
        "sup_error": sup["sup_error"], "epsilon": epsilon, "radius": radius, "precision": dtype, "scale": chosen,
        "build_s": round(time.perf_counter() - started, 3),
    }
    if network.neurons > promised:
        # Where the paper counts an identity gate as one neuron, the paper model also needs the σ(0)
        # that carries its constant (one per layer, shared); deep layouts also carry short chains.
        report["note"] = (f"{network.neurons - promised} neuron(s) above the theorem's count: identity gates "
                          + ("and the sigma(0) neurons that carry their constants in the paper model" if model == "paper" else "carrying values between layers"))
    return Build(network, report)


@dataclass
class Layout:
    """A construction laid out in layers for σ: ``network_at(t, precision)`` compiles it at scale t
    (the neurons are the same at every t: t only scales weights), and what it is."""

    network_at: Callable[[float, str], Network]
    construction: str
    theorem: str
    promised: int
    expansion_point: str


def layout(p: Polynomial, layers, act, model: str, radius: float) -> Layout:
    """The construction ``--layers`` asks for (see :func:`_plan`), with σ expanded where every
    coefficient its gates divide by is non-zero."""
    plan, outputs, constant, min_layers, construction, promised, source = _plan(p, layers, radius)
    point, taylor = _expansion_point(act, _needed_degrees(plan, outputs, carries=layers != 1), model)
    sigma0 = float(act.coefficients(0, 0)[0].value) if act.analytic else 0.0
    kit = Kit(act.name, float(eval_point(point)), taylor, sigma0)

    def network_at(t: float, precision: str = "float64") -> Network:
        kit.t = t
        circuit = plan.circuit(outputs, constant, kit, min_layers=min_layers)
        return circuit.compile(model, precision=precision)

    return Layout(network_at, construction, source, promised, point)


def eval_point(text: str) -> float:
    num, _, den = text.partition("/")
    return int(num) / int(den or 1)


# -- the scale search -----------------------------------------------------------------------------
@dataclass
class _Scores:
    """The quick error of the network at t = 2^s, for each s tried (each network scored once)."""

    network_at: Callable[[float, str], Network]
    p: Polynomial
    radius: float
    dtype: str
    seed: int
    errors: dict[float, float] = field(default_factory=dict)

    def __call__(self, s: float) -> float:
        if s not in self.errors:
            with _quiet():
                err = quick_sup_error(self.network_at(2.0**s, self.dtype), self.p, self.radius, seed=self.seed)
            self.errors[s] = err if math.isfinite(err) else math.inf
        return self.errors[s]

    def least(self) -> float:
        """The s of least error so far (the larger t among equals: the better-conditioned network)."""
        return min(self.errors, key=lambda s: (self.errors[s], -s))


def _least_error(scores: _Scores) -> float:
    """Steps 1 and 2 of the module docstring: log2 t* (grid, then golden section around its best)."""
    best = math.inf
    for k in range(GRID_STEPS):
        err = scores(-float(k))
        best = min(best, err)
        if err > ROUND_OFF_TAKEN_OVER * best:
            break
    s = scores.least()
    lo, hi = s - 1.0, min(s + 1.0, 0.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = lo + (1 - ratio) * (hi - lo), lo + ratio * (hi - lo)
    for _ in range(GOLDEN_STEPS):
        if scores(a) <= scores(b):
            hi, b = b, a
            a = lo + (1 - ratio) * (hi - lo)
        else:
            lo, a = a, b
            b = lo + ratio * (hi - lo)
    return scores.least()


def _largest_meeting(meets: Callable[[float], bool], good: float, bad: float | None, steps: int) -> float:
    """The largest s in [good, bad) found to meet ε by bisection, given that ``good`` meets it and
    ``bad`` (if any; else s = 0, t = 1, is the top) does not."""
    if bad is None:
        return good
    for _ in range(steps):
        middle = (good + bad) / 2
        good, bad = (middle, bad) if meets(middle) else (good, middle)
    return good


def _search_scale(network_at, p: Polynomial, radius: float, epsilon: float | None, dtype: str, seed: int):
    """(t, network, its sup_error report) for the module docstring's search, or a one-line refusal."""
    scores = _Scores(network_at, p, radius, dtype, seed)
    verified: dict[float, tuple[Network, dict]] = {}

    def verify(s: float) -> tuple[Network, dict]:
        if s not in verified:
            network = network_at(2.0**s, dtype)
            with _quiet():
                verified[s] = network, sup_error(network, p, radius, seed=seed)
        return verified[s]

    best = _least_error(scores)
    if epsilon is None:
        return (2.0**best, *verify(best))
    aim, s = HEADROOM * epsilon, best
    if scores.errors[best] < aim:
        # The first t above t* (on the grid or in the refinement) that misses the aim bounds the bisection.
        good, bad = best, None
        for above in sorted(tried for tried in scores.errors if tried > best):
            if scores.errors[above] >= aim:
                bad = above
                break
            good = above
        s = _largest_meeting(lambda middle: scores(middle) < aim, good, bad, BISECTION_STEPS)
    if verify(s)[1]["sup_error"] < epsilon:
        return (2.0**s, *verify(s))
    # The full estimate found a worse point than the samples did: retreat towards t*.
    if s != best and verify(best)[1]["sup_error"] < epsilon:
        s = _largest_meeting(lambda middle: verify(middle)[1]["sup_error"] < epsilon, best, s, VERIFIED_STEPS)
        return (2.0**s, *verify(s))
    raise DepthsepError(_cannot_reach(dtype, epsilon, verify(best)[1]["sup_error"], 2.0**best, p, radius, network_at, seed))


def _cannot_reach(dtype: str, epsilon: float, error: float, t: float, p: Polynomial, radius: float, network_at, seed: int) -> str:
    """The refusal: the error of t*'s network (above ε), and whether float64 would reach ε instead."""
    asked, reached = _distinct(epsilon, error)
    message = (f"{dtype} cannot reach epsilon = {asked} with this construction on (-{radius:g}, {radius:g})^{p.n} "
               f"(best sup error {reached} at t = {t:.3g})")
    if dtype == "float64":
        return message
    # Worth saying only if it is true: the quick score is a lower bound on the verified error.
    wider = _Scores(network_at, p, radius, "float64", seed)
    reachable = wider.errors[_least_error(wider)] < epsilon
    return message + ("; use float64" if reachable else "; float64 cannot either")


def _distinct(epsilon: float, error: float) -> tuple[str, str]:
    """ε and an error above it, each with the fewest significant digits that still tell them apart."""
    for digits in range(3, 18):
        a, b = f"{epsilon:.{digits}g}", f"{error:.{digits}g}"
        if a != b:
            return a, b
    return a, b


class _quiet:
    """Overflow in exp at a too-large scale is an expected, measured outcome, not a warning."""

    def __enter__(self):
        import numpy as np

        self._old = np.seterr(all="ignore")

    def __exit__(self, *exc):
        import numpy as np

        np.seterr(**self._old)
