"""Sizes of the radial constructions, f(x) = φ(|x|) on the ball |x| ≤ R, sup error ε (no torch here).

Seed 001 (Safran, Eldan & Shamir 2019) and Eldan & Shamir (2016). Two constructions, both ReLU:

**Two hidden layers** (Eldan–Shamir). Layer 1 computes ŝ = Σ_i P(x_i), P the broken line through
x² at the 2k+1 knots jR/k, j = −k…k, written evenly as P(x) = Σ_{j<k} a_j (relu(x − jh) + relu(−x − jh)),
h = R/k, a_0 = h, a_j = 2h: **2k neurons per coordinate**. P is convex, so |x|² ≤ ŝ ≤ |x|² + δ with
δ = d h²/4. Layer 2 is the broken line Ψ through ψ(s) = φ(√s) at s_j = (jR/m)², j = 0…m — knots
uniform in r = √s, dense in s near 0 where √ is steep — flattened beyond R²:
Ψ(s) = ψ(0) + Σ_{j<m} c_j relu(s − s_j) − (Σ c_j) relu(s − R²): **m + 1 neurons**. Error budget:

* on [s_j, s_{j+1}] Ψ is a convex combination of φ(r_j), φ(r_{j+1}) and ψ(s) = φ(r), r ∈ [r_j, r_{j+1}],
  so |Ψ − ψ| ≤ L R/m ≤ ε/2 with m = ⌈2LR/ε⌉;
* ŝ ∈ [s, s + δ] and √(s+δ) − √s ≤ √δ, so |ψ(min(ŝ,R²)) − ψ(s)| ≤ L√δ = L√d R/(2k) ≤ ε/2 with
  k = ⌈L√d R/ε⌉.

Neurons: 2kd + m + 1 = poly(d, L/ε).

**One hidden layer** (ridge functions, the route of seed 001's upper bounds). ψ is replaced by the
degree-2K Chebyshev interpolant q of the even function ρ ↦ φ(R|ρ|) on [−1, 1] (so q(ρ) = Σ c_k ρ^{2k});
K is the least degree with |q − φ| ≤ ε/2 on a fine grid, and depends on φ and ε only, not on d.
Since E_u (u·x)^{2k} = μ_k |x|^{2k} for u uniform on the sphere S^{d−1}, μ_k = (2k−1)!!/(d(d+2)…(d+2k−2)),

    q(|x|/R) = E_u g(u·x/R),     g(z) = Σ_k (c_k/μ_k) z^{2k}   (computed in exact rationals),

and E_u is replaced by a positive cubature rule on the sphere exact for even polynomials of degree
≤ 2K (:mod:`depthsep.theory.sphere_rule`), antipodal pairs merged as g is even. The plan takes
whichever of three rules has the fewest directions for its (d, K), and says which ("cubature"):

* **product** — Gauss–Jacobi in t = u_1 with K+1 nodes, recursively on S^{d−2}: (K+1)^(d−1)
  directions; exponential in d, smallest for small d.
* **orbit** — orbits of the hyperoctahedral group (coordinate permutations and sign changes) of a few
  integer vectors, weights from a linear program over the partitions of K, re-solved in exact
  rationals. Best for moderate d; it cannot be poly(d): exactness for Σ_i u_i⁴ forces a node with
  ≥ (d+2)/3 non-zero coordinates, whose orbit has 2^Ω(d) directions.
* **array** — a Reed–Solomon orthogonal array of strength 2K over F_q (q prime ≥ d − 1) whose symbols
  are mapped to q equally weighted values with the Gaussian's moments up to degree 2K; rows X give
  directions X/|X| with weights ∝ |X|^{2K}: (q^{2K} − 1)/2 directions, about d^{2K}. The equal
  weights need q ≳ 1/(smallest Gauss–Hermite weight), so this rule is offered for K ≤ 6.

Each ridge g is replaced by its even broken line on the knots jR/n, 2n neurons, error
≤ h² max|g''|/8 with h = R/n; the weights are positive and sum to 1, so the errors add up to at most
that. Neurons: directions · 2n. For each fixed d this is polynomial in 1/ε (Thm 2's regime); for each
fixed ε (so fixed K) the array rule makes it polynomial in d — max(d, q_K)^{2K} directions, and n
grows like max|g''|^{1/2} ≤ d^{K/2}·const since g's coefficients are c_k/μ_k — which is seed 001's
Thm 1 (width poly(d) for fixed ε at depth 2), with the degree of the polynomial growing with 1/ε.

**The profile.** Both budgets need L, the Lipschitz constant of φ on [0, R]. :func:`profile` parses φ
(text in t, :func:`depthsep.expr.parse_function`, never evaluated as code), checks it is finite and
real on [0, R] and estimates L from a grid; :func:`plan` gives the sizes of either construction for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import sympy as sp

from ..checks import choice, positive_number, positive_ints
from ..errors import DepthsepError
from ..expr import parse_function, symbol
from .sphere_rule import choose, product_count, product_rule, sphere_moment  # noqa: F401  (re-exported)

GRID = 20_001          # points of the 1-D grids used for sup norms of univariate functions
MAX_DEGREE = 40        # K ≤ this: the monomial/Chebyshev conversions stay meaningful in float64
CURVATURE_MARGIN = 1.05
LIPSCHITZ_GRID = 200_001   # points of [0, R] on which φ' and φ's secant slopes are measured
LIPSCHITZ_MARGIN = 1.01    # covers a slope steeper between grid points than at them
T = symbol("t")            # φ's variable


# -- the profile φ ---------------------------------------------------------------------------------
@dataclass
class Profile:
    """A parsed φ: its text, sympy expression, numpy evaluator, and Lipschitz constant on [0, R]."""

    text: str
    expr: sp.Expr
    numpy: Callable[[np.ndarray], np.ndarray]
    radius: float
    lipschitz: float


def numpy_evaluator(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """φ(t) on float64 arrays, by the activation registry's walk of the sympy tree (no code generated)."""
    from ..activations import X, numpy_function  # the one evaluator of parsed functions

    return numpy_function(expr.subs(T, X))


