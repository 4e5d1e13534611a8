"""Product trees: the built widths are the theory engine's optimal schedule (plus one σ(0) per identity
gate in the paper model), evaluated against the product."""

import numpy as np
import pytest

from depthsep.construct.build import build
from depthsep.poly import parse_polynomial
from depthsep.theory.tree import optimal_tree


def sup_gap(network, poly, radius=1.0, m=4000, seed=1):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(-radius, radius, size=(m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


@pytest.mark.parametrize("n, k", [(8, 2), (20, 2), (20, 3), (12, 4)])
def test_product_tree_widths_are_the_optimal_schedule(n, k):
    poly = "*".join(f"x{i}" for i in range(1, n + 1))
    b = build(poly, str(k), "tanh", "bias")
    tree = optimal_tree(n, k)
    assert b.network.hidden_widths == tree.widths
    assert b.network.neurons == tree.neurons
    assert sup_gap(b.network, poly) < 1e-3


def test_paper_model_tree_adds_one_sigma0_per_layer_with_identity_gates():
    # n = 7, K = 3: schedule [3, 1, 1]; layer 3 is one identity gate, which in the paper model needs
    # the σ(0) neuron that carries its constant: 16 + 8 + (1 + 1).
    b = build("x1*x2*x3*x4*x5*x6*x7", "3", "exp", "paper")
    assert b.network.hidden_widths == [16, 8, 2] and not b.network.has_biases
    assert b.report["promised"] == 25 and "sigma(0)" in b.report["note"]
    assert sup_gap(b.network, "x1*x2*x3*x4*x5*x6*x7") < 1e-3
