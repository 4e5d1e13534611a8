"""Exact Taylor series of activations typed as formulas in x (``depthsep activation "x*tanh(x)"``).

A truncated power-series (Taylor-mode) evaluator walks the expression tree. Its coefficients are
polynomials over Q (flint) in "generators", each standing for one irrational constant met on the way
(tanh(1/2), log 2, 1/(1 + e^{1/2}), …); at a = 0 with rational data there are none and everything is
rational. A coefficient that is the zero polynomial is exactly 0. A non-zero one is proved non-zero
by the transcendence argument of :mod:`.series` when it involves a single transcendental generator,
else by a rigorous interval enclosure (mpmath.iv) that excludes 0, else by sympy's symbolic test; only
when all of these are silent is the decision numerical (60 digits), and then it says so: every
coefficient carries a ``proven`` flag that :func:`~.hypotheses.hypotheses` reports as ``exact``.
"""

from __future__ import annotations

import functools
from typing import Callable

import mpmath
import sympy as sp
from flint import fmpq, fmpq_mpoly, fmpq_mpoly_ctx, fmpq_poly

from ..errors import DepthsepError
from .exact import (
    INTERVAL_BITS, MAX_FALLBACK_DEGREE, NUMERIC_DIGITS, NUMERIC_ZERO, SYMBOLIC_TERMS, X, Coefficient,
    NotAnalyticError, enclose, interval_precision, is_known_transcendental, sign_of, to_rational, zero_test,
)

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
            terms.append(sp.Mul(to_rational(coefficient), *factors))
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
        if not is_known_transcendental(self.values[t]):
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
                self.enclosures[i] = enclose(self.values[i])
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
        with interval_precision(INTERVAL_BITS):
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
        with interval_precision(INTERVAL_BITS):
            enclosure = self._enclosure(p)
            if enclosure is not None and 0 not in enclosure:
                return (1 if enclosure.a > 0 else -1), True
        # Non-zero, so a 60-digit evaluation (relative accuracy) has the right sign.
        return sign_of(self.value(p))[0], proven


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


def expression_series(expr: sp.Expr, degree: int, a: sp.Rational) -> list[Coefficient]:
    evaluator = _TaylorEvaluator(expr, degree, a)
    coefficients = []
    for p in evaluator.of(expr):
        is_zero, proven = evaluator.K.decide(p)
        value = sp.Integer(0) if is_zero else evaluator.value(p)
        coefficients.append(Coefficient(value, is_zero, proven and evaluator.proven))
    return coefficients
