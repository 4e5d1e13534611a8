"""Radial targets' two input laws (ball, radius) and the radial experiment that uses them."""

import json
import math

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.train.targets import make_target

POINTS = 40_000


def _draw(name, seed=0, count=POINTS):
    target = make_target(name)
    return target, target.draw(torch.Generator().manual_seed(seed), count).double()


@pytest.mark.parametrize("name,radius", [("radial:cos(pi*t):16:radius", 1.0), ("radial:cos(pi*t):3:2:radius", 2.0)])
def test_radius_law_has_uniform_norm_and_direction(name, radius):
    target, x = _draw(name)
    r = torch.linalg.vector_norm(x, dim=1)
    # |x| ~ U[0, R]: mean R/2, half below R/2, quantiles on the diagonal (KS distance ~ 1/sqrt(n))
    assert float(r.max()) <= radius * (1 + 1e-6)
    assert float(r.mean()) == pytest.approx(radius / 2, abs=0.01 * radius)
    assert float((r <= radius / 2).double().mean()) == pytest.approx(0.5, abs=0.01)
    grid = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)
    assert float((torch.quantile(r / radius, grid) - grid).abs().max()) < 0.015
    # directions uniform on the sphere: mean 0 and E u u^T = I/n, whatever the norm
    u = x / r[:, None]
    assert float(u.mean(dim=0).abs().max()) < 0.02
    assert float((u.T @ u / len(u) - torch.eye(target.n, dtype=torch.float64) / target.n).abs().max()) < 0.02
    assert torch.allclose(target(x), torch.cos(math.pi * r))


def test_radius_law_is_reproducible_and_dimension_free():
    _, a = _draw("radial:cos(pi*t):8:radius", seed=3, count=1000)
    _, b = _draw("radial:cos(pi*t):8:radius", seed=3, count=1000)
    _, c = _draw("radial:cos(pi*t):8:radius", seed=4, count=1000)
    assert torch.equal(a, b) and not torch.equal(a, c)
    # the law of |x| does not depend on d (unlike the ball's): same means at d = 2 and d = 64
    means = [float(torch.linalg.vector_norm(_draw(f"radial:t:{d}:radius")[1], dim=1).mean()) for d in (2, 64)]
    assert means == pytest.approx([0.5, 0.5], abs=0.01)


@pytest.mark.parametrize("name,radius", [("radial:cos(t):8", 1.0), ("radial:cos(t):3:2", 2.0),
                                         ("radial:cos(t):32:ball", 1.0)])
def test_old_names_still_draw_uniformly_in_the_ball(name, radius):
    target, x = _draw(name)
    assert target.distribution == "ball"
    r = torch.linalg.vector_norm(x, dim=1)
    n = target.n
    assert float(r.max()) <= radius * (1 + 1e-6)
    assert float(r.mean()) == pytest.approx(n / (n + 1) * radius, abs=0.01 * radius)   # E|x| = n/(n+1) R
    assert float(((r / radius) ** n).mean()) == pytest.approx(0.5, abs=0.01)           # (|x|/R)^n ~ U[0, 1]


def test_old_names_draw_exactly_the_points_they_drew_before():
    """Stored results are keyed by name: radial:PHI:D[:R] keeps its points bit for bit."""
    for name, n, radius in [("radial:cos(t):5", 5, 1.0), ("radial:cos(t):5:2", 5, 2.0)]:
        generator = torch.Generator().manual_seed(11)
        g = torch.randn(300, n, generator=generator, dtype=torch.float64)
        g = g / torch.linalg.vector_norm(g, dim=1, keepdim=True).clamp_min(1e-300)
        u = torch.rand(300, 1, generator=generator, dtype=torch.float64)
        before = (g * radius * u ** (1.0 / n)).float()
        assert torch.equal(make_target(name).draw(torch.Generator().manual_seed(11), 300), before)


@pytest.mark.parametrize("given,canonical", [
    ("radial:cos(t):8", "radial:cos(t):8"),
    ("radial:cos(t):8:2", "radial:cos(t):8:2"),
    ("radial:cos(t):8:ball", "radial:cos(t):8"),
    ("radial:cos(t):8:1:ball", "radial:cos(t):8"),
    ("radial:cos(t):8:radius", "radial:cos(t):8:radius"),
    ("radial:cos(t):8:1:radius", "radial:cos(t):8:radius"),
    ("radial:cos(t):8:2.5:radius", "radial:cos(t):8:2.5:radius"),
    ("radial: cos(t) : 8 : 0.5 : radius ", "radial:cos(t):8:0.5:radius"),
    ("radial:cos(t):3:2.123456789:radius", "radial:cos(t):3:2.123456789:radius"),
])
def test_names_round_trip(given, canonical):
    target = make_target(given)
    assert target.name == canonical
    again = make_target(target.name)
    assert (again.name, again.n, again.radius, again.distribution) == (canonical, target.n, target.radius,
                                                                       target.distribution)


