"""Training data: models sharing a seed see the same batches and test points, and a larger test set
extends a smaller one."""

import torch

from depthsep.train import ModelSpec
from depthsep.train.data import batches, evaluation_set

FAST = dict(target="product:4", steps=40, batch_size=64, test_size=2000)


def spec(**kw):
    return ModelSpec(**{**FAST, "layers": 2, "width": 8, **kw})


def test_models_sharing_a_seed_see_the_same_batches_and_test_points():
    a, b = spec(width=8, layers=1, seed=4), spec(width=32, layers=3, seed=4)
    for (xa, ya), (xb, yb) in zip(batches(a), batches(b)):
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert not torch.equal(next(batches(a))[0], next(batches(spec(seed=5)))[0])
    small = torch.cat([x for x, _ in evaluation_set(a.target_fn, a.domain, 1000)])
    large = torch.cat([x for x, _ in evaluation_set(a.target_fn, a.domain, 9000)])
    assert torch.equal(small, large[:1000])      # a larger test set extends a smaller one
