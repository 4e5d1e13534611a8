"""One hidden layer (the paper model): the network has exactly the theory engine's shallow upper count
of neurons, no biases, and is evaluated against its target."""

import numpy as np
import pytest

from depthsep.construct.build import build
from depthsep.poly import parse_polynomial
from depthsep.theory.bounds import bounds


def sup_gap(network, poly, radius=1.0, m=4000, seed=1):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(-radius, radius, size=(m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


@pytest.mark.parametrize("poly", ["x1*x2", "x1^3*x2^2*x3", "x1*x2 + x3*x4", "x1^2 + x2^2 + 1", "x^5", "x^2 + 3*x - 1"])
def test_shallow_paper_model_has_exactly_shallow_upper_neurons(poly):
    b = build(poly, "1", "exp", "paper")
    assert b.network.neurons == bounds(poly).shallow_upper == b.report["promised"]
    assert len(b.network.hidden_widths) == 1
    assert not b.network.has_biases  # the paper model: every bias array is zero
    assert sup_gap(b.network, poly) < 1e-3