def parse_phi(text: object) -> sp.Expr:
    """φ as a sympy expression in t; DepthsepError unless it is a real formula that depends on t."""
    expr = parse_function(text, "t")
    if T not in expr.free_symbols:
        raise DepthsepError(f"phi must be a function of t, got the constant '{text}'")
    return expr


def profile(text: object, radius: float = 1.0, lipschitz: float | None = None) -> Profile:
    """Parse φ, check it is finite and real on [0, R], and find its Lipschitz constant there.

    L = 1.01 · max(max |φ'| on a grid of 200 001 points, max secant slope on that grid); ``lipschitz``
    overrides it.
    """
    radius = positive_number(radius, "radius")
    expr = parse_phi(text)
    phi = numpy_evaluator(expr)
    r = np.linspace(0.0, radius, LIPSCHITZ_GRID)
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(phi(r)), r.shape)
    if np.iscomplexobj(values) or not np.all(np.isfinite(values)):
        bad = r[~np.isfinite(values)] if not np.iscomplexobj(values) else r[:1]
        where = f" (e.g. at t = {bad[0]:g})" if len(bad) else ""
        raise DepthsepError(f"phi = {text} is not finite and real on [0, {radius:g}]{where}")
    if lipschitz is None:
        lipschitz = _grid_lipschitz(expr, r, values.astype(np.float64))
        if not math.isfinite(lipschitz):
            raise DepthsepError(f"phi = {text} is not Lipschitz on [0, {radius:g}]")
    else:
        lipschitz = positive_number(lipschitz, "lipschitz")
    return Profile(str(text).strip(), expr, phi, radius, max(float(lipschitz), 1e-12))


