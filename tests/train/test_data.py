"""Training data: models sharing a seed see the same batches and test points, a larger test set
extends a smaller one, and the stream cache's size changes no number."""

import torch

from depthsep.train import ModelSpec, data
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


def test_the_cpu_cache_grows_while_training_and_changes_no_number(monkeypatch):
    cache = data._cache_for(torch.device("cpu"))
    target = spec().target_fn

    def stream(seed):
        return [data.stream_chunk(target, (0.0, 1.0), 64, seed, k) for k in range(6)]

    monkeypatch.setattr(data, "available_memory", lambda: 64 * data._CACHE_BYTES)
    with data.cpu_cache_share(2) as capacity:
        assert capacity == cache.capacity == 8 * data._CACHE_BYTES      # a quarter, over 2 processes
        cached = stream(11)
    assert cache.capacity == data._CACHE_BYTES                             # trimmed back after
    monkeypatch.setattr(cache, "capacity", 1)                              # holds only the newest chunk
    made = stream(11)
    assert all(torch.equal(a, b) for pair_a, pair_b in zip(cached, made) for a, b in zip(pair_a, pair_b))
    cache.trim()
    assert len(cache.items) == 1
    monkeypatch.setattr(data, "available_memory", lambda: None)           # unknown: the size it had
    with data.cpu_cache_share(2) as capacity:
        assert capacity == cache.capacity == 1


def test_a_training_only_process_keeps_its_grown_cache(monkeypatch):
    cache = data._cache_for(torch.device("cpu"))
    monkeypatch.setattr(cache, "capacity", data._CACHE_BYTES)
    monkeypatch.setattr(data, "available_memory", lambda: 64 * data._CACHE_BYTES)
    assert data.grow_cpu_cache(4) == cache.capacity == 4 * data._CACHE_BYTES
    monkeypatch.setattr(data, "available_memory", lambda: 0)      # later, less available: never shrinks
    assert data.grow_cpu_cache(4) == 4 * data._CACHE_BYTES
