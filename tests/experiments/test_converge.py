"""Theorem 3.4 made visible: every argument is checked before the ε loop; only running out at an ε
is recorded in a row."""

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments.converge import converge
from depthsep.poly import parse_polynomial
from depthsep.verification import sup_error


@pytest.mark.parametrize("kwargs", [
    dict(activation="nope"),                 # no such name, and no formula in x
    dict(activation="x**2"),                 # a formula the theory commands take, but no network is built with
    dict(activation="relu", layers="1"),     # one-hidden-layer ReLU interpolates one variable only
    dict(layers="0"), dict(layers="many"), dict(model="deep"), dict(radius=0), dict(radius="wide"),
    dict(epsilons=()), dict(epsilons=(1e-2, -1.0)),
])
def test_bad_arguments_are_refused_in_one_line(kwargs):
    with pytest.raises(DepthsepError) as info:
        converge("x1*x2", **kwargs)
    assert "\n" not in str(info.value)


def test_a_bad_figure_path_is_refused_before_building(tmp_path):
    with pytest.raises(DepthsepError, match="does not exist"):
        converge("x1*x2", out=tmp_path / "missing" / "c.png")
    with pytest.raises(DepthsepError, match=".png or .svg"):
        converge("x1*x2", out=tmp_path / "c.pdf")


def test_smooth_sigma_stays_flat_while_relu_grows_and_running_out_is_a_note(tmp_path):
    result = converge("x1^2", epsilons=(1e-1, 1e-3, 1e-12), out=tmp_path / "c.png")
    loose, tight, impossible = result["rows"]
    assert result["relu_layers"] == "1" and result["activation"] == "tanh"
    # Thm 3.4: the same tanh network size at every reachable ε; ReLU must grow
    assert loose["neurons"] == tight["neurons"] == 2
    assert loose["relu_neurons"] < tight["relu_neurons"]
    for row in (loose, tight):
        assert row["sup_error"] < row["epsilon"] and row["relu_sup_error"] < row["epsilon"]
        assert "note" not in row and "relu_note" not in row
    # no float64 network reaches 1e-12: recorded in the row, not raised
    assert impossible["neurons"] is None and "float64" in impossible["note"]
    assert impossible["relu_neurons"] is None and impossible["relu_note"]
    assert result["figures"] == [str(tmp_path / "c.png"), str(tmp_path / "c.svg")]
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "c.svg").stat().st_size > 0


def test_reported_errors_are_those_of_networks_that_exist():
    """The sup errors in a row are measured: rebuilding at that ε and evaluating gives them again."""
    from depthsep.construct.build import build

    result = converge("x1*x2", epsilons=(1e-2,))
    row = result["rows"][0]
    for activation, layers, prefix in (("tanh", "1", ""), ("relu", "deep", "relu_")):
        net = build("x1*x2", layers, activation, "bias", 1e-2, 1.0).network
        assert net.neurons == row[prefix + "neurons"]
        measured = sup_error(net, parse_polynomial("x1*x2"), 1.0)["sup_error"]
        assert measured == pytest.approx(row[prefix + "sup_error"], rel=1e-3) and measured < 1e-2
