"""Deep constructions: within the theorem's neuron bound for every smooth activation, evaluated against
their target, and the reported error is not blind."""

import numpy as np
import pytest

from depthsep.construct.build import build
from depthsep.poly import parse_polynomial
from depthsep.theory.bounds import bounds


def sup_gap(network, poly, radius=1.0, m=4000, seed=1):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(-radius, radius, size=(m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


@pytest.mark.parametrize("poly", ["x^13", "x1^3*x2^2*x3", "x1*x2*x3*x4*x5", "x1^2*x2 + 3*x3 - 1", "x^8 + x"])
@pytest.mark.parametrize("activation, model", [("exp", "paper"), ("tanh", "bias"), ("sigmoid", "bias"), ("silu", "bias"), ("gelu", "bias")])
def test_deep_within_the_theorem_bound(poly, activation, model):
    b = build(poly, "deep", activation, model)
    assert b.network.neurons <= bounds(poly).deep_upper
    assert sup_gap(b.network, poly) < 1e-4
    assert b.report["sup_error"] >= sup_gap(b.network, poly, seed=7) * 0.5  # verify is not blind
