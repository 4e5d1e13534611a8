"""The checks behind the report's claims: each numbered result of the papers tested by the project's
own pieces — the exact counts of :mod:`depthsep.theory`, the networks of :mod:`depthsep.construct`
laid out and counted, built and verified — against an independent statement of the claim (the
theorem's formula written out here, a brute-force enumeration), never against itself.

Every check is cheap (seconds) and seeded, and returns plain data: the rows it tested and the
verdict, so the report can print both. "Exact" checks compare integers; a verified build is one
whose sup error, measured by :func:`depthsep.verification.sup_error` (samples, corners, faces,
gradient ascent), is below ε.

    >>> random_monomials(2, seed=0, max_vars=3, max_power=2)
    [(2, 1), (2, 2)]
    >>> monomial_text((2, 1, 1))
    'x1^2*x2*x3'
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from math import factorial, prod

from ..errors import DepthsepError

#: The accuracy every verified build in the report must reach (sup error on (−1, 1)^n).
EPSILON = 1e-2
#: The σ of the counting checks: exp has every Taylor coefficient non-zero at 0 (1/k!), so every
#: theorem's hypothesis holds in the paper model (no biases), where the counts are the theorems'.
ACTIVATION, MODEL = "exp", "paper"


# -- inputs ------------------------------------------------------------------------------------------

def random_monomials(count: int, seed: int, max_vars: int = 6, max_power: int = 4) -> list[tuple[int, ...]]:
    """``count`` exponent tuples: n uniform in 1…max_vars, each r_i uniform in 1…max_power."""
    rng = random.Random(seed)
    return [tuple(rng.randint(1, max_power) for _ in range(rng.randint(1, max_vars))) for _ in range(count)]


def monomial_text(exponent) -> str:
    from ..poly import Polynomial

    return str(Polynomial.monomial(tuple(exponent)))


def random_sparse(count: int, seed: int, max_vars: int = 4, max_power: int = 3, max_terms: int = 4) -> list[str]:
    """``count`` polynomials of 2…max_terms distinct monomials in 2…max_vars variables, exponents
    0…max_power, integer coefficients in ±1…±3."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n, c = rng.randint(2, max_vars), rng.randint(2, max_terms)
        terms = set()
        while len(terms) < c:
            e = tuple(rng.randint(0, max_power) for _ in range(n))
            if any(e):
                terms.add(e)
        out.append(" + ".join(f"{rng.choice([-3, -2, -1, 1, 2, 3])}*{monomial_text(e)}" for e in sorted(terms)))
    return out


def random_univariate(count: int, seed: int, max_degree: int = 6) -> list[str]:
    """``count`` polynomials in x1 of degree 2…max_degree with integer coefficients in −3…3."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        d = rng.randint(2, max_degree)
        coefficients = [rng.randint(-3, 3) for _ in range(d)] + [rng.choice([-3, -2, -1, 1, 2, 3])]
        out.append(" + ".join(f"{c}*x1^{j}" if j else str(c) for j, c in enumerate(coefficients) if c))
    return out


# -- building and verifying ------------------------------------------------------------------------

def verified_build(poly: str, layers, epsilon: float = EPSILON, activation: str = ACTIVATION,
                   model: str = MODEL) -> dict:
    """`depthsep build POLY --layers L --activation A --model M --epsilon E`: neurons, widths and the
    verified sup error, or the build's one-line refusal (``refused``)."""
    from ..construct.build import build
    from ..poly import parse_polynomial

    poly = str(parse_polynomial(poly))
    try:
        report = build(poly, layers=layers, activation=activation, model=model, epsilon=epsilon).report
    except DepthsepError as err:
        return {"poly": poly, "layers": str(layers), "refused": str(err), "neurons": None, "sup_error": None}
    return {"poly": poly, "layers": str(layers), "neurons": report["neurons"], "widths": report["hidden_widths"],
            "sup_error": report["sup_error"], "verified": report["sup_error"] < epsilon, "refused": None}


def built_neurons(poly: str, layers, model: str = MODEL, activation: str = ACTIVATION) -> list[int]:
    """The hidden widths of the network `depthsep build` makes (laid out, not scaled or verified)."""
    from ..construct.sizes import built_widths
    from ..poly import parse_polynomial

    return built_widths(parse_polynomial(poly), layers, model=model, activation=activation)


