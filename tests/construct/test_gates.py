"""Each gate alone: a one-gate circuit, compiled and evaluated (float64, by the network type, not the
builder) against the monomial or polynomial it computes; a gate needing a zero coefficient is refused."""

import numpy as np
import pytest

from depthsep.construct.circuit import Circuit
from depthsep.construct.gates import identity_gate, monomial_gate, vandermonde_gate
from depthsep.errors import DepthsepError
from depthsep.poly import parse_polynomial

EXP_TAYLOR = [1.0, 1.0, 0.5, 1 / 6, 1 / 24, 1 / 120, 1 / 720]  # e^x at 0, worked by hand


def sup_gap(network, poly, radius=1.0, m=4000, seed=1):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(-radius, radius, size=(m, p.n))
    return float(np.max(np.abs(network(x) - p.evaluate(x))))


def single_gate_network(gate, n_inputs, sigma0=1.0, model="bias"):
    circuit = Circuit(n_inputs, "exp", sigma0=sigma0)
    circuit.add_layer([gate])
    circuit.output = {0: 1.0}
    return circuit.compile(model)


@pytest.mark.parametrize("model", ["paper", "bias"])
def test_square_gate(model):
    gate = monomial_gate([0], (2,), EXP_TAYLOR, 0.0, [1e-3], [1.0])
    net = single_gate_network(gate, 1, model=model)
    assert net.hidden_widths == [3 if model == "paper" else 2]  # σ(±2δu), and σ(0) in the paper model
    assert sup_gap(net, "x^2") < 1e-6


def test_product_gate_has_four_neurons():
    gate = monomial_gate([0, 1], (1, 1), EXP_TAYLOR, 0.0, [1e-3, 1e-3], [1.0, 1.0])
    net = single_gate_network(gate, 2, model="paper")
    assert net.hidden_widths == [4] and not net.has_biases
    assert sup_gap(net, "x1*x2") < 1e-6


def test_identity_gate():
    gate = identity_gate(0, EXP_TAYLOR, 0.0, 1e-7, 1.0)
    net = single_gate_network(gate, 1, model="paper")
    assert net.hidden_widths == [2]  # σ(δu) and the σ(0) that carries its constant
    assert sup_gap(net, "x") < 1e-6


def test_vandermonde_gate():
    coefficients = [-1.0, 3.0, 1.0]  # x^2 + 3x - 1
    gate = vandermonde_gate(0, coefficients, EXP_TAYLOR, 0.0, 1e-4, 1.0)
    assert sup_gap(single_gate_network(gate, 1, model="paper"), "x^2 + 3*x - 1") < 1e-5


def test_gate_refuses_a_zero_coefficient():
    tanh_at_0 = [0.0, 1.0, 0.0, -1 / 3]
    with pytest.raises(DepthsepError, match="sigma_2"):
        monomial_gate([0], (2,), tanh_at_0, 0.0, [1e-3], [1.0])
