"""`depthsep build`: polynomial → plan of gates → circuit at a scale δ → network, verified.

The scale. Every gate reads its inputs through δ (Prop 3.3 applied gate by gate): smaller δ puts σ
closer to its Taylor polynomial (truncation error ∝ δ²) but divides more by δ^d in the readout
(float64 cancellation error ∝ 2^-52/δ^d). Each gate's δ is t divided by a bound on its inputs, and
one dimensionless t is searched on a geometric grid, measuring the error of every candidate: with
``epsilon`` the largest t that reaches it is kept (the best-conditioned network that does the job),
without it the t of least error. If no t reaches ε, float64 cannot, and the build says so.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ..activations import NotAnalyticError, get_activation
from ..errors import DepthsepError
from ..network import ACTIVATIONS, Network
from ..poly import Polynomial, parse_polynomial
from ..theory.bounds import deep_upper, shallow_upper
from ..theory.tree import optimal_tree
from ..verify import quick_sup_error, sup_error
from .deep import plan_deep
from .shallow import plan_shallow
from .tree import plan_product_tree

# Where the bias model may expand σ, in order of preference (0 first: the paper's own choice).
EXPANSION_POINTS = ("0", "1/2", "1", "1/4", "-1/2", "3/4", "2")
SCALES = tuple(2.0**-k for k in range(0, 60))


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


def _positive(value, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise DepthsepError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise DepthsepError(f"{name} must be a positive number, got {value!r}")
    return value


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


def build(poly, layers="1", activation: str = "tanh", model: str = "bias", epsilon=None, radius=1.0, *, seed: int = 0) -> Build:
    """Build, scale and verify a network for ``poly`` (see the module docstring and README)."""
    started = time.perf_counter()
    p = parse_polynomial(poly)
    if p.n == 0:
        raise DepthsepError(f"{p} is a constant: it has no inputs, and a network for it would have none either")
    layers = parse_layers(layers)
    radius = _positive(radius, "--radius")
    epsilon = None if epsilon is None else _positive(epsilon, "--epsilon")
    if model not in ("paper", "bias"):
        raise DepthsepError(f"--model must be paper or bias, got {model!r}")
    act = get_activation(activation)
    if act.name == "relu" or not act.analytic:
        from .relu import build_relu

        if model == "paper":
            # Without biases a ReLU network is positively homogeneous of degree 1: N(cx) = c N(x).
            raise DepthsepError(f"{act.name} without biases is positively homogeneous and cannot approximate {p}; use --model bias")
        return build_relu(p, layers, radius, epsilon, started=started)
    if act.name not in ACTIVATIONS:
        raise DepthsepError(f"--activation {act.name}: networks can be built with {', '.join(ACTIVATIONS)}")

    plan, outputs, constant, min_layers, construction, promised, source = _plan(p, layers, radius)
    point, taylor = _expansion_point(act, _needed_degrees(plan, outputs, carries=layers != 1), model)
    sigma0 = float(act.coefficients(0, 0)[0].value) if act.analytic else 0.0
    kit = Kit(act.name, float(eval_point(point)), taylor, sigma0)

    def network_at(t: float) -> Network:
        kit.t = t
        circuit = plan.circuit(outputs, constant, kit, min_layers=min_layers)
        return circuit.compile(model)

    trials = _scan_scales(network_at, p, radius, epsilon)
    chosen, sup = _choose(trials, network_at, p, radius, epsilon, seed)
    network = network_at(chosen)
    network.meta.update({
        "target": str(p), "construction": construction, "theorem": source, "model": model,
        "expansion_point": point, "scale": chosen, "epsilon": epsilon, "radius": radius, "sup_error": sup["sup_error"],
    })
    report = {
        "target": str(p), "construction": construction, "theorem": source, "activation": act.name, "model": model,
        "expansion_point": point, "hidden_widths": network.hidden_widths, "layers": len(network.hidden_widths),
        "neurons": network.neurons, "promised": promised,
        "sup_error": sup["sup_error"], "epsilon": epsilon, "radius": radius, "scale": chosen,
        "build_s": round(time.perf_counter() - started, 3),
    }
    if network.neurons > promised:
        # Where the paper counts an identity gate as one neuron, the paper model also needs the σ(0)
        # that carries its constant (one per layer, shared); deep layouts also carry short chains.
        report["note"] = (f"{network.neurons - promised} neuron(s) above the theorem's count: identity gates "
                          + ("and the sigma(0) neurons that carry their constants in the paper model" if model == "paper" else "carrying values between layers"))
    return Build(network, report)


def eval_point(text: str) -> float:
    num, _, den = text.partition("/")
    return int(num) / int(den or 1)


def _scan_scales(network_at, p, radius, epsilon) -> list[tuple[float, float]]:
    """(t, sampled error) down the grid until float64 round-off has clearly taken over."""
    trials, best = [], math.inf
    for t in SCALES:
        with _quiet():
            err = quick_sup_error(network_at(t), p, radius)
        err = err if math.isfinite(err) else math.inf
        trials.append((t, err))
        best = min(best, err)
        if epsilon is not None and err <= epsilon / 4:
            break  # the largest t that reaches ε with room to spare: stop here
        if best < math.inf and err > 1e3 * best:
            break
    return trials


def _choose(trials, network_at, p, radius, epsilon, seed):
    if epsilon is None:
        t = min(trials, key=lambda te: te[1])[0]
        return t, sup_error(network_at(t), p, radius, seed=seed)
    for t, err in trials:
        if err < epsilon / 2:
            sup = sup_error(network_at(t), p, radius, seed=seed)
            if sup["sup_error"] < epsilon:
                return t, sup
    best_t, best_err = min(trials, key=lambda te: te[1])
    raise DepthsepError(
        f"float64 cannot reach epsilon = {epsilon:g} with this construction on (-{radius:g}, {radius:g})^{p.n}: "
        f"the best scale (t = {best_t:.3g}) leaves a sup error of {best_err:.3g}"
    )


class _quiet:
    """Overflow in exp at a too-large scale is an expected, measured outcome, not a warning."""

    def __enter__(self):
        import numpy as np

        self._old = np.seterr(all="ignore")

    def __exit__(self, *exc):
        import numpy as np

        np.seterr(**self._old)
