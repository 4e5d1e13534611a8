"""G networks of one padded shape, stacked, with a hand-written forward and backward pass.

    slot s:   x ──P_0──σ──P_1──σ── … ──P_L── ŷ        z_l = P_lᵀ [h_{l-1}; 1]

P_l is (in + 1) × out: row i holds the weights leaving input i, the last row holds the biases
(nn.Linear's weight, transposed, with its bias appended as a row).

Layout, and why:

* Every parameter of the G slots sits in ONE flat buffer (``params``), gradients in a second
  (``grads``); the per-layer tensors are views. The optimizer then runs a few kernels on one tensor.
* Activations are feature-major, (G, units + 1, batch), with a constant row of ones at the bottom.
  A layer is then ONE batched matmul ``P_lᵀ H_aug`` that also adds the bias, and the weight
  gradient ``H_aug dZᵀ`` also yields the bias gradient — no broadcasts, no reductions. It suits
  MKL: (out × in) @ (in × batch) for small out/in costs ≈ 1 µs per slot, where the batch-major
  (batch × in) @ (in × out) costs ≈ 4. Storing P (in + 1) × out rather than out × (in + 1) makes
  the gradient's fast dimension the width (a multiple of 8) instead of width + 1: 5–25 % faster.
* The input gets its row of ones after zero rows up to a multiple of 8 (n = 20: 24 rows, not 21),
  for the same reason: the first layer's gradient product runs ≈ 30 % faster.
* No autograd: the backward is the three lines of the chain rule per layer, with every buffer
  preallocated and every op writing in place (``out=``). Scalars are 0-dim tensors: ``t.mul_(0.5)``
  costs ≈ 3 µs on the CPU (the Python float becomes a tensor, then is cast), ``t.mul_(half)`` ≈ 1.

Hidden W × W products on a CPU: torch's matmul is MKL, which on AMD CPUs runs its AVX2 code. Where
numpy's OpenBLAS runs its AVX-512 kernels (:mod:`depthsep._openblas`), hidden layers of width ≥ 16
go through ``numpy.matmul`` on views of the same buffers — all slots in one call, 1.7–2.2× MKL's
speed at widths 32–128 here. Otherwise wide groups (width ≥ 96) use oneDNN, one slot at a time
(AVX-512 too, but ≈ 10 µs of overhead per call, so below that width MKL's batched product wins;
evaluation, 2048 points a call, switches at width 32). The choice depends on the width and the
machine alone, so it cannot break reproducibility.

Padding: a slot narrower than the group's width has zero columns (its missing units) and zero rows
(the weights leaving them). When σ(0) = 0 such a unit computes exactly 0 forever and all its
gradients are 0. When σ(0) ≠ 0 it outputs σ(0), and the rows reading it would learn; a gradient
mask keeps them at zero.

Slots never mix: every op is either elementwise or a (batched) matmul whose slot s reads only slot s,
so a slot's numbers do not depend on what the other slots hold (a NaN in one stays in it).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .._openblas import avx512_gemm
from ..activations import get_activation

_EVAL_CHUNK = 2048               # points per evaluation chunk (8192 runs 2–3× slower: cache)
ONEDNN_MIN_WIDTH = 96            # measured crossovers: MKL's bmm wins below, oneDNN above —
ONEDNN_MIN_WIDTH_EVAL = 32       # for batches of 256 in training and chunks of 2048 in evaluation
OPENBLAS_MIN_WIDTH = 16          # AVX-512 OpenBLAS ties MKL at width 8 and wins from 16 on


def _onednn_matmul():
    """oneDNN's fp32 matmul as torch exposes it (x @ wᵀ), or None where it is missing."""
    try:
        op = torch.ops.mkldnn._linear_pointwise.default
    except (AttributeError, RuntimeError):
        return None
    return op if torch.backends.mkldnn.is_available() else None


_ONEDNN = _onednn_matmul()
_SCALARS: dict[tuple, Tensor] = {}


def _scalar(value: float, device: torch.device) -> Tensor:
    if (value, device) not in _SCALARS:
        with torch.inference_mode(False):   # cached across calls: never an inference tensor
            _SCALARS[value, device] = torch.tensor(value, device=device)
    return _SCALARS[value, device]


