"""Exact Taylor series of formulas typed by users (depthsep.activations.taylor): cross-checked against
mpmath.taylor at 50 digits, rational and exact at 0, the generic fallback, piecewise formulas, and
which coefficients are proven zero or non-zero."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsep import activations as A
from depthsep.activations import X, activation_from_expr, get_activation, nonzero_up_to
from depthsep.errors import DepthsepError

from .reference import assert_close_to_taylor

R = sp.Rational
HALF = R(1, 2)




USER_FORMULAS = {
    "x + x**2/2": lambda x: x + x**2 / 2,
    "log(1+exp(x))+x**3": lambda x: mpmath.log(1 + mpmath.exp(x)) + x**3,
    "x*tanh(x)": lambda x: x * mpmath.tanh(x),
    "sqrt(1+x)": lambda x: mpmath.sqrt(1 + x),
    "1/(3-x)": lambda x: 1 / (3 - x),
    "atan(x)*exp(-x)": lambda x: mpmath.atan(x) * mpmath.exp(-x),
    "asin(x/3)": lambda x: mpmath.asin(x / 3),
    "acos(x/3)": lambda x: mpmath.acos(x / 3),
    "erf(x)-erfc(2*x)": lambda x: mpmath.erf(x) - mpmath.erfc(2 * x),
    "2**x": lambda x: mpmath.power(2, x),
    "exp(sin(x))": lambda x: mpmath.exp(mpmath.sin(x)),
    "tan(x/2)+cosh(x)*sinh(x)": lambda x: mpmath.tan(x / 2) + mpmath.cosh(x) * mpmath.sinh(x),
    "(2+x)**(1/3)": lambda x: mpmath.cbrt(2 + x),
    "(x+3)**x": lambda x: mpmath.power(x + 3, x),
    "x/(1+exp(-x))*cos(x)": lambda x: x / (1 + mpmath.exp(-x)) * mpmath.cos(x),
}


@settings(max_examples=40, deadline=None)
@given(text=st.sampled_from(sorted(USER_FORMULAS)), point=st.sampled_from([R(0), HALF, R(-3, 4)]),
       degree=st.integers(0, 10))
def test_user_formulas_match_mpmath_taylor(text, point, degree):
    coefficients = get_activation(text).taylor(degree, point)
    assert_close_to_taylor(coefficients, USER_FORMULAS[text], point)


def test_user_formulas_at_zero_are_rational_and_exact():
    assert get_activation("x + x**2/2").taylor(4) == [0, 1, HALF, 0, 0]
    assert get_activation("x*tanh(x)").taylor(6) == [0, 0, 1, 0, R(-1, 3), 0, R(2, 15)]
    assert get_activation("exp(sin(x))").taylor(4) == [1, 1, HALF, 0, R(-1, 8)]  # e^{sin x}: no x³
    assert get_activation("sin(x)**2 + cos(x)**2").taylor(3, HALF)[1:] == [0, 0, 0]


def test_generic_fallback_for_functions_without_a_recurrence():
    activation = activation_from_expr(sp.asinh(X), name="asinh")
    assert_close_to_taylor(activation.taylor(8, HALF), mpmath.asinh, HALF)
    assert activation.taylor(5) == [0, 1, 0, R(-1, 6), 0, R(3, 40)]
    with pytest.raises(DepthsepError, match="limited"):
        activation.taylor(A.MAX_FALLBACK_DEGREE + 1)


def test_piecewise_user_formulas():
    assert get_activation("abs(x-1)").taylor(3) == [1, -1, 0, 0]
    assert get_activation("max(x, x**2)").taylor(3, 2) == [4, 4, 1, 0]
    assert get_activation("abs(x**2)").taylor(3) == [0, 0, 1, 0]  # even leading power: no kink
    assert not get_activation("abs(x)").analytic and get_activation("x*tanh(x)").analytic
    for text, point in [("abs(x)", 0), ("max(x, 0)", 0), ("x**(1/3)", 0), ("log(x)", 0), ("floor(x)", 1)]:
        with pytest.raises(A.NotAnalyticError):
            get_activation(text).taylor(3, point)


def test_user_formula_exactness_flags():
    coefficients = get_activation("log(1+exp(x))+x**3").coefficients(20, HALF)
    assert all(c.proven for c in coefficients) and nonzero_up_to(coefficients) == 20
    # tanh(x) − (e^{2x} − 1)/(e^{2x} + 1) ≡ 0, but its constants tanh(½) and e are treated as
    # independent: the zeros are found numerically and flagged as such.
    identically_zero = get_activation("tanh(x) - (exp(2*x) - 1)/(exp(2*x) + 1)").coefficients(3, HALF)
    assert all(c.is_zero for c in identically_zero)
    assert not all(c.proven for c in identically_zero)
