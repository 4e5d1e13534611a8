"""Activation functions σ and their exact Taylor coefficients σ_k = σ^(k)(a)/k!.

Every theorem of Rolnick & Tegmark (ICLR 2018) about smooth activations is a hypothesis on Taylor
coefficients: Thm 3.4, Thm 4.2 and Prop 4.5 need σ_0, …, σ_d ≠ 0; Thm 4.1, Thm 4.3 and Prop 4.6 need
σ_0, …, σ_2d ≠ 0; Thm 4.4 needs only σ_d ≠ 0; Thm 5.1 (product of n inputs) needs σ_0, …, σ_n ≠ 0;
the square gate needs σ_2 ≠ 0 and the product gate of m inputs σ_m ≠ 0. The paper expands about 0
(its networks have no biases); with biases the expansion point a may be shifted, which is why
everything here takes a ``point``.

Built-ins: tanh, sigmoid, relu, softplus, exp, silu (x·sigmoid x) and gelu (x·Φ(x), erf form). Any
other text is parsed as a formula in x by :func:`depthsep.expr.parse_function` (never ``eval``).

Exactness. A zero test decides a hypothesis, so it must not be a floating-point guess.

* Built-ins use exact ODE recurrences, never ``sympy.series`` (which needs minutes at a = 1/2). The k-th
  coefficient is a polynomial P_k with rational coefficients in ONE quantity g(a) (tanh a,
  sigmoid a or e^a). For rational a ≠ 0 that quantity is transcendental: e^a is, by
  Lindemann–Weierstrass, and tanh a = (e^{2a} − 1)/(e^{2a} + 1), sigmoid a = e^a/(1 + e^a) are
  Möbius images of it with rational coefficients (were they algebraic, e^{2a} or e^a would be too).
  A non-zero polynomial over Q cannot vanish at a transcendental number, so σ_k = 0 iff P_k is the
  zero polynomial. At a = 0, g is rational and P_k(g) is evaluated exactly. gelu's coefficients are
  αΦ(a) + βφ(a) with rational α, β; the one mixed-sign case is settled with a rigorous enclosure.
* User formulas go through a truncated power-series (Taylor-mode) evaluator over the expression
  tree. Its coefficients are polynomials over Q (flint) in "generators", each standing for one
  irrational constant met on the way (tanh(1/2), log 2, 1/(1 + e^{1/2}), …); at a = 0 with rational
  data there are none and everything is rational. A coefficient that is the zero polynomial is
  exactly 0. A non-zero one is proved non-zero by the same transcendence argument when it involves
  a single transcendental generator, else by a rigorous interval enclosure (mpmath.iv) that
  excludes 0, else by sympy's symbolic test; only when all of these are silent is the decision
  numerical (60 digits), and then it says so: every coefficient carries a ``proven`` flag that
  :func:`hypotheses` reports as ``exact``.

Coefficients returned by :meth:`Activation.taylor` follow one rule: a coefficient is zero iff it is
the integer ``0``; anything else has been shown (or, for user formulas, numerically found) non-zero.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Callable

import mpmath
import numpy as np
import scipy.special
import sympy as sp
import torch
from flint import fmpq, fmpq_mpoly, fmpq_mpoly_ctx, fmpq_poly, fmpz_poly

from .errors import DepthsepError
from .expr import parse_function, symbol

X = symbol("x")
MAX_DEGREE = 400  # a guard against requests that would run for minutes; theorems need ≤ 2d
MAX_FALLBACK_DEGREE = 12  # generic sympy differentiation for nodes without a recurrence
NUMERIC_DIGITS = 60  # working precision of the numerical zero test for user formulas
NUMERIC_ZERO = mpmath.mpf(10) ** -50  # |value| below this times its scale counts as zero
INTERVAL_BITS = 200  # precision of the rigorous enclosures that prove numbers non-zero
SYMBOLIC_TERMS = 40  # sympy's symbolic zero test is tried on sums of at most this many terms


class NotAnalyticError(DepthsepError):
    """σ has no Taylor series at the requested point (relu at 0, abs(x) at 0, …)."""


@dataclass(frozen=True)
class Coefficient:
    """One Taylor coefficient with its zero test already decided.

    ``proven`` is False only when the decision came from a numerical evaluation.
    """

    value: sp.Expr
    is_zero: bool
    proven: bool = True


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------

def check_degree(degree: object, what: str = "degree") -> int:
    """A non-negative int no larger than :data:`MAX_DEGREE`."""
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral):
        raise DepthsepError(f"{what} must be an integer, got {degree!r}")
    degree = int(degree)
    if degree < 0:
        raise DepthsepError(f"{what} must be >= 0, got {degree}")
    if degree > MAX_DEGREE:
        raise DepthsepError(f"{what} {degree} exceeds the limit {MAX_DEGREE}")
    return degree


def as_point(point: object) -> sp.Rational:
    """The expansion point as an exact sympy Rational.

    Accepts int, Fraction, sympy Rational, a rational string ("-3/4", "0.5") and finite floats,
    which are read through their shortest decimal repr (0.1 means 1/10, as the user typed it).
    Irrational sympy numbers are refused: the transcendence argument needs a rational point.
    """
    if isinstance(point, bool):
        raise DepthsepError(f"expansion point must be a number, got {point!r}")
    if isinstance(point, sp.Basic):
        if point.is_Rational:
            return point
        raise DepthsepError(f"expansion point must be a rational number, got {point}")
    if isinstance(point, numbers.Integral):
        return sp.Integer(int(point))
    if isinstance(point, Fraction):
        return sp.Rational(point.numerator, point.denominator)
    if isinstance(point, (numbers.Real, Decimal)):
        if not math.isfinite(float(point)):
            raise DepthsepError(f"expansion point must be finite, got {point!r}")
        text = str(point) if isinstance(point, Decimal) else repr(float(point))
        return sp.Rational(text)
    if isinstance(point, str):
        try:
            value = Fraction(point.strip())
        except (ValueError, ZeroDivisionError):
            raise DepthsepError(f"expansion point must be a rational number, got '{point}'") from None
        return sp.Rational(value.numerator, value.denominator)
    raise DepthsepError(f"expansion point must be a rational number, got {type(point).__name__}")


# ---------------------------------------------------------------------------------------------
# Zero tests
# ---------------------------------------------------------------------------------------------

def _numeric_scale(value: sp.Expr) -> mpmath.mpf:
    """Largest |term| of a sum: cancellation down to ~1e-50 of it means an exact zero."""
    terms = value.args if value.is_Add else (value,)
    return max(abs(mpmath.mpmathify(term.evalf(NUMERIC_DIGITS))) for term in terms)


def zero_test(value: object) -> tuple[bool, bool]:
    """(is_zero, proven) for a constant sympy expression.

    Rationals are exact; an interval enclosure that excludes 0 proves "non-zero"; next sympy's
    symbolic ``is_zero`` (also after ``expand``); only when all of these are silent, a 60-digit
    evaluation compared with the size of the terms — a numerical decision, ``proven=False``.
    """
    value = sp.sympify(value)
    if value.is_Rational:
        return bool(value == 0), True
    if value.free_symbols:
        raise DepthsepError(f"coefficient {value} is not a number")
    with _interval_precision(INTERVAL_BITS):
        enclosure = _enclose(value)
        if enclosure is not None and 0 not in enclosure:
            return False, True
    for candidate in (value, sp.expand(value)):
        decided = candidate.is_zero
        if decided is not None:
            return bool(decided), True
    with mpmath.workdps(NUMERIC_DIGITS):
        number = mpmath.mpmathify(value.evalf(NUMERIC_DIGITS))
        scale = _numeric_scale(value)
        return bool(abs(number) <= NUMERIC_ZERO * scale), False


def _is_zero(value: object) -> bool:
    if isinstance(value, (int, Fraction)):
        return value == 0
    return zero_test(value)[0]


def _sign(value: sp.Expr) -> tuple[int, bool]:
    """(sign, proven) of a constant; 0 only when :func:`zero_test` says zero."""
    is_zero, proven = zero_test(value)
    if is_zero:
        return 0, proven
    if value.is_positive is not None:
        return (1 if value.is_positive else -1), proven
    with mpmath.workdps(NUMERIC_DIGITS):
        number = mpmath.mpmathify(value.evalf(NUMERIC_DIGITS))
    if not isinstance(number, mpmath.mpf):
        raise DepthsepError(f"value {value} is not real")
    return (1 if number > 0 else -1), False


@contextlib.contextmanager
def _interval_precision(bits: int):
    """mpmath's interval context has no workprec(); set and restore its precision by hand."""
    saved, mpmath.iv.prec = mpmath.iv.prec, bits
    try:
        yield mpmath.iv
    finally:
        mpmath.iv.prec = saved


