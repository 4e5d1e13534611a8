"""The fused C step: its gradients are autograd's, its training is the torch step's to round-off, and
where it cannot run the engine keeps its torch step."""

import os

import pytest
import torch

from depthsep.train import ModelSpec, fused, train_models, train_naive
from depthsep.train import engine as engine_module
from depthsep.train.engine import fused_cpu_step, plan_groups, train_group
from depthsep.train.grouping import Group
from depthsep.train.ensemble import Ensemble
from depthsep.train.optim import make_optimizer

pytestmark = pytest.mark.skipif(fused.unavailable_reason() is not None,
                                reason=f"fused step unavailable here: {fused.unavailable_reason()}")

FAST = dict(target="product:4", steps=40, batch_size=64, test_size=2000)
SETUPS = [(a, loss, opt) for a in ("tanh", "relu") for loss in ("l1", "l2") for opt in ("adadelta", "adam", "sgd")]


def spec(**kw):
    return ModelSpec(**{**FAST, "layers": 2, "width": 8, **kw})


@pytest.fixture
def torch_step(monkeypatch):
    monkeypatch.setattr(engine_module, "FUSED_CPU", False)


def _ensemble(activation, layers=3, width=16, n=5, slots=3, seed=0):
    """Slots of true widths 16, 11 (zero-padded) and an empty dummy, random weights."""
    g = torch.Generator().manual_seed(seed)
    e = Ensemble(n, layers, width, slots, activation)
    for slot, w in enumerate([width, width - 5][:slots - 1]):
        sizes = [n] + [w] * layers + [1]
        e.load(slot, [(torch.randn(o, i, generator=g) / i ** 0.5, 0.3 * torch.randn(o, generator=g))
                      for i, o in zip(sizes[:-1], sizes[1:])])
    return e


# Width 16 takes the weight gradient's NT product; 40 and 37 the transpose and the NN product (the
# C step's TRANSPOSED_GRAD_WIDTH is 32); batch 203 is two blocks of products (BATCH_BLOCK 128), and
# with width 37 leaves edges outside the transpose's 8 × 8 blocks.
@pytest.mark.parametrize("width, batch", [(16, 64), (40, 64), (37, 203)])
@pytest.mark.parametrize("activation, loss", [(a, loss) for a in ("tanh", "relu") for loss in ("l1", "l2")])
def test_one_fused_step_leaves_autograds_gradients(activation, loss, width, batch):
    e = _ensemble(activation, width=width)
    optimizer = make_optimizer("sgd", e.params, e.grads, e.per_slot([0.0] * e.slots))   # rate 0: params stay
    g = torch.Generator().manual_seed(1)
    x = torch.rand(e.slots, batch, 5, generator=g) * 2
    y = x.prod(-1)
    before = [e.export(s) for s in range(2)]
    run = fused.FusedSteps(e, optimizer, 1, batch, activation, loss, "sgd")
    for slot in range(2):                        # the dummy slot gets no data
        run.feed(slot, x[slot].T.unsqueeze(0).contiguous(), y[slot].unsqueeze(0).contiguous())
    run(1)

    act = {"tanh": torch.tanh, "relu": torch.relu}[activation]
    for slot, layers in enumerate(before):
        params = [(w.double().requires_grad_(), b.double().requires_grad_()) for w, b in layers]
        h = x[slot].double()
        for i, (w, b) in enumerate(params):
            h = h @ w.T + b
            if i < len(params) - 1:
                h = act(h)
        err = h[:, 0] - y[slot].double()
        (err.abs().mean() if loss == "l1" else err.square().mean()).backward()
        got = e.export(slot)
        grads = [(p[slot, :w.shape[1], :w.shape[0]].T, p[slot, -1, :w.shape[0]])   # laid out as params
                 for p, (w, _) in zip(e.weight_grads, got)]
        for (w, b), (gw, gb) in zip(params, grads):
            assert torch.allclose(gw.double(), w.grad, rtol=1e-4, atol=1e-6)
            assert torch.allclose(gb.double(), b.grad, rtol=1e-4, atol=1e-6)
        assert all(torch.equal(a, b) for pair_a, pair_b in zip(before[slot], got) for a, b in zip(pair_a, pair_b))
    for view in e.views(e.grads):                # the dummy slot was skipped: all zero
        assert view[2].abs().sum() == 0