def command(poly: str, layers, epsilon: float = EPSILON) -> str:
    return f"depthsep build '{poly}' --layers {layers} --activation {ACTIVATION} --model {MODEL} --epsilon {epsilon:g}"


# -- Proposition 3.3 -------------------------------------------------------------------------------

def scale_sweep(poly: str, scales) -> list[dict]:
    """Prop 3.3 on one network: the one-hidden-layer construction for a homogeneous ``poly`` compiled
    at each scale t (δ = t on (−1, 1)^n: N_t(x) = N(t·x)/t^d), its widths and sampled sup error.
    ``regime`` is "truncation" while the error still falls as t falls, then "round-off"."""
    from ..activations import get_activation
    from ..construct.build import layout
    from ..poly import parse_polynomial
    from ..verification import quick_sup_error

    p = parse_polynomial(poly)
    laid = layout(p, 1, get_activation(ACTIVATION), MODEL, 1.0)
    rows, best = [], math.inf
    for t in scales:
        net = laid.network_at(t)
        error = quick_sup_error(net, p, 1.0)
        rows.append({"t": t, "widths": net.hidden_widths, "neurons": net.neurons, "sup_error": error,
                     "regime": "truncation" if error < best else "round-off"})
        best = min(best, error)
    return rows


# -- Theorems 4.1, 4.2, 4.4 on monomials -----------------------------------------------------------

def sub_multiset_sizes(exponent) -> Counter:
    """How many sub-multisets of {x_i with multiplicity r_i} have each size — by enumeration."""
    return Counter(sum(choice) for choice in itertools.product(*(range(r + 1) for r in exponent)))


def monomial_counts(exponents) -> list[dict]:
    """Per monomial x^r: the derivative rank (App. 7.1's lower bound), ∏(r_i+1) (Thm 4.1(i)), the
    built one-hidden-layer width, the built deep network against Σ(7⌈log2 r_i⌉+4) (Thm 4.1(ii)), and
    the largest count of sub-multisets of one size (Thm 4.4) by enumeration and by the project."""
    from ..poly import parse_polynomial
    from ..theory.bounds import max_coefficient_of_box_product
    from ..theory.rank import derivative_rank

    rows = []
    for e in exponents:
        text = monomial_text(e)
        d = sum(e)
        sizes = sub_multiset_sizes(e)
        rows.append({
            "monomial": text, "n": len(e), "degree": d, "product": prod(r + 1 for r in e),
            "rank": derivative_rank(parse_polynomial(text)), "built": sum(built_neurons(text, 1)),
            "deep_built": sum(built_neurons(text, "deep")),
            "deep_formula": sum(7 * math.ceil(math.log2(r)) + 4 if r > 1 else 4 for r in e),
            "coefficient": max_coefficient_of_box_product(e), "enumerated": max(sizes.values()),
        })
    return rows


def taylor_mismatch(exponent) -> float:
    """Thm 4.2(i)'s construction Taylor-approximates x^r: the degree ≤ d Taylor polynomial of the
    built one-hidden-layer network, Σ_j v_j Σ_k σ_k (w_j·x)^k, is x^r itself. Returns the largest
    |coefficient − target| over every multi-index of degree ≤ d, relative to the size of the terms
    that cancel in it (0 is exact; float64 rounding leaves ~1e-15)."""
    import numpy as np

    from ..activations import get_activation
    from ..construct.build import layout
    from ..poly import parse_polynomial

    p = parse_polynomial(monomial_text(exponent))
    act = get_activation(ACTIVATION)
    net = layout(p, 1, act, MODEL, 1.0).network_at(1.0)
    (w0, b0), (w1, _) = net.layers
    if np.any(b0):
        raise DepthsepError("the paper-model network has a bias")
    sigma = [float(c.value) for c in act.coefficients(p.degree, 0)]
    v = w1[0]
    n, d = len(exponent), sum(exponent)
    worst = 0.0
    for alpha in itertools.product(*(range(d + 1) for _ in range(n))):
        k = sum(alpha)
        if k > d:
            continue
        multinomial = factorial(k) / prod(factorial(a) for a in alpha)
        terms = v * np.prod(w0 ** np.array(alpha), axis=1) * sigma[k] * multinomial
        target = 1.0 if tuple(alpha) == tuple(exponent) else 0.0
        worst = max(worst, abs(terms.sum() - target) / max(np.abs(terms).sum(), 1.0))
    return float(worst)