# ---------------------------------------------------------------------------------------------
# Built-in series: polynomials over Q in one transcendental quantity
# ---------------------------------------------------------------------------------------------

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


def _to_rational(value: fmpq) -> sp.Rational:
    return sp.Rational(int(value.p), int(value.q))


def _poly_value(poly: fmpq_poly, generator: sp.Expr, rational: Fraction | None) -> Coefficient:
    """P(g) as a Coefficient. ``rational`` is g's value when g is rational (then exact evaluation),
    None when g is transcendental (then P(g) = 0 iff P = 0 — see the module docstring)."""
    if rational is not None:
        value = _to_rational(poly(fmpq(rational.numerator, rational.denominator)))
        return Coefficient(value, value == 0)
    if poly == 0:
        return Coefficient(sp.Integer(0), True)
    terms = [_to_rational(c) * generator**i for i, c in enumerate(poly.coeffs()) if c != 0]
    return Coefficient(sp.Add(*terms), False)


def _rational_value(a: sp.Rational, value_at_zero: int | Fraction) -> Fraction | None:
    return Fraction(value_at_zero) if a == 0 else None


def _tanh_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    generator, rational = sp.tanh(a), _rational_value(a, 0)
    return [_poly_value(p, generator, rational) for p in _tanh_polys(degree)]


def _sigmoid_generator(a: sp.Rational) -> tuple[sp.Expr, Fraction | None]:
    return 1 / (1 + sp.exp(-a)), _rational_value(a, Fraction(1, 2))


def _sigmoid_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    generator, rational = _sigmoid_generator(a)
    return [_poly_value(p, generator, rational) for p in _sigmoid_polys(degree)]


def _softplus_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """softplus' = sigmoid, so σ_k = s_{k−1}/k; σ_0 = log(1 + e^a) > 0 since 1 + e^a > 1."""
    generator, rational = _sigmoid_generator(a)
    sigmoid = _sigmoid_polys(max(degree - 1, 0))
    head = Coefficient(sp.log(1 + sp.exp(a)), False)
    return [head] + [_poly_value(sigmoid[k - 1] / k, generator, rational) for k in range(1, degree + 1)]


def _exp_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """e^{a+h} = e^a Σ h^k/k!: never zero."""
    return [Coefficient(sp.exp(a) / sp.factorial(k), False) for k in range(degree + 1)]


def _silu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
    """silu(a + h) = (a + h)·s(a + h), so σ_k = a·s_k + s_{k−1}: still a polynomial in sigmoid(a)."""
    generator, rational = _sigmoid_generator(a)
    sigmoid = _sigmoid_polys(degree)
    weight = fmpq(int(a.p), int(a.q))
    polys = [sigmoid[k] * weight + (sigmoid[k - 1] if k else 0) for k in range(degree + 1)]
    return [_poly_value(p, generator, rational) for p in polys]


def _relu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
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
        with _interval_precision(bits) as iv:
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


def _gelu_series(degree: int, a: sp.Rational) -> list[Coefficient]:
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


# ---------------------------------------------------------------------------------------------
# Taylor-mode evaluation of user formulas
# ---------------------------------------------------------------------------------------------

# F(r) for rational r ≠ 0 (where sympy leaves it unevaluated) is transcendental for these F:
# exp by Hermite–Lindemann; log r = β algebraic would make e^β = r algebraic; sin, cos, tan and
# their hyperbolic cousins are algebraic functions of e^{ir} or e^r; atan, asin, acos because
# tan, sin, cos of a non-zero algebraic number are transcendental.
_TRANSCENDENTAL_AT_RATIONALS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh,
                                sp.atan, sp.asin, sp.acos)


