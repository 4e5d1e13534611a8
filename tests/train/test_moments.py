"""Exact moments of targets under U[a, b]^n: against Monte Carlo and against exact integration."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from depthsep.errors import DepthsepError
from depthsep.poly import parse_polynomial
from depthsep.train.moments import (MAX_TERM_PAIRS, polynomial_variance, product_variance, target_std,
                                    uniform_moment)
from depthsep.train.targets import make_target

SQRT3 = math.sqrt(3)


def test_uniform_moments():
    assert uniform_moment(0, (0.0, 2.0)) == 1
    assert uniform_moment(1, (0.0, 2.0)) == 1 and uniform_moment(2, (0.0, 2.0)) == Fraction(4, 3)
    assert uniform_moment(3, (-1.0, 1.0)) == 0 and uniform_moment(4, (-1.0, 1.0)) == Fraction(1, 5)
    assert float(uniform_moment(2, (-SQRT3, SQRT3))) == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(DepthsepError):
        uniform_moment(2, (1.0, 1.0))


def test_product_variance_is_exact():
    assert product_variance(3, (0.0, 2.0)) == Fraction(4, 3) ** 3 - 1
    assert product_variance(5, (-1.0, 1.0)) == Fraction(1, 3) ** 5
    assert float(product_variance(24, (-SQRT3, SQRT3))) == pytest.approx(1.0, abs=1e-13)


@pytest.mark.parametrize("n, domain", [(3, (0.0, 2.0)), (5, (-SQRT3, SQRT3)), (4, (-0.5, 1.5))])
def test_product_variance_against_monte_carlo(n, domain):
    rng = np.random.default_rng(0)
    x = rng.uniform(*domain, size=(2_000_000, n))
    sampled = x.prod(axis=1).var()
    assert float(product_variance(n, domain)) == pytest.approx(sampled, rel=0.02)


@pytest.mark.parametrize("text, domain", [("x1*x2 + x3^2", (-1.0, 1.0)), ("3*x1^2*x2 - x2 + 1/2", (0.0, 2.0)),
                                          ("(x1 + x2 + x3)^3", (-SQRT3, SQRT3))])
def test_polynomial_variance_against_monte_carlo_and_integration(text, domain):
    p = parse_polynomial(text)
    exact = polynomial_variance(p.terms, domain)
    rng = np.random.default_rng(1)
    x = rng.uniform(*domain, size=(1_000_000, p.n))
    values = np.zeros(len(x))
    for exponent, coefficient in p.terms.items():
        values += float(coefficient) * np.prod(x ** np.array(exponent), axis=1)
    assert float(exact) == pytest.approx(values.var(), rel=0.02)
    # and by symbolic integration over the box (rational ends so sympy is exact too)
    a, b = (sympy.Rational(Fraction(v)) for v in domain)
    xs = sympy.symbols(f"x1:{p.n + 1}")
    expr = sum(sympy.Rational(c.numerator, c.denominator) * sympy.Mul(*[s ** r for s, r in zip(xs, e)])
               for e, c in p.terms.items())
    width = (b - a) ** p.n

    def expect(f):
        for s in xs:
            f = sympy.integrate(f, (s, a, b))
        return f / width

    assert Fraction(str(sympy.nsimplify(expect(expr ** 2) - expect(expr) ** 2))) == exact


def test_target_std():
    assert target_std(make_target("product:6"), (-SQRT3, SQRT3)) == pytest.approx(1.0, abs=1e-14)
    assert target_std(make_target("poly:x1 - x2"), (-1.0, 1.0)) == pytest.approx(math.sqrt(2 / 3))
    assert target_std(make_target("radial:cos(pi*t):3"), (-1.0, 1.0)) is None     # its own input law
    many = make_target("poly:(x1+x2+x3+x4+x5+x6+x7+x8)^5")
    assert len(many.polynomial.terms) ** 2 > MAX_TERM_PAIRS and target_std(many, (-1.0, 1.0)) is None
