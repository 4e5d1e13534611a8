"""The radial:PHI:D target and its two input laws (ball, radius): values, distributions, names, one-line
refusals, and training through the engine."""

import math

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.train import ModelSpec, train_models
from depthsep.train.targets import make_target

POINTS = 40_000


def _draw(name, seed=0, count=POINTS):
    target = make_target(name)
    return target, target.draw(torch.Generator().manual_seed(seed), count).double()


def test_radial_target_values_and_distribution():
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
    spec = ModelSpec("radial:cos(t):4", 1, 8, activation="relu", loss="l2", optimizer="adam", steps=50,
                     batch_size=64, test_size=1000)
    (result,) = train_models([spec], workers=1)
    assert result.status == "done" and result.test_rmse < 1.0


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