def mm_mkl(a: Tensor, b: Tensor, out: Tensor, alpha: float = 1.0) -> None:
    """out = alpha · a @ b for every slot, as one batched (MKL) call."""
    if alpha == 1.0:
        torch.bmm(a, b, out=out)
    else:
        torch.baddbmm(out, a, b, beta=0, alpha=alpha, out=out)


def mm_openblas(a: Tensor, b: Tensor, out: Tensor, alpha: float = 1.0) -> None:
    """out = alpha · a @ b for every slot, as one ``numpy.matmul`` (numpy's OpenBLAS) on shared views."""
    np.matmul(a.numpy(), b.numpy(), out=out.numpy())
    if alpha != 1.0:
        out.mul_(_scalar(alpha, out.device))


def mm_onednn(a: Tensor, b: Tensor, out: Tensor, alpha: float = 1.0) -> None:
    """out = alpha · a @ b slot by slot through oneDNN.

    Operands may be transposed views but must be dense: a view with a padded leading dimension
    sends oneDNN to its reference kernel, ~100× slower.
    """
    for g in range(out.shape[0]):
        z = _ONEDNN(a[g], b[g].t(), None, "none", [], "")     # a[g] @ (b[g]ᵀ)ᵀ
        if alpha == 1.0:
            out[g].copy_(z)
        else:
            torch.mul(z, _scalar(alpha, out.device), out=out[g])