def _is_known_transcendental(value: sp.Expr) -> bool:
    """True only for numbers proved transcendental: π, e, π^q, F(r) as above, and q·(such a number)."""
    if value.is_Rational:
        return False
    if value in (sp.pi, sp.E):
        return True
    if value.is_Pow:
        return value.base in (sp.pi, sp.E) and value.exp.is_Rational
    if value.is_Mul and len(value.args) == 2 and value.args[0].is_Rational:
        return _is_known_transcendental(value.args[1])
    return value.func in _TRANSCENDENTAL_AT_RATIONALS and len(value.args) == 1 and value.args[0].is_Rational


_INTERVAL_FUNCTIONS = {
    sp.exp: lambda u: mpmath.iv.exp(u), sp.log: lambda u: mpmath.iv.log(u),
    sp.sin: lambda u: mpmath.iv.sin(u), sp.cos: lambda u: mpmath.iv.cos(u), sp.tan: lambda u: mpmath.iv.tan(u),
    sp.sinh: lambda u: (mpmath.iv.exp(u) - mpmath.iv.exp(-u)) / 2,
    sp.cosh: lambda u: (mpmath.iv.exp(u) + mpmath.iv.exp(-u)) / 2,
    sp.tanh: lambda u: 1 - 2 / (mpmath.iv.exp(2 * u) + 1),
}


def _enclose(value: sp.Expr):
    """A rigorous mpmath interval containing a sympy constant, or None if a node is unsupported.

    Interval arithmetic rounds outwards at every step, so an enclosure that excludes 0 PROVES the
    number non-zero. Call inside :func:`_interval_precision`.
    """
    iv = mpmath.iv
    if value.is_Rational:
        return iv.mpf(int(value.p)) / int(value.q)
    if value is sp.pi:
        return iv.pi
    if value is sp.E:
        return iv.e
    parts = [_enclose(arg) for arg in value.args]
    if any(part is None for part in parts):
        return None
    if value.is_Add:
        return functools.reduce(lambda u, v: u + v, parts)
    if value.is_Mul:
        return functools.reduce(lambda u, v: u * v, parts)
    if value.is_Pow:
        base, exponent = parts
        if value.exp.is_Integer:
            power = int(value.exp)
            return base ** power if power >= 0 else 1 / base ** (-power)
        return base ** exponent if base.a > 0 else None
    function = _INTERVAL_FUNCTIONS.get(value.func)
    return function(*parts) if function is not None and len(parts) == 1 else None


def _terms(p: fmpq_mpoly):
    """(exponent tuple of Python ints, fmpq coefficient) pairs of p."""
    return [(tuple(int(e) for e in exponents), c) for exponents, c in p.terms()]


class _Constants:
    """The coefficient domain of user-formula series: polynomials over Q in 'generators'.

    A generator stands for one irrational constant met on the way (tanh(1/2), log 2, 2/√π, …) or
    for the inverse 1/d of a constant d we divided by. Arithmetic is then polynomial arithmetic in
    flint (fast, no simplification needed), and the value is recovered by substitution.

    Zero test of p: p = 0 as a polynomial ⇒ the value is 0 (an identity survives substitution).
    Otherwise, if p involves one transcendental generator t and inverses 1/d_i(t) of polynomials
    in t only, clearing denominators gives p = N(t)/Π d_i(t)^{e_i} with N ∈ Q[t], and the value is 0
    iff N = 0 — exact. Otherwise an interval enclosure of the value that excludes 0 proves it
    non-zero. What is left looks like zero to 60 digits: small sums go to sympy's symbolic test,
    and failing a proof the answer is "zero", flagged as numerical.
    """

    def __init__(self, capacity: int):
        self.ctx = fmpq_mpoly_ctx.get(("g", capacity))
        self.gens = self.ctx.gens()
        self.values: list[sp.Expr] = []  # sympy value of each generator in use
        self.inverse_of: dict[int, fmpq_mpoly] = {}  # generator i = 1/d
        self.index: dict[sp.Expr, int] = {}
        self.enclosures: dict[int, object] = {}  # generator -> interval (or None)
        self.numeric: list[mpmath.mpf] = []  # generator values to 60 digits
        self.zero, self.one = self.ctx.constant(0), self.ctx.constant(1)

    def _generator(self, value: sp.Expr, inverse_of: fmpq_mpoly | None = None) -> fmpq_mpoly:
        if value not in self.index:
            if len(self.values) == len(self.gens):
                raise DepthsepError(f"formula too complex: more than {len(self.gens)} distinct constants")
            self.index[value] = len(self.values)
            self.values.append(value)
            if inverse_of is not None:
                self.inverse_of[self.index[value]] = inverse_of
        return self.gens[self.index[value]]

    def of(self, value) -> fmpq_mpoly:
        """A sympy constant as an element of the domain."""
        value = sp.sympify(value)
        if value.is_Rational:
            return self.ctx.constant(fmpq(int(value.p), int(value.q)))
        return self._generator(value)

    def inverse(self, p: fmpq_mpoly) -> fmpq_mpoly:
        """1/p for p already known to be non-zero."""
        if p.is_constant():
            return self.ctx.constant(1 / p.leading_coefficient())
        return self._generator(1 / self.value(p), inverse_of=p)

    def value(self, p: fmpq_mpoly) -> sp.Expr:
        terms = []
        for exponents, coefficient in _terms(p):
            factors = [self.values[i] ** e for i, e in enumerate(exponents) if e]
            terms.append(sp.Mul(_to_rational(coefficient), *factors))
        return sp.Add(*terms)

    def _univariate(self, p: fmpq_mpoly, t: int) -> fmpq_poly:
        coefficients = {exponents[t]: c for exponents, c in _terms(p)}
        return fmpq_poly([coefficients.get(k, 0) for k in range(max(coefficients, default=0) + 1)])

    def cleared_numerator(self, p: fmpq_mpoly) -> fmpq_poly | None:
        """N(t) with p = N(t)/Π d_i(t)^{e_i}, when p lives over a single transcendental t."""
        degrees = [int(e) for e in p.degrees()]
        used = [i for i, e in enumerate(degrees) if e]
        plain = {i for i in used if i not in self.inverse_of}
        for i in used:
            if i in self.inverse_of:
                inner = [j for j, e in enumerate(self.inverse_of[i].degrees()) if e]
                if any(j in self.inverse_of for j in inner):
                    return None
                plain.update(inner)
        if len(plain) != 1:
            return None
        (t,) = plain
        if not _is_known_transcendental(self.values[t]):
            return None
        inverses = {i: self._univariate(self.inverse_of[i], t) for i in used if i in self.inverse_of}
        numerator = fmpq_poly([])
        for exponents, coefficient in _terms(p):
            term = fmpq_poly([0] * exponents[t] + [1]) * coefficient
            for i, d in inverses.items():
                term *= d ** (degrees[i] - exponents[i])  # multiply through by d_i^{e_i}
            numerator += term
        return numerator

    def _generator_enclosure(self, i: int):
        if i not in self.enclosures:
            d = self.inverse_of.get(i)
            if d is None:
                self.enclosures[i] = _enclose(self.values[i])
            else:
                inner = self._enclosure(d)
                self.enclosures[i] = None if inner is None or 0 in inner else 1 / inner
        return self.enclosures[i]

    def _enclosure(self, p: fmpq_mpoly):
        """Interval containing the value of p (None if a generator cannot be enclosed)."""
        iv = mpmath.iv
        total = iv.mpf(0)
        for exponents, coefficient in _terms(p):
            term = iv.mpf(int(coefficient.p)) / int(coefficient.q)
            for i, e in enumerate(exponents):
                if e:
                    g = self._generator_enclosure(i)
                    if g is None:
                        return None
                    term *= g ** e
            total += term
        return total

    def _numeric_zero(self, p: fmpq_mpoly) -> bool:
        """60-digit evaluation: zero if it cancels to ~1e-50 of its largest term (not a proof)."""
        with mpmath.workdps(NUMERIC_DIGITS):
            values = self.numeric
            values += [mpmath.mpmathify(v.evalf(NUMERIC_DIGITS)) for v in self.values[len(values):]]
            terms = []
            for exponents, coefficient in _terms(p):
                term = mpmath.mpf(int(coefficient.p)) / int(coefficient.q)
                for i, e in enumerate(exponents):
                    if e:
                        term *= values[i] ** e
                terms.append(term)
            return abs(mpmath.fsum(terms)) <= NUMERIC_ZERO * max(abs(t) for t in terms)

    def decide(self, p: fmpq_mpoly) -> tuple[bool, bool]:
        """(is_zero, proven) of the value of p: formal zero, one transcendental generator, an
        interval enclosure excluding 0, sympy's symbolic test — and only then numerics."""
        if p.is_zero():
            return True, True
        if p.is_constant():
            return False, True
        numerator = self.cleared_numerator(p)
        if numerator is not None:
            return numerator == 0, True
        with _interval_precision(INTERVAL_BITS):
            enclosure = self._enclosure(p)
            if enclosure is not None and 0 not in enclosure:
                return False, True
        if not self._numeric_zero(p):
            return False, False
        if len(p) <= SYMBOLIC_TERMS:  # looks like zero: let sympy try to prove it, if it is small
            return zero_test(self.value(p))
        return True, False

    def sign(self, p: fmpq_mpoly) -> tuple[int, bool]:
        is_zero, proven = self.decide(p)
        if is_zero:
            return 0, proven
        if p.is_constant():
            return (1 if p.leading_coefficient() > 0 else -1), True
        with _interval_precision(INTERVAL_BITS):
            enclosure = self._enclosure(p)
            if enclosure is not None and 0 not in enclosure:
                return (1 if enclosure.a > 0 else -1), True
        # Non-zero, so a 60-digit evaluation (relative accuracy) has the right sign.
        return _sign(self.value(p))[0], proven