def _grid_lipschitz(expr: sp.Expr, r: np.ndarray, values: np.ndarray) -> float:
    """1.01 · the larger of the steepest secant and the steepest tangent on the grid ``r``; a φ' that
    cannot be evaluated (a kink sympy differentiates into something numpy lacks) counts as 0, the
    secants then carry the estimate."""
    secant = float(np.max(np.abs(np.diff(values)) / np.diff(r)))
    with np.errstate(all="ignore"):
        try:
            slopes = np.asarray(numpy_evaluator(sp.diff(expr, T))(r), dtype=np.float64)
            finite = slopes[np.isfinite(slopes)]
            tangent = float(np.max(np.abs(finite))) if len(finite) else 0.0
        except (DepthsepError, TypeError, ValueError):
            tangent = 0.0
    return LIPSCHITZ_MARGIN * max(secant, tangent)


# -- two hidden layers ----------------------------------------------------------------------------
def two_layer_plan(dim: int, epsilon: float, lipschitz: float, radius: float) -> dict:
    """k (knots per half-axis for x_i²), m (knots for ψ), widths and neurons of the 2-layer build."""
    k = max(1, math.ceil(lipschitz * math.sqrt(dim) * radius / epsilon))
    m = max(1, math.ceil(2 * lipschitz * radius / epsilon))
    widths = [2 * k * dim, m + 1]
    return {"k": k, "m": m, "hidden_widths": widths, "neurons": sum(widths),
            "budget": {"square_layer": lipschitz * math.sqrt(dim) * radius / (2 * k),
                       "psi_layer": lipschitz * radius / m}}


# -- one hidden layer ------------------------------------------------------------------------------
# The sphere rules live in sphere_rule; the product rule keeps its old names here.
hemisphere_count = product_count
hemisphere_rule = product_rule


def even_chebyshev_fit(phi, radius: float, degree: int) -> np.ndarray:
    """Chebyshev coefficients (length 2K+1, odd ones 0) of the interpolant of ρ ↦ φ(R|ρ|) on [−1, 1]."""
    from numpy.polynomial import chebyshev as C

    coefficients = C.chebinterpolate(lambda rho: phi(radius * np.abs(rho)), 2 * degree)
    coefficients[1::2] = 0.0
    return coefficients


def _grid(radius: float) -> np.ndarray:
    return np.linspace(0.0, radius, GRID)


def polynomial_error(phi, radius: float, coefficients: np.ndarray) -> float:
    from numpy.polynomial import chebyshev as C

    r = _grid(radius)
    return float(np.max(np.abs(C.chebval(r / radius, coefficients) - phi(r))))


def choose_degree(phi, radius: float, tolerance: float, max_degree: int = MAX_DEGREE) -> tuple[int, np.ndarray, float] | None:
    """The least K whose even Chebyshev interpolant is within ``tolerance`` of φ on the grid, or None."""
    for degree in range(max_degree + 1):
        coefficients = even_chebyshev_fit(phi, radius, degree)
        error = polynomial_error(phi, radius, coefficients)
        if error <= tolerance:
            return degree, coefficients, error
    return None


def _chebyshev_monomials(n: int) -> list[list[int]]:
    """T_0…T_n as integer monomial coefficient lists."""
    table = [[1], [0, 1]]
    for _ in range(2, n + 1):
        a, b = table[-1], table[-2]
        new = [0] + [2 * c for c in a]
        for i, c in enumerate(b):
            new[i] -= c
        table.append(new)
    return table[: n + 1]


