"""The batched training engine: reproducible, equal to the plain loop, isolated, and strict on input."""

import time

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.train import ModelSpec, initial_parameters, train_models, train_naive
from depthsep.train.engine import train_group
from depthsep.train.grouping import Group, plan_groups, width_bucket

FAST = dict(target="product:4", steps=40, batch_size=64, test_size=2000)


def spec(**kw):
    return ModelSpec(**{**FAST, "layers": 2, "width": 8, **kw})


# -- reproducibility -------------------------------------------------------------------------------

def test_a_model_scores_the_same_alone_and_in_a_mixed_grid():
    # L1 makes training chaotic, so anything short of identical arithmetic would show.
    me = spec(layers=2, width=6, seed=3)
    grid = [spec(layers=k, width=w, seed=s, lr=lr)
            for k in (1, 2) for w in (5, 6, 8, 12) for s in (0, 3, 7) for lr in (1.0, 0.5)]
    grid.insert(5, me)
    alone = train_models([me], workers=1)[0]
    mixed = train_models(grid, workers=2)          # other processes, other batch-mates
    assert mixed[5].spec == me
    assert mixed[5].test_mae == alone.test_mae     # bit-identical
    assert mixed[5].test_rmse == alone.test_rmse
    assert alone.status == "done" and 0 < alone.test_mae < 10


def test_a_wide_model_scores_the_same_alone_and_among_others():
    me = spec(layers=2, width=100, seed=1, steps=20)          # bucket 112: oneDNN, slot by slot
    others = [spec(layers=2, width=w, seed=s, steps=20) for w in (97, 112) for s in (0, 2)]
    assert train_models([me], workers=1)[0].test_mae == train_models([*others, me], workers=1)[-1].test_mae


def test_results_do_not_depend_on_the_number_of_workers():
    grid = [spec(layers=k, seed=s) for k in (1, 2, 3) for s in range(5)]
    one = train_models(grid, workers=1)
    two = train_models(grid, workers=2)
    assert [r.test_mae for r in one] == [r.test_mae for r in two]


# -- correctness against the plain loop ------------------------------------------------------------

@pytest.mark.parametrize("optimizer, width, init, activation", [
    ("adadelta", 7, "random", "tanh"), ("adam", 7, "random", "tanh"), ("sgd", 7, "random", "tanh"),
    ("adadelta", 100, "random", "tanh"), ("adadelta", 7, "glorot", "tanh"), ("adadelta", 7, "glorot", "relu")])
def test_engine_matches_the_naive_loop(optimizer, width, init, activation):
    # L2 is smooth, so round-off differences stay round-off (L1 would amplify them).
    s = spec(loss="l2", optimizer=optimizer, steps=20, layers=3, width=width, init=init, activation=activation,
             lr={"adadelta": 1.0, "adam": 1e-2, "sgd": 1e-2}[optimizer])
    kept_engine, kept_naive = [], []
    engine = train_group(plan_groups([s], torch.device("cpu"))[0], "cpu", keep=kept_engine)[0][1]
    naive = train_naive(s, keep=kept_naive)
    assert engine.test_mae == pytest.approx(naive.test_mae, rel=1e-4)
    assert engine.test_rmse == pytest.approx(naive.test_rmse, rel=1e-4)
    trained = kept_engine[0].export(0)
    linears = [m for m in kept_naive[0] if isinstance(m, torch.nn.Linear)]
    start = initial_parameters(s)
    for (w, b), linear, (w0, _) in zip(trained, linears, start):
        assert not torch.equal(w, w0)                               # it did train
        torch.testing.assert_close(w, linear.weight.detach(), rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(b, linear.bias.detach(), rtol=1e-4, atol=1e-6)


def test_wall_s_is_each_models_own_share():
    # Two groups of four batch-mates on two workers: each model is charged a quarter of its group.
    grid = [spec(layers=k, width=8, seed=s, steps=400) for k in (1, 2) for s in range(4)]
    start = time.perf_counter()
    results = train_models(grid, workers=2)
    elapsed = time.perf_counter() - start
    for k in (1, 2):
        walls = {r.wall_s for r in results if r.spec.layers == k}
        assert len(walls) == 1 and 0 < walls.pop() * 4 <= elapsed
    assert sum(r.wall_s for r in results) <= 2 * elapsed


# -- isolation: padding, dummies, divergence -------------------------------------------------------

@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])   # σ(0) = 0 and σ(0) ≠ 0 (masked)
def test_zero_padded_units_stay_zero(activation):
    s = spec(width=5, layers=3, activation=activation, loss="l2")
    assert width_bucket(5) == 8
    kept = []
    result = train_group(plan_groups([s], torch.device("cpu"))[0], "cpu", keep=kept)[0][1]
    ens = kept[0]
    for layer, p in enumerate(ens.weights):      # p: (slots, inputs + 1, units)
        if layer < ens.layers:
            assert not p[0, :, 5:8].any()         # padded units: no weights in
        if layer > 0:
            assert not p[0, 5:8, :].any()         # … and no weights out
        assert not p[1:].any()                    # dummy slots never moved
    # Padding is exact: the padded model is the width-5 model of the naive loop.
    assert result.test_mae == pytest.approx(train_naive(s).test_mae, rel=1e-4)


