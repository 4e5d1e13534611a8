"""Exact Taylor series of the built-in activations: polynomials over Q in one transcendental quantity.

Built-ins use exact ODE recurrences, never ``sympy.series`` (which needs minutes at a = 1/2). The k-th
coefficient is a polynomial P_k with rational coefficients in ONE quantity g(a) (tanh a, sigmoid a or
e^a). For rational a ≠ 0 that quantity is transcendental: e^a is, by Lindemann–Weierstrass, and
tanh a = (e^{2a} − 1)/(e^{2a} + 1), sigmoid a = e^a/(1 + e^a) are Möbius images of it with rational
coefficients (were they algebraic, e^{2a} or e^a would be too). A non-zero polynomial over Q cannot
vanish at a transcendental number, so σ_k = 0 iff P_k is the zero polynomial. At a = 0, g is rational
and P_k(g) is evaluated exactly. gelu's coefficients are αΦ(a) + βφ(a) with rational α, β; the one
mixed-sign case is settled with a rigorous enclosure.

Each ``*_series(degree, a)`` returns σ_0 … σ_degree at the rational point a as
:class:`~.exact.Coefficient` values; the registry entries of :mod:`.entries` name them.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import sympy as sp
from flint import fmpq, fmpq_poly, fmpz_poly

from .exact import NUMERIC_DIGITS, NUMERIC_ZERO, Coefficient, NotAnalyticError, interval_precision, to_rational

_DERIVATIVE_CACHE: dict[tuple[int, ...], list[fmpz_poly]] = {}


def _derivative_polys(rhs: tuple[int, ...], degree: int) -> list[fmpq_poly]:
    """Taylor coefficients σ_k = P_k(g)/k! of a function y with y' = R(y), as polynomials in g = y(a).

    By the chain rule y^(k) = P_k(y) with P_0(g) = g and P_{k+1} = P_k'·R. For tanh
    (R = 1 − g²) and sigmoid (R = g − g²) the P_k have integer coefficients, so every σ_k is a
    polynomial over Q in the single number g — the same polynomial for every expansion point; only
    the value substituted for g changes. ``rhs`` lists R's integer coefficients. Cached.
    """
    derivatives = _DERIVATIVE_CACHE.setdefault(rhs, [fmpz_poly([0, 1])])
    r = fmpz_poly(list(rhs))
    while len(derivatives) <= degree:
        derivatives.append(derivatives[-1].derivative() * r)
    return [fmpq_poly(p) / math.factorial(k) for k, p in enumerate(derivatives[: degree + 1])]


def _tanh_polys(degree: int) -> list[fmpq_poly]:
    return _derivative_polys((1, 0, -1), degree)  # tanh' = 1 − tanh²


def _sigmoid_polys(degree: int) -> list[fmpq_poly]:
    return _derivative_polys((0, 1, -1), degree)  # s' = s − s²


def _poly_value(poly: fmpq_poly, generator: sp.Expr, rational: Fraction | None) -> Coefficient:
    """P(g) as a Coefficient. ``rational`` is g's value when g is rational (then exact evaluation),
    None when g is transcendental (then P(g) = 0 iff P = 0 — see the module docstring)."""
    if rational is not None:
        value = to_rational(poly(fmpq(rational.numerator, rational.denominator)))
        return Coefficient(value, value == 0)
    if poly == 0:
        return Coefficient(sp.Integer(0), True)
    terms = [to_rational(c) * generator**i for i, c in enumerate(poly.coeffs()) if c != 0]
    return Coefficient(sp.Add(*terms), False)


def _rational_value(a: sp.Rational, value_at_zero: int | Fraction) -> Fraction | None:
    return Fraction(value_at_zero) if a == 0 else None


def tanh_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    generator, rational = sp.tanh(a), _rational_value(a, 0)
    return [_poly_value(p, generator, rational) for p in _tanh_polys(degree)]


def _sigmoid_generator(a: sp.Rational) -> tuple[sp.Expr, Fraction | None]:
    return 1 / (1 + sp.exp(-a)), _rational_value(a, Fraction(1, 2))


def sigmoid_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    generator, rational = _sigmoid_generator(a)
    return [_poly_value(p, generator, rational) for p in _sigmoid_polys(degree)]


def softplus_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """softplus' = sigmoid, so σ_k = s_{k−1}/k; σ_0 = log(1 + e^a) > 0 since 1 + e^a > 1."""
    generator, rational = _sigmoid_generator(a)
    sigmoid = _sigmoid_polys(max(degree - 1, 0))
    head = Coefficient(sp.log(1 + sp.exp(a)), False)
    return [head] + [_poly_value(sigmoid[k - 1] / k, generator, rational) for k in range(1, degree + 1)]


def exp_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """e^{a+h} = e^a Σ h^k/k!: never zero."""
    return [Coefficient(sp.exp(a) / sp.factorial(k), False) for k in range(degree + 1)]


def silu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """silu(a + h) = (a + h)·s(a + h), so σ_k = a·s_k + s_{k−1}: still a polynomial in sigmoid(a)."""
    generator, rational = _sigmoid_generator(a)
    sigmoid = _sigmoid_polys(degree)
    weight = fmpq(int(a.p), int(a.q))
    polys = [sigmoid[k] * weight + (sigmoid[k - 1] if k else 0) for k in range(degree + 1)]
    return [_poly_value(p, generator, rational) for p in polys]