# -- Theorem 4.3 on sparse polynomials -------------------------------------------------------------

def sparse_counts(polys) -> list[dict]:
    """Per polynomial: the derivative rank against Thm 4.3(i)'s ⌈max_j ∏(r_i+1) / c⌉ (the paper's
    proof shows the rank is at least this), and the built deep network against the sum of its
    monomials' own deep networks (Thm 4.3(ii)) and of Thm 4.1(ii)'s formulas."""
    from ..poly import parse_polynomial
    from ..theory.rank import derivative_rank

    rows = []
    for text in polys:
        p = parse_polynomial(text)
        monomials = [monomial_text(e) for e in p.monomials]
        rows.append({
            "poly": str(p), "monomials": monomials, "sparsity": p.sparsity, "degree": p.degree, "rank": derivative_rank(p),
            "thm43_lower": -(-max(prod(r + 1 for r in e) for e in p.monomials) // p.sparsity),
            "built": sum(built_neurons(text, 1)),
            "deep_built": sum(built_neurons(text, "deep")),
            "deep_monomials": sum(sum(built_neurons(m, "deep")) for m in monomials),
            "deep_formula": sum(sum(7 * math.ceil(math.log2(r)) + 4 if r > 1 else 4 for r in e if r)
                                for e in p.monomials),
        })
    return rows


# -- Propositions 4.5, 4.6 -------------------------------------------------------------------------

def power_counts(degrees) -> list[dict]:
    """x^d: rank, built one-layer width (Prop 4.6(i): d+1) and built deep network against 7⌈log2 d⌉."""
    from ..poly import parse_polynomial
    from ..theory.rank import derivative_rank

    rows = []
    for d in degrees:
        text = f"x1^{d}"
        rows.append({"d": d, "rank": derivative_rank(parse_polynomial(text)), "built": sum(built_neurons(text, 1)),
                     "deep_built": sum(built_neurons(text, "deep")), "deep_formula": 7 * math.ceil(math.log2(d))})
    return rows


# -- Theorem 5.1, eq. (2), eq. (5), Figure 1 -------------------------------------------------------

def eq2(b) -> int:
    """Eq. (2) written out for integer group sizes: Σ_i (∏_{j>i} b_j)·2^{b_i}."""
    return sum(prod(b[i + 1:]) * 2 ** b[i] for i in range(len(b)))


def divisor_schedules(n: int, layers: int):
    """Every (b_1, …, b_k) of integers ≥ 2 with ∏ b_i = n (the trees eq. (2) counts exactly)."""
    if layers == 1:
        if n >= 2:
            yield (n,)
        return
    for b in range(2, n + 1):
        if n % b == 0:
            for rest in divisor_schedules(n // b, layers - 1):
                yield (b, *rest)


def tree_counts(ns, layer_range) -> list[dict]:
    """Per (n, k): the exact optimal tree (theory), the network build lays out for it, and eq. (2) at
    every divisor schedule — against the project's layer costs for the same schedule and against
    the optimum (which may use unequal groups and carried values, so it can only be ≤)."""
    from ..theory.tree import optimal_tree, schedule_widths

    rows = []
    product = {}
    for n in ns:
        for k in layer_range:
            tree = optimal_tree(n, k)
            if n not in product:
                product[n] = monomial_text((1,) * n)
            built = built_neurons(product[n], k) if k >= 2 else [tree.neurons]
            exact = [(b, eq2(b), sum(schedule_widths(n, [n // prod(b[:i + 1]) for i in range(k)])))
                     for b in divisor_schedules(n, k)]
            rows.append({"n": n, "layers": k, "neurons": tree.neurons, "widths": tree.widths, "built": built,
                         "eq2_schedules": len(exact), "eq2_agree": all(a == c for _, a, c in exact),
                         "eq2_best": min((a for _, a, _ in exact), default=None)})
    return rows


def bound_ratios(ns, layers) -> list[dict]:
    """Thm 5.1, eq. (1): the optimal tree over n^((k−1)/k)·2^(n^(1/k)) — bounded if the O(·) holds."""
    from ..theory.tree import optimal_tree, paper_curve

    return [{"n": n, "layers": k, "neurons": optimal_tree(n, k).neurons, "curve": paper_curve(n, k),
             "ratio": optimal_tree(n, k).neurons / paper_curve(n, k)} for k in layers for n in ns]


def eq5_check(ns, layers) -> list[dict]:
    """The continuous optimum of eq. (2) under ∏ b_i = n: eq. (5)'s residual, the product, and
    whether it is a minimum along the constraint (eq. (2) no lower after moving a factor of 1 + h
    from b_i to b_{i+1}, for h = ±1e-4, ±1e-3)."""
    from ..theory.tree import continuous_group_sizes, eq2_neurons

    rows = []
    for k in layers:
        for n in ns:
            b = continuous_group_sizes(n, k)
            if b is None:
                continue
            residual = max((abs(b[i] - b[i - 1] - math.log2(b[i - 1] - 1 / math.log(2))) for i in range(1, k)),
                           default=0.0)
            base = eq2_neurons(b)
            minimum = True
            for i in range(k - 1):
                for h in (1e-4, -1e-4, 1e-3, -1e-3):
                    moved = list(b)
                    moved[i] *= 1 + h
                    moved[i + 1] /= 1 + h
                    minimum &= eq2_neurons(moved) >= base * (1 - 1e-12)
            rows.append({"n": n, "layers": k, "b": b, "residual": residual,
                         "product_error": abs(prod(b) - n) / n, "minimum": minimum, "neurons": base,
                         "spread": b[-1] / b[0], "root": n ** (1 / k)})
    return rows


def figure1_slopes(n_low: float = 1e3, n_high: float = 1e4) -> dict:
    """Figure 1's fitted log–log slopes of each b_i over [n_low, n_high], per k (the paper: → 1/k)."""
    import numpy as np

    from ..theory.tree import continuous_group_sizes

    out = {}
    ns = np.geomspace(n_low, n_high, 40)
    for k in (1, 2, 3):
        sizes = np.array([continuous_group_sizes(n, k) for n in ns])
        out[k] = [float(np.polyfit(np.log(ns), np.log(sizes[:, i]), 1)[0]) for i in range(k)]
    return out


def rule_of_thumb(ns, max_width: int = 1024) -> list[dict]:
    """The paper's k > log10 n (for layers of about 2^10 neurons) against the fewest layers of an
    exact product tree under that width (`depthsep advise N --max-width W`) and the paper's curve."""
    from ..theory.tree import advise

    rows = []
    for n in ns:
        a = advise(n, max_width)
        rows.append({"n": n, "max_width": max_width, "rule": a.rule_of_thumb_layers, "tree": a.layers,
                     "tree_widths": a.widths, "curve": a.curve_layers, "curve_min": a.curve_min_width,
                     "curve_min_layers": a.curve_min_layers})
    return rows


# -- notes on the papers ---------------------------------------------------------------------------

def square_gate(activations=("exp", "softplus", "sigmoid"), u: float = 1e-3) -> list[dict]:
    """(σ(u) + σ(−u) − 2σ(0)) / D at small u, for D = σ''(0) (the right divisor) and D = 2σ''(0)
    (the paper's, Prop 4.6's proof): the first gives u², the second u²/2. σ''(0) = 2σ_2, exact."""
    from ..activations import get_activation

    rows = []
    for name in activations:
        act = get_activation(name)
        s2 = float(act.coefficients(2, 0)[2].value)
        if s2 == 0:
            continue
        import numpy as np

        f = act.numpy_fn
        numerator = float(f(np.array([u]))[0] + f(np.array([-u]))[0] - 2 * f(np.array([0.0]))[0])
        rows.append({"activation": name, "second_derivative": 2 * s2, "u": u,
                     "ours": numerator / (2 * s2) / u**2, "paper": numerator / (4 * s2) / u**2})
    return rows


def zero_coefficients(name: str, degree: int, point=0) -> list[int]:
    """The k ≤ degree whose Taylor coefficient σ_k at ``point`` is exactly 0."""
    from ..activations import get_activation

    return [k for k, c in enumerate(get_activation(name).coefficients(degree, point)) if c.is_zero]


__all__ = ["ACTIVATION", "EPSILON", "MODEL", "bound_ratios", "built_neurons", "command", "divisor_schedules",
           "eq2", "eq5_check", "figure1_slopes", "monomial_counts", "monomial_text", "power_counts",
           "random_monomials", "random_sparse", "random_univariate", "rule_of_thumb", "sparse_counts",
           "square_gate", "sub_multiset_sizes", "taylor_mismatch", "tree_counts", "verified_build",
           "zero_coefficients"]
