"""Tests for depthsep.activations: exact Taylor coefficients, zero tests, hypotheses, evaluation.

Expected values are worked from closed forms (tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315,
sigmoid = (1 + tanh(x/2))/2, softplus' = sigmoid, gelu = x·Φ(x) with Φ' = φ, …), never read off
the implementation; the numerical cross-checks use mpmath.taylor at 50 digits.
"""

from __future__ import annotations

import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsep import activations as A
from depthsep.activations import (
    BUILTINS, X, Activation, activation_from_expr, get_activation, hypotheses, nonzero_up_to, zero_test,
)
from depthsep.errors import DepthsepError

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


def as_mp(value) -> mpmath.mpf:
    return mpmath.mpf(str(sp.N(value, 45)))


def assert_close_to_taylor(coefficients, function, point, tolerance=1e-25):
    with mpmath.workdps(50):
        reference = mpmath.taylor(function, mpmath.mpf(point.p) / point.q, len(coefficients) - 1)
        for k, (ours, theirs) in enumerate(zip(coefficients, reference)):
            assert abs(as_mp(ours) - theirs) <= tolerance * (1 + abs(theirs)), (k, ours, theirs)


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


def test_user_formula_matching_a_builtin_is_the_builtin():
    assert get_activation("tanh(x)") is BUILTINS["tanh"]
    assert get_activation("log(1+exp(x))") is BUILTINS["softplus"]
    assert get_activation(" TANH ") is BUILTINS["tanh"]
    assert get_activation("swish") is BUILTINS["silu"]


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
            assert A._gelu_slope_sign(Fraction(point.p, point.q)) == (sign, True)
    assert A._gelu_slope_sign(Fraction(-3, 4)) == (1, True)  # Φ(−¾) − ¾φ(−¾) ≈ +0.0008
    assert A._gelu_slope_sign(Fraction(-2)) == (-1, True)


def test_zero_test_levels():
    assert zero_test(R(0)) == (True, True)
    assert zero_test(sp.tanh(HALF)) == (False, True)  # interval enclosure excludes 0
    assert zero_test(sp.log(6) - sp.log(2) - sp.log(3))[0] is True
    assert zero_test(sp.exp(-200))[0] is False


def test_user_formula_exactness_flags():
    coefficients = get_activation("log(1+exp(x))+x**3").coefficients(20, HALF)
    assert all(c.proven for c in coefficients) and nonzero_up_to(coefficients) == 20
    # tanh(x) − (e^{2x} − 1)/(e^{2x} + 1) ≡ 0, but its constants tanh(½) and e are treated as
    # independent: the zeros are found numerically and flagged as such.
    identically_zero = get_activation("tanh(x) - (exp(2*x) - 1)/(exp(2*x) + 1)").coefficients(3, HALF)
    assert all(c.is_zero for c in identically_zero)
    assert not all(c.proven for c in identically_zero)


def test_nonzero_up_to():
    assert nonzero_up_to([1, 2, 0, 3]) == 1
    assert nonzero_up_to([0, 1]) == -1
    assert nonzero_up_to([]) == -1
    assert nonzero_up_to([sp.log(2), HALF, sp.pi]) == 2
    assert nonzero_up_to(get_activation("tanh").taylor(5)) == -1
    assert nonzero_up_to(get_activation("sigmoid").taylor(5)) == 1
    assert nonzero_up_to(get_activation("exp").taylor(30)) == 30


# ---------------------------------------------------------------------------------------------
# Theorem hypotheses
# ---------------------------------------------------------------------------------------------

def by_theorem(entries):
    return {entry["theorem"]: entry for entry in entries}


def test_tanh_at_zero_fails_degree_two_and_the_square_gate():
    entries = by_theorem(hypotheses("tanh", 2))
    up_to_d = entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]
    assert not up_to_d["holds"] and up_to_d["first_zero"] == 0 and up_to_d["zeros"] == [0, 2]
    square = entries["square gate"]
    assert not square["holds"] and square["needed"] == [2] and square["first_zero"] == 0
    assert all(entry["exact"] for entry in entries.values())


def test_tanh_thm_4_4_needs_only_the_dth_coefficient():
    entry = by_theorem(hypotheses("tanh", 3))["Thm 4.4"]
    assert entry["holds"] and entry["needed"] == [3]  # σ_3 = −1/3
    assert entry["first_zero"] == 0  # reported honestly although Thm 4.4 does not need σ_0


def test_tanh_at_half_satisfies_everything():
    entries = hypotheses("tanh", 10, point=HALF, n_vars=20)
    assert all(entry["holds"] and entry["first_zero"] is None and entry["exact"] for entry in entries)
    assert "Thm 5.1" in by_theorem(entries)