def relu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """max(a + h, 0) is a + h near a > 0 and 0 near a < 0; at 0 there is a kink."""
    if a == 0:
        raise NotAnalyticError("relu has no Taylor series at 0 (not differentiable there)")
    head = [a, sp.Integer(1)] if a > 0 else [sp.Integer(0), sp.Integer(0)]
    values = (head + [sp.Integer(0)] * degree)[: degree + 1]
    return [Coefficient(v, v == 0) for v in values]


# --- gelu --------------------------------------------------------------------------------------

def _gaussian_factor_series(degree: int, a: Fraction) -> list[Fraction]:
    """g_k with φ(a + h) = φ(a)·Σ g_k h^k, i.e. g = exp(−a h − h²/2).

    g' = (−a − h) g gives (k+1) g_{k+1} = −a g_k − g_{k−1}: rational for rational a.
    """
    g = [Fraction(1), -a][: degree + 1]
    while len(g) <= degree:
        k = len(g) - 1
        g.append((-a * g[k] - g[k - 1]) / (k + 1))
    return g


def _gelu_parts(degree: int, a: Fraction) -> list[tuple[Fraction, Fraction]]:
    """(α_k, β_k) with gelu_k = α_k Φ(a) + β_k φ(a).

    Φ' = φ, so Φ(a + h) = Φ(a) + φ(a) Σ_{k≥1} g_{k−1} h^k / k; then gelu = (a + h)·Φ gives
    gelu_k = a·Φ_k + Φ_{k−1}.
    """
    g = _gaussian_factor_series(degree, a)
    phi_parts = [(Fraction(1), Fraction(0))] + [(Fraction(0), g[k - 1] / k) for k in range(1, degree + 1)]
    parts = []
    for k in range(degree + 1):
        alpha, beta = a * phi_parts[k][0], a * phi_parts[k][1]
        if k:
            alpha, beta = alpha + phi_parts[k - 1][0], beta + phi_parts[k - 1][1]
        parts.append((alpha, beta))
    return parts


def _gelu_slope_sign(a: Fraction) -> tuple[int, bool]:
    """Sign of F(a) = Φ(a) + a φ(a) (gelu's σ_1), with a proof where one is available.

    F' = φ·(2 − a²) and F(−∞) = 0, so F < 0 for a ≤ −√2 and F > 0 for a ≥ 0. In between F has one
    root, near −0.7518 (gelu's minimum); there F is enclosed rigorously: Φ(a) = 1/2 + φ(a)·M(a)
    with M(a) = Σ_n a^{2n+1}/(2n+1)!! summed exactly in Q (the tail is bounded by a geometric
    series, since consecutive terms shrink by a²/(2n+3) < 1) and φ(a) enclosed by mpmath's interval
    arithmetic. Only if the enclosure still straddles 0 at 2000 bits is the answer numerical.
    """
    if a >= 0:
        return 1, True
    if a * a >= 2:
        return -1, True
    for bits in (128, 512, 2000):
        total, term, n = Fraction(0), a, 0
        while True:
            total += term
            term *= a * a / (2 * n + 3)
            n += 1
            tail = abs(term) / (1 - a * a / (2 * n + 3))
            if tail < Fraction(1, 2 ** (bits + 10)):
                break
        with interval_precision(bits) as iv:
            def exact(q: Fraction):
                return iv.mpf(q.numerator) / q.denominator
            inner = exact(a + total) + iv.mpf([-1, 1]) * exact(tail)  # encloses a + M(a)
            phi = iv.exp(-exact(a * a) / 2) / iv.sqrt(2 * iv.pi)
            enclosure = iv.mpf(1) / 2 + phi * inner
            if enclosure.a > 0:
                return 1, True
            if enclosure.b < 0:
                return -1, True
    with mpmath.workdps(NUMERIC_DIGITS):
        x = mpmath.mpf(a.numerator) / a.denominator
        value = mpmath.ncdf(x) + x * mpmath.npdf(x)
        return (0 if abs(value) < NUMERIC_ZERO else (1 if value > 0 else -1)), False


def gelu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """Φ(a) > 0 and φ(a) > 0, so α Φ + β φ is zero iff α = β = 0 whenever α and β do not have
    opposite signs. Only σ_1 = Φ(a) + a φ(a) at a < 0 mixes signs (see :func:`_gelu_slope_sign`)."""
    a_frac = Fraction(int(a.p), int(a.q))
    big_phi = (1 + sp.erf(a / sp.sqrt(2))) / 2
    small_phi = sp.exp(-a**2 / 2) / sp.sqrt(2 * sp.pi)
    result = []
    for k, (alpha, beta) in enumerate(_gelu_parts(degree, a_frac)):
        value = sp.expand(sp.Rational(alpha.numerator, alpha.denominator) * big_phi
                          + sp.Rational(beta.numerator, beta.denominator) * small_phi)
        if alpha == 0 and beta == 0:
            result.append(Coefficient(sp.Integer(0), True))
        elif alpha * beta >= 0:
            result.append(Coefficient(value, False))
        else:
            assert k == 1, "only σ_1 = Φ(a) + aφ(a) can mix signs"
            sign, proven = _gelu_slope_sign(a_frac)
            result.append(Coefficient(sp.Integer(0) if sign == 0 else value, sign == 0, proven))
    return result
