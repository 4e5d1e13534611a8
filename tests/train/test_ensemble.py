"""The stacked ensemble: handwritten gradients equal autograd on every hidden-layer matmul path, and the
numpy/OpenBLAS path keeps results independent of batch-mates and workers."""

import pytest
import torch

from depthsep.activations import TRAINABLE, get_activation
from depthsep.train import ModelSpec, initial_parameters, train_models
from depthsep.train import ensemble
from depthsep.train.ensemble import ONEDNN_MIN_WIDTH, Ensemble, augment, mm_mkl, mm_onednn, mm_openblas


def _autograd_grads(ens: Ensemble, x_aug, y, loss):
    """Reference: the same stacked weights, σ's torch form (the one exports use) and autograd."""
    params = ens.params.detach().clone().requires_grad_(True)
    act = get_activation(ens.activation.name).torch_fn
    h = x_aug
    for layer, w in enumerate(ens.views(params)):
        z = w.transpose(1, 2) @ h
        if layer < ens.layers:
            z = act(z)
            h = torch.cat([z, torch.ones_like(z[:, :1])], dim=1)
    err = z - y
    per_slot = err.abs().mean(dim=(1, 2)) if loss == "l1" else err.square().mean(dim=(1, 2))
    per_slot.sum().backward()
    grad = params.grad
    return grad if ens.grad_mask is None else grad * ens.grad_mask


@pytest.mark.parametrize("activation", sorted(TRAINABLE))
@pytest.mark.parametrize("loss", ["l1", "l2"])
@pytest.mark.parametrize("width, matmul", [(8, "mkl"), (ONEDNN_MIN_WIDTH, "onednn"), (24, "openblas")])
def test_handwritten_gradients_equal_autograd(activation, loss, width, matmul):
    torch.manual_seed(0)
    ens = Ensemble(n_in=5, layers=3, width=width, slots=4, activation=activation)
    if matmul == "onednn" and not torch.backends.mkldnn.is_available():
        pytest.skip("no oneDNN in this torch")
    # Every hidden-layer matmul path the engine can pick, whatever this machine would pick.
    ens.hidden_mm = {"mkl": mm_mkl, "onednn": mm_onednn, "openblas": mm_openblas}[matmul]
    for slot, w in enumerate((width, width - 3, width, 3)):   # padded slots exercise the σ(0) ≠ 0 mask
        ens.load(slot, initial_parameters(ModelSpec("product:5", layers=3, width=w, seed=slot)))
    # Inputs in [0, 2) as in Figure 2; exp of exp of exp overflows float32 from there at width 96.
    x_aug = augment(torch.rand(4, 64, 5) * (0.25 if activation == "exp" else 2))
    y = torch.randn(4, 1, 64)
    ens.train_step(x_aug, y, loss)
    expected = _autograd_grads(ens, x_aug, y, loss)
    assert torch.isfinite(expected).all()
    torch.testing.assert_close(ens.grads, expected, rtol=1e-4, atol=1e-6)


def test_openblas_path_keeps_results_independent_of_batch_mates_and_workers(monkeypatch):
    # Force the numpy/OpenBLAS path whatever this machine's core: it must be as reproducible as MKL's.
    monkeypatch.setattr(ensemble, "avx512_gemm", lambda: True)
    fast = dict(target="product:4", steps=40, batch_size=64, test_size=2000, layers=2)
    me = ModelSpec(width=20, seed=3, **fast)
    grid = [ModelSpec(width=w, seed=s, **fast) for w in (17, 20, 24, 31) for s in (0, 3, 5)] + [me]
    assert ensemble.Ensemble(4, 2, 24, 4, "tanh").hidden_mm is ensemble.mm_openblas
    alone = train_models([me], workers=1)[0]
    assert train_models(grid, workers=2)[-1].test_mae == alone.test_mae
    assert alone.status == "done" and 0 < alone.test_mae < 10
