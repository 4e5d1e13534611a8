"""Neuron counts for polynomials: Theorems 4.1–4.4 and Propositions 4.5–4.6 of Rolnick & Tegmark.

All numbers are exact integers and all are stated for the *paper model* (no biases; constants come
from neurons σ(0)) under the hypothesis the theorems need: σ has non-zero Taylor coefficients up to
degree 2d at the expansion point (degree d suffices for the Taylor-approximation versions).

Lower bounds on m1_uniform(p) (one hidden layer):

* derivative rank (App. 7.3): dim span{∂^α p}, computed in :mod:`depthsep.theory.rank`;
* Thm 4.3(i): ⌈max_j m1(q_j) / c⌉ over the c monomials q_j of p, with m1(q) = ∏(r_i+1) (Thm 4.1(i));
* Thm 4.4 (monomials, needing only σ_d ≠ 0): the largest coefficient of ∏(1 + y + … + y^{r_i}).

Upper bounds — the sizes of networks depthsep builds:

* shallow: Thm 4.1(i) for a monomial uses the ∏(r_i+1) neurons σ(δ Σ w_i x_i), w_i ∈ {−r_i, −r_i+2,
  …, r_i} (Lin et al.'s product gate with repeated inputs merged). For a sparse p the per-monomial
  constructions sit side by side with one common scale δ, so a weight vector used by two monomials
  is one neuron: the count is the size of the union of the weight sets. A univariate p of degree d
  uses Prop 4.5 instead: d+1 neurons with fixed input weights (Vandermonde), never more than the union.
* deep: Thm 4.1(ii) Σ_i (7⌈log2 r_i⌉ + 4) for a monomial, or Prop 4.6(ii) 7⌈log2 d⌉ when only one
  variable appears; Thm 4.3(ii) sums over monomials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

import numpy as np

from ..errors import DepthsepError
from ..poly import Exponent, Polynomial, parse_polynomial

# Above this many weight vectors the shallow union is counted by inclusion–exclusion, not enumerated.
ENUMERATION_LIMIT = 1 << 22
INCLUSION_EXCLUSION_MAX_MONOMIALS = 22


def ceil_log2(r: int) -> int:
    """⌈log2 r⌉ for r ≥ 1, exactly (no floating point)."""
    return (r - 1).bit_length()


# -- one monomial ---------------------------------------------------------------------------
def monomial_shallow_neurons(exponent: Exponent) -> int:
    """Thm 4.1(i): m1_uniform(x1^r1 … xn^rn) = ∏(r_i + 1); a constant needs the one neuron σ(0)."""
    return prod(r + 1 for r in exponent)


def monomial_deep_neurons(exponent: Exponent) -> int:
    """The deep bound for one monomial: Thm 4.1(ii), or Prop 4.6(ii) when one variable appears.

    Σ_i (7⌈log2 r_i⌉ + 4) over the variables that appear: per variable a chain of square gates
    (3 neurons) with product/identity gates (≤ 4) computing x_i^{r_i} in 7⌈log2 r_i⌉ neurons, then
    4 neurons per variable for the product gates that multiply the n powers together.

    Two edge cases the paper's formulas leave degenerate, settled in favour of a network that
    exists: x^1 (Prop 4.6 would give 7⌈log2 1⌉ = 0 neurons, but no network without neurons outputs
    x) falls back to Thm 4.1(ii), and the constant monomial costs its one σ(0) neuron.
    """
    powers = [r for r in exponent if r]
    if not powers:
        return 1
    chain = sum(7 * ceil_log2(r) + 4 for r in powers)
    if len(powers) == 1 and powers[0] >= 2:
        return min(chain, 7 * ceil_log2(powers[0]))
    return chain


def max_coefficient_of_box_product(exponent: Exponent) -> int:
    """Thm 4.4: the largest coefficient of ∏_i (1 + y + … + y^{r_i}).

    The coefficient of y^s counts the sub-multisets of size s of the multiset with r_i copies of x_i;
    the product is built by sliding-window sums in exact integers (one pass per variable).
    """
    coefficients = [1]
    for r in exponent:
        if r == 0:
            continue
        prefix = [0]
        for c in coefficients:
            prefix.append(prefix[-1] + c)
        size = len(coefficients) + r
        # new[k] = Σ_{j=k-r}^{k} old[j] = prefix[k+1] - prefix[k-r] (indices clipped to the old range)
        coefficients = [
            prefix[min(k, len(coefficients) - 1) + 1] - prefix[max(k - r, 0)] for k in range(size)
        ]
    return max(coefficients)


def shallow_weight_set_size(exponents: list[Exponent]) -> int:
    """|∪_j W(β_j)|, W(β) = ∏_i {−β_i, −β_i+2, …, β_i}: the neurons of the shared shallow construction."""
    if not exponents:
        return 0
    total = sum(monomial_shallow_neurons(e) for e in exponents)
    if len(exponents) == 1:
        return total
    if total <= ENUMERATION_LIMIT:
        return _union_by_enumeration(exponents)
    if len(exponents) <= INCLUSION_EXCLUSION_MAX_MONOMIALS:
        return _union_by_inclusion_exclusion(exponents)
    raise DepthsepError(
        f"counting the shared shallow neurons needs {total} weight vectors from {len(exponents)} "
        f"monomials, beyond the limits ({ENUMERATION_LIMIT} vectors or "
        f"{INCLUSION_EXCLUSION_MAX_MONOMIALS} monomials)"
    )


def _union_by_enumeration(exponents: list[Exponent]) -> int:
    n = len(exponents[0])
    reach = [max(e[i] for e in exponents) for i in range(n)]
    # Weight w_i ∈ [−R_i, R_i] is encoded as the digit w_i + R_i in base 2R_i + 1: one int64 per vector.
    radix = [2 * r + 1 for r in reach]
    place = np.cumprod([1] + radix[:-1], dtype=np.int64)
    codes = []
    for exponent in exponents:
        code = np.zeros(1, dtype=np.int64)
        for i, r in enumerate(exponent):
            digits = np.arange(-r, r + 1, 2, dtype=np.int64) + reach[i]
            code = (code[:, None] + digits[None, :] * place[i]).ravel()
        codes.append(code)
    return int(np.unique(np.concatenate(codes)).size)


def _union_by_inclusion_exclusion(exponents: list[Exponent]) -> int:
    # W(β) ∩ W(β') is W(min(β, β')) when every β_i ≡ β'_i (mod 2), and empty otherwise: the grids
    # {−r, −r+2, …, r} of different parity are disjoint. So every intersection has a closed form.
    def visit(start: int, meet: Exponent | None, sign: int) -> int:
        total = 0
        for j in range(start, len(exponents)):
            beta = exponents[j]
            if meet is None:
                joined = beta
            elif any((a - b) % 2 for a, b in zip(meet, beta)):
                continue
            else:
                joined = tuple(min(a, b) for a, b in zip(meet, beta))
            total += sign * monomial_shallow_neurons(joined) + visit(j + 1, joined, -sign)
        return total

    return visit(0, None, 1)


# -- a polynomial ---------------------------------------------------------------------------
@dataclass
class Bounds:
    """Every count `depthsep bounds` reports; `as_dict()` is the JSON `depthsep bounds --json` starts from (construct.sizes adds the built counts)."""

    polynomial: Polynomial
    derivative_rank: int | None
    derivative_count: int | None
    thm43_lower: int
    coefficient_lower: int | None
    shallow_upper: int
    deep_upper: int
    notes: list[str] = field(default_factory=list)

    @property
    def shallow_lower(self) -> int:
        """The best proved lower bound on m1_uniform(p): max of rank, Thm 4.3(i) and Thm 4.4."""
        return max(b for b in (self.derivative_rank, self.thm43_lower, self.coefficient_lower) if b is not None)

    def as_dict(self) -> dict:
        p = self.polynomial
        d = p.degree
        return {
            "polynomial": str(p),
            "variables": list(p.variables),
            "n": p.n,
            "degree": d,
            "sparsity": p.sparsity,
            "homogeneous": p.is_homogeneous,
            "derivative_rank": self.derivative_rank,
            "derivative_count": self.derivative_count,
            "shallow_lower": self.shallow_lower,
            "shallow_upper": self.shallow_upper,
            "deep_upper": self.deep_upper,
            "coefficient_lower": self.coefficient_lower,
            "thm43_lower": self.thm43_lower,
            "exact": self.shallow_lower == self.shallow_upper,
            # The Taylor-approximation counts m_Taylor obey the same bounds (Thms 4.2, 4.3, Prop 4.5)
            # under a weaker hypothesis: non-zero Taylor coefficients up to degree d instead of 2d.
            "hypothesis": {
                "uniform": f"sigma has nonzero Taylor coefficients up to degree 2d = {2 * d}",
                "taylor": f"sigma has nonzero Taylor coefficients up to degree d = {d}",
                "coefficient_lower": f"sigma has a nonzero degree-{d} Taylor coefficient",
            },
            "notes": list(self.notes),
        }


def shallow_upper(p: Polynomial) -> int:
    """Neurons of depthsep's one-hidden-layer construction for p in the paper model."""
    if p.n == 1:
        # Prop 4.5: d+1 neurons σ(a_j δ x) with distinct fixed a_j reach every polynomial of degree d.
        return p.degree + 1
    return shallow_weight_set_size(p.monomials)


