"""Optimizers over one flat parameter buffer and one flat gradient buffer.

Every parameter of every model in a group lives in a single 1-D tensor, so an optimizer step is a
handful of elementwise kernels on that tensor instead of a handful *per parameter tensor per model*
— on a CPU the per-call overhead (µs) dominates the arithmetic for small networks.

Each update follows torch.optim's single-tensor implementation (the default on CPU), with the same
defaults, so the engine and the naive reference loop agree to round-off (each class notes where
its arithmetic is arranged differently). One deliberate difference: the learning rate is a
params-shaped tensor, not a number: each model of a group may have its own
(an lr sweep trains as one group), and a slot whose rate is 0 (a dummy, a diverged model) is frozen.
All ops are elementwise, hence a model's update never depends on its neighbours in the buffer.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .spec import ADADELTA_EPS, ADADELTA_RHO, ADAM_BETAS, ADAM_EPS


def _scalar(value: float, like: Tensor) -> Tensor:
    # A 0-dim tensor: `t.mul_(0.9)` wraps and casts the float on every call (≈ 2 µs on a CPU).
    return torch.tensor(value, dtype=like.dtype, device=like.device)


class FlatOptimizer:
    """``params`` and ``grads`` are the flat buffers; ``lr`` is params-shaped (a rate per element)."""

    def __init__(self, params: Tensor, grads: Tensor, lr: Tensor):
        self.params, self.grads, self.lr = params, grads, lr

    def state(self) -> list[Tensor]:
        """Buffers shaped like ``params`` (zeroed with them when a model is reset)."""
        return []

    def step(self) -> None:
        raise NotImplementedError


class Adadelta(FlatOptimizer):
    """Zeiler (2012), as torch.optim.Adadelta: lr=1.0, rho=0.9, eps=1e-6 by default.

    One liberty: Δ = √((acc_Δ + ε) / (E[g²] + ε)) · g takes one square root, not two (torch
    divides two roots); equal up to round-off, and sqrt is the priciest kernel here.
    """

    def __init__(self, params, grads, lr, rho=ADADELTA_RHO, eps=ADADELTA_EPS):
        super().__init__(params, grads, lr)
        self.rho, self.one_minus_rho, self.eps = rho, 1 - rho, eps
        self.rho_t, self.eps_t = _scalar(rho, params), _scalar(eps, params)
        self.square_avg, self.acc_delta = torch.zeros_like(params), torch.zeros_like(params)
        self._den, self._delta = torch.empty_like(params), torch.empty_like(params)

    def state(self):
        return [self.square_avg, self.acc_delta]

    def step(self):
        g, rho, c, eps = self.grads, self.rho_t, self.one_minus_rho, self.eps_t
        self.square_avg.mul_(rho).addcmul_(g, g, value=c)                 # E[g²]
        den = torch.add(self.square_avg, eps, out=self._den)
        delta = torch.add(self.acc_delta, eps, out=self._delta)
        delta.div_(den).sqrt_().mul_(g)                                   # Δ
        self.acc_delta.mul_(rho).addcmul_(delta, delta, value=c)          # E[Δ²]
        self.params.addcmul_(delta, self.lr, value=-1)


class Adam(FlatOptimizer):
    """Kingma & Ba (2015), as torch.optim.Adam: betas=(0.9, 0.999), eps=1e-8.

    The step count and the bias corrections 1 − β^t are 0-dim float64 tensors updated by the step
    itself, not Python numbers: a step is then the same kernels with the same arguments every time,
    which a CUDA graph needs (it replays the arguments it recorded). The division by 1 − β₁^t
    comes after lr·m rather than before; equal up to round-off.
    """

    def __init__(self, params, grads, lr, betas=ADAM_BETAS, eps=ADAM_EPS):
        super().__init__(params, grads, lr)
        self.betas, self.eps = betas, eps
        self.beta2_t = _scalar(betas[1], params)
        self.exp_avg, self.exp_avg_sq = torch.zeros_like(params), torch.zeros_like(params)
        self._denom, self._step = torch.empty_like(params), torch.empty_like(params)
        f64 = dict(dtype=torch.float64, device=params.device)
        self.t = torch.zeros((), **f64)
        self._powers = torch.tensor(betas, **f64)          # (β₁, β₂)
        self._corrections = torch.empty(2, **f64)           # 1 − β₁^t, √(1 − β₂^t)

    def state(self):
        return [self.exp_avg, self.exp_avg_sq]

    def step(self):
        beta1, beta2 = self.betas
        g, c = self.grads, self._corrections
        self.t.add_(1)
        torch.pow(self._powers, self.t, out=c).neg_().add_(1)
        c[1].sqrt_()
        self.exp_avg.lerp_(g, 1 - beta1)
        self.exp_avg_sq.mul_(self.beta2_t).addcmul_(g, g, value=1 - beta2)
        denom = torch.sqrt(self.exp_avg_sq, out=self._denom).div_(c[1]).add_(self.eps)
        step = torch.mul(self.exp_avg, self.lr, out=self._step).div_(c[0])
        self.params.addcdiv_(step, denom, value=-1)


class SGD(FlatOptimizer):
    """Plain gradient descent, as torch.optim.SGD without momentum."""

    def step(self):
        self.params.addcmul_(self.grads, self.lr, value=-1)


OPTIMIZERS = {"adadelta": Adadelta, "adam": Adam, "sgd": SGD}


def make_optimizer(name: str, params: Tensor, grads: Tensor, lr: Tensor) -> FlatOptimizer:
    return OPTIMIZERS[name](params, grads, lr)