def ridge_profile(coefficients: np.ndarray, dim: int) -> list[Fraction]:
    """Chebyshev coefficients of g with E_u g(u·ρ) = q(|ρ|), computed exactly from q's (floats)."""
    n = len(coefficients) - 1
    table = _chebyshev_monomials(n)
    monomial = [Fraction(0)] * (n + 1)
    for j, a in enumerate(coefficients):
        if a:
            fa = Fraction(float(a))
            for i, c in enumerate(table[j]):
                if c:
                    monomial[i] += fa * c
    ridge = [monomial[i] / sphere_moment(dim, i // 2) if i % 2 == 0 else Fraction(0) for i in range(n + 1)]
    # ρ^j = 2^{1−j} Σ_i C(j, i) T_{j−2i}, the T_0 term halved.
    cheb = [Fraction(0)] * (n + 1)
    for j, b in enumerate(ridge):
        if not b:
            continue
        if j == 0:
            cheb[0] += b
            continue
        scale = b / 2 ** (j - 1)
        for i in range(j // 2 + 1):
            term = scale * math.comb(j, i)
            cheb[j - 2 * i] += term / 2 if j - 2 * i == 0 else term
    return cheb


def ridge_bounds(profile: list[Fraction], radius: float) -> dict:
    """max |g| and max |g''| (in z ∈ [−R, R], g as a function of z = ρR) on the grid, with a margin."""
    from numpy.polynomial import chebyshev as C

    coefficients = np.array([float(c) for c in profile])
    rho = np.linspace(0.0, 1.0, GRID)
    value = np.max(np.abs(C.chebval(rho, coefficients)))
    second = C.chebder(coefficients, 2) if len(coefficients) > 2 else np.zeros(1)
    curvature = np.max(np.abs(C.chebval(rho, second))) / radius**2
    return {"max_g": float(value), "max_g2": float(curvature) * CURVATURE_MARGIN,
            "coefficient_sum": float(np.sum(np.abs(coefficients)))}


def one_layer_knots(max_g2: float, radius: float, tolerance: float) -> int:
    """n with h²·max|g''|/8 ≤ tolerance, h = R/n."""
    if max_g2 <= 0:
        return 1
    return max(1, math.ceil(radius * math.sqrt(max_g2 / (8 * tolerance))))


def one_layer_plan(phi, dim: int, epsilon: float, radius: float, max_degree: int = MAX_DEGREE) -> dict:
    """K, directions, knots n, neurons = directions·2n of the one-hidden-layer ridge construction.

    ``cubature`` names the sphere rule with the fewest directions for (d, K) ("product", "orbit" or
    "array", see :func:`depthsep.theory.sphere_rule.choose`); ``cubature_notes`` say why the others
    were not available.
    Budget: polynomial ≤ ε/2 (grid), ridge broken lines ≤ 0.9(ε − polynomial error). Returns
    ``{"feasible": False, "reason": …}`` when no degree ≤ ``max_degree`` reaches ε/2.
    """
    chosen = choose_degree(phi, radius, epsilon / 2, max_degree)
    if chosen is None:
        return {"feasible": False, "reason": f"no even polynomial of degree <= {2 * max_degree} in r is within "
                                             f"epsilon/2 = {epsilon / 2:g} of phi on [0, {radius:g}]"}
    degree, coefficients, poly_error = chosen
    profile = ridge_profile(coefficients, dim)
    bounds = ridge_bounds(profile, radius)
    tolerance = 0.9 * (epsilon - poly_error)
    knots = one_layer_knots(bounds["max_g2"], radius, tolerance)
    rule = choose(dim, degree)
    directions = rule.directions
    return {"feasible": True, "degree": degree, "poly_error": poly_error, "directions": directions,
            "cubature": rule.kind, "cubature_notes": list(rule.notes),
            "knots": knots, "hidden_widths": [directions * 2 * knots], "neurons": directions * 2 * knots,
            "coefficients": coefficients, "profile": profile, **bounds,
            "budget": {"polynomial": poly_error, "ridges": bounds["max_g2"] * (radius / knots) ** 2 / 8}}


# -- either construction ---------------------------------------------------------------------------
RADIAL_LAYERS = (1, 2)   # hidden layers of the two constructions: ridge functions, Eldan–Shamir


def radial_layers(values, name: str = "--layers") -> list[int]:
    """Hidden-layer counts of the radial constructions, each 1 or 2 (``"1,2"``, ``[1, 2]`` or ``2``)."""
    return [choice(k, name, RADIAL_LAYERS) for k in positive_ints(values, name)]


def plan(prof: Profile, dim: int, epsilon: float, layers: int) -> dict:
    """The sizes of the ``layers``-hidden-layer construction (1 or 2) for φ(|x|) in R^dim (nothing built)."""
    if layers == 2:
        return two_layer_plan(dim, epsilon, prof.lipschitz, prof.radius)
    return one_layer_plan(prof.numpy, dim, epsilon, prof.radius)