def deep_upper(p: Polynomial) -> int:
    """Thm 4.3(ii): the deep bounds of the monomials, summed."""
    return sum(monomial_deep_neurons(e) for e in p.monomials)


def thm43_lower(p: Polynomial) -> int:
    """Thm 4.3(i): m1(p) ≥ max_j m1(q_j) / c, rounded up since neuron counts are integers."""
    best = max(monomial_shallow_neurons(e) for e in p.terms)
    return -(-best // p.sparsity)


def bounds(poly: Polynomial | str) -> Bounds:
    """All of the paper's counts for one polynomial (see the module docstring)."""
    from .rank import derivative_count, derivative_rank

    p = parse_polynomial(poly)
    notes = []
    try:
        count = derivative_count(p)
        rank = derivative_rank(p)
    except DepthsepError as err:
        count = rank = None
        notes.append(f"derivative rank not computed: {err}")
    coefficient = max_coefficient_of_box_product(p.monomials[0]) if p.is_monomial else None
    result = Bounds(
        polynomial=p, derivative_rank=rank, derivative_count=count, thm43_lower=thm43_lower(p),
        coefficient_lower=coefficient, shallow_upper=shallow_upper(p), deep_upper=deep_upper(p),
        notes=notes,
    )
    if result.shallow_lower > result.shallow_upper:  # a contradiction between two theorems: a bug
        raise AssertionError(f"lower bound {result.shallow_lower} exceeds construction {result.shallow_upper}")
    return result
