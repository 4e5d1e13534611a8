"""`build`: ε met (the count stays, the scale moves), the radius honoured — each network evaluated
(float64, by the network type, not the builder) against its target; bad builds refused in one line."""

import numpy as np
import pytest

from depthsep.construct.build import Kit, build
from depthsep.errors import DepthsepError
from depthsep.poly import parse_polynomial

EXP_TAYLOR = [1.0, 1.0, 0.5, 1 / 6, 1 / 24, 1 / 120, 1 / 720]  # e^x at 0, worked by hand


def sup_gap(network, poly, radius=1.0, m=4000, seed=1):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(-radius, radius, size=(m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


def test_epsilon_is_met_and_scale_grows_with_epsilon():
    loose = build("x1*x2*x3", "1", "exp", "paper", epsilon=1e-2)
    tight = build("x1*x2*x3", "1", "exp", "paper", epsilon=1e-6)
    assert loose.report["sup_error"] < 1e-2 and tight.report["sup_error"] < 1e-6
    assert loose.network.neurons == tight.network.neurons == 8  # Theorem 3.4: the count does not grow
    assert loose.report["scale"] > tight.report["scale"]


def test_radius_is_honoured():
    b = build("x1*x2", "1", "exp", "bias", epsilon=1e-4, radius=3.0)
    assert sup_gap(b.network, "x1*x2", radius=3.0) < 1e-4


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(poly="x1*x2", activation="tanh", model="paper"), "sigma_2"),
        (dict(poly="x1*x2", activation="nosuch"), "activation"),
        (dict(poly="x1*x2", epsilon=0), "--epsilon"),
        (dict(poly="x1*x2", epsilon=-1), "--epsilon"),
        (dict(poly="x1*x2", radius=0), "--radius"),
        (dict(poly="x1*x2", radius=float("nan")), "--radius"),
        (dict(poly="x1^2", layers="3"), "product tree"),
        (dict(poly="x1*x2", layers="wide"), "--layers"),
        (dict(poly="x1*x2", model="other"), "--model"),
        (dict(poly="x1*x2*x3*x4*x5*x6*x7*x8", epsilon=1e-14), "float64 cannot reach"),
        (dict(poly="5"), "constant"),
    ],
)
def test_bad_builds_are_refused(kwargs, fragment):
    poly = kwargs.pop("poly")
    with pytest.raises(DepthsepError, match=fragment):
        build(poly, **{"layers": "1", **kwargs})


def test_kit_is_plain_data():
    kit = Kit("exp", 0.0, EXP_TAYLOR, 1.0, t=0.5)
    assert kit.t == 0.5
