"""Radial functions φ(|x|) (seed 001): constructions checked independently of their builder, their
sizes by formula, and the radial:PHI:D target."""

import math

import numpy as np
import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.network import load_network
from depthsep.construct.radial_build import radial_build
from depthsep.experiments.radial_sizes import radial_sizes
from depthsep.theory.radial import hemisphere_rule, profile, sphere_moment
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


@pytest.mark.parametrize("layers", [1, 2])
def test_sizes_formula_equals_built_widths(layers):
    phi = "sin(8*pi*t)/(8*pi)"
    dims, eps = (1, 2, 3), (0.1, 0.05)
    rows = radial_sizes(phi, layers, dims, eps)["rows"]
    for row in rows:
        if row["series"] != "grid" or (layers == 1 and row["neurons"] > 20_000):
            continue
        built = radial_build(phi, row["dim"], 1.0, row["epsilon"], layers)
        assert built["hidden_widths"] == row["hidden_widths"]
        assert built["neurons"] == row["neurons"]


def test_two_layer_size_formula_is_poly_in_d_and_L_over_eps():
    rows = radial_sizes("t", 2, (4, 16, 64), (0.1, 0.01))["rows"]
    by = {(r["dim"], r["epsilon"]): r["neurons"] for r in rows}
    # 2kd + m + 1 with k = ceil(L sqrt(d)/eps), m = ceil(2L/eps), L = 1.01
    for (d, e), n in by.items():
        k, m = math.ceil(1.01 * math.sqrt(d) / e), math.ceil(2.02 / e)
        assert n == 2 * k * d + m + 1


def test_sphere_rule_integrates_even_moments():
    for dim, degree in [(2, 3), (3, 4), (4, 3), (5, 2)]:
        U, w = hemisphere_rule(dim, degree)
        assert len(U) == (degree + 1) ** (dim - 1)
        assert np.isclose(w.sum(), 1.0)
        x = np.random.default_rng(0).standard_normal(dim)
        for k in range(degree + 1):
            assert np.isclose(np.sum(w * (U @ x) ** (2 * k)), float(sphere_moment(dim, k)) * np.linalg.norm(x) ** (2 * k))


def test_lipschitz_constant():
    assert profile("sin(3*t)").lipschitz == pytest.approx(3.03, rel=1e-3)
    assert profile("abs(t - 1/2)", lipschitz=7).lipschitz == 7.0


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


@pytest.mark.parametrize("kwargs", [dict(layers=3), dict(layers="1,x"), dict(dims="0,2"), dict(dims=()),
                                    dict(epsilons="0.1,-1"), dict(radius=-1), dict(phi="t + y"),
                                    dict(out="/nonexistent-dir/sizes.png"), dict(out="sizes.pdf")])
def test_bad_sizes_arguments_are_refused(kwargs):
    args = dict(phi="cos(t)", layers=(1, 2), dims=(2, 4), epsilons=(0.1,)) | kwargs
    with pytest.raises(DepthsepError) as info:
        radial_sizes(**args)
    assert "\n" not in str(info.value)


def test_one_layer_refuses_what_it_cannot_build():
    with pytest.raises(DepthsepError):
        radial_build("sin(8*pi*t)/(8*pi)", 8, 1.0, 0.01, 1)


def test_radial_target_values_and_distribution():
    from depthsep.train.targets import make_target

    target = make_target("radial:cos(t):8")
    assert target.n == 8 and make_target(target.name).name == target.name
    x = target.draw(torch.Generator().manual_seed(0), 50_000)
    r = torch.linalg.vector_norm(x.double(), dim=1)
    assert float(r.max()) <= 1.0 + 1e-6
    # uniform in the ball: P(|x| <= 1/2) = 2^-8
    assert abs(float((r <= 0.5).double().mean()) - 2.0**-8) < 2e-3
    assert torch.allclose(target(x.double()), torch.cos(r))
    wide = make_target("radial:abs(t - 1/2):3:2")
    y = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.3, 0.4]], dtype=torch.float64)
    assert torch.allclose(wide(y), torch.tensor([1.5, 0.0], dtype=torch.float64))
    assert float(torch.linalg.vector_norm(wide.draw(torch.Generator().manual_seed(1), 1000), dim=1).max()) <= 2.0 + 1e-5
    for bad in ["radial:cos(t)", "radial:cos(t):0", "radial:cos(x):3", "radial:log(t):2", "radial:cos(t):2:-1"]:
        with pytest.raises(DepthsepError):
            make_target(bad)


def test_radial_target_trains_through_the_engine():
    from depthsep.train import ModelSpec, train_models

    spec = ModelSpec("radial:cos(t):4", 1, 8, activation="relu", loss="l2", optimizer="adam", steps=50,
                     batch_size=64, test_size=1000)
    (result,) = train_models([spec], workers=1)
    assert result.status == "done" and result.test_rmse < 1.0


def test_sizes_plot(tmp_path):
    out = radial_sizes("cos(t)", (1, 2), (1, 2, 4), (0.1, 0.05), out=tmp_path / "sizes.png")
    assert all(p.endswith((".png", ".svg")) for p in out["figures"]) and len(out["figures"]) == 2
    assert (tmp_path / "sizes.svg").exists()


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


@pytest.mark.parametrize("cubature", ["product", "orbit", "array"])
def test_every_sphere_rule_gives_a_network_within_epsilon(cubature):
    from depthsep.construct.radial import one_layer
    from depthsep.theory.radial import plan

    prof, dim, epsilon = profile("cos(pi*t)/pi"), 5, 0.1
    sizes = plan(prof, dim, epsilon, 1)
    network = one_layer(sizes["profile"], dim, 1.0, sizes["degree"], sizes["knots"], cubature=cubature)
    assert radial_sup_error(network, prof.numpy, dim, 1.0, samples=2000, climb_steps=50)["sup_error"] <= epsilon


def test_one_layer_size_is_polynomial_in_d_at_fixed_epsilon():
    dims = (32, 64, 128)
    rows = [r for r in radial_sizes("cos(pi*t)/pi", 1, dims, (0.1,))["rows"] if r["series"] == "grid"]
    degree = rows[0]["degree"]
    assert all(r["degree"] == degree and r["cubature"] == "array" for r in rows)  # K depends on epsilon only
    for small, big in zip(rows, rows[1:]):
        assert big["directions"] / small["directions"] <= 2 ** (2 * degree + 1)
        # knots grow like max|g''|^{1/2}, g's coefficients like d^K
        assert big["neurons"] / small["neurons"] <= 2 ** (2 * degree + 1) * 2 ** (degree / 2 + 1)
    assert all(r["directions"] * 10**6 < (degree + 1) ** (r["dim"] - 1) for r in rows)  # the product rule's count
