"""Constructions: every network is evaluated (float64, by the network type, not the builder) against
its target; widths are compared with the theory engine's counts; exports round-trip."""

import json

import numpy as np
import pytest

from depthsep.construct.build import Kit, build
from depthsep.construct.circuit import Circuit
from depthsep.construct.gates import identity_gate, monomial_gate, vandermonde_gate
from depthsep.errors import DepthsepError
from depthsep.network import Network, load_network
from depthsep.poly import parse_polynomial
from depthsep.theory.bounds import bounds
from depthsep.theory.tree import optimal_tree

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


# -- each gate alone ---------------------------------------------------------------------------
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


# -- whole constructions against the theory engine ----------------------------------------------
@pytest.mark.parametrize("poly", ["x1*x2", "x1^3*x2^2*x3", "x1*x2 + x3*x4", "x1^2 + x2^2 + 1", "x^5", "x^2 + 3*x - 1"])
def test_shallow_paper_model_has_exactly_shallow_upper_neurons(poly):
    b = build(poly, "1", "exp", "paper")
    assert b.network.neurons == bounds(poly).shallow_upper == b.report["promised"]
    assert len(b.network.hidden_widths) == 1
    assert not b.network.has_biases  # the paper model: every bias array is zero
    assert sup_gap(b.network, poly) < 1e-3


@pytest.mark.parametrize("poly", ["x^13", "x1^3*x2^2*x3", "x1*x2*x3*x4*x5", "x1^2*x2 + 3*x3 - 1", "x^8 + x"])
@pytest.mark.parametrize("activation, model", [("exp", "paper"), ("tanh", "bias"), ("sigmoid", "bias"), ("silu", "bias"), ("gelu", "bias")])
def test_deep_within_the_theorem_bound(poly, activation, model):
    b = build(poly, "deep", activation, model)
    assert b.network.neurons <= bounds(poly).deep_upper
    assert sup_gap(b.network, poly) < 1e-4
    assert b.report["sup_error"] >= sup_gap(b.network, poly, seed=7) * 0.5  # verify is not blind


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


def test_epsilon_is_met_and_scale_grows_with_epsilon():
    loose = build("x1*x2*x3", "1", "exp", "paper", epsilon=1e-2)
    tight = build("x1*x2*x3", "1", "exp", "paper", epsilon=1e-6)
    assert loose.report["sup_error"] < 1e-2 and tight.report["sup_error"] < 1e-6
    assert loose.network.neurons == tight.network.neurons == 8  # Theorem 3.4: the count does not grow
    assert loose.report["scale"] > tight.report["scale"]


def test_radius_is_honoured():
    b = build("x1*x2", "1", "exp", "bias", epsilon=1e-4, radius=3.0)
    assert sup_gap(b.network, "x1*x2", radius=3.0) < 1e-4


# -- exports -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def deep_network():
    return build("x1^2*x2 + 3*x3", "deep", "softplus", "bias").network


def test_json_round_trip_is_exact(tmp_path, deep_network):
    path = deep_network.save(tmp_path / "n.json")
    data = json.loads(path.read_text())
    assert data["format"] == "depthsep.mlp/1" and data["activation"] == "softplus"
    assert data["meta"]["neurons"] == deep_network.neurons and data["meta"]["target"] == "x1^2*x2 + 3*x3"
    again = load_network(path)
    x = np.random.default_rng(0).uniform(-1, 1, (100, 3))
    assert np.array_equal(again(x), deep_network(x))


def test_onnx_round_trip(tmp_path, deep_network):
    ort = pytest.importorskip("onnxruntime")
    path = deep_network.save(tmp_path / "n.onnx")
    x = np.random.default_rng(0).uniform(-1, 1, (100, 3))
    y = ort.InferenceSession(str(path)).run(None, {"x": x})[0][:, 0]
    assert np.allclose(y, deep_network(x), rtol=0, atol=1e-5)
    assert np.allclose(y, parse_polynomial("x1^2*x2 + 3*x3").evaluate(x), atol=1e-4)


def test_torch_export_round_trip(tmp_path, deep_network):
    # .pt2: a torch.export program a plain torch user loads, without depthsep.
    import torch

    path = deep_network.save(tmp_path / "n.pt2")
    x = np.random.default_rng(0).uniform(-1, 1, (100, 3))
    y = torch.export.load(str(path)).module()(torch.from_numpy(x)).detach().numpy()[:, 0]
    assert np.allclose(y, parse_polynomial("x1^2*x2 + 3*x3").evaluate(x), atol=1e-4)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "softplus", "exp", "silu"])
def test_every_activation_exports_identically(tmp_path, activation):
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(1)
    net = Network([(rng.normal(size=(5, 3)), rng.normal(size=5)), (rng.normal(size=(1, 5)), rng.normal(size=1))], activation)
    x = rng.normal(size=(50, 3))
    y = ort.InferenceSession(str(net.save(tmp_path / "n.onnx"))).run(None, {"x": x})[0][:, 0]
    assert np.allclose(y, net(x), rtol=1e-12, atol=1e-12)


def test_gelu_onnx_is_refused_not_written(tmp_path):
    net = build("x1*x2", "1", "gelu", "bias").network
    with pytest.raises(DepthsepError, match="Erf"):
        net.save(tmp_path / "g.onnx")
    assert not (tmp_path / "g.onnx").exists()
    assert net.save(tmp_path / "g.pt").exists()


# -- bad inputs ---------------------------------------------------------------------------------
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


def test_corrupt_network_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(DepthsepError, match="not valid JSON"):
        load_network(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(DepthsepError, match="not a depthsep network"):
        load_network(bad)
    with pytest.raises(DepthsepError, match="no such network"):
        load_network(tmp_path / "missing.json")


def test_kit_is_plain_data():
    kit = Kit("exp", 0.0, EXP_TAYLOR, 1.0, t=0.5)
    assert kit.t == 0.5
