"""The reference: one ``nn.Sequential`` at a time, autograd, stock ``torch.optim``.

This is the loop anyone would write first, and the yardstick for the engine: same initial weights
(:func:`~.warm.starting_parameters`), same batches (:func:`batches`), same steps, same loss, same optimizer
defaults, same test set. The benchmark times it; a test checks the engine reproduces it.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from ..activations import get_activation
from .data import batches, evaluation_set
from .spec import ADADELTA_EPS, ADADELTA_RHO, ADAM_BETAS, ADAM_EPS, ModelSpec, RunResult
from .warm import starting_parameters


def build_network(spec: ModelSpec) -> nn.Sequential:
    """Linear → σ → … → Linear(width, 1), initialised exactly as the engine initialises the spec."""
    modules: list[nn.Module] = []
    for weight, bias in starting_parameters(spec):
        linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        modules += [linear, get_activation(spec.activation).module()]
    return nn.Sequential(*modules[:-1])          # no σ after the output layer


def build_optimizer(spec: ModelSpec, params) -> torch.optim.Optimizer:
    if spec.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=spec.lr, rho=ADADELTA_RHO, eps=ADADELTA_EPS)
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr, betas=ADAM_BETAS, eps=ADAM_EPS)
    return torch.optim.SGD(params, lr=spec.lr)


def train_naive(spec: ModelSpec, keep: list | None = None) -> RunResult:
    """Train one spec the plain way and score it like the engine does."""
    start = time.perf_counter()
    net = build_network(spec)
    optimizer = build_optimizer(spec, net.parameters())
    loss_fn = nn.L1Loss() if spec.loss == "l1" else nn.MSELoss()
    for x, y in batches(spec):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(net(x).squeeze(-1), y).backward()
        optimizer.step()
    abs_sum = sq_sum = 0.0
    with torch.no_grad():
        for x, y in evaluation_set(spec.target_fn, spec.domain, spec.test_size):
            err = net(x).squeeze(-1).double() - y
            abs_sum += err.abs().sum().item()
            sq_sum += err.square().sum().item()
    mae, rmse = abs_sum / spec.test_size, math.sqrt(sq_sum / spec.test_size)
    finite = math.isfinite(mae) and math.isfinite(rmse) and all(
        bool(torch.isfinite(p).all()) for p in net.parameters())
    if keep is not None:
        keep.append(net)
    return RunResult(spec, mae if finite else None, rmse if finite else None,
                     "done" if finite else "diverged", time.perf_counter() - start, "cpu")
