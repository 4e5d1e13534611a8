"""Group planning: Figure 2 as 40 GPU groups, CPU groups as before, a memory model that matches a
real ensemble, slot counts fixed by the key alone, and GPU-shaped groups (128 wide, 64 slots,
mixed widths) trained on the CPU: every model as if alone, padding inert, divergence isolated.

Ray = local for the CPU groups is tests/train/test_backends.py::test_ray_sweep_equals_local_sweep."""

from dataclasses import replace

import pytest
import torch

from depthsep.errors import DepthsepError
from depthsep.experiments.figure2 import figure2_grid
from depthsep.train import TrainingConfig, initial_parameters
from depthsep.train.data import chunk_steps, evaluation_set
from depthsep.train.engine import _single_threaded, train_group
from depthsep.train.ensemble import Ensemble, input_rows
from depthsep.train.grouping import (
    CPU_SLOTS,
    GPU_GROUP_BYTES,
    GPU_RESERVE_BYTES,
    GPU_SLOT_LADDER,
    Group,
    check_memory,
    device_free_bytes,
    group_bytes,
    group_key,
    group_memory,
    group_slots,
    plan_groups,
    width_bucket,
)
from depthsep.train.optim import make_optimizer
from depthsep.train.sweep import grid_specs

CUDA, CPU = torch.device("cuda"), torch.device("cpu")     # planning only: no GPU is touched


@pytest.fixture(scope="module")
def figure2_specs():
    return grid_specs(**figure2_grid("full"))


@pytest.fixture
def single_threaded():
    # As the engine's workers run: one thread per kernel, so results depend on shapes alone.
    with _single_threaded():
        yield


# -- composition -----------------------------------------------------------------------------------

def test_figure2_full_grid_is_40_gpu_groups_of_80(figure2_specs):
    assert len(figure2_specs) == 3200
    groups = plan_groups(figure2_specs, CUDA)
    assert len(groups) == 40
    seen = set()
    for group in groups:
        specs = [spec for _, spec in group.members]
        assert len(specs) == 80 and group.width == 128 and group.slots == 128
        assert {s.width for s in specs} == set(range(5, 101, 5))          # every width, mixed
        assert len({s.layers for s in specs}) == len({s.activation for s in specs}) == 1
        indices = [i for i, _ in group.members]
        assert indices == sorted(indices) and all(figure2_specs[i] == s for i, s in group.members)
        seen.update(indices)
    assert seen == set(range(3200))
    assert {(g.spec.layers, g.spec.activation) for g in groups} == {
        (k, a) for k in range(1, 21) for a in ("tanh", "relu")}


def test_cpu_planning_is_unchanged(figure2_specs):
    ours = plan_groups(figure2_specs, CPU)
    assert len(ours) == 800 and {len(g.members) for g in ours} == {CPU_SLOTS}
    # 4 seeds of one (σ, depth, width) per group, in the order given
    assert all([s.seed for _, s in g.members] == [0, 1, 2, 3] and len({s.width for _, s in g.members}) == 1
               for g in ours)
    assert [width_bucket(w) for w in (5, 8, 9, 64, 65, 100, 129, 300, 513)] == [8, 8, 16, 64, 80, 112, 160, 320, 640]
    assert group_slots(figure2_specs[0]) == group_slots(figure2_specs[0], "cpu") == CPU_SLOTS


def test_gpu_buckets():
    assert {width_bucket(w, "cuda") for w in range(1, 129)} == {128}
    assert [width_bucket(w, "cuda") for w in (129, 256, 257, 1000)] == [256, 256, 384, 1024]
    assert width_bucket(5, "mps") == 128                   # every non-CPU device plans like a GPU


def test_a_groups_shape_is_a_function_of_its_key_alone(figure2_specs):
    in_grid = {}
    for group in plan_groups(figure2_specs, CUDA):
        for index, _ in group.members:
            in_grid[index] = (group.width, group.slots)
    for index in range(0, 3200, 37):                        # a spread of the grid, each planned alone
        (alone,) = plan_groups([figure2_specs[index]], CUDA)
        assert (alone.width, alone.slots) == in_grid[index]
    me = TrainingConfig(steps=100, test_size=5000).spec("product:20", 6, 40, "tanh", 0)
    mates = [replace(me, seed=7), replace(me, width=128), replace(me, width=1, lr=0.1)]
    assert {group_key(s, "cuda") for s in mates} == {group_key(me, "cuda")}
    assert {group_slots(s, "cuda") for s in mates} == {group_slots(me, "cuda")}
    assert group_slots(group_key(me, "cuda"), "cuda") == group_slots(tuple(group_key(me, "cuda")), "cuda")
    with pytest.raises(DepthsepError):
        group_slots(["not", "a", "key"], "cuda")


