"""Training kernels of the built-in activations (:class:`~.registry.Kernel`), one factory per σ and
device type; the entries of :mod:`.entries` name them.

The engine writes its own backward pass, so a kernel is not just ``torch.tanh``: a forward that
writes σ(z) into a (possibly strided) buffer and a backward that turns ∂L/∂h into ∂L/∂z from the
output h, in place if asked.

tanh trains on the CPU as 2·sigmoid(2z) − 1 (``gain`` 2): on the CPUs we target ``torch.tanh`` costs
≈ 2.8 ns/element and ``torch.sigmoid`` ≈ 0.4, and tanh is the activation of Figure 2. The identity
loses relative accuracy only for |tanh z| ≲ 1e-7, where the absolute error stays ≈ 6e-8; training
cannot see it. On a GPU every kernel costs its launch (≈ 3 µs) more than its arithmetic, and one
tanh kernel beats two.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .registry import Kernel

_aten = torch.ops.aten
_MINUS_ONE: dict[tuple, Tensor] = {}


def _minus_one(like: Tensor) -> Tensor:
    # A 0-dim tensor lets "−1 + 2·s" run as one fused kernel (a Python scalar cannot be the first operand).
    key = (like.device, like.dtype)
    if key not in _MINUS_ONE:
        with torch.inference_mode(False):  # cached across steps: never an inference tensor
            _MINUS_ONE[key] = torch.tensor(-1.0, dtype=like.dtype, device=like.device)
    return _MINUS_ONE[key]


def _tanh_as_sigmoid(u: Tensor, out: Tensor) -> None:
    torch.sigmoid(u, out=out)  # σ(2z) …
    torch.add(_minus_one(out), out, alpha=2, out=out)  # … → 2σ(2z) − 1 = tanh z


def _tanh_backward(dh: Tensor, h: Tensor, out: Tensor) -> None:
    _aten.tanh_backward.grad_input(dh, h, grad_input=out)  # ∂L/∂h · (1 − h²)


def tanh_kernel(device_type: str) -> Kernel:
    if device_type == "cuda":
        return Kernel(lambda u, out: torch.tanh(u, out=out), _tanh_backward)
    return Kernel(_tanh_as_sigmoid, _tanh_backward, gain=2.0)


def sigmoid_kernel(device_type: str) -> Kernel:
    return Kernel(lambda u, out: torch.sigmoid(u, out=out),
                  lambda dh, h, out: _aten.sigmoid_backward.grad_input(dh, h, grad_input=out))  # h(1 − h)


def relu_kernel(device_type: str) -> Kernel:
    # h > 0 exactly where z > 0, so the mask can be read off the output.
    return Kernel(lambda u, out: torch.clamp_min(u, 0.0, out=out),
                  lambda dh, h, out: _aten.threshold_backward.grad_input(dh, h, 0.0, grad_input=out))


def _softplus_backward(dh: Tensor, h: Tensor, out: Tensor) -> None:
    # σ'(z) = sigmoid(z) = 1 − e^{−h} for h = softplus(z); −expm1(−h) keeps it exact for tiny h.
    # (`out` may be `dh` itself: the engine runs backward kernels in place.)
    torch.mul(dh, torch.expm1(-h), out=out).neg_()


def softplus_kernel(device_type: str, threshold: float) -> Kernel:
    """log(1 + e^z), and z itself above ``threshold`` (as the entry's torch module does)."""
    return Kernel(lambda u, out: torch._C._nn.softplus(u, 1.0, threshold, out=out), _softplus_backward)


def exp_kernel(device_type: str) -> Kernel:
    return Kernel(lambda u, out: torch.exp(u, out=out),
                  lambda dh, h, out: torch.mul(dh, h, out=out))  # (e^z)' = e^z = h