# Also wide groups (NN weight gradients) and a batch of three product blocks (128 + 128 + 44).
WIDE = [("tanh", "l1", "adadelta", (40, 35, 33), 300), ("relu", "l2", "adam", (40, 39, 34), 64)]


def test_a_live_slot_without_its_data_chunk_is_refused_and_a_cleared_one_is_not_read():
    e = _ensemble("tanh", width=16)                          # slots: width 16, width 11, a dummy
    optimizer = make_optimizer("sgd", e.params, e.grads, e.per_slot([0.1] * e.slots))
    run = fused.FusedSteps(e, optimizer, 2, 32, "tanh", "l2", "sgd")
    x = torch.rand(2, 5, 32, generator=torch.Generator().manual_seed(4)) * 2
    run.feed(0, x, x.prod(1))
    with pytest.raises(RuntimeError, match="slot 1 is live but has no data chunk"):
        run(2)
    before = e.params.clone()
    run.feed(1, x, x.prod(1))
    run.clear(1)
    e.reset(1)                                               # as the engine does for a diverged slot
    run(2)                                                   # slot 1 skipped: nothing read for it
    assert not torch.equal(e.views(e.params)[0][0], e.views(before)[0][0])
    assert all(view[1:].abs().sum() == 0 for view in e.views(e.params))


@pytest.mark.parametrize("activation, loss, optimizer, widths, batch",
                         [(*s, (8, 6, 7), 64) for s in SETUPS] + WIDE)
def test_fused_training_is_the_torch_steps_to_round_off(activation, loss, optimizer, widths, batch, monkeypatch):
    lr = {"adadelta": 1.0, "adam": 1e-3, "sgd": 1e-2}[optimizer]

    def train(steps, on):
        monkeypatch.setattr(engine_module, "FUSED_CPU", on)
        specs = [spec(activation=activation, loss=loss, optimizer=optimizer, width=w, seed=s, steps=steps, lr=lr,
                      batch_size=batch) for w, s in zip(widths, (0, 1, 2))]
        assert fused_cpu_step(specs[0]) == on
        kept = []
        train_group(plan_groups(specs, torch.device("cpu"))[0], "cpu", keep=kept)
        return kept[0]

    # The first step starts from the same weights: its gradients agree to round-off.
    first = [train(1, on) for on in (True, False)]
    assert torch.allclose(first[0].grads, first[1].grads, rtol=1e-5, atol=1e-6)
    # A few steps on: the weights too. Adam's update is ≈ lr · g/(|g| + ε) elementwise, so a
    # gradient within round-off of zero may move its weight by a fraction of lr either way.
    last = [train(5, on) for on in (True, False)]
    assert torch.allclose(last[0].params, last[1].params, rtol=1e-4, atol=0.1 * lr if optimizer == "adam" else 1e-6)
    assert not torch.equal(last[0].params, last[1].params) or optimizer == "sgd"     # really two paths


@pytest.mark.parametrize("activation, optimizer", [("tanh", "adadelta"), ("relu", "adam"), ("tanh", "sgd")])
def test_fused_engine_matches_the_naive_loop(activation, optimizer):
    s = spec(activation=activation, loss="l2", optimizer=optimizer, steps=30, layers=3, width=12,
             lr={"adadelta": 1.0, "adam": 1e-2, "sgd": 1e-2}[optimizer])
    engine = train_models([s], workers=1)[0]
    naive = train_naive(s)
    assert engine.test_mae == pytest.approx(naive.test_mae, rel=1e-4)


def test_a_model_scores_the_same_alone_and_in_a_grid_with_the_fused_step():
    me = spec(layers=3, width=13, seed=3, activation="relu")
    grid = [spec(layers=3, width=w, seed=s, activation="relu") for w in (9, 13, 16) for s in (0, 3, 7)]
    alone = train_models([me], workers=1)[0]
    mixed = train_models([*grid, me], workers=2)[-1]
    assert (mixed.test_mae, mixed.test_rmse) == (alone.test_mae, alone.test_rmse)


