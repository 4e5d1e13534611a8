"""Exact moments of a target under its training law x ~ U[a, b]^n, in rational arithmetic.

A relative error (test RMSE / std of the target) compares across targets and dimensions only if the
std is the target's own, not a sample's: a product of n uniforms is heavy-tailed once the law has a
non-zero mean (U[0, 2]: its sample std converges slowly), and a sampled std would move the
threshold with the test set. For polynomials the std is a finite sum of moments of the uniform law,
so it is computed exactly:

* the r-th moment of U[a, b] is (b^(r+1) − a^(r+1)) / ((r + 1)(b − a)), and the coordinates are
  independent, so E[x^e] = ∏_i E[x_i^(e_i)];
* for p = Σ_e c_e x^e: E[p] = Σ_e c_e E[x^e] and E[p²] = Σ_{e,f} c_e c_f E[x^(e+f)];
* for the product x1⋯xn this collapses to Var = (E x²)^n − (E x)^(2n).

The interval's ends are taken as the exact rationals of the floats the data are drawn with (so
U[−√3, √3] in floats has E x² = 1 − 2⁻⁵² or so, and the std says so, not 1).

    >>> product_variance(4, (-1.0, 1.0))
    Fraction(1, 81)
    >>> float(uniform_moment(2, (0.0, 2.0)))
    1.3333333333333333
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

from ..errors import DepthsepError

#: Above this many term pairs the double sum for E[p²] is not attempted (None: estimate instead);
#: a pair costs ≈ 20 µs of Fraction arithmetic (126 terms, 8 000 pairs: 0.17 s), so the limit keeps
#: the exact path near a second.
MAX_TERM_PAIRS = 50_000


def _interval(domain) -> tuple[Fraction, Fraction]:
    try:
        a, b = (Fraction(float(v)) for v in domain)
    except (TypeError, ValueError, OverflowError):
        raise DepthsepError(f"domain must be a pair of finite numbers a < b, got {domain!r}") from None
    if not a < b:
        raise DepthsepError(f"domain must have a < b, got {domain!r}")
    return a, b


@lru_cache(maxsize=4096)
def _moment(r: int, a: Fraction, b: Fraction) -> Fraction:
    return (b ** (r + 1) - a ** (r + 1)) / ((r + 1) * (b - a))


def uniform_moment(r: int, domain) -> Fraction:
    """E[x^r] for x ~ U[a, b], exactly."""
    if r < 0:
        raise DepthsepError(f"moment order must be >= 0, got {r}")
    return _moment(int(r), *_interval(domain))


def product_variance(n: int, domain) -> Fraction:
    """Var(x1⋯xn) for independent x_i ~ U[a, b]: (E x²)^n − (E x)^(2n)."""
    a, b = _interval(domain)
    return _moment(2, a, b) ** n - _moment(1, a, b) ** (2 * n)


def polynomial_variance(terms: dict, domain) -> Fraction | None:
    """Var p(x) for p = Σ c_e x^e (``terms``: exponent tuple → coefficient) with x ~ U[a, b]^n,
    exactly; None when p has so many terms that the double sum would be slow (see
    :data:`MAX_TERM_PAIRS`)."""
    a, b = _interval(domain)
    items = [(tuple(e), Fraction(c)) for e, c in terms.items()]
    if len(items) ** 2 > MAX_TERM_PAIRS:
        return None

    def expect(exponent) -> Fraction:
        return math.prod((_moment(r, a, b) for r in exponent if r), start=Fraction(1))

    mean = sum((c * expect(e) for e, c in items), Fraction(0))
    # Many pairs share their exponent sum e + f: add up the coefficient products per sum first, so
    # each distinct moment E[x^(e+f)] is formed once. (i, j) and (j, i) are one pair, counted twice.
    weights: dict[tuple, Fraction] = {}
    for i, (e, c) in enumerate(items):
        key = tuple(2 * r for r in e)
        weights[key] = weights.get(key, 0) + c * c
        for f, d in items[i + 1:]:
            key = tuple(r + s for r, s in zip(e, f))
            weights[key] = weights.get(key, 0) + 2 * c * d
    square = sum((w * expect(g) for g, w in weights.items()), Fraction(0))
    return square - mean * mean


def target_std(target, domain) -> float | None:
    """The exact std of a product or polynomial target under U[a, b]^n (a float), or None for a
    target whose law or formula has no exact moments here (radial targets draw their own inputs)."""
    if hasattr(target, "draw"):
        return None
    from .targets import PolynomialTarget, ProductTarget

    if isinstance(target, ProductTarget):
        variance = product_variance(target.n, domain)
    elif isinstance(target, PolynomialTarget):
        variance = polynomial_variance(target.polynomial.terms, domain)
        if variance is None:
            return None
    else:
        return None
    return math.sqrt(variance) if variance > 0 else 0.0


__all__ = ["MAX_TERM_PAIRS", "polynomial_variance", "product_variance", "target_std", "uniform_moment"]