def test_sigmoid_at_zero_fails_at_degree_two():
    entries = by_theorem(hypotheses("sigmoid", 2))
    assert entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["first_zero"] == 2
    assert not entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]
    assert by_theorem(hypotheses("sigmoid", 1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]


@pytest.mark.parametrize("d", [0, 1, 5, 20])
def test_exp_satisfies_every_hypothesis(d):
    entries = hypotheses("exp", d, n_vars=max(d, 1))
    assert all(entry["holds"] and entry["first_zero"] is None for entry in entries)


def test_thm_5_1_uses_n_vars():
    entry = by_theorem(hypotheses("sigmoid", 1, n_vars=3))["Thm 5.1"]
    assert not entry["holds"] and entry["first_zero"] == 2 and entry["needed"] == [0, 1, 2, 3]


def test_relu_hypotheses():
    at_zero = hypotheses("relu", 2)
    assert all(not entry["holds"] and "not differentiable" in entry["note"] for entry in at_zero)
    at_half = by_theorem(hypotheses("relu", 1, point=HALF))
    assert at_half["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]  # a + h: linear polynomials are fine
    assert not at_half["square gate"]["holds"]
    assert by_theorem(hypotheses("relu", 1, point=-1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["first_zero"] == 0


def test_hypotheses_accept_user_formulas_and_activation_objects():
    entries = by_theorem(hypotheses("x + x**2/2", 2, point=HALF))
    assert entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]
    assert entries["Thm 4.1 / Thm 4.3 / Prop 4.6"]["first_zero"] == 3
    assert isinstance(BUILTINS["gelu"], Activation)
    assert not by_theorem(hypotheses(BUILTINS["gelu"], 1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]


# ---------------------------------------------------------------------------------------------
# Numerical functions
# ---------------------------------------------------------------------------------------------

GRID = np.concatenate([np.linspace(-6, 6, 49), [-0.3, 1e-3, 2.5]])


def sympy_values(expr, points):
    return np.array([float(expr.subs(X, sp.Float(repr(float(v)), 30)).evalf(30)) for v in points])


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_numpy_torch_and_sympy_agree(name):
    activation = get_activation(name)
    reference = sympy_values(activation.expr, GRID)
    from_numpy = activation.numpy_fn(GRID)
    from_torch = activation.torch_fn(torch.tensor(GRID, dtype=torch.float64)).numpy()
    assert from_numpy.dtype == np.float64
    np.testing.assert_allclose(from_numpy, reference, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(from_torch, reference, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("text", ["x*tanh(x)", "max(x, 0) + min(1, x**2)", "sqrt(2)*x + pi", "abs(x)*sign(x)",
                                  "erf(x) + floor(x)", "2**x", "log(1+exp(x)) + x**3", "atan(x)*exp(-x)"])
def test_user_numpy_torch_lambdify_agree(text):
    activation = get_activation(text)
    reference = sp.lambdify(X, activation.expr, modules=["scipy", "numpy"])(GRID)  # an independent path
    np.testing.assert_allclose(activation.numpy_fn(GRID), reference, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(activation.torch_fn(torch.tensor(GRID)).numpy(), reference, rtol=1e-12, atol=1e-14)
    as_float32 = activation.torch_fn(torch.tensor(GRID, dtype=torch.float32))
    assert as_float32.dtype == torch.float32 and as_float32.shape == (len(GRID),)


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["softmax", "__import__('os').system('echo hi')", "x*y", "", "3",
                                  "x.real", "lambda: 1", "x; y"])
def test_bad_activation_names(text):
    with pytest.raises(DepthsepError) as info:
        get_activation(text)
    message = str(info.value)
    assert "\n" not in message
    if text.strip() and text != "3":
        assert "tanh" in message and "gelu" in message  # names the known activations


@pytest.mark.parametrize("degree", [-1, 1.5, True, "3", A.MAX_DEGREE + 1])
def test_bad_degree(degree):
    with pytest.raises(DepthsepError):
        get_activation("tanh").taylor(degree)


@pytest.mark.parametrize("point", [float("nan"), float("inf"), -float("inf"), sp.pi, sp.sqrt(2), "abc", None, True])
def test_bad_point(point):
    with pytest.raises(DepthsepError):
        get_activation("tanh").taylor(2, point)


def test_relu_at_zero_message():
    with pytest.raises(DepthsepError, match=r"^relu has no Taylor series at 0 \(not differentiable there\)$"):
        get_activation("relu").taylor(3, 0)


def test_points_are_read_exactly():
    tanh = get_activation("tanh")
    expected = tanh.taylor(3, Fraction(1, 10))
    for point in (0.1, "0.1", "1/10", R(1, 10), np.float64(0.1)):
        assert tanh.taylor(3, point) == expected
    assert get_activation("relu").taylor(2, np.int64(2)) == [2, 1, 0]


def test_hypotheses_bad_inputs():
    with pytest.raises(DepthsepError):
        hypotheses("tanh", -1)
    with pytest.raises(DepthsepError):
        hypotheses("tanh", 2, n_vars=0)
    with pytest.raises(DepthsepError):
        hypotheses("tanh", 2, point=float("nan"))
    with pytest.raises(DepthsepError, match="above the limit"):
        hypotheses("tanh", A.MAX_DEGREE)  # needs 2d coefficients


def test_complex_constants_are_refused():
    with pytest.raises(DepthsepError):
        get_activation("x + sqrt(-1)")


# ---------------------------------------------------------------------------------------------
# Speed: degree 40 at a = 0 and a = 1/2 in well under a second for every built-in
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_degree_40_is_fast(name):
    A._DERIVATIVE_CACHE.clear()  # time the cold path
    activation = get_activation(name)
    for point in (0, HALF):
        start = time.perf_counter()
        try:
            activation.taylor(40, point)
        except DepthsepError:
            assert name == "relu" and point == 0
        assert time.perf_counter() - start < 1.0
