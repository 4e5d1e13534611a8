"""The network type: precision, the four file formats (each read back and run by its own tool), refusals.

Every check evaluates networks — numpy, onnxruntime, torch, torch.export, mpmath — and compares
the numbers; the .pt rebuild recipe is the one printed in ``depthsep.network``'s docstring, run by a
plain Python process.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import depthsep.network as network_module
from depthsep.activations import REGISTERED
from depthsep.construct.build import build
from depthsep.errors import DepthsepError
from depthsep.network import SUFFIXES, Network, check_output, load_network
from depthsep.poly import parse_polynomial


def random_network(activation="softplus", precision="float64", widths=(5, 4), n=3, seed=0) -> Network:
    rng = np.random.default_rng(seed)
    sizes = [n, *widths, 1]
    layers = [(rng.normal(size=(o, i)) / np.sqrt(i), rng.normal(size=o) / 2) for i, o in zip(sizes, sizes[1:])]
    return Network(layers, activation, {"target": "test"}, precision)


X = np.random.default_rng(9).uniform(-1.5, 1.5, size=(64, 3))


# -- precision --------------------------------------------------------------------------------------

def test_float32_network_holds_and_computes_float32():
    net = random_network(precision="float32")
    assert all(w.dtype == np.float32 and b.dtype == np.float32 for w, b in net.layers)
    y = net(X)
    assert y.dtype == np.float32
    h = X.astype(np.float32)  # the same arithmetic written out
    for i, (w, b) in enumerate(net.layers):
        h = h @ w.T + b
        if i < len(net.layers) - 1:
            h = np.logaddexp(np.float32(0), h)
    np.testing.assert_allclose(y, h[:, 0], rtol=1e-6, atol=1e-6)
    in_float64 = net(X, dtype="float64")
    assert in_float64.dtype == np.float64
    assert 0 < np.max(np.abs(in_float64 - y)) < 1e-5  # the same weights, another round-off


def test_replace_rounds_to_the_precision_and_json_keeps_it(tmp_path):
    net = random_network()
    single = dataclasses.replace(net, precision="float32")
    for (w, b), (w32, b32) in zip(net.layers, single.layers):
        assert np.array_equal(w32, w.astype(np.float32)) and np.array_equal(b32, b.astype(np.float32))
    again = load_network(single.save(tmp_path / "n.json"))
    assert again.precision == "float32" and again.to_dict()["meta"]["precision"] == "float32"
    assert np.array_equal(again(X), single(X))
    assert dataclasses.replace(single, precision="float64")(X).dtype == np.float64


def test_bad_precisions_are_refused():
    with pytest.raises(DepthsepError, match="precision"):
        random_network(precision="float16")
    huge = [(np.full((2, 1), 1e300), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))]
    with pytest.raises(DepthsepError, match="finite in float32") as info:
        Network(huge, "tanh", precision="float32")
    assert "\n" not in str(info.value)
    assert Network(huge, "tanh").precision == "float64"


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_high_precision_evaluation_agrees(name):
    net = random_network(name, widths=(4,), seed=2)
    np.testing.assert_allclose(net.evaluate_mp(X[:5], dps=40), net(X[:5]), rtol=1e-12, atol=1e-13)


# -- files ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_format_reads_back_the_same_network(tmp_path, suffix, precision):
    net = random_network("tanh", precision)
    path = net.save(tmp_path / f"n{suffix}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind
    again = load_network(path)
    assert again.precision == precision and again.activation == "tanh" and again.meta["target"] == "test"
    for (w, b), (w2, b2) in zip(net.layers, again.layers):
        assert np.array_equal(w, w2) and np.array_equal(b, b2) and w2.dtype == np.dtype(precision)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_onnx_runs_in_the_network_precision(tmp_path, precision):
    ort = pytest.importorskip("onnxruntime")
    net = random_network("softplus", precision)
    session = ort.InferenceSession(str(net.save(tmp_path / "n.onnx")))
    y = session.run(None, {"x": X.astype(precision)})[0][:, 0]
    assert y.dtype == np.dtype(precision)
    np.testing.assert_allclose(y, net(X), rtol=1e-12 if precision == "float64" else 1e-5, atol=1e-6)


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_pt2_loads_with_torch_export_alone(tmp_path, precision):
    net = random_network("softplus", precision)
    program = torch.export.load(net.save(tmp_path / "n.pt2")).module()
    dtype = getattr(torch, precision)
    for rows in (1, 9):  # the batch dimension is dynamic, down to a single point
        y = program(torch.from_numpy(X[:rows]).to(dtype))
        assert y.dtype == dtype and y.shape == (rows, 1)
        np.testing.assert_allclose(y.detach().numpy()[:, 0], net(X[:rows]), rtol=1e-6 if precision == "float32" else 1e-14)


def _recipe() -> str:
    """The rebuild recipe of the module docstring, as the code block a reader would copy."""
    doc = network_module.__doc__
    start = doc.index("      import torch\n")
    end = doc.index("net = nn.Sequential(*modules)", start) + len("net = nn.Sequential(*modules)")
    return textwrap.dedent(doc[start:end])


@pytest.mark.parametrize("activation, precision", [("softplus", "float32"), ("sigmoid", "float64"), ("gelu", "float64")])
def test_pt_loads_with_torch_load_and_the_documented_recipe(tmp_path, activation, precision):
    net = random_network(activation, precision)
    net.save(tmp_path / "net.pt")
    state = torch.load(tmp_path / "net.pt")  # torch's default: weights_only=True
    assert state["activation"] == activation and state["precision"] == precision
    assert state["layers"][0]["weight"].dtype == getattr(torch, precision)
    recipe = _recipe()
    assert "depthsep" not in recipe
    torch.save(torch.from_numpy(X).to(getattr(torch, precision)), tmp_path / "x.pt")
    script = recipe + "\ntorch.save(net(torch.load('x.pt')).detach(), 'y.pt')\n"
    subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", script], cwd=tmp_path, check=True)
    y = torch.load(tmp_path / "y.pt").numpy()[:, 0]
    np.testing.assert_allclose(y, net(X), rtol=1e-6 if precision == "float32" else 1e-14, atol=1e-7)


def test_exp_has_no_torch_nn_class_and_says_so(tmp_path):
    net = random_network("exp")
    net.save(tmp_path / "net.pt")
    state = torch.load(tmp_path / "net.pt")
    assert state["torch_module"] is None and state["formula"] == "exp(x)"


# -- a built network's files ----------------------------------------------------------------------

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


# -- refusals: one line, before any work -------------------------------------------------------------

def test_bad_outputs_are_refused_before_writing(tmp_path):
    net = random_network("gelu")
    for path, fragment in [(tmp_path / "n.txt", "must end in"), (tmp_path / "no" / "n.json", "does not exist"),
                           (tmp_path / "n.onnx", "Erf")]:
        for attempt in (lambda: check_output(path, "gelu"), lambda: net.save(path)):
            with pytest.raises(DepthsepError, match=fragment) as info:
                attempt()
            assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
    assert check_output(tmp_path / "n.onnx", "gelu", "float32").suffix == ".onnx"


def test_corrupt_and_foreign_files_are_one_line_errors(tmp_path):
    net = random_network()
    bad = {
        "garbage.onnx": b"\x89\xff not onnx", "garbage.pt": b"\x89\xff not torch", "garbage.pt2": b"PK\x03 no",
        "garbage.json": b"\x89\xff\xfe", "text.json": b"{not json",
    }
    for name, content in bad.items():
        (tmp_path / name).write_bytes(content)
    net.save(tmp_path / "real.onnx")
    (tmp_path / "onnx.json").write_bytes((tmp_path / "real.onnx").read_bytes())  # the wrong suffix
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    torch.save(torch.nn.Linear(2, 1), tmp_path / "module.pt")  # a pickled class: weights_only refuses it
    (tmp_path / "net.txt").write_text("{}")
    names = [*bad, "onnx.json", "foreign.pt", "module.pt", "net.txt", "missing.pt2"]
    for name in names:
        with pytest.raises(DepthsepError) as info:
            load_network(tmp_path / name)
        assert "\n" not in str(info.value), name
    with pytest.raises(DepthsepError, match="not a depthsep network"):
        load_network(tmp_path / "foreign.pt")
    with pytest.raises(DepthsepError, match="no such network"):
        load_network(tmp_path / "missing.pt2")


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