# -- the memory model ------------------------------------------------------------------------------

def _storage_bytes(*objects) -> int:
    """Bytes of the distinct storages of every tensor in ``objects`` (views counted once)."""
    storages = {}

    def walk(x):
        if isinstance(x, torch.Tensor):
            storages[x.untyped_storage().data_ptr()] = x.untyped_storage().nbytes()
        elif isinstance(x, (list, tuple)):
            for item in x:
                walk(item)
        elif isinstance(x, dict):
            for item in x.values():
                walk(item)

    for obj in objects:
        walk(obj)
    return sum(storages.values())


@pytest.mark.parametrize("optimizer, activation, test_size", [
    ("adadelta", "tanh", 2500),        # two evaluation lengths: 2048 and 452
    ("adam", "sigmoid", 1000),         # σ(0) ≠ 0: a gradient mask; one evaluation length
    ("sgd", "softplus", 9000),         # no optimizer state; blocks of 8192 and 808: lengths 2048, 808
])
def test_group_bytes_matches_a_real_ensemble(optimizer, activation, test_size, single_threaded):
    # Built as train_group builds a group on a GPU (the torch step): slots of widths 5, 9 and 16
    # padded to 16, five dummies; one training step and a full evaluation make every lazy buffer.
    config = TrainingConfig(steps=3, batch_size=32, optimizer=optimizer, loss="l2", test_size=test_size)
    specs = [config.spec("product:4", 3, w, activation, seed) for seed, w in enumerate((5, 9, 16))]
    G, W, n, B = 8, 16, 4, 32
    ens = Ensemble(n, 3, W, G, activation)
    for slot, spec in enumerate(specs):
        ens.load(slot, initial_parameters(spec))
    assert (ens.grad_mask is not None) == (activation != "tanh")
    rates = ens.per_slot([s.lr for s in specs] + [0.0] * (G - len(specs)))
    opt = make_optimizer(optimizer, ens.params, ens.grads, rates)
    T = chunk_steps(B, n)
    data = [torch.zeros(T, G, input_rows(n), B), torch.zeros(T, G, 1, B)]
    ens.train_step(data[0][0], data[1][0], "l2")
    opt.step()
    for xs, _ in evaluation_set(specs[0].target_fn, specs[0].domain, test_size):
        ens.predict(xs)
    measured = _storage_bytes(ens.params, ens.grads, ens.grad_mask, rates, vars(opt), ens._plans, ens._eval, data)
    parts = group_memory(specs[0], W, G)
    modelled = group_bytes(specs[0], W, G) - parts["scratch"]
    # Left out of the model: the optimizer's and the plan's few 0-dim (and Adam's 2-element) scalars.
    assert 0 <= measured - modelled <= 64
    assert _storage_bytes(ens._eval) == parts["evaluation"]
    # The plan also holds views of the parameters and gradients, and 2 scalars.
    assert _storage_bytes(ens._plans, ens.params, ens.grads) - _storage_bytes(ens.params, ens.grads) - 8 \
        == parts["activations"]
    assert Group(list(enumerate(specs)), W, G).bytes() == group_bytes(specs[0], W, G)


def test_the_slot_ladder_picks_fewer_slots_for_larger_shapes():
    config = TrainingConfig(steps=1000, batch_size=128, test_size=100_000)
    counts = []
    for layers, width in ((1, 100), (20, 100), (60, 100), (20, 500), (20, 1000), (20, 3000), (8, 40_000)):
        key = group_key(config.spec("product:20", layers, width), "cuda")
        slots = group_slots(key, "cuda")
        assert slots in GPU_SLOT_LADDER
        if group_bytes(key, key.width, slots) <= GPU_GROUP_BYTES:
            bigger = [s for s in GPU_SLOT_LADDER if s > slots]
            assert not bigger or group_bytes(key, key.width, min(bigger)) > GPU_GROUP_BYTES
        else:                                               # not even one slot fits: the last rung
            assert slots == GPU_SLOT_LADDER[-1]
        counts.append(slots)
    assert counts == sorted(counts, reverse=True) and counts[0] == 128 and counts[-1] == 1
    assert len(set(counts)) >= 4
    # A bigger batch or test set needs more memory per slot, never less.
    base = config.spec("product:20", 20, 1000)
    assert group_slots(replace(base, batch_size=4096), "cuda") <= group_slots(base, "cuda")
    assert group_bytes(replace(base, test_size=1000), 1024, 8) < group_bytes(base, 1024, 8)