Series = list  # coefficients of h^0 … h^n, elements of a _Constants domain


def _mul(f: Series, g: Series) -> Series:
    """Cauchy product, truncated to the shorter operand."""
    return [sum((f[i] * g[k - i] for i in range(k + 1)), 0) for k in range(min(len(f), len(g)))]


def _add(f: Series, g: Series) -> Series:
    return [u + v for u, v in zip(f, g)]


def _scale(f: Series, c) -> Series:
    return [c * v for v in f]


def _shift_constant(f: Series, c) -> Series:
    """f + c."""
    return [f[0] + c] + list(f[1:])


def _derivative(f: Series) -> Series:
    return [(k + 1) * f[k + 1] for k in range(len(f) - 1)]


def _integrate(d: Series, start) -> Series:
    return [start] + [d[k] / (k + 1) for k in range(len(d))]


def _budget(expr: sp.Expr) -> int:
    """Generous bound on the generators one formula can create (each node makes a few)."""
    total = 8
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and node.func not in _RULES:
            total += MAX_FALLBACK_DEGREE + 3
        else:
            total += 6
    return total


class _TaylorEvaluator:
    """Truncated power series of a sympy expression in x about x = a, node by node.

    Each node maps the series of its arguments to its own series by an exact recurrence (the
    standard rules of automatic Taylor differentiation: an elementary function satisfies a simple
    ODE, and matching powers of h turns the ODE into a recurrence). Only the constant terms
    F(f_0) create new irrational constants. ``proven`` turns False if a branch decision (is f_0 > 0
    for log? which argument of max is larger?) had to be made numerically.
    """

    def __init__(self, expr: sp.Expr, degree: int, point: sp.Rational):
        self.n = degree
        self.a = point
        self.K = _Constants(_budget(expr))
        self.proven = True
        self.memo: dict[sp.Expr, Series] = {}

    # -- decisions -------------------------------------------------------------------------------
    def nonzero(self, p: fmpq_mpoly) -> bool:
        is_zero, proven = self.K.decide(p)
        self.proven &= proven
        return not is_zero

    def sign(self, p: fmpq_mpoly) -> int:
        sign, proven = self.K.sign(p)
        self.proven &= proven
        return sign

    def value(self, p: fmpq_mpoly) -> sp.Expr:
        return self.K.value(p)

    def not_analytic(self, what: str) -> NotAnalyticError:
        return NotAnalyticError(f"{what} has no Taylor series at x = {self.a}")

    def constant(self, value) -> Series:
        return [self.K.of(value)] + [self.K.zero] * self.n

    # -- dispatch --------------------------------------------------------------------------------
    def of(self, expr: sp.Expr) -> Series:
        if expr not in self.memo:
            self.memo[expr] = self._of(expr)
        return self.memo[expr]

    def _of(self, expr: sp.Expr) -> Series:
        if not expr.has(X):
            return self.constant(expr)
        if expr == X:
            return ([self.K.of(self.a), self.K.one] + [self.K.zero] * self.n)[: self.n + 1]
        if expr.is_Add:
            return [sum(column, 0) for column in zip(*(self.of(arg) for arg in expr.args))]
        if expr.is_Mul:
            constant, varying = expr.as_independent(X, as_Add=False)
            result = functools.reduce(_mul, (self.of(arg) for arg in sp.Mul.make_args(varying)))
            return result if constant == 1 else _scale(result, self.K.of(constant))
        if expr.is_Pow:
            return self.power(*expr.args)
        rule = _RULES.get(expr.func)
        if rule is not None:
            return rule(self, *expr.args)
        if len(expr.args) == 1:
            return self.generic(expr.func, self.of(expr.args[0]))
        raise DepthsepError(f"no Taylor rule for {expr.func.__name__} with {len(expr.args)} arguments")

    # -- arithmetic ------------------------------------------------------------------------------
    def reciprocal(self, f: Series, what: str) -> Series:
        """y·f = 1: y_k = −(Σ_{j=1..k} f_j y_{k−j}) / f_0."""
        if not self.nonzero(f[0]):
            raise self.not_analytic(what)
        y = [self.K.inverse(f[0])]
        for k in range(1, len(f)):
            y.append(-sum((f[j] * y[k - j] for j in range(1, k + 1)), 0) * y[0])
        return y

    def power(self, base: sp.Expr, exponent: sp.Expr) -> Series:
        if exponent.has(X):  # b^e = exp(e·log b)
            return self.exp(exponent * sp.log(base))
        f = self.of(base)
        what = f"({base})**({exponent})"
        if exponent.is_Integer:
            p = int(exponent)
            result = self.integer_power(f, abs(p))
            return result if p >= 0 else self.reciprocal(result, what)
        return self.real_power(f, exponent, what)

    def integer_power(self, f: Series, p: int) -> Series:
        """Binary powering: O(n² log p) and valid even when f_0 = 0."""
        result, square = [self.K.one] + [self.K.zero] * (len(f) - 1), f
        while p:
            if p & 1:
                result = _mul(result, square)
            p >>= 1
            if p:
                square = _mul(square, square)
        return result

    def real_power(self, f: Series, p: sp.Expr, what: str) -> Series:
        """y = f^p, f·y' = p·f'·y: y_k = Σ_{j=1..k} ((p+1)j − k) f_j y_{k−j} / (k f_0)."""
        if self.sign(f[0]) <= 0:
            raise self.not_analytic(what)  # f^p is complex, or not smooth, where f ≤ 0
        y = [self.K.of(self.value(f[0]) ** p)]
        exponent, inverse = self.K.of(p), self.K.inverse(f[0])
        for k in range(1, len(f)):
            total = sum((((exponent + 1) * j - k) * f[j] * y[k - j] for j in range(1, k + 1)), 0)
            y.append(total * inverse / k)
        return y

    # -- elementary functions ----------------------------------------------------------------
    def exp(self, arg: sp.Expr) -> Series:
        return self.exp_of(self.of(arg))

    def exp_of(self, f: Series) -> Series:
        """y = exp(f), y' = f'·y: y_k = Σ_{j=1..k} j f_j y_{k−j} / k."""
        y = [self.K.of(sp.exp(self.value(f[0])))]
        for k in range(1, len(f)):
            y.append(sum((j * f[j] * y[k - j] for j in range(1, k + 1)), 0) / k)
        return y

    def log(self, arg: sp.Expr) -> Series:
        """f·y' = f': y_k = (f_k − Σ_{j=1..k−1} j y_j f_{k−j} / k) / f_0."""
        f = self.of(arg)
        if self.sign(f[0]) <= 0:
            raise self.not_analytic(f"log({arg})")
        y, inverse = [self.K.of(sp.log(self.value(f[0])))], self.K.inverse(f[0])
        for k in range(1, len(f)):
            inner = sum((j * y[j] * f[k - j] for j in range(1, k)), self.K.zero) / k
            y.append((f[k] - inner) * inverse)
        return y

    def sin_cos(self, arg: sp.Expr, hyperbolic: bool) -> tuple[Series, Series]:
        """s' = c·f' and c' = ∓s·f' (− for sin/cos, + for sinh/cosh), solved together."""
        f = self.of(arg)
        sin, cos = (sp.sinh, sp.cosh) if hyperbolic else (sp.sin, sp.cos)
        f0 = self.value(f[0])
        s, c = [self.K.of(sin(f0))], [self.K.of(cos(f0))]
        sign = 1 if hyperbolic else -1
        for k in range(1, len(f)):
            s.append(sum((j * f[j] * c[k - j] for j in range(1, k + 1)), 0) / k)
            c.append(sign * sum((j * f[j] * s[k - j] for j in range(1, k + 1)), 0) / k)
        return s, c

    def riccati(self, arg: sp.Expr, hyperbolic: bool) -> Series:
        """t' = (1 ± t²)·f': tan (+), tanh (−); u = 1 ± t² is built alongside t."""
        f = self.of(arg)
        sign = -1 if hyperbolic else 1
        start = self.K.of((sp.tanh if hyperbolic else sp.tan)(self.value(f[0])))
        t, u = [start], [1 + sign * start * start]
        for k in range(1, len(f)):
            t.append(sum((j * f[j] * u[k - j] for j in range(1, k + 1)), 0) / k)
            u.append(sign * sum((t[i] * t[k - i] for i in range(k + 1)), 0))
        return t

    def through_derivative(self, arg: sp.Expr, function, derivative: Callable[[Series], Series]) -> Series:
        """y = F(f) for F known through F' (atan, asin, erf): y = F(f_0) + ∫ F'(f)·f'."""
        f = self.of(arg)
        start = self.K.of(function(self.value(f[0])))
        if self.n == 0:
            return [start]
        return _integrate(_mul(derivative(f[: self.n]), _derivative(f)), start)  # F'(f)f' to degree n−1

    def atan(self, arg: sp.Expr) -> Series:
        def derivative(f):  # 1 / (1 + f²)
            return self.reciprocal(_shift_constant(_mul(f, f), 1), f"atan({arg})")
        return self.through_derivative(arg, sp.atan, derivative)

    def asin(self, arg: sp.Expr, sign: int = 1) -> Series:
        """asin' = (1 − u²)^(−1/2); acos' = −asin'."""
        what = f"{'asin' if sign == 1 else 'acos'}({arg})"

        def derivative(f):
            one_minus_square = _shift_constant(_scale(_mul(f, f), -1), 1)
            return _scale(self.real_power(one_minus_square, sp.Rational(-1, 2), what), sign)
        f0 = self.of(arg)[0]
        if self.sign(1 - f0 * f0) <= 0:
            raise self.not_analytic(what)
        return self.through_derivative(arg, sp.asin if sign == 1 else sp.acos, derivative)

    def erf(self, arg: sp.Expr, complement: bool = False) -> Series:
        """erf' = 2/√π·exp(−u²); erfc = 1 − erf."""
        factor = self.K.of((-1 if complement else 1) * 2 / sp.sqrt(sp.pi))

        def derivative(f):
            return _scale(self.exp_of(_scale(_mul(f, f), -1)), factor)
        return self.through_derivative(arg, sp.erfc if complement else sp.erf, derivative)

    # -- piecewise functions: analytic only away from their breaks -------------------------------
    def local_sign(self, f: Series, what: str) -> int:
        """Sign of f on both sides of a, from its first non-zero coefficient.

        An odd leading power means f changes sign at a, so abs/max/min/sign have a kink there.
        """
        for m, value in enumerate(f):
            if self.nonzero(value):
                if m % 2:
                    raise self.not_analytic(what)
                return self.sign(value)
        raise DepthsepError(f"cannot decide the sign of {what} near x = {self.a} from {len(f)} coefficients")

    def abs(self, arg: sp.Expr) -> Series:
        f = self.of(arg)
        return _scale(f, self.local_sign(f, f"abs({arg})"))

    def sign_of(self, arg: sp.Expr) -> Series:
        return self.constant(self.local_sign(self.of(arg), f"sign({arg})"))

    def extremum(self, *args: sp.Expr, largest: bool) -> Series:
        best_expr, best = args[0], self.of(args[0])
        for other_expr in args[1:]:
            other = self.of(other_expr)
            what = f"{'max' if largest else 'min'}({best_expr}, {other_expr})"
            if self.local_sign(_add(other, _scale(best, -1)), what) == (1 if largest else -1):
                best_expr, best = other_expr, other
        return best

    def rounding(self, arg: sp.Expr, up: bool) -> Series:
        f0 = self.value(self.of(arg)[0])
        if f0.is_integer:
            raise self.not_analytic(f"{'ceiling' if up else 'floor'}({arg})")
        return self.constant(sp.ceiling(f0) if up else sp.floor(f0))

    # -- anything else ---------------------------------------------------------------------------
    def generic(self, func, f: Series) -> Series:
        """F(f) = Σ_j F^(j)(f_0)/j! (f − f_0)^j, derivatives by sympy (so the degree is capped)."""
        if self.n > MAX_FALLBACK_DEGREE:
            raise DepthsepError(f"{func.__name__} has no recurrence here; degree is limited to {MAX_FALLBACK_DEGREE}")
        u, f0 = sp.Dummy("u"), self.value(f[0])
        derivative, values = func(u), []
        for j in range(self.n + 1):
            values.append(self.K.of(derivative.subs(u, f0) / sp.factorial(j)))
            derivative = sp.diff(derivative, u)
        shifted = [self.K.zero] + list(f[1:])
        result = [values[-1]] + [self.K.zero] * self.n
        for value in reversed(values[:-1]):  # Horner in (f − f_0)
            result = _shift_constant(_mul(result, shifted), value)
        return result


