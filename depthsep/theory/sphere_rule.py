"""Positive cubature on the sphere S^{d−1} for even polynomials of degree ≤ 2K (no torch here).

A rule is directions u_j with weights w_j > 0, Σ w_j = 1, such that Σ_j w_j p(u_j) = E_u p(u) (u
uniform on S^{d−1}) for every even polynomial p of degree ≤ 2K. Antipodal nodes are merged (the
ridge functions that use the rule are even), so a rule is counted in **directions**. On the sphere
|u| = 1, so p of even degree 2k < 2K equals p·|u|^{2(K−k)}, homogeneous of degree 2K: a rule exact
for the homogeneous degree-2K monomials u^β is exact for all of them. Three rules; the one-layer
radial construction takes whichever has the fewest directions for its (d, K) (:func:`choose`):

**product** — Gauss–Jacobi in u_1 with K+1 nodes, recursively on S^{d−2}: (K+1)^(d−1) directions.
Smallest for small d; exponential in d.

**orbit** — unions of orbits of the hyperoctahedral group B_d (coordinate permutations and sign
changes) of integer vectors v (entries 1…V, zeros elsewhere), each orbit with one total weight x_v
spread evenly. Sign changes kill every u^β with an odd exponent, on the rule and on the sphere
alike; permutations make the rule's mean of u^{2α}, |α| = K, depend only on the partition μ of K
formed by α's non-zero entries. So the conditions are one per partition μ (ℓ(μ) ≤ d parts):

    Σ_v x_v · S_μ(v²) / (|v|^{2K} (d)_ℓ)  =  Π_r (2μ_r − 1)!! / (d(d+2)…(d+2K−2)),     Σ_v x_v = 1,

S_μ(y) = Σ over injective f: parts → coordinates of Π_r y_{f(r)}^{μ_r}, (d)_ℓ = d(d−1)…(d−ℓ+1): a
uniformly permuted v puts the ℓ fixed coordinates of α on a uniform injective ℓ-tuple of its
entries. A linear program (HiGHS) picks x ≥ 0 among the candidate orbits with the fewest directions
in mind (costs = orbit sizes), and the chosen orbits' weights are then solved again in exact
rationals — the rule is exact, not just within a solver tolerance. An orbit of v with support s and
value multiplicities m_k has 2^{s−1} d!/((d−s)! Π m_k!) directions.

  *Why orbits alone cannot be poly(d).* Exactness for p(u) = Σ_i u_i⁴ (degree 4) means the rule's
  mean of Σ_i u_i⁴ is 3/(d+2); a node with s non-zero coordinates has Σ_i u_i⁴ ≥ 1/s, so some node
  has s ≥ (d+2)/3, and its B_d-orbit alone has at least 2^{s−1} C(d, s) = 2^Ω(d) directions. The
  orbit rule therefore wins only for moderate d (it is tried only when such an orbit fits under the
  other rules' counts); for large d the next rule takes over.

**array** — an orthogonal array, the route to poly(d). Take an odd prime q ≥ d − 1 and the
Reed–Solomon array of strength t = 2K over F_q: rows = polynomials P of degree < t (q^t of them),
columns = P(a) at d distinct points a ∈ F_q (plus the leading coefficient as an extra column when
d = q + 1); any t columns of it take every value in F_q^t exactly once. Map symbols to reals by an
odd f: F_q → R whose q values, equally weighted, have the moments of N(0, 1) up to degree 2K
(:func:`gaussian_law`). Every monomial X^β of degree ≤ 2K involves ≤ t coordinates, so the mean of
X^β over the q^t rows X = f(P(a_i))_i equals E g^β for g ~ N(0, I_d). For homogeneous p of degree
2K, E_g p(g) = E|g|^{2K} · E_u p(u), so the directions X/|X| with weights ∝ |X|^{2K} form a positive
rule exact to degree 2K on the sphere; rows P and −P give antipodal X and merge:
(q^t − 1)/2 directions, t = min(2K, d) — polynomial in d for each fixed K (about d^{2K}).
The catch is the law: equal weights 1/q must reproduce the Gaussian's tail moments, which needs
q at least about 1/(smallest weight of the (K+1)-point Gauss–Hermite rule) — 7, 23, 97, ~430 for
K = 2…5 — so q = max(d − 1, that). The law's values are floats solved by Newton's method to 1e-13
relative, like the Gauss–Jacobi nodes of the product rule.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

ORBIT_VALUES = (3, 4)        # candidate orbit entries 1…V: try V = 3, then V = 4 if infeasible
ORBIT_MAX_DEGREE = 12        # partitions of K stay few enough (77 for K = 12) for the orbit LP
ORBIT_MAX_ENTRIES = 60_000    # candidates × partitions: the orbit LP's matrix, filled exactly
ARRAY_MAX_DEGREE = 6         # beyond, the equal-weight Gaussian law needs q in the thousands
LAW_TOLERANCE = 1e-13
PRIME_TRIES = 60
HOMOTOPY_STEPS = 16


# -- sphere moments -------------------------------------------------------------------------------
def double_factorial_odd(j: int) -> int:
    """(2j − 1)!! = 1·3·…·(2j − 1)."""
    return math.prod(range(1, 2 * j, 2))


def sphere_moment(dim: int, k: int) -> Fraction:
    """μ_k = E[u_1^{2k}] for u uniform on S^{d−1} = (2k−1)!! / (d(d+2)…(d+2k−2))."""
    value = Fraction(1)
    for i in range(k):
        value *= Fraction(2 * i + 1, dim + 2 * i)
    return value


def monomial_moment(dim: int, parts) -> Fraction:
    """E[Π_r u_r^{2μ_r}] on S^{d−1} = Π_r (2μ_r − 1)!! / (d(d+2)…(d+2K−2)), K = Σ μ_r."""
    degree = sum(parts)
    return Fraction(math.prod(double_factorial_odd(m) for m in parts),
                    math.prod(dim + 2 * i for i in range(degree)))


def falling(n: int, k: int) -> int:
    """(n)_k = n(n−1)…(n−k+1)."""
    return math.prod(range(n - k + 1, n + 1)) if k <= n else 0


# -- product rule -----------------------------------------------------------------------------------
def product_count(dim: int, degree: int) -> int:
    """Directions of the antipodally merged product Gauss rule exact to degree 2K on S^{d−1}."""
    return (degree + 1) ** (dim - 1)


def _full_product_rule(dim: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Full product rule on S^{d−1} (weights sum to 1), exact for polynomials of degree ≤ 2·nodes − 1."""
    from scipy.special import roots_jacobi

    if dim == 1:
        return np.array([[1.0], [-1.0]]), np.array([0.5, 0.5])
    inner, inner_w = _full_product_rule(dim - 1, nodes)
    alpha = (dim - 3) / 2
    t, wt = roots_jacobi(nodes, alpha, alpha)
    wt = wt / wt.sum()
    points = [np.hstack([np.full((len(inner), 1), ti), math.sqrt(max(0.0, 1 - ti * ti)) * inner]) for ti in t]
    return np.vstack(points), np.concatenate([wi * inner_w for wi in wt])


