"""Builds for float32: a scale chosen for float32's round-off and scored in float32, or a one-line
refusal — and verify evaluates a network in the precision it was built for."""

import numpy as np
import pytest

from depthsep.construct.build import build
from depthsep.errors import DepthsepError
from depthsep.network import load_network
from depthsep.poly import parse_polynomial
from depthsep.verification import sup_error

TREE = "x1*x2*x3*x4"


@pytest.fixture(scope="module")
def trees():
    return build(TREE, "2", "tanh", "bias"), build(TREE, "2", "tanh", "bias", dtype="float32")


def test_a_float32_build_is_scaled_and_verified_in_float32(trees):
    wide, narrow = trees
    assert narrow.report["precision"] == narrow.network.precision == "float32"
    assert all(w.dtype == np.float32 for w, _ in narrow.network.layers)
    checked = sup_error(narrow.network, TREE, 1.0)  # in the network's own precision
    assert checked["precision"] == "float32" and checked["sup_error"] == narrow.report["sup_error"] < 1e-2
    # Round-off 2^-24/δ^d instead of 2^-53/δ^d: the best scale is larger.
    assert narrow.report["scale"] > 10 * wide.report["scale"]
    x = np.random.default_rng(5).uniform(-1, 1, (20_000, 4)).astype(np.float32)
    values = narrow.network(x)
    assert values.dtype == np.float32
    assert np.max(np.abs(values - parse_polynomial(TREE).evaluate(x.astype(np.float64)))) < 2 * narrow.report["sup_error"]


def test_float32_meets_epsilon_when_it_can(tmp_path):
    b = build(TREE, "2", "tanh", "bias", epsilon=1e-3, dtype="float32")
    assert b.report["sup_error"] < 1e-3
    again = load_network(b.network.save(tmp_path / "tree.json"))
    assert again.precision == "float32"
    assert sup_error(again, TREE, 1.0)["sup_error"] == b.report["sup_error"]


def test_float32_refuses_in_one_line_and_names_float64_when_float64_would_do():
    with pytest.raises(DepthsepError, match=r"^float32 cannot reach epsilon = 1e-06 .*\(best sup error .* at t = .*\); use float64$"):
        build("x1*x2", "1", "tanh", "bias", epsilon=1e-6, dtype="float32")
    assert build("x1*x2", "1", "tanh", "bias", epsilon=1e-6).report["sup_error"] < 1e-6


def test_float32_refusal_says_when_float64_cannot_either():
    poly = "x1*x2*x3*x4*x5*x6"
    with pytest.raises(DepthsepError, match="float64 cannot reach epsilon = 1e-06"):
        build(poly, "1", "tanh", "bias", epsilon=1e-6)
    with pytest.raises(DepthsepError, match=r"^float32 cannot reach .*; float64 cannot either$"):
        build(poly, "1", "tanh", "bias", epsilon=1e-6, dtype="float32")


def test_relu_builds_in_float32():
    b = build("x^2 - x", "1", "relu", epsilon=1e-3, dtype="float32")
    assert b.report["precision"] == b.network.precision == "float32"
    assert sup_error(b.network, "x^2 - x", 1.0)["sup_error"] == b.report["sup_error"] < 1e-3


@pytest.mark.parametrize("dtype", ["float16", "double", "f32"])
def test_unknown_precision_is_refused(dtype):
    with pytest.raises(DepthsepError, match="--dtype"):
        build("x1*x2", "1", "tanh", "bias", dtype=dtype)
    with pytest.raises(DepthsepError, match="--dtype"):
        sup_error(build("x1*x2", "1", "tanh", "bias").network, "x1*x2", 1.0, dtype=dtype)