def test_check_memory_refuses_a_group_the_device_cannot_hold(figure2_specs, monkeypatch):
    group = max(plan_groups(figure2_specs, CUDA), key=Group.bytes)
    assert group.spec.layers == 20 and group.bytes() < GPU_GROUP_BYTES
    need = group.bytes() + GPU_RESERVE_BYTES
    assert check_memory(group, need) == need
    with pytest.raises(DepthsepError) as refused:
        check_memory(group, need - 1, where="cuda:0 Some GPU")
    message = str(refused.value)
    assert "\n" not in message and "cuda:0 Some GPU" in message and "128 models" in message
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (3 << 30, 80 << 30))
    monkeypatch.setattr(torch.cuda, "memory_reserved", lambda device=None: 5 << 30)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 1 << 30)
    assert device_free_bytes("cuda") == 7 << 30            # the driver's free + torch's unused cache


# -- GPU-shaped groups, trained on the CPU -------------------------------------------------------

SHAPE = {"width": width_bucket(5, "cuda"), "slots": 64}      # a GPU group's width, a GPU-like slot count
TINY = TrainingConfig(steps=30, batch_size=32, test_size=500)
WIDTHS = (5, 10, 30, 60, 100)


def _group(specs) -> Group:
    assert len({group_key(s, "cuda") for s in specs}) == 1 and SHAPE["width"] == 128
    return Group(list(enumerate(specs)), **SHAPE)


def _scores(results):
    return [(r.status, r.test_mae, r.test_rmse) for _, r in results]


def _assert_padding_is_zero(ens, specs):
    n, rows, W = specs[0].n, input_rows(specs[0].n), ens.width
    for slot, spec in enumerate(specs):
        w = spec.width
        for layer, p in enumerate(ens.weights):             # p: (slots, inputs + pad + 1, units)
            if layer < ens.layers:
                assert not p[slot, :, w:].any()              # padded units: no weights or bias in
                assert p[slot, :, :w].any()                  # (the real ones are there)
            if layer > 0:
                assert not p[slot, w:W, :].any()             # … and no weights out
            else:
                assert not p[slot, n:rows - 1, :].any()      # the input's zero rows read nothing
    assert not any(p[len(specs):].any() for p in ens.weights)   # dummy slots never moved


def test_mixed_widths_in_a_gpu_shaped_group_train_as_if_alone(single_threaded):
    specs = [TINY.spec("product:4", 2, w, "tanh", seed) for w in WIDTHS for seed in (0, 1)]
    kept = []
    together = train_group(_group(specs), "cpu", keep=kept)
    assert all(status == "done" for status, _, _ in _scores(together))
    for index, spec in enumerate(specs):                    # each alone in slot 0, 63 dummies
        assert _scores(train_group(_group([spec]), "cpu")) == [_scores(together)[index]]   # bit-identical
    _assert_padding_is_zero(kept[0], specs)


def test_padding_stays_zero_when_sigma_of_zero_is_not_zero(single_threaded):
    specs = [TINY.with_(loss="l2").spec("product:4", 3, w, "sigmoid", seed) for w in WIDTHS for seed in (0, 1)]
    kept = []
    together = train_group(_group(specs), "cpu", keep=kept)
    _assert_padding_is_zero(kept[0], specs)
    for index in (0, 7):                                    # the narrowest and a wide one, alone
        assert _scores(train_group(_group([specs[index]]), "cpu")) == [_scores(together)[index]]


def test_a_diverging_model_in_a_large_group_leaves_the_others_alone(single_threaded):
    sgd = TINY.with_(optimizer="sgd", loss="l2", lr=1e-3)
    calm = [sgd.spec("product:4", 2, w, "tanh", seed) for w in WIDTHS for seed in (1, 2, 3)]
    wild = replace(calm[4], seed=0, lr=1e6)
    together = train_group(_group([wild, *calm]), "cpu")
    assert _scores(together)[0] == ("diverged", None, None)
    apart = train_group(_group(calm), "cpu")
    assert all(status == "done" for status, _, _ in _scores(apart))
    assert _scores(together)[1:] == _scores(apart)

