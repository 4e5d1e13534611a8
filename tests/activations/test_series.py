"""The built-ins' exact Taylor coefficients, from their recurrences (depthsep.activations.series).

Expected values are worked from closed forms (tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315,
sigmoid = (1 + tanh(x/2))/2, softplus' = sigmoid, gelu = x·Φ(x) with Φ' = φ, …), never read off
the implementation; the numerical cross-checks use mpmath.taylor at 50 digits.
"""

from __future__ import annotations

import time
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsep.activations import series
from depthsep.activations import BUILTINS, get_activation, nonzero_up_to
from depthsep.errors import DepthsepError

from .reference import as_mp, assert_close_to_taylor

R = sp.Rational
HALF = R(1, 2)
ROOT_2PI = sp.sqrt(2 * sp.pi)

# mpmath versions of the built-ins, written independently of the module.
MP_FUNCTIONS = {
    "tanh": mpmath.tanh,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "relu": lambda x: max(x, 0),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
    "exp": mpmath.exp,
    "silu": lambda x: x / (1 + mpmath.exp(-x)),
    "gelu": lambda x: x * mpmath.ncdf(x),
}




def same_number(a, b, digits=40) -> bool:
    return abs(as_mp(a) - as_mp(b)) <= mpmath.mpf(10) ** (-digits) * (1 + abs(as_mp(b)))


# ---------------------------------------------------------------------------------------------
# Known coefficients, from closed forms
# ---------------------------------------------------------------------------------------------

KNOWN_AT_ZERO = {
    "tanh": [0, 1, 0, R(-1, 3), 0, R(2, 15), 0, R(-17, 315)],
    "sigmoid": [HALF, R(1, 4), 0, R(-1, 48), 0, R(1, 480)],
    "softplus": [sp.log(2), HALF, R(1, 8), 0, R(-1, 192), 0, R(1, 2880)],
    "exp": [1 / sp.factorial(k) for k in range(10)],
    "silu": [0, HALF, R(1, 4), 0, R(-1, 48), 0, R(1, 480)],
    # x·Φ(x), Φ(x) = 1/2 + (x − x³/6 + x⁵/40 − …)/√(2π)
    "gelu": [0, HALF, 1 / ROOT_2PI, 0, -1 / (6 * ROOT_2PI), 0, 1 / (40 * ROOT_2PI)],
}


@pytest.mark.parametrize("name", sorted(KNOWN_AT_ZERO))
def test_known_coefficients_at_zero(name):
    expected = KNOWN_AT_ZERO[name]
    got = get_activation(name).taylor(len(expected) - 1)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert sp.simplify(g - e) == 0, (name, k, g, e)
        if e == 0:
            assert g == 0 and isinstance(g, sp.Integer), "exact zeros are returned as the integer 0"


def test_rational_data_at_zero_stays_rational():
    for name in ("tanh", "sigmoid", "silu"):
        assert all(c.is_Rational for c in get_activation(name).taylor(40))
    assert all(c.is_Rational for c in get_activation("softplus").taylor(40)[1:])


def test_tanh_at_half_is_a_polynomial_in_tanh_half():
    t = sp.tanh(HALF)
    c = get_activation("tanh").taylor(3, HALF)
    assert sp.expand(c[0] - t) == 0
    assert sp.expand(c[1] - (1 - t**2)) == 0
    assert sp.expand(c[2] - (-t * (1 - t**2))) == 0  # tanh''/2 = −T(1 − T²): the square gate
    assert sp.expand(c[3] - (-(1 - t**2) * (1 - 3 * t**2) / 3)) == 0


def test_sigmoid_softplus_silu_exp_gelu_at_half():
    s = 1 / (1 + sp.exp(-HALF))
    sigmoid = get_activation("sigmoid").taylor(2, HALF)
    assert same_number(sigmoid[1], s * (1 - s))
    assert same_number(sigmoid[2], s * (1 - s) * (1 - 2 * s) / 2)
    softplus = get_activation("softplus").taylor(2, HALF)
    assert same_number(softplus[0], sp.log(1 + sp.exp(HALF)))
    assert same_number(softplus[1], s)
    silu = get_activation("silu").taylor(1, HALF)
    assert same_number(silu[1], s + HALF * s * (1 - s))  # (x s)' = s + x s'
    exp = get_activation("exp").taylor(5, HALF)
    assert all(sp.simplify(exp[k] - sp.exp(HALF) / sp.factorial(k)) == 0 for k in range(6))
    phi = sp.exp(-HALF**2 / 2) / ROOT_2PI
    cdf = (1 + sp.erf(HALF / sp.sqrt(2))) / 2
    gelu = get_activation("gelu").taylor(2, HALF)
    assert same_number(gelu[0], HALF * cdf)
    assert same_number(gelu[1], cdf + HALF * phi)  # Φ + aφ
    assert same_number(gelu[2], phi * (2 - HALF**2) / 2)  # (2φ + aφ')/2 = φ(2 − a²)/2