def product_rule(dim: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """(U (N, d), w (N,)): E_u p(u) = Σ w_j p(u_j) for even polynomials p of degree ≤ 2K; N = (K+1)^(d−1)."""
    points, weights = _full_product_rule(dim, degree + 1)
    # Keep the node of each antipodal pair whose first clearly non-zero coordinate is positive.
    big = np.abs(points) > 1e-9
    first = np.argmax(big, axis=1)
    keep = points[np.arange(len(points)), first] > 0
    U, w = points[keep], 2 * weights[keep]
    if len(U) != product_count(dim, degree):
        raise AssertionError("antipodal merge of the sphere rule lost or kept a node it should not")
    return U, w


# -- orbit rule -------------------------------------------------------------------------------------
def partitions(n: int, max_parts: int | None = None, largest: int | None = None) -> list[tuple[int, ...]]:
    """Partitions of n (non-increasing tuples), at most ``max_parts`` parts."""
    largest = n if largest is None else largest
    if n == 0:
        return [()]
    if max_parts == 0:
        return []
    result = []
    for first in range(min(n, largest), 0, -1):
        for rest in partitions(n - first, None if max_parts is None else max_parts - 1, first):
            result.append((first,) + rest)
    return result


@lru_cache(maxsize=None)
def _splits(parts: tuple[int, ...], classes: int) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """Ways to hand the labelled parts of μ to ``classes`` value classes, grouped: (count, ((ℓ_k, w_k))_k)
    with ℓ_k parts of total size w_k in class k. Parts of equal size are interchangeable, so per size i
    with n_i parts only the numbers c_ik sent to each class matter, n_i!/Π_k c_ik! ways each."""
    sizes = sorted(set(parts))
    per_size = []
    for i in sizes:
        n_i = parts.count(i)
        options = []
        for cut in itertools.combinations(range(n_i + classes - 1), classes - 1):  # stars and bars
            bounds = (-1,) + cut + (n_i + classes - 1,)
            counts = [bounds[k + 1] - bounds[k] - 1 for k in range(classes)]
            ways = math.factorial(n_i) // math.prod(math.factorial(c) for c in counts)
            options.append((ways, counts))
        per_size.append((i, options))
    out = []
    for choice in itertools.product(*(options for _, options in per_size)):
        ways = math.prod(c[0] for c in choice)
        cls = tuple((sum(c[1][k] for c in choice), sum(i * c[1][k] for (i, _), c in zip(per_size, choice)))
                    for k in range(classes))
        out.append((ways, cls))
    return tuple(out)


def injective_sum(parts: tuple[int, ...], mults: tuple[int, ...]) -> int:
    """S_μ(v²) = Σ over injective maps f: parts → support(v) of Π_r v_{f(r)}^{2μ_r}, for v with m_k
    entries equal to k (k = 1…V): per class, ℓ_k parts land on (m_k)_{ℓ_k} ordered distinct coordinates."""
    total = 0
    for ways, cls in _splits(parts, len(mults)):
        term = ways
        for k, (count, weight) in enumerate(cls):
            if count:
                term *= falling(mults[k], count) * (k + 1) ** (2 * weight)
                if not term:
                    break
        total += term
    return total


def orbit_directions(dim: int, mults: tuple[int, ...]) -> int:
    """Directions of the B_d-orbit of v (m_k entries k, the rest 0), antipodes merged:
    2^{s−1} d!/((d−s)! Π m_k!)."""
    s = sum(mults)
    return 2 ** (s - 1) * falling(dim, s) // math.prod(math.factorial(m) for m in mults)


def _orbit_column(dim: int, degree: int, mults: tuple[int, ...], rows) -> list[Fraction]:
    """Exact mean of u^{2α(μ)} over the orbit of v/|v| for each μ in ``rows``, then 1 (the weight row)."""
    norm = sum(m * (k + 1) ** 2 for k, m in enumerate(mults)) ** degree
    return [Fraction(injective_sum(mu, mults), norm * falling(dim, len(mu))) for mu in rows] + [Fraction(1)]


@dataclass(frozen=True)
class OrbitRule:
    dim: int
    degree: int
    types: tuple[tuple[int, ...], ...]   # multiplicities (m_1, …, m_V) of entries 1…V
    weights: tuple[Fraction, ...]        # total weight of each orbit, exact
    directions: int


def _supports(dim: int, cap: int) -> list[int]:
    """Supports s whose smallest orbit (all entries equal: 2^{s−1} C(d, s) directions) fits under ``cap``."""
    return [s for s in range(1, dim + 1) if 2 ** (s - 1) * math.comb(dim, s) <= cap]


def _candidate_bound(dim: int, values: int, cap: int) -> int:
    """At most this many candidates: multiplicity vectors over entries 1…V with an admissible support."""
    return sum(math.comb(s + values - 1, values - 1) for s in _supports(dim, cap))


def _candidates(dim: int, values: int, cap: int) -> list[tuple[int, ...]]:
    """Multiplicity vectors with at most ``cap`` orbit directions, entries' gcd 1 (else a duplicate)."""
    out = []
    for s in _supports(dim, cap):
        for cut in itertools.combinations(range(s + values - 1), values - 1):  # stars and bars
            bounds = (-1,) + cut + (s + values - 1,)
            mults = tuple(bounds[k + 1] - bounds[k] - 1 for k in range(values))
            present = [k + 1 for k, m in enumerate(mults) if m]
            if math.gcd(*present) == 1 and orbit_directions(dim, mults) <= cap:
                out.append(mults)
    return out


def _solve_exact(columns: list[list[Fraction]], target: list[Fraction]) -> list[Fraction] | None:
    """The solution x of Σ_j x_j columns[j] = target (independent columns), in exact rationals, or None."""
    n = len(columns)
    rows = [[col[i] for col in columns] + [target[i]] for i in range(len(target))]
    pivot_row = 0
    pivots = []
    for j in range(n):
        best = next((i for i in range(pivot_row, len(rows)) if rows[i][j] != 0), None)
        if best is None:
            return None  # dependent columns: not a vertex
        rows[pivot_row], rows[best] = rows[best], rows[pivot_row]
        p = rows[pivot_row]
        inv = 1 / p[j]
        p[:] = [a * inv for a in p]
        for i in range(len(rows)):
            if i != pivot_row and rows[i][j] != 0:
                factor = rows[i][j]
                rows[i] = [a - factor * b for a, b in zip(rows[i], p)]
        pivots.append(pivot_row)
        pivot_row += 1
    if any(row[-1] != 0 for row in rows[pivot_row:]):
        return None  # inconsistent
    return [rows[i][-1] for i in pivots]


def _orbit_lp(dim: int, degree: int, candidates: list[tuple[int, ...]]) -> OrbitRule | None:
    """Fewest-direction vertex of the orbit LP that survives the exact re-solve, or None."""
    from scipy.optimize import linprog

    rows = partitions(degree, dim)
    target = [monomial_moment(dim, mu) for mu in rows] + [Fraction(1)]
    A = np.empty((len(target), len(candidates)))
    for j, mults in enumerate(candidates):
        norm = sum(m * (k + 1) ** 2 for k, m in enumerate(mults)) ** degree
        for i, mu in enumerate(rows):
            # rows scaled by their targets so that every condition reads "= 1"; int / int rounds once
            A[i, j] = (injective_sum(mu, mults) * target[i].denominator) / (
                norm * falling(dim, len(mu)) * target[i].numerator)
        A[-1, j] = 1.0
    sizes = np.array([float(orbit_directions(dim, m)) for m in candidates])
    best = None
    # orbit sizes as costs (capped: HiGHS reads costs ≥ 1e20 as infinite), then their logarithms
    for cost in (np.minimum(sizes / sizes.min(), 1e12), np.log(sizes) + 1.0):
        res = linprog(cost, A_eq=A, b_eq=np.ones(len(target)), bounds=(0, None), method="highs-ds")
        if res.status != 0:
            return best  # infeasible (or numerically so): no other objective will fix that
        chosen = [j for j in np.flatnonzero(res.x > 0)]
        weights = _solve_exact([_orbit_column(dim, degree, candidates[j], rows) for j in chosen], target)
        if weights is None or any(w < 0 for w in weights):
            continue
        kept = [(candidates[j], w) for j, w in zip(chosen, weights) if w > 0]
        count = sum(orbit_directions(dim, m) for m, _ in kept)
        if best is None or count < best.directions:
            best = OrbitRule(dim, degree, tuple(m for m, _ in kept), tuple(w for _, w in kept), count)
    return best


def orbit_impossible(dim: int, degree: int, cap: int) -> bool:
    """True when no orbit of at most ``cap`` directions can appear in an exact rule (K ≥ 2): some node
    needs support s ≥ (d+2)/3 (Σ u_i⁴ averages 3/(d+2), and is ≥ 1/s), and 2^{s−1} C(d, s) > cap for
    every such s."""
    if degree < 2:
        return False
    low = math.ceil((dim + 2) / 3)
    return all(2 ** (s - 1) * math.comb(dim, s) > cap for s in range(low, dim + 1))


@lru_cache(maxsize=512)
def orbit_design(dim: int, degree: int, cap: int | None = None) -> OrbitRule | str:
    """The orbit rule with fewest directions found (candidates with ≤ ``cap`` directions), or a reason."""
    if degree == 0:
        return "K = 0: one direction of the product rule suffices"
    if degree > ORBIT_MAX_DEGREE:
        return f"K = {degree} > {ORBIT_MAX_DEGREE}: too many partitions for the orbit LP"
    cap = product_count(dim, degree) if cap is None else cap
    if orbit_impossible(dim, degree, cap):
        return (f"an exact rule needs a node with >= {math.ceil((dim + 2) / 3)} non-zero coordinates, "
                f"whose B_d-orbit alone exceeds {cap} directions")
    rows = len(partitions(degree, dim))
    tried = 0
    for values in ORBIT_VALUES:
        if _candidate_bound(dim, values, cap) * rows > ORBIT_MAX_ENTRIES:
            break  # the LP's matrix would be too big to fill in Python
        tried = values
        rule = _orbit_lp(dim, degree, _candidates(dim, values, cap))
        if rule is not None and rule.directions <= cap:
            return rule
    if not tried:
        return f"too many candidate orbits under {cap} directions for the LP"
    return f"no exact combination of orbits with entries <= {tried} and <= {cap} directions each"


def _orbit_points(dim: int, mults: tuple[int, ...]) -> np.ndarray:
    """One node per antipodal pair of the B_d-orbit of v: first non-zero coordinate positive."""
    s = sum(mults)
    patterns = []

    def place(k, free, vector):
        if k == len(mults):
            patterns.append(vector.copy())
            return
        for chosen in itertools.combinations(free, mults[k]):
            vector[list(chosen)] = k + 1
            place(k + 1, [i for i in free if i not in chosen], vector)
            vector[list(chosen)] = 0

    place(0, list(range(dim)), np.zeros(dim))
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=s - 1)), dtype=float).reshape(2 ** (s - 1), s - 1)
    signs = np.hstack([np.ones((len(signs), 1)), signs])
    out = []
    for v in patterns:
        support = np.flatnonzero(v)  # ascending: the first support coordinate keeps sign +
        block = np.zeros((len(signs), dim))
        block[:, support] = signs * v[support]
        out.append(block)
    points = np.vstack(out)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def orbit_rule(design: OrbitRule) -> tuple[np.ndarray, np.ndarray]:
    """(U, w) of an orbit rule: each orbit's exact weight spread evenly over its directions."""
    blocks, weights = [], []
    for mults, x in zip(design.types, design.weights):
        points = _orbit_points(design.dim, mults)
        blocks.append(points)
        weights.append(np.full(len(points), float(x) / len(points)))
    return np.vstack(blocks), np.concatenate(weights)