def test_a_diverging_model_is_recorded_and_leaves_its_batch_mates_alone():
    calm = [spec(optimizer="sgd", lr=1e-3, loss="l2", seed=s) for s in (1, 2)]
    wild = spec(optimizer="sgd", lr=1e6, loss="l2", seed=0)
    together = train_models([wild, *calm], workers=1)
    assert len(plan_groups([wild, *calm], torch.device("cpu"))) == 1   # really batch-mates
    assert together[0].status == "diverged"
    assert together[0].test_mae is None and together[0].test_rmse is None
    apart = train_models(calm, workers=1)
    assert [r.test_mae for r in together[1:]] == [r.test_mae for r in apart]
    assert all(r.status == "done" for r in apart)


def test_callbacks_report_progress_and_each_result_once():
    grid = [spec(layers=k, seed=s, steps=30) for k in (1, 2) for s in range(5)]
    seen, ticks = [], []
    results = train_models(grid, progress=lambda done, total: ticks.append((done, total)),
                           on_result=seen.append, workers=2, device="cpu")
    assert sorted(map(id, seen)) == sorted(map(id, results))
    total = sum(g.cost() for g in plan_groups(grid, torch.device("cpu")))
    assert {t for _, t in ticks} == {total} and ticks[-1][0] == pytest.approx(total)
    assert all(a <= b for (a, _), (b, _) in zip(ticks, ticks[1:]))
    assert [r.spec for r in results] == grid                       # caller's order
    assert all(r.device == "cpu" and r.wall_s > 0 for r in results)


def test_progress_weighs_each_group_by_its_arithmetic():
    # Half the model-steps, a sliver of the work: the bar's fraction (and its ETA) follows the work.
    small = [spec(layers=1, width=8, seed=s, steps=30) for s in range(4)]
    large = [spec(layers=3, width=48, seed=s, steps=30) for s in range(4)]
    groups = plan_groups(small + large, torch.device("cpu"))
    ticks = []
    train_models(small + large, progress=lambda done, total: ticks.append((done, total)), workers=1)
    total = ticks[-1][1]
    assert groups[0].cost() < 0.25 * total                 # the small group is first (one process)
    assert any(done == pytest.approx(groups[0].cost()) for done, _ in ticks)


def test_groups_are_padded_to_a_fixed_size():
    groups = plan_groups([spec(seed=s) for s in range(6)], torch.device("cpu"))
    assert [len(g.members) for g in groups] == [4, 2] and {g.slots for g in groups} == {4}
    assert isinstance(groups[0], Group)


# -- strict on input -------------------------------------------------------------------------------

def test_bad_device_and_inputs_raise():
    with pytest.raises(DepthsepError):
        train_models([spec()], device="warp-drive")
    with pytest.raises(DepthsepError):
        train_models([{"target": "product:3"}])
