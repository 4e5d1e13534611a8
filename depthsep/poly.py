"""Sparse multivariate polynomials with exact rational coefficients.

A :class:`Polynomial` is a tuple of variable names and a mapping ``{exponent tuple: coefficient}``
holding only non-zero coefficients (``fractions.Fraction``). It is what every theorem in depthsep
reads: degree, sparsity (number of monomials), the monomials themselves.

Text is parsed by :mod:`depthsep.expr` (Python's ``ast`` walked against a whitelist, never
``eval``) into a sympy expression, which :class:`sympy.Poly` expands over the rationals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import prod

import numpy as np
import sympy as sp

from .errors import DepthsepError
from .expr import parse_polynomial_expression

Exponent = tuple[int, ...]


def _natural_key(name: str):
    """Sort x2 before x10: split digits from letters."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class Polynomial:
    """p(x) = Σ coefficient · x^exponent over ``terms`` (non-zero coefficients only)."""

    variables: tuple[str, ...]
    terms: dict[Exponent, Fraction]

    def __post_init__(self):
        for exponent, coefficient in self.terms.items():
            if len(exponent) != len(self.variables):
                raise ValueError("exponent length does not match the variables")
            if coefficient == 0 or any(e < 0 for e in exponent):
                raise ValueError("terms must have non-zero coefficients and non-negative exponents")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def monomial(cls, exponents: dict[str, int] | Exponent, coefficient=1) -> Polynomial:
        """x1^r1 … xn^rn; ``exponents`` is a tuple (variables x1…xn) or a {name: power} dict."""
        if isinstance(exponents, dict):
            names = tuple(sorted(exponents, key=_natural_key))
            powers = tuple(int(exponents[name]) for name in names)
        else:
            powers = tuple(int(r) for r in exponents)
            names = tuple(f"x{i + 1}" for i in range(len(powers)))
        if any(r < 0 for r in powers):
            raise DepthsepError(f"negative exponent in monomial {powers}")
        return cls(names, {powers: Fraction(coefficient)})

    @classmethod
    def product(cls, n: int) -> Polynomial:
        """x1·x2·…·xn, the polynomial of Figure 2 and Theorem 5.1."""
        if n < 1:
            raise DepthsepError(f"product of n variables needs n >= 1, got {n}")
        return cls.monomial((1,) * n)

    # -- views --------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.variables)

    @cached_property
    def degree(self) -> int:
        return max((sum(e) for e in self.terms), default=0)

    @property
    def sparsity(self) -> int:
        """The number of monomials, the paper's c."""
        return len(self.terms)

    @property
    def monomials(self) -> list[Exponent]:
        """Exponent tuples, highest degree first, then lexicographically."""
        return sorted(self.terms, key=lambda e: (-sum(e), tuple(-x for x in e)))

    @property
    def is_zero(self) -> bool:
        return not self.terms

    @property
    def is_monomial(self) -> bool:
        return len(self.terms) == 1

    @property
    def is_univariate(self) -> bool:
        return self.n == 1

    @property
    def is_homogeneous(self) -> bool:
        return len({sum(e) for e in self.terms}) <= 1

    def used_variables(self, exponent: Exponent) -> tuple[str, ...]:
        return tuple(v for v, r in zip(self.variables, exponent) if r)

    # -- text ---------------------------------------------------------------------------------
    def __str__(self) -> str:
        if not self.terms:
            return "0"
        pieces = []
        for exponent in self.monomials:
            coefficient = self.terms[exponent]
            factors = [v if r == 1 else f"{v}^{r}" for v, r in zip(self.variables, exponent) if r]
            magnitude = abs(coefficient)
            if magnitude != 1 or not factors:
                factors.insert(0, str(magnitude))
            sign = "-" if coefficient < 0 else "+"
            pieces.append((sign, "*".join(factors)))
        first_sign, first = pieces[0]
        text = ("-" if first_sign == "-" else "") + first
        return text + "".join(f" {sign} {body}" for sign, body in pieces[1:])

    def to_sympy(self) -> sp.Expr:
        symbols = [sp.Symbol(v, real=True) for v in self.variables]
        return sp.Add(*[
            sp.Rational(c.numerator, c.denominator) * sp.Mul(*[s**r for s, r in zip(symbols, e)])
            for e, c in self.terms.items()
        ])

    # -- numbers ------------------------------------------------------------------------------
    def evaluate(self, points) -> np.ndarray:
        """p at each row of ``points`` (shape (m, n)), in float64."""
        x = np.asarray(points, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n:
            raise DepthsepError(f"points must have shape (m, {self.n}), got {x.shape}")
        out = np.zeros(x.shape[0])
        for exponent, coefficient in self.terms.items():
            out += float(coefficient) * prod((x[:, i] ** r for i, r in enumerate(exponent) if r), start=np.ones(x.shape[0]))
        return out

    def as_dict(self) -> dict:
        return {
            "polynomial": str(self),
            "variables": list(self.variables),
            "degree": self.degree,
            "sparsity": self.sparsity,
            "homogeneous": self.is_homogeneous,
            "terms": [
                {"exponent": list(e), "coefficient": str(self.terms[e])} for e in self.monomials
            ],
        }


def parse_polynomial(text: object) -> Polynomial:
    """Parse ``x1^3*x2^2*x3``, ``x1*x2 + 3*x3**2``, ``2*x - y`` … into a :class:`Polynomial`.

    Raises :class:`DepthsepError` (one line) for malformed text, negative or fractional exponents,
    non-polynomial terms, irrational coefficients, the zero polynomial and empty input.
    """
    if isinstance(text, Polynomial):
        return text
    expr = parse_polynomial_expression(text)
    symbols = sorted(expr.free_symbols, key=lambda s: _natural_key(s.name))
    if not symbols:
        value = sp.nsimplify(expr)
        if not value.is_Rational:
            raise DepthsepError(f"coefficient {value} of '{text}' is not rational")
        if value == 0:
            raise DepthsepError(f"'{text}' is the zero polynomial")
        return Polynomial((), {(): Fraction(int(value.p), int(value.q))})
    try:
        poly = sp.Poly(expr, *symbols)
    except (sp.PolynomialError, sp.GeneratorsError) as err:
        raise DepthsepError(f"'{text}' is not a polynomial ({err})") from None
    irrational = [c for c in poly.coeffs() if not c.is_Rational]
    if irrational:
        raise DepthsepError(f"coefficient {irrational[0]} in '{text}' is not rational")
    terms = {
        tuple(int(r) for r in exponent): Fraction(int(c.numerator), int(c.denominator))
        for exponent, c in poly.terms() if c != 0
    }
    if not terms:
        raise DepthsepError(f"'{text}' is the zero polynomial")
    # Variables that cancelled out entirely (x + y - y) are dropped: they are not inputs of p.
    keep = [i for i in range(len(symbols)) if any(e[i] for e in terms)]
    if not keep:  # a non-zero constant written with variables, e.g. "x - x + 3"
        return Polynomial((), {(): next(iter(terms.values()))})
    variables = tuple(symbols[i].name for i in keep)
    return Polynomial(variables, {tuple(e[i] for i in keep): c for e, c in terms.items()})
