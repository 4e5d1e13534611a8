"""The ball:D[:R] target (Safran & Shamir 2017, Sec. 5): labels exactly the unit ball's indicator,
points drawn from the paper's law, names that round-trip, one-line refusals."""

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.train import make_target


def test_labels_are_exactly_the_indicator():
    target = make_target("ball:7")
    x = target.draw(torch.Generator().manual_seed(0), 20_000)
    assert x.dtype == torch.float32 and x.shape == (20_000, 7)
    inside = (x.double().norm(dim=1) <= 1.0).double()
    for y in (target(x.double()), target(x).double()):
        assert set(y.unique().tolist()) == {0.0, 1.0}
        assert torch.equal(y, inside)
    # on the sphere exactly (all coordinates and squares representable) counts as inside
    edge = torch.tensor([[1.0, 0, 0, 0, 0, 0, 0], [0, 0.5, 0.5, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 0, 0, 1 + 2**-23]])
    assert target(edge).tolist() == target(edge.double()).tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("text,radius", [("ball:50", 2.0), ("ball:4:3", 3.0)])
def test_draw_follows_the_papers_distribution(text, radius):
    """Direction uniform, |x| ~ U[0, R]: P(|x| ≤ 1) = 1/R in every dimension, E|x| = R/2."""
    target = make_target(text)
    x = target.draw(torch.Generator().manual_seed(1), 40_000).double()
    r = x.norm(dim=1)
    assert float(r.max()) <= radius * (1 + 1e-6)
    assert abs(float((r <= 1).double().mean()) - 1 / radius) < 0.01   # 4 standard errors
    assert abs(float((r <= radius / 4).double().mean()) - 0.25) < 0.01
    assert abs(float(r.mean()) - radius / 2) < 0.02 * radius
    u = x / r[:, None]
    assert float(u.mean(dim=0).abs().max()) < 0.03                      # no preferred direction


def test_same_seed_same_points():
    target = make_target("ball:5")
    a = target.draw(torch.Generator().manual_seed(3), 100)
    b = target.draw(torch.Generator().manual_seed(3), 100)
    c = target.draw(torch.Generator().manual_seed(4), 100)
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("text,name", [("ball:10", "ball:10"), ("ball: 10 ", "ball:10"), ("ball:10:2", "ball:10"),
                                       ("ball:10:2.5", "ball:10:2.5"), ("ball:10:2.123456789", "ball:10:2.123456789")])
def test_canonical_name_round_trips(text, name):
    target = make_target(text)
    assert target.name == name
    again = make_target(target.name)
    assert again.name == name and again.radius == target.radius and again.n == target.n == 10


@pytest.mark.parametrize("bad", ["ball:", "ball:0", "ball:x", "ball:-3", "ball:2.5", "ball:3:1", "ball:3:0.5",
                                 "ball:3:nan", "ball:3:inf", "ball:3:y", "ball:3:2:1"])
def test_bad_ball_targets_are_refused(bad):
    with pytest.raises(DepthsepError) as info:
        make_target(bad)
    assert "\n" not in str(info.value)
