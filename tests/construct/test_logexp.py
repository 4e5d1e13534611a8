"""The log–exp construction: each piece within its bound, every network evaluated (never re-read)
within ε in its metric, widths equal to the plan's count, the sign right in every orthant, bad input refused."""

import itertools
import json

import numpy as np
import pytest

from depthsep.cli import main
from depthsep.construct import logexp
from depthsep.construct.univariate import Curve, fit
from depthsep.network import load_network
from depthsep.poly import parse_polynomial

C = 1e-3
LOG = Curve(lambda x: np.log(x + C), lambda x: 1 / (x + C), lambda x: -1 / (x + C) ** 2)
EXP = Curve(np.exp, np.exp, np.exp)


def product(n: int) -> str:
    return "*".join(f"x{i}" for i in range(1, n + 1))


def dense_ratio(piece, curve, tol):
    x = np.linspace(piece.lo, piece.hi, 400_001)
    return float(np.max(np.abs(piece.error(curve, x)) / tol(x)))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus", "exp"])
def test_a_log_piece_is_within_its_bound_on_a_dense_grid(activation):
    tol = lambda x: np.full_like(x, 0.02)  # noqa: E731
    piece = fit(LOG, tol, 0.0, 2.0, activation)
    assert piece.bound <= 1.0
    assert dense_ratio(piece, LOG, tol) <= piece.bound * 1.001


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
def test_an_exp_piece_with_relative_tolerance_is_within_its_bound(activation):
    tol = lambda z: 0.02 * np.exp(z) + 1e-3  # noqa: E731
    piece = fit(EXP, tol, -12.0, 6.0, activation)
    assert piece.bound <= 1.0
    assert dense_ratio(piece, EXP, tol) <= piece.bound * 1.001


def test_a_narrower_piece_misses_the_tolerance():
    """The width search returns the fewest neurons it found: one fewer does not reach the tolerance (ReLU's bound is exact)."""
    tol = lambda x: np.full_like(x, 0.01)  # noqa: E731
    piece = fit(LOG, tol, 0.0, 2.0, "relu")
    assert fit(LOG, tol, 0.0, 2.0, "relu", max_width=piece.width).width == piece.width
    with pytest.raises(Exception, match="needs more than"):
        fit(LOG, tol, 0.0, 2.0, "relu", max_width=piece.width - 1)


def mc_error(net, poly, lo, hi, metric, samples=100_000, seed=7):
    p = parse_polynomial(poly)
    x = np.random.default_rng(seed).uniform(lo, hi, size=(samples, p.n))
    gap = np.abs(net(x) - p.evaluate(x))
    return {"mae": gap.mean(), "rmse": np.sqrt(np.mean(gap**2)), "sup": gap.max()}[metric]


@pytest.mark.parametrize("poly, domain, metric, epsilon, activation", [
    (product(4), "0:2", "mae", 0.05, "relu"),
    (product(4), "0:2", "rmse", 0.1, "tanh"),
    (product(3), "0:1", "sup", 0.01, "exp"),
    (product(4), "-1:1", "sup", 0.1, "relu"),
    ("x1^2*x2^3", "-1:1", "mae", 0.01, "softplus"),
    ("3*x1*x2^2", "-2:1", "rmse", 0.05, "sigmoid"),
    (product(5), "-1:1", "mae", 0.02, "relu"),
])
def test_built_networks_are_within_epsilon_and_as_wide_as_the_plan(poly, domain, metric, epsilon, activation):
    plan = logexp.plan(poly, domain, metric, epsilon, activation)
    net, report = logexp.build(poly, domain, metric, epsilon, activation)
    assert net.hidden_widths == plan.widths == report["hidden_widths"]
    assert report["neurons"] == report["promised"] == plan.neurons
    assert report["error"] < epsilon and report["error_bound"] <= epsilon
    lo, hi = (float(v) for v in domain.split(":"))
    assert mc_error(net, poly, lo, hi, metric) < epsilon      # a second, independent evaluation
    assert report["layers"] == (3 if lo < 0 and any(r % 2 for r in parse_polynomial(poly).monomials[0]) else 2)


def test_figure2s_product_of_twenty_within_epsilon_in_mae():
    poly = product(20)
    net, report = logexp.build(poly, "0:2", "mae", 0.1, "tanh")
    assert report["error"] < 0.1
    assert mc_error(net, poly, 0.0, 2.0, "mae", samples=50_000, seed=3) < 0.1
    assert report["hidden_widths"] == logexp.plan(poly, "0:2", "mae", 0.1, "tanh").widths


