"""ReLU constructions: no Taylor series, so the size must grow as ε shrinks — evaluated, not assumed."""

import numpy as np
import pytest

from depthsep.construct.build import build
from depthsep.construct.relu import deep_relu, second_derivative_bound, shallow_interpolant
from depthsep.errors import DepthsepError
from depthsep.poly import parse_polynomial


def sup_gap(network, p, radius=1.0, m=5000):
    x = np.random.default_rng(3).uniform(-radius, radius, (m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_yarotsky_square_error_is_quarter_per_sawtooth_layer(m):
    # x² = (2B)²/4·((x+0)² − (x−0)²)… here as the product x·x: error at most B² 2^(−2m−1), B = 1.
    p = parse_polynomial("x^2")
    net = deep_relu(p, 1.0, m).compile("bias")
    assert sup_gap(net, p) <= 2.0 ** (-2 * m - 1) * 1.01
    assert len(net.hidden_widths) == m + 1


def test_deep_relu_size_grows_like_log_one_over_epsilon():
    p = parse_polynomial("x1*x2*x3 + x4")
    sizes = [deep_relu(p, 1.0, m).compile("bias").neurons for m in (2, 4, 8)]
    assert sizes[0] < sizes[1] < sizes[2]
    assert sizes[2] - sizes[1] == 2 * (sizes[1] - sizes[0])  # linear in m


def test_shallow_interpolant_meets_its_bound():
    p = parse_polynomial("x^3 - 2*x")
    for knots in (4, 16, 64):
        net = shallow_interpolant(p, 2.0, knots).compile("bias")
        assert net.neurons <= knots  # a knot where the slope does not change needs no neuron
        h = 4.0 / knots
        assert sup_gap(net, p, radius=2.0) <= h * h * second_derivative_bound(p, 2.0) / 8 + 1e-12


def test_relu_build_grows_as_epsilon_shrinks():
    loose = build("x^2 - x", "1", "relu", epsilon=1e-2)
    tight = build("x^2 - x", "1", "relu", epsilon=1e-4)
    assert loose.report["sup_error"] < 1e-2 and tight.report["sup_error"] < 1e-4
    assert tight.network.neurons > 5 * loose.network.neurons  # ~ε^(−1/2): ten times as many
    deep = build("x1*x2", "deep", "relu", epsilon=1e-4)
    assert sup_gap(deep.network, parse_polynomial("x1*x2")) < 1e-4


def test_relu_refusals():
    with pytest.raises(DepthsepError, match="one variable"):
        build("x1*x2", "1", "relu", epsilon=1e-2)
    with pytest.raises(DepthsepError, match="--layers"):
        build("x1*x2", "2", "relu", epsilon=1e-2)
    with pytest.raises(DepthsepError, match="positively homogeneous"):
        build("x^2", "deep", "relu", "paper", epsilon=1e-2)


def test_relu_reports_what_it_has_and_no_scale():
    # A ReLU network has no scale t (δ of a gate): it reports its knots, or Yarotsky's sawtooth depth m.
    p = parse_polynomial("x^2 - x")
    shallow = build("x^2 - x", "1", "relu", epsilon=1e-3).report
    assert shallow["scale"] is None and "sawtooth_depth" not in shallow
    assert shallow_interpolant(p, 1.0, shallow["knots"]).compile("bias").neurons == shallow["neurons"]
    assert shallow["precision"] == "float64"
    deep = build("x1*x2", "deep", "relu", epsilon=1e-3)
    m = deep.report["sawtooth_depth"]
    assert deep.report["scale"] is None and "knots" not in deep.report
    assert deep.network.hidden_widths == deep_relu(parse_polynomial("x1*x2"), 1.0, m).compile("bias").hidden_widths
    assert sup_gap(deep_relu(parse_polynomial("x1*x2"), 1.0, m - 1).compile("bias"), parse_polynomial("x1*x2")) >= 1e-3