@pytest.mark.parametrize("width", [13, 40])      # NT and NN weight gradients
def test_padding_costs_no_arithmetic_and_changes_no_number(width):
    # The C step's products are the model's own size: padded to any bucket, in any slot count,
    # the model trains to the same bits (and its padding stays exactly zero).
    me = spec(layers=3, width=width, seed=3, steps=70, batch_size=150)
    kept, scores = [], []
    for bucket, slots in ((width, 1), (48, 4), (64, 2)):
        got = train_group(Group([(0, me)], bucket, slots), "cpu", keep=kept)[0][1]
        scores.append((got.test_mae, got.test_rmse))
    assert scores[0] == scores[1] == scores[2]
    for ensemble in kept[1:]:
        trained = ensemble.export(0)
        assert all(torch.equal(a, b) for pa, pb in zip(kept[0].export(0), trained) for a, b in zip(pa, pb))
        clean = Ensemble(ensemble.n_in, ensemble.layers, ensemble.width, ensemble.slots, "tanh")
        clean.load(0, trained)                   # the same network, every other entry zero
        assert torch.equal(clean.params, ensemble.params)


def test_a_model_scores_the_same_alone_and_in_a_grid_with_the_torch_step(torch_step):
    me = spec(layers=2, width=6, seed=3)
    grid = [spec(layers=2, width=w, seed=s, lr=lr) for w in (5, 6, 8) for s in (0, 3) for lr in (1.0, 0.5)]
    alone = train_models([me], workers=1)[0]
    assert train_models([*grid, me], workers=2)[-1].test_mae == alone.test_mae


def test_divergence_stays_in_its_slot_with_the_fused_step():
    calm = [spec(seed=s, optimizer="sgd", lr=1e-3, loss="l2") for s in range(3)]
    wild = spec(seed=9, optimizer="sgd", lr=1e6, loss="l2")
    with_wild = train_models([wild, *calm], workers=1)
    assert with_wild[0].status == "diverged"
    assert [r.test_mae for r in with_wild[1:]] == [r.test_mae for r in train_models(calm, workers=1)]


def test_setups_it_does_not_implement_train_with_the_torch_step():
    assert not fused_cpu_step(spec(activation="sigmoid"))      # σ(0) ≠ 0 would need a gradient mask
    assert not fused_cpu_step(spec(activation="softplus"))
    assert fused_cpu_step(spec(activation="tanh")) and fused_cpu_step(spec(activation="relu"))
    result = train_models([spec(activation="sigmoid", steps=5)], workers=1)[0]
    assert result.status == "done"


def test_switched_off_or_without_a_compiler_the_engine_keeps_its_torch_step(monkeypatch, tmp_path):
    fused._load.cache_clear()
    try:
        monkeypatch.setenv("DEPTHSEP_FUSED", "0")
        assert fused.unavailable_reason() == "DEPTHSEP_FUSED=0" and not fused_cpu_step(spec())
        fused._load.cache_clear()
        monkeypatch.delenv("DEPTHSEP_FUSED")
        monkeypatch.setattr(fused, "_compiler", lambda: None)
        assert "compiler" in fused.unavailable_reason()
        assert train_models([spec(steps=5)], workers=1)[0].status == "done"
    finally:
        fused._load.cache_clear()


def test_the_library_is_built_once_per_cache_and_reused(monkeypatch, tmp_path):
    monkeypatch.setenv("DEPTHSEP_CACHE", str(tmp_path))
    cc = fused._compiler()
    first = fused._compile(cc)
    stamp = first.stat().st_mtime_ns
    assert first.parent == tmp_path and fused._compile(cc) == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [first.name]     # no temporary files left behind


def test_the_cache_warms_on_a_thread_and_the_first_use_waits_for_it(monkeypatch, tmp_path):
    monkeypatch.setenv("DEPTHSEP_CACHE", str(tmp_path))
    monkeypatch.setattr(fused, "_warming", None)
    fused.warm_cache()
    thread = fused._warming
    assert thread is not None and not thread.daemon      # interpreter exit waits for the compiler
    fused._load.cache_clear()
    try:
        assert fused.unavailable_reason() is None and not thread.is_alive()     # _load joined it
        built = list(tmp_path.iterdir())
        assert len(built) == 1 and built[0].suffix == ".so"                     # one library, no leftovers
        stamp = built[0].stat().st_mtime_ns
        assert fused._compile(fused._compiler()) == built[0] and built[0].stat().st_mtime_ns == stamp
        fused.warm_cache()
        assert fused._warming is thread                      # once per process
    finally:
        fused._load.cache_clear()