@pytest.mark.parametrize("bad", ["radial:cos(t):radius", "radial:cos(t):8:radiu", "radial:cos(t):8:Radius",
                                 "radial:cos(t):8:radius:radius", "radial:cos(t):8:2:ball:radius",
                                 "radial:cos(t):0:radius", "radial:cos(t):8:0:radius", "radial:cos(t):8:nan:radius",
                                 "radial:cos(t):x:radius", "radial:radius", "radial:log(t):2:radius"])
def test_bad_forms_raise_one_line(bad):
    with pytest.raises(DepthsepError) as info:
        make_target(bad)
    assert "\n" not in str(info.value)


def test_experiment_radius_trains_and_plots(tmp_path):
    from depthsep.radial import radial_experiment

    result = radial_experiment(phis=("cos(pi*t)", "sin(2*pi*D*t)"), dims=(2, 3), widths=(4, 8), steps=30,
                               seeds=(0, 1), test_size=1024, distribution="radius", workers=1,
                               out=tmp_path / "exp.png")
    assert result["distribution"] == "radius" and "U[0, 1]" in result["input_law"]
    assert len(result["rows"]) == 2 * 2 * 2
    for row in result["rows"]:
        assert row["target"].endswith(":radius")
        trained = make_target(row["target"])              # φ scaled to unit std under the input law
        x = trained.draw(torch.Generator().manual_seed(1), 20_000)
        assert float(trained(x.double()).std()) == pytest.approx(1.0, abs=0.03)
        assert all(e is not None and e > 0 for e in row["errors"].values())
        if row["phi"] == "cos(pi*t)":  # |x| ~ U[0, 1] in every d: std cos(πU) = 1/√2
            assert row["target_std"] == pytest.approx(math.sqrt(0.5), abs=0.01)
    assert (tmp_path / "exp.png").stat().st_size > 0 and (tmp_path / "exp.svg").stat().st_size > 0


def test_experiment_ball_uses_the_ball_law():
    from depthsep.radial import radial_experiment

    result = radial_experiment(phis="cos(pi*t)", dims=(2,), widths=(4,), steps=10, test_size=1024,
                               distribution="ball", workers=1)
    # no law suffix: the ball; the factor is 1/std of cos(π|x|) in the unit disc, to 6 digits
    assert result["distribution"] == "ball" and result["rows"][0]["target"] == "radial:173243*cos(pi*t)/100000:2"
    with pytest.raises(DepthsepError):
        radial_experiment(phis="cos(pi*t)", dims=(2,), widths=(4,), steps=10, distribution="sphere")


def test_plot_handles_unreached_and_diverged(tmp_path):
    from depthsep.radial import plot_experiment

    rows = [{"phi": "cos(pi*t)", "dim": d, "layers": ell, "errors": {"4": e, "8": e}, "errors_min": {"4": e, "8": e},
             "errors_max": {"4": e, "8": e}, "smallest_width": 8 if e is not None and e < 0.2 else None}
            for d, e in [(2, 0.1), (4, 0.5), (8, None)] for ell in (1, 2)]
    result = {"phis": ["cos(pi*t)"], "dims": [2, 4, 8], "widths": [4, 8], "layers": [1, 2], "steps": 10,
              "batch_size": 128, "seeds": [0, 1], "distribution": "radius", "target_error": 0.2, "rows": rows}
    paths = plot_experiment(result, str(tmp_path / "fig.svg"))
    assert paths == [str(tmp_path / "fig.svg"), str(tmp_path / "fig.png")]
    assert all((tmp_path / name).stat().st_size > 0 for name in ("fig.svg", "fig.png"))


def test_cli_distribution(capsys):
    from depthsep.cli import main

    argv = ["radial", "experiment", "--phis", "cos(pi*t)", "--dims", "2", "--widths", "4", "--steps", "10",
            "--workers", "1", "--json"]
    assert main(argv + ["--distribution", "ball"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["distribution"] == "ball" and data["rows"][0]["target"] == "radial:173243*cos(pi*t)/100000:2"
    assert main(argv[:-1]) == 0 and "|x| ~ U[0, 1]" in capsys.readouterr().out   # the default, in the title
    assert main(argv + ["--distribution", "sphere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "--distribution" in err
