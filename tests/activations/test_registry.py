"""The activation registry: one entry per σ gives every form of it, and they agree when evaluated.

A test-only σ(x) = e^{x/2} (all Taylor coefficients 1/(2^k k!) ≠ 0) is registered in ONE place — the
``half_exp`` fixture, name + formula + σ' in terms of the output — and is then built into a network,
exported to every format, read back, run by onnxruntime and torch, and trained; every result is
compared with the numpy evaluation of the same network.
"""

from __future__ import annotations

import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given

from depthsep.activations import (
    BUILTINS, REGISTERED, TRAINABLE, X, get_activation, hypotheses, register_activation, unregister_activation,
)
from depthsep.errors import DepthsepError
from depthsep.network import Network, load_network
from fuzzing import FUZZ, texty

GRID = np.concatenate([np.linspace(-6, 6, 49), [-0.3, 1e-3, 2.5]])
TOY = "test_half_exp"


@pytest.fixture
def half_exp():
    activation = register_activation(TOY, "exp(x/2)", derivative=lambda h: h / 2)
    yield activation
    unregister_activation(TOY)


def reference(activation, points) -> np.ndarray:
    """σ from its sympy expression at 30 digits: independent of every numerical form."""
    return np.array([float(activation.expr.subs(X, sp.Float(repr(float(v)), 30)).evalf(30)) for v in points])