# -- orthogonal-array rule --------------------------------------------------------------------------
def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % p for p in range(2, math.isqrt(n) + 1))


@lru_cache(maxsize=None)
def gauss_hermite_floor(degree: int) -> int:
    """⌈1/w_min⌉ for the (K+1)-point Gauss–Hermite rule: an equally weighted law with the Gaussian's
    moments to degree 2K must put mass 1/q at its largest atom, and that mass is at most w_min there."""
    from numpy.polynomial.hermite_e import hermegauss

    _, w = hermegauss(degree + 1)
    return math.ceil(w.sum() / w.min() - 1e-9)


@lru_cache(maxsize=None)
def gaussian_law(q: int, degree: int) -> tuple[float, ...] | None:
    """z_1…z_m, m = (q−1)/2, with (1/q) Σ_{a ∈ F_q} f(a)^{2j} = (2j−1)!! for j = 1…K, where f(0) = 0,
    f(±a) = ±z_a: the q equally weighted values {0, ±z_a} have N(0, 1)'s moments to degree 2K+1.

    Start from the Gaussian quantiles z_a = Φ⁻¹(1/2 + a/q), whose moments fall short in the tail, and
    walk the target from their moments to the Gaussian's in small steps, each corrected by
    minimum-norm Newton steps (a plain Newton from the quantiles stalls near the Gauss–Hermite floor).
    None if it does not reach 1e-13 relative."""
    from scipy.special import ndtri

    m = (q - 1) // 2
    if m < degree:
        return None
    js = np.arange(1, degree + 1)
    gaussian = np.array([float(double_factorial_odd(j)) for j in js])
    z = ndtri(0.5 + np.arange(1, m + 1) / q)

    def moments(z):
        return (2 / q) * np.sum(z[None, :] ** (2 * js[:, None]), axis=1)

    start = moments(z)
    for step in range(1, HOMOTOPY_STEPS + 1):
        goal = start + (gaussian - start) * step / HOMOTOPY_STEPS
        tolerance = LAW_TOLERANCE / 10 if step == HOMOTOPY_STEPS else 1e-9
        for _ in range(30):
            F = moments(z) / goal - 1
            if np.max(np.abs(F)) < tolerance:
                break
            J = (2 / q) * (2 * js[:, None]) * z[None, :] ** (2 * js[:, None] - 1) / goal[:, None]
            z = z + np.linalg.lstsq(J, -F, rcond=None)[0]
        else:
            return None
    exact = [math.fsum((2 / q) * z ** (2 * j)) / double_factorial_odd(j) - 1 for j in js]
    if max(abs(e) for e in exact) > LAW_TOLERANCE:
        return None
    return tuple(float(v) for v in np.abs(z))