# ---------------------------------------------------------------------------------------------
# Numerical cross-check against mpmath.taylor (50 digits)
# ---------------------------------------------------------------------------------------------

POINTS = st.sampled_from([R(0), HALF, R(-3, 4)]) | st.fractions(-2, 2, max_denominator=16).map(
    lambda q: R(q.numerator, q.denominator))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(BUILTINS)), point=POINTS, degree=st.integers(0, 12))
def test_builtins_match_mpmath_taylor(name, point, degree):
    activation = get_activation(name)
    if name == "relu" and point == 0:
        with pytest.raises(DepthsepError, match="not differentiable"):
            activation.taylor(degree, point)
        return
    assert_close_to_taylor(activation.taylor(degree, point), MP_FUNCTIONS[name], point)


# ---------------------------------------------------------------------------------------------
# Exactness of the zero tests
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "exp", "silu", "gelu"])
@pytest.mark.parametrize("point", [HALF, R(-3, 4)])
def test_no_coefficient_vanishes_at_rational_nonzero_points(name, point):
    # tanh^(k) = P_k(T) with leading term (−1)^k k! T^{k+1} (from P_{k+1} = P_k'·(1 − T²)), so
    # P_k ≠ 0, and T = tanh(a) is transcendental; the same holds for sigmoid (P_{k+1} = P_k'·(S − S²)),
    # softplus (σ_k = s_{k−1}/k), silu (a·s_k has the higher degree) and exp. For gelu there is no
    # such argument in general (σ_k = φ(a)·rational for k ≥ 2), so it is checked numerically too.
    coefficients = get_activation(name).coefficients(40, point)
    assert all(c.proven for c in coefficients)
    assert nonzero_up_to(coefficients) == 40
    if name == "gelu":
        with mpmath.workdps(30):
            assert all(abs(as_mp(c.value)) > 0 for c in coefficients)


def test_gelu_slope_sign_is_proved_next_to_its_root():
    # gelu'(a) = Φ(a) + aφ(a) vanishes once, at a* ≈ −0.7518 (gelu's minimum).
    with mpmath.workdps(60):
        root = mpmath.findroot(lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x), -0.75)
        assert abs(root + mpmath.mpf("0.751791524693564")) < 1e-12
        for offset, sign in [(mpmath.mpf(10) ** -25, 1), (-mpmath.mpf(10) ** -25, -1)]:
            point = R(mpmath.nstr(root + offset, 40))
            coefficient = get_activation("gelu").coefficients(1, point)[1]
            assert coefficient.proven and not coefficient.is_zero
            assert mpmath.sign(as_mp(coefficient.value)) == sign
            assert series._gelu_slope_sign(Fraction(point.p, point.q)) == (sign, True)
    assert series._gelu_slope_sign(Fraction(-3, 4)) == (1, True)  # Φ(−¾) − ¾φ(−¾) ≈ +0.0008
    assert series._gelu_slope_sign(Fraction(-2)) == (-1, True)


def test_relu_at_zero_message():
    with pytest.raises(DepthsepError, match=r"^relu has no Taylor series at 0 \(not differentiable there\)$"):
        get_activation("relu").taylor(3, 0)


# ---------------------------------------------------------------------------------------------
# Speed: degree 40 at a = 0 and a = 1/2 in well under a second for every built-in
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_degree_40_is_fast(name):
    series._DERIVATIVE_CACHE.clear()  # time the cold path
    activation = get_activation(name)
    for point in (0, HALF):
        start = time.perf_counter()
        try:
            activation.taylor(40, point)
        except DepthsepError:
            assert name == "relu" and point == 0
        assert time.perf_counter() - start < 1.0
