"""`verify`: a network's sup error measured in the precision asked for (by default its own), whatever
file format the network was read from."""

import pytest

from depthsep.construct.build import build
from depthsep.network import load_network
from depthsep.verification import sup_error

TREE = "x1*x2*x3*x4"


@pytest.fixture(scope="module")
def wide():
    return build(TREE, "2", "tanh", "bias")


def test_a_float64_network_run_in_float32_is_far_off(wide):
    assert wide.report["precision"] == wide.network.precision == "float64"
    in_float32 = sup_error(wide.network, TREE, 1.0, dtype="float32")
    assert in_float32["precision"] == "float32" and in_float32["sup_error"] > 1.0  # a target bounded by 1
    assert sup_error(wide.network, TREE, 1.0)["precision"] == "float64"


def test_verify_reads_an_onnx_network(tmp_path):
    built = build("x1*x2", "1", "tanh", "bias", 1e-3, 1.0).network
    report = sup_error(load_network(built.save(tmp_path / "n.onnx")), "x1*x2", 1.0, samples=500)
    assert report["sup_error"] < 1e-3