# -- every registered σ: its forms agree -----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_numpy_mpmath_torch_and_module_agree_with_the_formula(name):
    activation = get_activation(name)
    expected = reference(activation, GRID)
    as_tensor = torch.tensor(GRID, dtype=torch.float64)
    np.testing.assert_allclose(activation.numpy_fn(GRID), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(activation.torch_fn(as_tensor).numpy(), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(activation.module()(as_tensor).numpy(), expected, rtol=1e-13, atol=1e-15)
    with mpmath.workdps(30):
        from_mpmath = [float(activation.mpmath_fn(mpmath.mpf(repr(float(v))))) for v in GRID]
    np.testing.assert_allclose(from_mpmath, expected, rtol=1e-15, atol=1e-300)
    assert activation.at_zero == pytest.approx(float(activation.expr.subs(X, 0)), abs=1e-15)


@pytest.mark.parametrize("name", sorted(REGISTERED))
def test_float32_stays_float32(name):
    activation = get_activation(name)
    values = activation.numpy_fn(GRID.astype(np.float32))
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, reference(activation, GRID.astype(np.float32)), rtol=2e-6, atol=1e-6)
    assert activation.torch_fn(torch.tensor(GRID, dtype=torch.float32)).dtype == torch.float32


@pytest.mark.parametrize("name", sorted(TRAINABLE))
@pytest.mark.parametrize("device_type", ["cpu", "cuda"])
def test_training_kernels_equal_autograd_of_torch_fn(name, device_type):
    # Built for either device type, run on the CPU: only the choice of kernel depends on the device.
    activation = get_activation(name)
    kernel = activation.kernel(device_type)
    assert kernel.name == name and kernel.at_zero == activation.at_zero
    z = torch.tensor(GRID[GRID != 0], dtype=torch.float32).reshape(3, -1).requires_grad_(True)  # no 0: relu has a kink
    h_expected = activation.torch_fn(z)
    dh = torch.linspace(-1, 1, z.numel()).reshape(z.shape)
    (dz_expected,) = torch.autograd.grad(h_expected, z, dh)
    with torch.no_grad():
        h = torch.empty_like(z)
        kernel.forward(kernel.gain * z, h)
        dz = dh.clone()
        kernel.backward(dz, h, dz)  # in place, as the engine runs it
    torch.testing.assert_close(h, h_expected.detach(), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(dz, dz_expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REGISTERED))
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_onnx_forms_match_numpy(tmp_path, name, precision):
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(3)
    net = Network([(rng.normal(size=(6, 2)), rng.normal(size=6)), (rng.normal(size=(1, 6)), rng.normal(size=1))],
                  name, precision=precision)
    x = rng.uniform(-2, 2, size=(40, 2)).astype(precision)
    try:
        path = net.save(tmp_path / "n.onnx")
    except DepthsepError as err:  # the one refusal: onnxruntime has no float64 Erf
        assert (name, precision) == ("gelu", "float64") and "Erf" in str(err) and "\n" not in str(err)
        return
    y = ort.InferenceSession(str(path)).run(None, {"x": x})[0][:, 0]
    assert y.dtype == np.dtype(precision)
    tolerance = 1e-12 if precision == "float64" else 1e-5
    np.testing.assert_allclose(y, net(x), rtol=tolerance, atol=tolerance)


# -- what cannot be done says so, in one line ------------------------------------------------------

def test_silu_and_gelu_do_not_train():
    assert set(TRAINABLE) == {"tanh", "sigmoid", "relu", "softplus", "exp"}
    for name in ("silu", "swish", "gelu"):
        with pytest.raises(DepthsepError, match="cannot be trained") as info:
            get_activation(name).kernel("cpu")
        assert "\n" not in str(info.value)


def test_a_typed_formula_is_theory_only():
    cubic = get_activation("x**3 + x")
    assert cubic.taylor(4) == [0, 1, 0, 1, 0]
    assert [h["holds"] for h in hypotheses(cubic, 1)][:1] == [False]  # σ_0 = 0
    np.testing.assert_allclose(cubic.numpy_fn(GRID), GRID**3 + GRID)
    for attempt in (lambda: cubic.kernel("cpu"), lambda: Network([(np.eye(1), np.zeros(1))] * 2, "x**3 + x")):
        with pytest.raises(DepthsepError, match="registered") as info:
            attempt()
        assert "\n" not in str(info.value)


def test_model_specs_name_the_registered_activation():
    from depthsep.train import ModelSpec

    assert ModelSpec("product:2", layers=1, width=4, activation=" TANH ").activation == "tanh"
    assert ModelSpec("product:2", layers=1, width=4, activation="logistic").activation == "sigmoid"
    for bad in ("swish", "x**3 + x", "nosuch"):
        with pytest.raises(DepthsepError):
            ModelSpec("product:2", layers=1, width=4, activation=bad)


def test_registration_is_checked():
    with pytest.raises(DepthsepError, match="already registered"):
        register_activation("tanh", "tanh(x)")
    with pytest.raises(DepthsepError, match="already registered"):
        register_activation("anything", "x", aliases=("swish",))
    with pytest.raises(DepthsepError, match="lower-case"):
        register_activation("Tanh2", "tanh(x)")
    with pytest.raises(DepthsepError, match="no registered"):
        unregister_activation("nosuch")
    assert "anything" not in REGISTERED


def test_importing_the_registry_loads_neither_sympy_nor_torch():
    code = ("import sys, depthsep.activations as A; A.get_activation('tanh').numpy_fn([0.5]); "
            "print(sorted(m for m in ('sympy', 'torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- names and formulas: a built-in's formula finds it, anything else is one line ------------------

def test_user_formula_matching_a_builtin_is_the_builtin():
    assert get_activation("tanh(x)") is BUILTINS["tanh"]
    assert get_activation("log(1+exp(x))") is BUILTINS["softplus"]
    assert get_activation(" TANH ") is BUILTINS["tanh"]
    assert get_activation("swish") is BUILTINS["silu"]


@pytest.mark.parametrize("text", ["softmax", "__import__('os').system('echo hi')", "x*y", "", "3",
                                  "x.real", "lambda: 1", "x; y"])
def test_bad_activation_names(text):
    with pytest.raises(DepthsepError) as info:
        get_activation(text)
    message = str(info.value)
    assert "\n" not in message
    if text.strip() and text != "3":
        assert "tanh" in message and "gelu" in message  # names the known activations


def test_complex_constants_are_refused():
    with pytest.raises(DepthsepError):
        get_activation("x + sqrt(-1)")


@FUZZ
@given(texty)
def test_activation_parser_never_crashes(text):
    try:
        get_activation(text)
    except DepthsepError as err:
        assert "\n" not in str(err)


# -- a σ registered in one place: built, exported, read back, trained -------------------------------

def test_registered_toy_has_exact_coefficients(half_exp):
    assert half_exp.taylor(6) == [sp.Rational(1, 2**k * math.factorial(k)) for k in range(7)]
    assert half_exp.taylor(2, "1/2")[0] == sp.exp(sp.Rational(1, 4))
    assert all(entry["holds"] and entry["exact"] for entry in hypotheses(TOY, 3, n_vars=4))
    assert get_activation("exp(x/2)") is half_exp  # the formula finds the entry
    assert TOY in REGISTERED and TOY in TRAINABLE


def test_registered_toy_builds_exports_and_reads_back(tmp_path, half_exp):
    ort = pytest.importorskip("onnxruntime")
    from depthsep.construct.build import build
    from depthsep.poly import parse_polynomial

    net = build("x1*x2", "1", TOY, "bias", 1e-4, 1.0).network
    assert net.activation == TOY
    x = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    expected = net(x)
    assert np.max(np.abs(expected - parse_polynomial("x1*x2").evaluate(x))) < 1e-4

    for suffix in (".json", ".onnx", ".pt", ".pt2"):
        again = load_network(net.save(tmp_path / f"n{suffix}"))
        assert again.activation == TOY and again.hidden_widths == net.hidden_widths
        np.testing.assert_array_equal(again(x), expected)
    y_onnx = ort.InferenceSession(str(tmp_path / "n.onnx")).run(None, {"x": x})[0][:, 0]
    y_module = net.to_torch()(torch.from_numpy(x)).detach().numpy()[:, 0]
    y_program = torch.export.load(tmp_path / "n.pt2").module()(torch.from_numpy(x)).detach().numpy()[:, 0]
    for y in (y_onnx, y_module, y_program):
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-9)  # N cancels terms ∝ 1/δ²: round-off, not σ


def test_registered_toy_trains(half_exp):
    from depthsep.train import ModelSpec, plan_groups, train_group

    spec = ModelSpec("product:2", layers=2, width=6, activation=TOY, loss="l2", optimizer="adam", lr=1e-2,
                     steps=40, batch_size=64, test_size=500)
    kept = []
    (_, result), = train_group(plan_groups([spec], torch.device("cpu"))[0], "cpu", keep=kept)
    assert result.status == "done" and math.isfinite(result.test_mae) and math.isfinite(result.test_rmse)
    ensemble = kept[0]
    trained = Network([(w.double().numpy(), b.double().numpy()) for w, b in ensemble.export(0)], TOY,
                      precision="float32")
    x = torch.rand(100, 2) * 2
    np.testing.assert_allclose(ensemble.predict(x)[0].numpy(), trained(x.numpy()), rtol=1e-5, atol=1e-5)
