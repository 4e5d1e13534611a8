"""The scale search of `depthsep build`: one error per network, ε met when a scale meets it, and a
refusal only when none does — every claim checked by evaluating the returned network."""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from depthsep.construct.build import build
from depthsep.errors import DepthsepError
from depthsep.poly import parse_polynomial
from depthsep.verification import sup_error

REFUSAL = re.compile(r"(float\d+) cannot reach epsilon = ([0-9.e+-]+) .* \(best sup error ([0-9.e+-]+|inf) at t = ([0-9.e+-]+)\)")


def refusal(err: DepthsepError) -> tuple[str, float, float, float]:
    """(precision, ε, stated sup error, t) read back from a refusal's one line."""
    match = REFUSAL.search(str(err))
    assert match, str(err)
    dtype, epsilon, error, t = match.groups()
    return dtype, float(epsilon), float(error), float(t)


def test_a_scale_between_grid_points_that_meets_epsilon_is_found():
    # The grid t = 2^-k alone leaves 0.00083 at best; the network within ε sits between grid points.
    b = build("3*x1^4 - x1 + 2", "1", "softplus", "bias", epsilon=1e-3, radius=2)
    assert b.report["sup_error"] < 1e-3
    assert sup_error(b.network, "3*x1^4 - x1 + 2", 2.0)["sup_error"] == b.report["sup_error"]
    x = np.linspace(-2, 2, 4001)[:, None]
    assert np.max(np.abs(b.network(x) - parse_polynomial("3*x1^4 - x1 + 2").evaluate(x))) < 1e-3


def test_refusal_states_the_error_the_same_build_without_epsilon_reports():
    # In float64 this paper-model network cannot reach 1e-4: truncation δ² and round-off ~1e-16/δ^6
    # cross above it. The refusal names the best network's error — the one reported without ε.
    poly = "x1^3*x2^2*x3"
    best = build(poly, "1", "exp", "paper")
    assert sup_error(best.network, poly, 1.0)["sup_error"] == best.report["sup_error"]
    with pytest.raises(DepthsepError) as refused:
        build(poly, "1", "exp", "paper", epsilon=1e-4)
    dtype, epsilon, error, t = refusal(refused.value)
    assert dtype == "float64" and epsilon == 1e-4 and error > 1e-4
    assert error == pytest.approx(best.report["sup_error"], rel=1e-2)
    assert t == pytest.approx(best.report["scale"], rel=1e-2)
    # Any ε above the best error is reached, at a scale no smaller than the best one.
    reached = build(poly, "1", "exp", "paper", epsilon=2 * best.report["sup_error"])
    assert sup_error(reached.network, poly, 1.0)["sup_error"] == reached.report["sup_error"] < 2 * best.report["sup_error"]
    assert reached.report["scale"] >= best.report["scale"]


def test_with_epsilon_the_largest_scale_that_meets_it_is_kept():
    # Truncation error ∝ t² on the large-t side: a looser ε is met at a larger t, by a network
    # whose measured error is close to (not far below) what was asked.
    b = build("x1*x2", "1", "exp", "bias", epsilon=1e-3)
    assert 0.5e-3 < b.report["sup_error"] < 1e-3
    assert b.report["scale"] > build("x1*x2", "1", "exp", "bias", epsilon=1e-5).report["scale"]


CASES = [
    ("x1*x2*x3", "1", "exp", "paper"),
    ("x1^2*x2 + 3*x3 - 1", "1", "tanh", "bias"),
    ("x^5 - 2*x", "1", "softplus", "bias"),
    ("x1^3*x2", "deep", "sigmoid", "bias"),
    ("x1*x2*x3*x4", "2", "tanh", "bias"),
]


@settings(max_examples=12, deadline=None)
@given(case=st.sampled_from(CASES), exponent=st.floats(min_value=1.0, max_value=13.0))
def test_a_refusal_states_an_error_above_epsilon_and_a_success_one_below(case, exponent):
    poly, layers, activation, model = case
    epsilon = 10.0**-exponent
    try:
        b = build(poly, layers, activation, model, epsilon=epsilon)
    except DepthsepError as err:
        dtype, asked, error, _ = refusal(err)
        assert dtype == "float64" and asked == pytest.approx(epsilon, rel=1e-2)
        assert error > epsilon
        return
    assert b.report["sup_error"] < epsilon
    assert sup_error(b.network, poly, 1.0)["sup_error"] == b.report["sup_error"]


def test_a_refusal_only_when_the_best_scale_misses():
    # Without ε the build returns its best network; any ε above that network's error must succeed.
    best = build("x1*x2*x3*x4*x5", "1", "tanh", "bias").report["sup_error"]
    assert build("x1*x2*x3*x4*x5", "1", "tanh", "bias", epsilon=best * 1.5).report["sup_error"] < best * 1.5
    with pytest.raises(DepthsepError, match="float64 cannot reach"):
        build("x1*x2*x3*x4*x5", "1", "tanh", "bias", epsilon=best / 2)


def test_distinct_digits_in_a_refusal():
    # An error a hair above ε must not print as ε itself.
    from depthsep.construct.build import _distinct

    assert _distinct(1e-3, 0.0010004) == ("0.001", "0.0010004")
    assert _distinct(1e-3, 0.00143) == ("0.001", "0.00143")
    assert math.isinf(float(_distinct(1e-3, math.inf)[1]))