def test_the_product_of_twenty_on_a_symmetric_box_within_epsilon_in_sup():
    """Where |x1⋯x20| is large — near the corners, every sign pattern — and at random points."""
    poly = product(20)
    net, report = logexp.build(poly, "-1:1", "sup", 0.1, "tanh")
    assert report["error"] < 0.1 and net.hidden_widths == logexp.plan(poly, "-1:1", "sup", 0.1, "tanh").widths
    rng = np.random.default_rng(11)
    signs = rng.choice([-1.0, 1.0], size=(4000, 20))
    near_corners = signs * rng.uniform(0.9, 1.0, size=signs.shape)
    x = np.vstack([signs, near_corners, rng.uniform(-1, 1, size=(4000, 20))])
    assert np.abs(net(x) - parse_polynomial(poly).evaluate(x)).max() < 0.1


@pytest.mark.parametrize("activation", ["relu", "tanh", "softplus"])
def test_the_sign_is_right_in_every_orthant(activation):
    """x1·x2·x3 (all odd) and x1·x2²·x3 (x2 even) at points with every sign pattern, away from the band."""
    for poly in (product(3), "x1*x2^2*x3"):
        net, _ = logexp.build(poly, "-1:1", "sup", 0.02, activation)
        rng = np.random.default_rng(0)
        p = parse_polynomial(poly)
        for signs in itertools.product((-1.0, 1.0), repeat=3):
            x = np.array(signs) * rng.uniform(0.3, 1.0, size=(50, 3))
            exact, got = p.evaluate(x), net(x)
            assert np.all(np.sign(got) == np.sign(exact)), (poly, signs)
            assert np.max(np.abs(got - exact)) < 0.02


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_extra_layers_carry_the_inputs(activation):
    shallow, _ = logexp.build(product(4), "0:2", "mae", 0.05, activation)
    deep, report = logexp.build(product(4), "0:2", "mae", 0.05, activation, layers=5)
    assert report["layers"] == 5 and deep.hidden_widths[3:] == shallow.hidden_widths
    assert deep.hidden_widths[:3] == [4 * (1 if activation in ("relu", "tanh") else 2)] * 3
    x = np.random.default_rng(1).uniform(0, 2, size=(2000, 4))
    assert np.max(np.abs(deep(x) - shallow(x))) < 1e-5


def test_every_export_evaluates_the_same(tmp_path, capsys):
    outs = [str(tmp_path / f"n.{ext}") for ext in ("json", "onnx", "pt", "pt2")]
    args = ["build", "x1*x2*x3", "--construction", "log-exp", "--domain", "0:2", "--metric", "mae", "--epsilon", "0.05"]
    assert main(args + sum((["--out", o] for o in outs), []) + ["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    x = np.random.default_rng(2).uniform(0, 2, size=(500, 3))
    reference = load_network(outs[0])(x)
    for out in outs[1:]:
        net = load_network(out)
        assert net.hidden_widths == report["hidden_widths"]
        assert np.max(np.abs(net(x) - reference)) < 1e-9
    assert main(["verify", outs[1], "x1*x2*x3", "--domain", "0:2", "--metric", "mae", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mae"] < 0.05


@pytest.mark.parametrize("extra, says", [
    (["--epsilon", "0"], "--epsilon"),
    (["--epsilon", "-1"], "--epsilon"),
    (["--epsilon", "0.1", "--metric", "median"], "--metric"),
    ([], "give --epsilon"),
    (["--epsilon", "0.1", "--domain", "1:0"], "domain"),
    (["--epsilon", "0.1", "--domain=-1:1", "--activation", "exp"], "sign steps"),
    (["--epsilon", "0.1", "--domain=-1:1", "--layers", "2"], "at least 3"),
    (["--epsilon", "0.1", "--model", "paper"], "biases"),
    (["--epsilon", "0.1", "--construction", "fourier"], "--construction"),
])
def test_bad_input_exits_2_in_one_line(capsys, extra, says):
    code = main(["build", "x1*x2*x3", "--construction", "log-exp", *extra])
    err = capsys.readouterr().err
    assert code == 2 and says in err and err.count("\n") == 1


def test_a_polynomial_that_is_not_a_monomial_is_refused(capsys):
    assert main(["build", "x1*x2 + x3", "--construction", "log-exp", "--epsilon", "0.1"]) == 2
    assert "monomial" in capsys.readouterr().err


def test_taylor_builds_refuse_the_log_exp_options(capsys):
    assert main(["build", "x1*x2", "--metric", "mae"]) == 2
    assert "--construction log-exp" in capsys.readouterr().err


def test_an_accuracy_out_of_reach_is_refused_in_one_line(capsys):
    """sup on [0, 2]^20 asks a relative accuracy of 1e-7 where the product is 2^20: no piece gets there."""
    assert main(["build", product(20), "--construction", "log-exp", "--domain", "0:2", "--metric", "sup",
                 "--epsilon", "0.01", "--activation", "relu"]) == 2
    err = capsys.readouterr().err
    assert "neurons" in err and err.count("\n") == 1
