"""The engine on a GPU: CUDA-graph replay, batch-mate independence and gradients equal to the CPU's.

Skipped where no CUDA device is present (the project never needs one); run on a GPU machine with
``python -m pytest -q tests/train/test_cuda.py``.
"""

import pytest
import torch

from depthsep.train import ModelSpec, initial_parameters, train_models
from depthsep.train import engine
from depthsep.train.data import chunk_steps, stream_chunk
from depthsep.train.grouping import plan_groups, width_bucket
from depthsep.train.ensemble import Ensemble, augment

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

CUDA = torch.device("cuda")


def spec(**kw):
    # 200 steps of batch 128 in R^20 = chunks of 64: eager, recorded + replayed, replayed, 8 eager.
    base = dict(target="product:20", layers=3, width=20, steps=200, batch_size=128, test_size=4096,
                domain=(0.0, 2.0))
    return ModelSpec(**{**base, **kw})


@pytest.mark.parametrize("kw", [dict(), dict(activation="relu", loss="l2", optimizer="adam", lr=1e-3),
                                dict(activation="sigmoid", optimizer="sgd", lr=1e-2, width=9)])
def test_graph_replay_gives_the_eager_result(monkeypatch, kw):
    grid = [spec(seed=s, **kw) for s in range(3)]
    assert chunk_steps(128, 20) == 64
    replayed = train_models(grid, device=CUDA)
    monkeypatch.setattr(engine, "CUDA_GRAPHS", False)
    eager = train_models(grid, device=CUDA)
    for a, b in zip(replayed, eager):
        assert a.status == b.status == "done"
        assert a.test_mae == pytest.approx(b.test_mae, rel=1e-6)
        assert a.device.startswith("cuda")


def test_a_model_scores_the_same_alone_and_in_a_gpu_grid():
    me = spec(width=20, seed=3)
    grid = [spec(width=w, seed=s) for w in (5, 17, 20, 31, 32) for s in range(4)] + [me]
    assert width_bucket(20, "cuda") == width_bucket(5, "cuda") == 128
    assert len(plan_groups(grid, CUDA)) == 1                  # really batch-mates
    assert train_models([me], device=CUDA)[0].test_mae == train_models(grid, device=CUDA)[-1].test_mae


def test_gpu_gradients_equal_the_cpus():
    torch.manual_seed(0)
    grads = []
    x_aug = augment(torch.rand(4, 64, 5) * 2)
    y = torch.randn(4, 1, 64)
    for device in ("cpu", "cuda"):
        ens = Ensemble(n_in=5, layers=3, width=16, slots=4, activation="tanh", device=device)
        for slot, w in enumerate((16, 13, 16, 3)):
            ens.load(slot, initial_parameters(ModelSpec("product:5", layers=3, width=w, seed=slot)))
        ens.train_step(x_aug.to(device), y.to(device), "l2")
        grads.append(ens.grads.cpu())
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-4, atol=1e-6)


def test_streams_are_drawn_on_the_gpu_and_are_reproducible():
    target = spec().target_fn
    x, y = stream_chunk(target, (0.0, 2.0), 128, 7, 0, CUDA)
    again, _ = stream_chunk(target, (0.0, 2.0), 128, 7, 0, "cuda")
    assert x.device.type == "cuda" and torch.equal(x, again)
    assert torch.allclose(y, x.double().prod(dim=1).float())
    assert 0.0 <= float(x.min()) and float(x.max()) <= 2.0


def test_a_diverging_gpu_model_leaves_its_batch_mates_alone():
    calm = [spec(optimizer="sgd", lr=1e-4, loss="l2", seed=s) for s in (1, 2)]
    wild = spec(optimizer="sgd", lr=1e6, loss="l2", seed=0)
    together = train_models([wild, *calm], device=CUDA)
    assert together[0].status == "diverged"
    apart = train_models(calm, device=CUDA)
    assert [r.test_mae for r in together[1:]] == [r.test_mae for r in apart]


def test_radial_targets_train_on_the_gpu():
    s = ModelSpec("radial:cos(pi*t):8", 2, 16, activation="relu", loss="l2", optimizer="adam", lr=3e-3,
                  steps=300, batch_size=128, test_size=4096)
    result = train_models([s], device=CUDA)[0]
    assert result.status == "done" and result.test_rmse < 1.0


def test_a_gpu_index_this_machine_lacks_is_refused():
    from depthsep.errors import DepthsepError

    with pytest.raises(DepthsepError, match="CUDA GPU"):
        train_models([spec()], device=f"cuda:{torch.cuda.device_count()}")
