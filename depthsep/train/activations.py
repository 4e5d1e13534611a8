"""The activations the engine can train, each as a forward kernel and a derivative kernel.

The engine writes its own backward pass, so an activation is not just ``torch.tanh``: it is a
forward that writes σ(z) into a (possibly strided) buffer and a backward that turns ∂L/∂h into
∂L/∂z *from the output h* — the output is what the engine keeps, so no pre-activation buffer is
needed per layer. Each also names its ``nn.Module`` for the naive reference loop.

(The project-wide activation registry with Taylor coefficients lives elsewhere; this is the small
map of torch kernels the trainer needs.)

``gain`` is a factor folded into the matmul that produces the pre-activation: the forward kernel
receives u = gain·z. tanh uses it to run as 2·sigmoid(2z) − 1, because on the CPUs we target
``torch.tanh`` costs ≈ 2.8 ns/element and ``torch.sigmoid`` ≈ 0.4 — and tanh is the activation of
Figure 2. (Round-off: the identity loses relative accuracy only for |tanh z| ≲ 1e-7, where the
absolute error stays ≈ 6e-8; training cannot see it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

from ..errors import DepthsepError

_aten = torch.ops.aten


@dataclass(frozen=True)
class Activation:
    name: str
    gain: float                                  # the matmul computes gain·z for `forward`
    at_zero: float                               # σ(0): padded units are inert only if it is 0
    forward: Callable[[Tensor, Tensor], None]    # (u = gain·z, out) -> out = σ(z)
    backward: Callable[[Tensor, Tensor, Tensor], None]  # (dL/dh, h, out) -> out = dL/dz; out may be dL/dh
    module: Callable[[], nn.Module]              # the same σ for nn.Sequential


def _tanh_forward(u: Tensor, out: Tensor) -> None:
    torch.sigmoid(u, out=out)                    # σ(2z) …
    torch.add(_minus_one(out), out, alpha=2, out=out)  # … → 2σ(2z) − 1 = tanh z


_MINUS_ONE: dict[torch.device, Tensor] = {}


def _minus_one(like: Tensor) -> Tensor:
    # A 0-dim tensor lets "−1 + 2·s" run as one fused kernel (a Python scalar cannot be the first operand).
    if like.device not in _MINUS_ONE:
        _MINUS_ONE[like.device] = torch.tensor(-1.0, dtype=like.dtype, device=like.device)
    return _MINUS_ONE[like.device]


def _softplus_backward(dh: Tensor, h: Tensor, out: Tensor) -> None:
    # σ'(z) = sigmoid(z) = 1 − e^{−h} for h = softplus(z); −expm1(−h) keeps it exact for tiny h.
    # (`out` may be `dh` itself: the engine runs backward kernels in place.)
    torch.mul(dh, torch.expm1(-h), out=out).neg_()


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation(
        "tanh", 2.0, 0.0, _tanh_forward,
        lambda dh, h, out: _aten.tanh_backward.grad_input(dh, h, grad_input=out),
        nn.Tanh,
    ),
    "sigmoid": Activation(
        "sigmoid", 1.0, 0.5, lambda u, out: torch.sigmoid(u, out=out),
        lambda dh, h, out: _aten.sigmoid_backward.grad_input(dh, h, grad_input=out),
        nn.Sigmoid,
    ),
    "relu": Activation(
        "relu", 1.0, 0.0, lambda u, out: torch.clamp_min(u, 0.0, out=out),
        # h > 0 exactly where z > 0, so the mask can be read off the output.
        lambda dh, h, out: _aten.threshold_backward.grad_input(dh, h, 0.0, grad_input=out),
        nn.ReLU,
    ),
    "softplus": Activation(
        "softplus", 1.0, 0.6931471805599453,
        lambda u, out: torch._C._nn.softplus(u, 1.0, 20.0, out=out),
        _softplus_backward,
        nn.Softplus,
    ),
}


# On a GPU every kernel costs its launch (≈ 3 µs here) more than its arithmetic, and tanh is no
# dearer than sigmoid: one kernel beats the CPU's two.
_GPU_TANH = Activation("tanh", 1.0, 0.0, lambda u, out: torch.tanh(u, out=out),
                       ACTIVATIONS["tanh"].backward, nn.Tanh)


def get_activation(name: str, device_type: str = "cpu") -> Activation:
    if name == "tanh" and device_type == "cuda":
        return _GPU_TANH
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise DepthsepError(
            f"unknown activation '{name}' (choose from {', '.join(sorted(ACTIVATIONS))})"
        ) from None