_RULES: dict[object, Callable] = {
    sp.exp: _TaylorEvaluator.exp,
    sp.log: _TaylorEvaluator.log,
    sp.sin: lambda ev, arg: ev.sin_cos(arg, False)[0],
    sp.cos: lambda ev, arg: ev.sin_cos(arg, False)[1],
    sp.sinh: lambda ev, arg: ev.sin_cos(arg, True)[0],
    sp.cosh: lambda ev, arg: ev.sin_cos(arg, True)[1],
    sp.tan: lambda ev, arg: ev.riccati(arg, False),
    sp.tanh: lambda ev, arg: ev.riccati(arg, True),
    sp.atan: _TaylorEvaluator.atan,
    sp.asin: _TaylorEvaluator.asin,
    sp.acos: lambda ev, arg: ev.asin(arg, sign=-1),
    sp.erf: _TaylorEvaluator.erf,
    sp.erfc: lambda ev, arg: ev.erf(arg, complement=True),
    sp.Abs: _TaylorEvaluator.abs,
    sp.sign: _TaylorEvaluator.sign_of,
    sp.Max: lambda ev, *args: ev.extremum(*args, largest=True),
    sp.Min: lambda ev, *args: ev.extremum(*args, largest=False),
    sp.floor: lambda ev, arg: ev.rounding(arg, up=False),
    sp.ceiling: lambda ev, arg: ev.rounding(arg, up=True),
}
_PIECEWISE = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.floor, sp.ceiling)


