"""`radial build` for φ(|x|): networks within ε on the ball, checked independently of their builder
(fresh points, the sphere and the centre); bad φ and bad arguments refused in one line."""

import numpy as np
import pytest

from depthsep.construct.radial_build import radial_build
from depthsep.errors import DepthsepError
from depthsep.experiments.radial_sizes import radial_sizes
from depthsep.network import load_network
from depthsep.verification import radial_sup_error


def _ball(dim, count, rng, radius=1.0):
    g = rng.standard_normal((count, dim))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    x = g * (radius * rng.random(count) ** (1 / dim))[:, None]
    sphere = g[: count // 4] * radius
    return np.vstack([x, sphere, np.zeros((1, dim))])


PHIS = {"cos(t)": np.cos, "abs(t - 1/2)": lambda r: np.abs(r - 0.5),
        "sin(8*pi*t)/(8*pi)": lambda r: np.sin(8 * np.pi * r) / (8 * np.pi)}


@pytest.mark.parametrize("layers,dim", [(2, 1), (2, 3), (2, 7), (1, 1), (1, 2), (1, 3)])
@pytest.mark.parametrize("phi", ["cos(t)", "abs(t - 1/2)"])
def test_built_networks_are_within_epsilon_on_the_ball(tmp_path, phi, layers, dim):
    epsilon = 0.05 if layers == 2 or dim < 3 else 0.1
    path = tmp_path / "net.json"
    report = radial_build(phi, dim, 1.0, epsilon, layers, out=path)
    network = load_network(path)
    assert network.hidden_widths == report["hidden_widths"] and len(network.hidden_widths) == layers
    x = _ball(dim, 4000, np.random.default_rng(7))
    error = np.max(np.abs(network(x) - PHIS[phi](np.linalg.norm(x, axis=1))))
    assert error <= epsilon
    assert report["sup_error"] <= epsilon


def test_radius_other_than_one():
    report = radial_build("t^2/4", 3, 2.0, 0.05, 2)
    assert report["sup_error"] <= 0.05 and report["radius"] == 2.0


@pytest.mark.parametrize("bad", ["2", "x + 1", "t + y", "__import__('os').system('true')", "t.real",
                                 "sqrt(t - 1/2)", "log(t)", "1/t", "t;t", "", "cos(t", "lambda: t"])
def test_bad_phi_is_refused(bad):
    with pytest.raises(DepthsepError) as info:
        radial_build(bad, 2, 1.0, 0.1, 2)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs", [dict(dim=0), dict(dim=1.5), dict(epsilon=-1), dict(layers=3), dict(layers="x"),
                                    dict(activation="tanh"), dict(radius=0), dict(lipschitz=float("nan")),
                                    dict(out="/nonexistent-dir/net.json")])
def test_bad_arguments_are_refused(kwargs):
    args = dict(phi="cos(t)", dim=2, radius=1.0, epsilon=0.1, layers=2) | kwargs
    with pytest.raises(DepthsepError) as info:
        radial_build(**args)
    assert "\n" not in str(info.value)


def test_one_layer_refuses_what_it_cannot_build():
    with pytest.raises(DepthsepError):
        radial_build("sin(8*pi*t)/(8*pi)", 8, 1.0, 0.01, 1)


def test_one_layer_orbit_build_is_within_epsilon_and_matches_sizes(tmp_path):
    phi, dim, epsilon = "cos(pi*t)/pi", 8, 0.1
    path = tmp_path / "net.json"
    report = radial_build(phi, dim, 1.0, epsilon, 1, out=path)
    assert report["cubature"] == "orbit"
    network = load_network(path)
    (row,) = [r for r in radial_sizes(phi, 1, (dim,), (epsilon,))["rows"] if r["series"] == "grid"]
    assert network.hidden_widths == row["hidden_widths"] == [2 * row["knots"] * row["directions"]]
    assert row["cubature"] == "orbit" and row["directions"] < (row["degree"] + 1) ** (dim - 1)
    target = lambda r: np.cos(np.pi * r) / np.pi  # noqa: E731
    assert radial_sup_error(network, target, dim, 1.0, samples=4000)["sup_error"] <= epsilon
    x = _ball(dim, 4000, np.random.default_rng(3))
    assert np.max(np.abs(network(x) - target(np.linalg.norm(x, axis=1)))) <= epsilon