@dataclass(frozen=True)
class ArrayRule:
    dim: int
    degree: int
    q: int                      # odd prime, the alphabet
    strength: int               # t = min(2K, d)
    law: tuple[float, ...]      # z_1…z_m
    directions: int             # (q^t − 1)/2


@lru_cache(maxsize=512)
def array_design(dim: int, degree: int) -> ArrayRule | str:
    """The orthogonal-array rule with the least prime q ≥ max(d − 1, 2K + 1, Gauss–Hermite floor), or a reason."""
    if degree == 0 or degree > ARRAY_MAX_DEGREE:
        return f"the array rule is used for 1 <= K <= {ARRAY_MAX_DEGREE}"
    q = max(dim - 1, 2 * degree + 1, gauss_hermite_floor(degree), 3)
    tries = 0
    while tries < PRIME_TRIES:
        if _is_prime(q):
            tries += 1
            law = gaussian_law(q, degree)
            if law is not None:
                t = min(2 * degree, dim)
                return ArrayRule(dim, degree, q, t, law, (q**t - 1) // 2)
        q += 1
    return f"no equally weighted Gaussian law found for K = {degree}"


def _array_columns(design: ArrayRule) -> np.ndarray:
    """t × d matrix over F_q: row i of column a is a^i (a = 0, 1, …), the column ∞ = e_{t−1}; identity
    when d ≤ t (then the array is all of F_q^d)."""
    q, t, d = design.q, design.strength, design.dim
    if d <= t:
        return np.eye(d, dtype=np.int64)
    finite = min(d, q)
    V = np.array([[pow(a, i, q) for a in range(finite)] for i in range(t)], dtype=np.int64)
    if d == q + 1:
        V = np.hstack([V, np.eye(t, dtype=np.int64)[:, -1:]])
    return V


def array_rule(design: ArrayRule) -> tuple[np.ndarray, np.ndarray]:
    """(U, w): rows c ∈ F_q^t whose first non-zero entry is in 1…(q−1)/2 (one of c, −c), X = f(cV),
    U = X/|X|, w ∝ |X|^{2K} summing to 1."""
    q, t, m = design.q, design.strength, (design.q - 1) // 2
    coefficients = np.stack(np.unravel_index(np.arange(q**t, dtype=np.int64), (q,) * t), axis=1)
    nonzero = coefficients != 0
    first = coefficients[np.arange(len(coefficients)), np.argmax(nonzero, axis=1)]
    coefficients = coefficients[(first >= 1) & (first <= m)]
    symbols = coefficients @ _array_columns(design) % q
    f = np.concatenate([[0.0], design.law, -np.array(design.law[::-1])])  # f(q − a) = −f(a)
    X = f[symbols]
    norms = np.linalg.norm(X, axis=1)
    w = norms ** (2 * design.degree)
    return X / norms[:, None], w / math.fsum(w)


# -- the choice -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    kind: str                   # "product" | "orbit" | "array"
    directions: int
    design: object              # OrbitRule | ArrayRule | None
    notes: tuple[str, ...]      # why the other rules were not taken


@lru_cache(maxsize=1024)
def choose(dim: int, degree: int) -> Choice:
    """The rule with fewest directions for (d, K); ties go to product, then orbit. Counting only."""
    options = [("product", product_count(dim, degree), None)]
    notes = []
    array = array_design(dim, degree)
    if isinstance(array, ArrayRule):
        options.append(("array", array.directions, array))
    else:
        notes.append(f"array: {array}")
    cap = min(count for _, count, _ in options)
    orbit = orbit_design(dim, degree, cap)
    if isinstance(orbit, OrbitRule):
        options.insert(1, ("orbit", orbit.directions, orbit))
    else:
        notes.append(f"orbit: {orbit}")
    kind, count, design = min(options, key=lambda o: o[1])  # min keeps the first of equals
    return Choice(kind, count, design, tuple(notes))


def rule(dim: int, degree: int, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(U, w) of the chosen rule (or of ``kind``, which must be available for (d, K))."""
    choice = choose(dim, degree)
    kind = kind or choice.kind
    if kind == "product":
        return product_rule(dim, degree)
    if kind == "orbit":
        design = choice.design if choice.kind == "orbit" else orbit_design(dim, degree)
        if not isinstance(design, OrbitRule):
            raise ValueError(f"no orbit rule for d = {dim}, K = {degree}: {design}")
        return orbit_rule(design)
    if kind == "array":
        design = array_design(dim, degree)
        if not isinstance(design, ArrayRule):
            raise ValueError(f"no array rule for d = {dim}, K = {degree}: {design}")
        return array_rule(design)
    raise ValueError(f"unknown cubature {kind!r}")


def count(dim: int, degree: int, kind: str | None = None) -> int | None:
    """Directions of the chosen rule (or of ``kind``; None where it is unavailable), without nodes."""
    if kind is None:
        return choose(dim, degree).directions
    if kind == "product":
        return product_count(dim, degree)
    design = orbit_design(dim, degree) if kind == "orbit" else array_design(dim, degree)
    return design.directions if not isinstance(design, str) else None