def _expression_series(expr: sp.Expr, degree: int, a: sp.Rational) -> list[Coefficient]:
    evaluator = _TaylorEvaluator(expr, degree, a)
    coefficients = []
    for p in evaluator.of(expr):
        is_zero, proven = evaluator.K.decide(p)
        value = sp.Integer(0) if is_zero else evaluator.value(p)
        coefficients.append(Coefficient(value, is_zero, proven and evaluator.proven))
    return coefficients


# ---------------------------------------------------------------------------------------------
# Numerical evaluation (numpy / torch) of a sympy tree, without generating or executing code
# ---------------------------------------------------------------------------------------------

_NUMPY_FUNCTIONS = {
    sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh, sp.atan: np.arctan, sp.asin: np.arcsin,
    sp.acos: np.arccos, sp.erf: scipy.special.erf, sp.erfc: scipy.special.erfc, sp.Abs: np.abs,
    sp.sign: np.sign, sp.floor: np.floor, sp.ceiling: np.ceil,
    sp.Max: np.maximum, sp.Min: np.minimum,
    sp.asinh: np.arcsinh, sp.acosh: np.arccosh, sp.atanh: np.arctanh,
}
_TORCH_FUNCTIONS = {
    sp.exp: torch.exp, sp.log: torch.log, sp.sin: torch.sin, sp.cos: torch.cos, sp.tan: torch.tan,
    sp.sinh: torch.sinh, sp.cosh: torch.cosh, sp.tanh: torch.tanh, sp.atan: torch.atan,
    sp.asin: torch.asin, sp.acos: torch.acos, sp.erf: torch.special.erf, sp.erfc: torch.special.erfc,
    sp.Abs: torch.abs, sp.sign: torch.sign, sp.floor: torch.floor, sp.ceiling: torch.ceil,
    sp.Max: torch.maximum, sp.Min: torch.minimum,
    sp.asinh: torch.asinh, sp.acosh: torch.acosh, sp.atanh: torch.atanh,
}