def test_switched_off_the_cache_is_not_warmed(monkeypatch, tmp_path):
    monkeypatch.setenv("DEPTHSEP_CACHE", str(tmp_path))
    monkeypatch.setenv("DEPTHSEP_FUSED", "0")
    monkeypatch.setattr(fused, "_warming", None)
    fused.warm_cache()
    assert fused._warming is None and not list(tmp_path.iterdir())


def test_a_read_only_cache_falls_back_to_the_temporary_directory(monkeypatch, tmp_path):
    cache = tmp_path / "read-only"
    monkeypatch.setenv("DEPTHSEP_CACHE", str(cache))
    monkeypatch.setattr(fused.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    build = fused._build

    def refuse_the_cache(cc, target):      # as mkdir/mkstemp fail in a folder one may not write
        if target.parent == cache:
            raise PermissionError(13, "Permission denied", str(cache))
        return build(cc, target)

    monkeypatch.setattr(fused, "_build", refuse_the_cache)
    built = fused._compile(fused._compiler())
    assert built.parent == tmp_path / "tmp" / f"depthsep-{os.getuid()}" and built.exists()
    assert fused._compile(fused._compiler()) == built          # found there next time


def test_a_compiler_that_fails_is_one_line_of_reason(monkeypatch, tmp_path):
    fake = tmp_path / "cc"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && exit 0\necho 'fatal: no good' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("DEPTHSEP_CACHE", str(tmp_path / "cache"))
    with pytest.raises(OSError, match="could not compile fused_step.c: fatal: no good"):
        fused._compile(str(fake))
    assert not list((tmp_path / "cache").iterdir())       # nothing half-written left behind


def test_networks_deeper_than_the_c_tables_train_with_the_torch_step():
    deepest = fused._load()[0].depthsep_max_layers()
    assert fused_cpu_step(spec(layers=deepest)) and not fused_cpu_step(spec(layers=deepest + 1))


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_fused_evaluation_is_the_ensembles_to_round_off(activation):
    e = _ensemble(activation, layers=3, width=16)             # slots: width 16, width 11, a dummy
    optimizer = make_optimizer("sgd", e.params, e.grads, e.per_slot([0.0] * e.slots))
    run = fused.FusedSteps(e, optimizer, 1, 8, activation, "l1", "sgd")
    x = torch.rand(2500, 5, generator=torch.Generator().manual_seed(3)) * 2    # 2 full blocks and a part
    got, want = run.predict(x), e.predict(x)
    assert got.shape == want.shape == (3, 2500)
    assert torch.allclose(got, want, rtol=1e-5, atol=1e-5) and got[:2].abs().max() > 0.1
    assert torch.equal(got[2], torch.zeros(2500))             # the dummy slot predicts 0


def _activate(activation: str, h: torch.Tensor, bias: float) -> torch.Tensor:
    out = h.clone()
    fused._load()[0].depthsep_activate(fused.ACTIVATIONS[activation], out.data_ptr(), out.numel(), bias)
    return out


def test_the_c_tanh_is_tanh_to_a_few_ulp_and_the_same_bits_in_vector_and_scalar_form():
    g = torch.Generator().manual_seed(0)
    special = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 1e-8, 7.9053111, -7.9053111, 7.906, 8.0, -8.0, 50.0,
                            float("inf"), float("-inf"), float("nan")])
    z = torch.cat([special, torch.randn(4000, generator=g) * 3, torch.rand(1000, generator=g) * 20 - 10])
    vector = _activate("tanh", z, 0.0)                                   # all but the last few in lanes
    scalar = torch.cat([_activate("tanh", z[i:i + 1], 0.0) for i in range(len(z))])   # one at a time
    assert torch.equal(vector.view(torch.int32), scalar.view(torch.int32))
    finite = z.isfinite()
    exact = torch.tanh(z[finite].double())
    assert (vector[finite].double() - exact).abs().max() < 3.5e-7
    assert (vector[finite].double() - exact).abs().le(6 * torch.finfo(torch.float32).eps * exact.abs() + 1e-37).all()
    assert vector[11] == vector[5] > 0.9999997 and vector[12] == vector[6] == -vector[5]       # ±inf: the clamps
    assert vector[13].isnan() and vector[:2].tolist() == [0.0, 0.0]
    shifted = _activate("tanh", z[finite], 0.25)                         # the bias is added first
    assert torch.equal(shifted, _activate("tanh", z[finite] + 0.25, 0.0))
