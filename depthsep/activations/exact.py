"""Exact numbers: the zero tests every hypothesis on σ's Taylor coefficients rests on.

A zero test decides a hypothesis, so it must not be a floating-point guess. A coefficient is a sympy
constant; :func:`zero_test` decides it exactly for rationals, proves "non-zero" with a rigorous
interval enclosure (mpmath.iv, outward rounding) where one excludes 0, then asks sympy's symbolic
test, and only when all of these are silent decides numerically at 60 digits — and says so
(``proven=False``). :func:`is_known_transcendental` names the numbers the transcendence arguments of
:mod:`.series` and :mod:`.taylor` may rely on.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import mpmath
import sympy as sp
from flint import fmpq

from ..errors import DepthsepError
from ..expr import symbol

X = symbol("x")  # the variable of every activation formula
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
    with interval_precision(INTERVAL_BITS):
        enclosure = enclose(value)
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


def is_zero(value: object) -> bool:
    if isinstance(value, (int, Fraction)):
        return value == 0
    return zero_test(value)[0]


def sign_of(value: sp.Expr) -> tuple[int, bool]:
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
def interval_precision(bits: int):
    """mpmath's interval context has no workprec(); set and restore its precision by hand."""
    saved, mpmath.iv.prec = mpmath.iv.prec, bits
    try:
        yield mpmath.iv
    finally:
        mpmath.iv.prec = saved



# F(r) for rational r ≠ 0 (where sympy leaves it unevaluated) is transcendental for these F:
# exp by Hermite–Lindemann; log r = β algebraic would make e^β = r algebraic; sin, cos, tan and
# their hyperbolic cousins are algebraic functions of e^{ir} or e^r; atan, asin, acos because
# tan, sin, cos of a non-zero algebraic number are transcendental.
_TRANSCENDENTAL_AT_RATIONALS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh,
                                sp.atan, sp.asin, sp.acos)


def is_known_transcendental(value: sp.Expr) -> bool:
    """True only for numbers proved transcendental: π, e, π^q, F(r) as above, and q·(such a number)."""
    if value.is_Rational:
        return False
    if value in (sp.pi, sp.E):
        return True
    if value.is_Pow:
        return value.base in (sp.pi, sp.E) and value.exp.is_Rational
    if value.is_Mul and len(value.args) == 2 and value.args[0].is_Rational:
        return is_known_transcendental(value.args[1])
    return value.func in _TRANSCENDENTAL_AT_RATIONALS and len(value.args) == 1 and value.args[0].is_Rational


_INTERVAL_FUNCTIONS = {
    sp.exp: lambda u: mpmath.iv.exp(u), sp.log: lambda u: mpmath.iv.log(u),
    sp.sin: lambda u: mpmath.iv.sin(u), sp.cos: lambda u: mpmath.iv.cos(u), sp.tan: lambda u: mpmath.iv.tan(u),
    sp.sinh: lambda u: (mpmath.iv.exp(u) - mpmath.iv.exp(-u)) / 2,
    sp.cosh: lambda u: (mpmath.iv.exp(u) + mpmath.iv.exp(-u)) / 2,
    sp.tanh: lambda u: 1 - 2 / (mpmath.iv.exp(2 * u) + 1),
}


def enclose(value: sp.Expr):
    """A rigorous mpmath interval containing a sympy constant, or None if a node is unsupported.

    Interval arithmetic rounds outwards at every step, so an enclosure that excludes 0 PROVES the
    number non-zero. Call inside :func:`interval_precision`.
    """
    iv = mpmath.iv
    if value.is_Rational:
        return iv.mpf(int(value.p)) / int(value.q)
    if value is sp.pi:
        return iv.pi
    if value is sp.E:
        return iv.e
    parts = [enclose(arg) for arg in value.args]
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



def to_rational(value: fmpq) -> sp.Rational:
    return sp.Rational(int(value.p), int(value.q))