def _compile(expr: sp.Expr, functions: dict, lift: Callable) -> Callable:
    """A closure evaluating ``expr`` at an array ``t``.

    This walks the parsed sympy tree directly rather than using ``sympy.lambdify``: lambdify's
    torch printer emits ``torch.max(0, x)`` for Max and ``torch.sqrt(2)`` for constants, both of
    which fail on tensors, and walking the tree means no source text is generated or executed.
    Constant subtrees are folded to floats once.
    """
    if not expr.has(X):
        value = complex(sp.N(expr, 20))
        if value.imag:
            raise DepthsepError(f"constant {expr} is not real")
        return lambda t: value.real
    if expr == X:
        return lambda t: t
    parts = [_compile(arg, functions, lift) for arg in expr.args]
    if expr.is_Add:
        return lambda t: functools.reduce(lambda u, v: u + v, (p(t) for p in parts))
    if expr.is_Mul:
        return lambda t: functools.reduce(lambda u, v: u * v, (p(t) for p in parts))
    if expr.is_Pow:
        base, exponent = parts
        if expr.exp.is_Integer:
            power = int(expr.exp)
            return lambda t: base(t) ** power
        return lambda t: lift(base(t), t) ** exponent(t)
    if expr.func not in functions:
        raise DepthsepError(f"cannot evaluate {expr.func.__name__} numerically")
    function = functions[expr.func]
    if expr.func in (sp.Max, sp.Min):
        return lambda t: functools.reduce(lambda u, v: function(lift(u, t), lift(v, t)), (p(t) for p in parts))
    return lambda t: function(*(p(t) for p in parts))


def _numpy_lift(value, t):
    return np.full_like(t, value, dtype=np.float64) if isinstance(value, float) else value


def _torch_lift(value, t):
    return torch.full_like(t, value) if isinstance(value, float) else value


def _numpy_function(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    compiled = _compile(expr, _NUMPY_FUNCTIONS, _numpy_lift)

    def numpy_fn(values):
        t = np.asarray(values, dtype=np.float64)
        with np.errstate(all="ignore"):  # outside the domain the answer is nan, as in numpy
            return _numpy_lift(compiled(t), t)
    return numpy_fn


def _torch_function(expr: sp.Expr) -> Callable[[torch.Tensor], torch.Tensor]:
    compiled = _compile(expr, _TORCH_FUNCTIONS, _torch_lift)

    def torch_fn(values: torch.Tensor) -> torch.Tensor:
        return _torch_lift(compiled(values), values)
    return torch_fn


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Activation:
    """A scalar nonlinearity σ in three forms plus its exact Taylor series.

    ``expr`` is σ as a sympy expression in ``depthsep.expr.symbol("x")``; ``torch_fn`` and
    ``numpy_fn`` evaluate it on tensors / float64 arrays; ``analytic`` is False for piecewise
    functions (relu, abs, max, …), which have no Taylor series at their breaks.
    """

    name: str
    expr: sp.Expr
    torch_fn: Callable[[torch.Tensor], torch.Tensor]
    numpy_fn: Callable[[np.ndarray], np.ndarray]
    analytic: bool = True
    description: str = ""
    _series: Callable[[int, sp.Rational], list[Coefficient]] | None = field(default=None, repr=False)

    def coefficients(self, degree: int, point=0) -> list[Coefficient]:
        """σ_0 … σ_degree at ``point`` with their zero tests (see :class:`Coefficient`)."""
        degree, a = check_degree(degree), as_point(point)
        if self._series is not None:
            return self._series(degree, a)
        return _expression_series(self.expr, degree, a)

    def taylor(self, degree: int, point=0) -> list[sp.Expr]:
        """Exact σ_k = σ^(k)(a)/k! for k = 0..degree; an exact zero is returned as ``0``."""
        return [c.value for c in self.coefficients(degree, point)]


def _builtin(name, expr, torch_fn, numpy_fn, series, description, analytic=True) -> Activation:
    return Activation(name, expr, torch_fn, numpy_fn, analytic, description, series)


def _softplus_torch(t: torch.Tensor) -> torch.Tensor:
    # log(1 + e^t) without overflow and without torch.nn.functional.softplus's threshold cut-off.
    return torch.logaddexp(t, torch.zeros_like(t))


def _gelu_numpy(t):
    t = np.asarray(t, dtype=np.float64)
    return t * scipy.special.erfc(-t / np.sqrt(2.0)) / 2  # erfc keeps Φ accurate for t ≪ 0


def _as_float64(function):
    return lambda t: function(np.asarray(t, dtype=np.float64))


BUILTINS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        _builtin("tanh", sp.tanh(X), torch.tanh, _as_float64(np.tanh), _tanh_series,
                 "hyperbolic tangent; odd, so σ_0 = σ_2 = 0 at a = 0"),
        _builtin("sigmoid", 1 / (1 + sp.exp(-X)), torch.sigmoid, _as_float64(scipy.special.expit),
                 _sigmoid_series, "logistic 1/(1 + e^-x) = (1 + tanh(x/2))/2; σ_2 = 0 at a = 0"),
        _builtin("relu", sp.Max(X, 0), torch.relu, _as_float64(lambda t: np.maximum(t, 0.0)),
                 _relu_series, "max(x, 0); piecewise linear, no Taylor series at 0", analytic=False),
        _builtin("softplus", sp.log(1 + sp.exp(X)), _softplus_torch,
                 _as_float64(lambda t: np.logaddexp(0.0, t)), _softplus_series,
                 "log(1 + e^x), the antiderivative of sigmoid"),
        _builtin("exp", sp.exp(X), torch.exp, _as_float64(np.exp), _exp_series,
                 "e^x; every Taylor coefficient is non-zero at every point"),
        _builtin("silu", X / (1 + sp.exp(-X)), torch.nn.functional.silu,
                 _as_float64(lambda t: t * scipy.special.expit(t)), _silu_series,
                 "x·sigmoid(x) (swish)"),
        _builtin("gelu", X * (1 + sp.erf(X / sp.sqrt(2))) / 2,
                 lambda t: torch.nn.functional.gelu(t, approximate="none"), _gelu_numpy, _gelu_series,
                 "x·Φ(x) with Φ the standard normal CDF (exact erf form)"),
    )
}
ALIASES = {"logistic": "sigmoid", "swish": "silu"}