def input_rows(n: int) -> int:
    """Rows of the augmented input: n coordinates, zero rows, a row of ones; a multiple of 8."""
    return -(-(n + 1) // 8) * 8


def augment(x: Tensor) -> Tensor:
    """Points (…, B, n) → the feature-major input (…, input_rows(n), B) the first layer reads."""
    *lead, batch, n = x.shape
    out = x.new_zeros(*lead, input_rows(n), batch)
    out[..., :n, :] = x.transpose(-1, -2)
    out[..., -1, :] = 1.0
    return out


class Ensemble:
    def __init__(self, n_in: int, layers: int, width: int, slots: int, activation: str, device="cpu"):
        self.n_in, self.layers, self.width, self.slots = n_in, layers, width, slots
        self.device = torch.device(device)
        self.activation = get_activation(activation).kernel(self.device.type)
        # Per layer: (rows = inputs + zero padding + the bias row, columns = units out).
        self.shapes = ([(input_rows(n_in), width)] + [(width + 1, width)] * (layers - 1)
                       + [(width + 1, 1)])
        total = sum(slots * rows * cols for rows, cols in self.shapes)
        self.params = torch.zeros(total, device=self.device)
        self.grads = torch.zeros(total, device=self.device)
        self.weights = self.views(self.params)        # [(G, rows, out)] per layer
        self.weight_grads = self.views(self.grads)
        self.slot_widths = [0] * slots               # true width per slot, 0 = empty
        self.grad_mask: Tensor | None = None
        onednn = self.device.type == "cpu" and _ONEDNN is not None
        # For the hidden (W + 1) × W products, in training and in evaluation:
        if self.device.type == "cpu" and width >= OPENBLAS_MIN_WIDTH and avx512_gemm():
            self.hidden_mm = mm_openblas
        else:
            self.hidden_mm = mm_onednn if onednn and width >= ONEDNN_MIN_WIDTH else mm_mkl
        self.eval_mm = mm_onednn if onednn and width >= ONEDNN_MIN_WIDTH_EVAL else mm_mkl
        self._plans: dict[int, dict] = {}
        self._eval: dict[int, tuple] = {}

    # -- parameters -------------------------------------------------------------------------
    def views(self, flat: Tensor) -> list[Tensor]:
        """Per-layer (G, rows, out) views of a buffer laid out like ``params``."""
        views, offset = [], 0
        for rows, cols in self.shapes:
            size = self.slots * rows * cols
            views.append(flat[offset:offset + size].view(self.slots, rows, cols))
            offset += size
        return views

    def load(self, slot: int, parameters: list[tuple[Tensor, Tensor]]) -> None:
        """Put [(weight (out, in), bias (out,)), …] of one network into ``slot``, zero-padded."""
        with torch.no_grad():
            for p, (weight, bias) in zip(self.weights, parameters, strict=True):
                out, inp = weight.shape
                p[slot].zero_()
                p[slot, :inp, :out] = weight.T
                p[slot, -1, :out] = bias
        self.slot_widths[slot] = parameters[0][0].shape[0]
        self._update_grad_mask()

    def export(self, slot: int) -> list[tuple[Tensor, Tensor]]:
        """The network in ``slot`` at its true width, as [(weight, bias), …] (copies, on the CPU)."""
        width = self.slot_widths[slot]
        sizes = [self.n_in] + [width] * self.layers + [1]
        return [(p[slot, :inp, :out].T.cpu().clone(), p[slot, -1, :out].cpu().clone())
                for p, inp, out in zip(self.weights, sizes[:-1], sizes[1:])]

    def per_slot(self, values: list[float]) -> Tensor:
        """A params-shaped buffer holding ``values[s]`` throughout slot s (e.g. learning rates)."""
        out = torch.empty_like(self.params)
        for view in self.views(out):
            for slot, value in enumerate(values):
                view[slot].fill_(value)
        return out

    def reset(self, slot: int, *buffers: Tensor) -> None:
        """Zero ``slot`` in ``params``, ``grads`` and the given params-shaped buffers."""
        for flat in (self.params, self.grads, *buffers):
            for view in self.views(flat):
                view[slot].zero_()
        self.slot_widths[slot] = 0
        self._update_grad_mask()

    def finite_slots(self) -> list[bool]:
        """Which slots have only finite parameters (one reduction when all are fine)."""
        if bool(torch.isfinite(self.params).all()):
            return [True] * self.slots
        finite = torch.stack([torch.isfinite(p).flatten(1).all(dim=1) for p in self.weights]).all(dim=0)
        return finite.tolist()

    def _update_grad_mask(self) -> None:
        # Only needed when a padded unit emits σ(0) ≠ 0 into the next layer's rows.
        padded = [0 < w < self.width for w in self.slot_widths]
        if self.activation.at_zero == 0.0 or not any(padded):
            self.grad_mask = None
            return
        mask = torch.ones_like(self.params)
        for view in self.views(mask)[1:]:        # layer 0 reads the inputs, not padded units
            for slot, width in enumerate(self.slot_widths):
                if 0 < width < self.width:
                    view[slot, width:self.width] = 0
        self.grad_mask = mask

    # -- training ---------------------------------------------------------------------------
    def _plan(self, batch: int) -> dict:
        """Buffers and the per-layer argument tuples of one batch size, built once.

        The hot loop then only unpacks tuples: at ~40 kernels per step on tiny tensors, Python
        attribute and dict lookups would cost as much as the kernels.
        """
        if batch in self._plans:
            return self._plans[batch]
        with torch.inference_mode(False):   # ordinary tensors even when built by an inference-mode
            plan = self._build_plan(batch)  # step: they outlive it (e.g. a test's train_step)
        self._plans[batch] = plan
        return plan

    def _build_plan(self, batch: int) -> dict:
        G, W, L, dev = self.slots, self.width, self.layers, self.device
        h_aug = [torch.ones(G, W + 1, batch, device=dev) for _ in range(L)]   # row W stays 1
        h = [t[:, :W, :] for t in h_aug]
        u = torch.zeros(G, W, batch, device=dev)                      # gain·z, scratch
        d = [torch.zeros(G, W, batch, device=dev) for _ in range(2)]  # ping-pong ∂L/∂z
        pred, dpred = torch.zeros(G, 1, batch, device=dev), torch.zeros(G, 1, batch, device=dev)
        p, p_t = self.weights, [w.transpose(1, 2) for w in self.weights]
        # The first layer (few input rows) and the output layer (one unit) always go to MKL.
        mm = [mm_mkl] + [self.hidden_mm] * (L - 1) + [mm_mkl]
        plan = {
            "pred": pred, "dpred": dpred,
            "scale": {"l1": _scalar(1.0 / batch, dev), "l2": _scalar(2.0 / batch, dev)},
            # forward, hidden layers: (matmul, Pᵀ, input H_aug or None for x, u, σ output)
            "forward": [(mm[l], p_t[l], h_aug[l - 1] if l else None, u, h[l]) for l in range(L)],
            "output": (p_t[L], h_aug[L - 1], pred),
            # backward, top down: (matmul, ∂L/∂Z in and its transpose, ∂P, layer input H_aug,
            #                      P without its bias row, ∂H buffer, σ output of the layer below)
            "backward": [(mm[l], d_in, d_in.transpose(1, 2), self.weight_grads[l], h_aug[l - 1],
                          p[l][:, :W, :], d[l % 2], h[l - 1])
                         for l, d_in in zip(range(L, 0, -1), [dpred] + [d[l % 2] for l in range(L, 1, -1)])],
            "first": (d[1], d[1].transpose(1, 2)),             # ∂L/∂Z of layer 0 lives in d[1]
        }
        return plan

    def forward(self, x_aug: Tensor) -> Tensor:
        """x_aug (G, rows, B) from :func:`augment` → predictions (G, 1, B); keeps activations."""
        plan = self._plan(x_aug.shape[-1])
        forward, gain = self.activation.forward, self.activation.gain
        for mm, p_t, h_in, u, h_out in plan["forward"]:
            mm(p_t, x_aug if h_in is None else h_in, u, gain)   # u = gain · Pᵀ H_aug
            forward(u, h_out)
        p_t, h_last, pred = plan["output"]
        return torch.bmm(p_t, h_last, out=pred)

    def loss_grad(self, pred: Tensor, y: Tensor, loss: str) -> Tensor:
        """∂(mean loss over the batch)/∂pred, per slot: L1 → sign(ŷ − y)/B, L2 → 2(ŷ − y)/B."""
        plan = self._plan(pred.shape[-1])
        dpred = torch.sub(pred, y, out=plan["dpred"])
        if loss == "l1":
            dpred.sign_()
        return dpred.mul_(plan["scale"][loss])

    def backward(self, x_aug: Tensor, dpred: Tensor) -> None:
        """Fill ``grads`` from ∂L/∂pred, using the activations of the last ``forward``."""
        plan, backward = self._plan(x_aug.shape[-1]), self.activation.backward
        if dpred is not plan["dpred"]:       # the views below read ∂L/∂ŷ from the plan's buffer
            plan["dpred"].copy_(dpred)
        for top, (mm, d, d_t, grad_p, h_in, p, dh, h) in enumerate(plan["backward"]):
            mm(h_in, d_t, grad_p)                               # ∂L/∂P = H_aug dZᵀ
            if top == 0:    # output layer: P dZ is an outer product, cheaper as a broadcast
                torch.mul(p, d, out=dh)
            else:
                mm(p, d, dh)                                    # ∂L/∂H = P dZ
            backward(dh, h, dh)                                 # ∂L/∂Z = ∂L/∂H ⊙ σ'(Z)
        torch.bmm(x_aug, plan["first"][1], out=self.weight_grads[0])
        if self.grad_mask is not None:
            self.grads.mul_(self.grad_mask)

    def train_step(self, x_aug: Tensor, y: Tensor, loss: str) -> None:
        """Forward, loss gradient and backward for one batch (the optimizer steps separately)."""
        self.backward(x_aug, self.loss_grad(self.forward(x_aug), y, loss))

    # -- evaluation -------------------------------------------------------------------------
    def _eval_buffers(self, m: int) -> tuple[list[Tensor], Tensor]:
        # Contiguous buffers per chunk length (at most two lengths occur): oneDNN needs dense views.
        if m not in self._eval:
            G, W, dev = self.slots, self.width, self.device
            self._eval[m] = ([torch.ones(G, W + 1, m, device=dev) for _ in range(2)],
                             torch.empty(G, W, m, device=dev))
        return self._eval[m]

    @torch.no_grad()
    def predict(self, x: Tensor) -> Tensor:
        """All slots at the points x (m, n) → (G, m) float32, in fixed-size chunks.

        Every slot reads the same points, so the first layer is one matmul for all slots.
        """
        G, W, act = self.slots, self.width, self.activation
        first = self.weights[0].transpose(1, 2).reshape(G * W, -1)   # (G·W, rows): slots stacked
        out = torch.empty(G, x.shape[0], device=self.device)
        for start in range(0, x.shape[0], _EVAL_CHUNK):
            xs = augment(x[start:start + _EVAL_CHUNK].to(self.device))
            m = xs.shape[-1]
            h_aug, u = self._eval_buffers(m)
            flat = u.view(G * W, m)
            torch.addmm(flat, first, xs, beta=0, alpha=act.gain, out=flat)
            h = h_aug[0]
            act.forward(u, h[:, :W])
            for layer, p in enumerate(self.weights[1:-1], start=1):
                self.eval_mm(p.transpose(1, 2), h, u, act.gain)
                h = h_aug[layer % 2]
                act.forward(u, h[:, :W])
            out[:, start:start + m] = torch.bmm(self.weights[-1].transpose(1, 2), h)[:, 0, :]
        return out