def activation_from_expr(expr: sp.Expr, name: str | None = None) -> Activation:
    """Wrap a sympy expression in x (already parsed — never text) as an Activation."""
    if not isinstance(expr, sp.Expr) or expr.free_symbols - {X}:
        raise DepthsepError(f"activation must be an expression in x only, got {expr}")
    if not expr.has(X):
        raise DepthsepError(f"activation {expr} does not depend on x")
    for builtin in BUILTINS.values():
        if expr == builtin.expr:
            return builtin
    return Activation(
        name=name or str(expr), expr=expr, torch_fn=_torch_function(expr), numpy_fn=_numpy_function(expr),
        analytic=not expr.has(*_PIECEWISE), description="user formula",
    )


def get_activation(name_or_expr: str) -> Activation:
    """A built-in by name (tanh, sigmoid, relu, softplus, exp, silu, gelu), else a formula in x."""
    if isinstance(name_or_expr, Activation):
        return name_or_expr
    if not isinstance(name_or_expr, str):
        raise DepthsepError(f"activation must be a name or a formula, got {type(name_or_expr).__name__}")
    key = name_or_expr.strip().lower()
    key = ALIASES.get(key, key)
    if key in BUILTINS:
        return BUILTINS[key]
    known = ", ".join(BUILTINS)
    try:
        expr = parse_function(name_or_expr, "x")
    except DepthsepError as err:
        raise DepthsepError(f"unknown activation '{name_or_expr.strip()}' (known: {known}; "
                            f"or a formula in x: {err})") from None
    try:
        return activation_from_expr(expr, name=name_or_expr.strip())
    except DepthsepError as err:
        raise DepthsepError(f"unknown activation '{name_or_expr.strip()}' (known: {known}; {err})") from None


# ---------------------------------------------------------------------------------------------
# Theorem hypotheses
# ---------------------------------------------------------------------------------------------

def nonzero_up_to(coefficients) -> int:
    """Largest D with coefficients[0..D] all non-zero; −1 if the first one is zero.

    Accepts :class:`Coefficient` objects (decisions already made) or numbers / sympy constants
    (tested with :func:`zero_test`; lists from :meth:`Activation.taylor` mark zeros as ``0``).
    """
    for k, c in enumerate(coefficients):
        if (c.is_zero if isinstance(c, Coefficient) else _is_zero(c)):
            return k - 1
    return len(coefficients) - 1


def _entry(theorem: str, condition: str, coefficients: list[Coefficient], needed: list[int], top: int) -> dict:
    zeros = [k for k in range(top + 1) if coefficients[k].is_zero]
    return {
        "theorem": theorem,
        "condition": condition,
        "holds": all(not coefficients[k].is_zero for k in needed),
        "first_zero": zeros[0] if zeros else None,
        "zeros": zeros,
        "needed": needed,
        "exact": all(c.proven for c in coefficients[: top + 1]),
    }


def _up_to(theorem: str, coefficients: list[Coefficient], top: int, label: str) -> dict:
    condition = f"nonzero Taylor coefficients up to degree {label} = {top} (σ_k ≠ 0 for k = 0..{top})"
    return _entry(theorem, condition, coefficients, list(range(top + 1)), top)


def _single(theorem: str, coefficients: list[Coefficient], k: int, condition: str) -> dict:
    return _entry(theorem, condition, coefficients, [k], k)


def hypotheses(activation, degree: int, point=0, n_vars: int | None = None) -> list[dict]:
    """Which hypotheses on σ's Taylor coefficients at ``point`` hold for a polynomial of degree d.

    Each entry: ``theorem``, ``condition``, ``holds`` (every coefficient the hypothesis names is
    non-zero), ``first_zero`` (the first k ≤ the highest index the entry looks at with σ_k = 0 —
    reported honestly even when the hypothesis only needs σ_d), ``zeros`` (all such k), ``needed``
    (the indices the hypothesis requires non-zero) and ``exact`` (False if a zero test was
    numerical). Where σ has no Taylor series at ``point`` (relu at 0) nothing holds and ``note``
    says why.
    """
    activation = get_activation(activation)
    d = check_degree(degree)
    a = as_point(point)
    if n_vars is not None:
        n_vars = check_degree(n_vars, "n_vars")
        if n_vars < 1:
            raise DepthsepError("n_vars must be >= 1")
    top = max(2 * d, 2, n_vars or 0)
    if top > MAX_DEGREE:
        raise DepthsepError(f"degree {d} needs Taylor coefficients up to {top}, above the limit {MAX_DEGREE}")
    try:
        coefficients = activation.coefficients(top, a)
    except NotAnalyticError as err:
        return _no_series_entries(n_vars, str(err))
    entries = [
        _up_to("Thm 3.4 / Thm 4.2 / Prop 4.5", coefficients, d, "d"),
        _up_to("Thm 4.1 / Thm 4.3 / Prop 4.6", coefficients, 2 * d, "2d"),
        _single("Thm 4.4", coefficients, d, f"nonzero d-th Taylor coefficient (σ_{d} ≠ 0)"),
        _single("square gate", coefficients, 2, "σ''(a) ≠ 0 (σ_2 ≠ 0): u² from σ(a+u) + σ(a−u) − 2σ(a)"),
        _single("product gate", coefficients, d, f"σ_{d} ≠ 0: product of {d} inputs (Lin et al. 2017)"),
    ]
    if n_vars is not None:
        entries.append(_up_to("Thm 5.1", coefficients, n_vars, "n"))
    return entries


def _no_series_entries(n_vars: int | None, note: str) -> list[dict]:
    names = ["Thm 3.4 / Thm 4.2 / Prop 4.5", "Thm 4.1 / Thm 4.3 / Prop 4.6", "Thm 4.4", "square gate", "product gate"]
    if n_vars is not None:
        names.append("Thm 5.1")
    return [{"theorem": name, "condition": "σ has a Taylor series at the expansion point", "holds": False,
             "first_zero": None, "zeros": [], "needed": [], "exact": True, "note": note} for name in names]
