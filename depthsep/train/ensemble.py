"""G networks of one padded shape, stacked, with a hand-written forward and backward pass.

    slot s:  x ──W_0──σ──W_1──σ── … ──W_L── ŷ_s         (W_l: out × (in + 1), bias in the last column)

Layout, and why:

* Every parameter of the G slots sits in ONE flat buffer (``params``), gradients in a second
  (``grads``); the per-layer tensors are views. The optimizer then runs a few kernels on one tensor.
* Activations are feature-major, (G, units + 1, batch), with a constant row of ones at the bottom.
  A layer is then ONE batched matmul ``W_aug @ H_aug`` that also adds the bias, and the weight
  gradient ``dZ @ H_augᵀ`` also yields the bias gradient — no broadcasts, no reductions. It also
  suits MKL: (out × in) @ (in × batch) for small out/in costs ≈ 1 µs per slot, where the
  batch-major product (batch × in) @ (in × out) costs ≈ 4.
* The input gets its row of ones after zero rows up to a multiple of 8 (n = 20: 24 rows, not 21):
  MKL's weight-gradient product dZ @ Xᵀ runs ≈ 30 % faster when that dimension is a multiple of 8.
  (For hidden layers, padding units + 1 to a multiple of 8 costs more flops than it saves.)
* No autograd: the backward is the three lines of the chain rule per layer, with every buffer
  preallocated and every op writing in place (``out=``). Scalars are 0-dim tensors: ``t.mul_(0.5)``
  costs ≈ 3 µs on the CPU (the Python float becomes a tensor, then is cast), ``t.mul_(half)`` ≈ 1.

Wide groups (width ≥ 96 on a CPU) run their hidden W × W products through oneDNN, one slot at a
time: torch's matmul is MKL, which on AMD CPUs runs its AVX2 code, while oneDNN uses AVX-512 —
1.3× faster at width 96, 2× at 256. Each oneDNN call costs ≈ 10 µs of overhead, so below that
width MKL's batched product wins. The choice depends on the width alone (reproducibility).

Padding: a slot narrower than the group's width keeps zero rows (units) and zero columns. When
σ(0) = 0 such a unit computes exactly 0 forever and all its gradients are 0. When σ(0) ≠ 0 the unit
outputs σ(0), and the columns reading it would learn; a gradient mask keeps them at zero.

Slots never mix: every op is either elementwise or a (batched) matmul whose slot s reads only slot s,
so a slot's numbers do not depend on what the other slots hold (a NaN in one stays in it).
"""

from __future__ import annotations

import torch
from torch import Tensor

from .activations import get_activation

_EVAL_CHUNK = 2048               # points per evaluation chunk
ONEDNN_MIN_WIDTH = 96            # measured crossover: MKL's bmm wins below, oneDNN above


def _onednn_matmul():
    """oneDNN's fp32 matmul as torch exposes it (x @ wᵀ), or None where it is missing."""
    try:
        op = torch.ops.mkldnn._linear_pointwise.default
    except (AttributeError, RuntimeError):
        return None
    return op if torch.backends.mkldnn.is_available() else None


_ONEDNN = _onednn_matmul()


def mm_mkl(a: Tensor, b: Tensor, out: Tensor, alpha: Tensor | None = None) -> None:
    """out = alpha · a @ b for every slot, as one batched MKL call."""
    if alpha is None:
        torch.bmm(a, b, out=out)
    else:
        torch.baddbmm(out, a, b, beta=0, alpha=alpha.item(), out=out)


def mm_onednn(a: Tensor, b: Tensor, out: Tensor, alpha: Tensor | None = None) -> None:
    """out = alpha · a @ b slot by slot through oneDNN (it reads the strided views in place)."""
    for g in range(out.shape[0]):
        z = _ONEDNN(a[g], b[g].t(), None, "none", [], "")     # a[g] @ (b[g]ᵀ)ᵀ
        if alpha is None:
            out[g].copy_(z)
        else:
            torch.mul(z, alpha, out=out[g])


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
        self.activation = get_activation(activation)
        self.device = torch.device(device)
        # Per layer: (units out, columns in = rows of the augmented input it reads).
        self.shapes = ([(width, input_rows(n_in))] + [(width, width + 1)] * (layers - 1)
                       + [(1, width + 1)])
        total = sum(slots * out * cols for out, cols in self.shapes)
        self.params = torch.zeros(total, device=self.device)
        self.grads = torch.zeros(total, device=self.device)
        self.weights = self.views(self.params)        # [(G, out, cols)] per layer
        self.weight_grads = self.views(self.grads)
        self.slot_widths = [0] * slots               # true width per slot, 0 = empty
        self.grad_mask: Tensor | None = None
        wide = self.device.type == "cpu" and width >= ONEDNN_MIN_WIDTH and _ONEDNN is not None
        self.hidden_mm = mm_onednn if wide else mm_mkl   # for the W × (W + 1) products
        self._plans: dict[int, dict] = {}
        self._eval: tuple | None = None

    # -- parameters -------------------------------------------------------------------------
    def views(self, flat: Tensor) -> list[Tensor]:
        """Per-layer (G, out, cols) views of a buffer laid out like ``params``."""
        views, offset = [], 0
        for out, cols in self.shapes:
            size = self.slots * out * cols
            views.append(flat[offset:offset + size].view(self.slots, out, cols))
            offset += size
        return views

    def load(self, slot: int, parameters: list[tuple[Tensor, Tensor]]) -> None:
        """Put [(weight (out, in), bias (out,)), …] of one network into ``slot``, zero-padded."""
        with torch.no_grad():
            for w_aug, (weight, bias) in zip(self.weights, parameters, strict=True):
                out, inp = weight.shape
                w_aug[slot].zero_()
                w_aug[slot, :out, :inp] = weight
                w_aug[slot, :out, -1] = bias
        self.slot_widths[slot] = parameters[0][0].shape[0]
        self._update_grad_mask()

    def export(self, slot: int) -> list[tuple[Tensor, Tensor]]:
        """The network in ``slot`` at its true width, as [(weight, bias), …] (copies, on the CPU)."""
        width = self.slot_widths[slot]
        sizes = [self.n_in] + [width] * self.layers + [1]
        return [(w[slot, :out, :inp].cpu().clone(), w[slot, :out, -1].cpu().clone())
                for w, inp, out in zip(self.weights, sizes[:-1], sizes[1:])]

    def per_slot(self, values: list[float]) -> Tensor:
        """A params-shaped buffer holding ``values[s]`` throughout slot s (e.g. learning rates)."""
        out = torch.empty_like(self.params)
        for view in self.views(out):
            for slot, value in enumerate(values):
                view[slot].fill_(value)
        return out

    def reset(self, slot: int, *buffers: Tensor) -> None:
        """Zero ``slot`` in ``params`` and in the given params-shaped buffers (optimizer state)."""
        for flat in (self.params, self.grads, *buffers):
            for view in self.views(flat):
                view[slot].zero_()
        self.slot_widths[slot] = 0
        self._update_grad_mask()

    def finite_slots(self) -> list[bool]:
        """Which slots have only finite parameters (one reduction when all are fine)."""
        if bool(torch.isfinite(self.params).all()):
            return [True] * self.slots
        finite = torch.stack([torch.isfinite(w).flatten(1).all(dim=1) for w in self.weights]).all(dim=0)
        return finite.tolist()

    def _update_grad_mask(self) -> None:
        # Only needed when a padded unit emits σ(0) ≠ 0 into the next layer's columns.
        padded = [0 < w < self.width for w in self.slot_widths]
        if self.activation.at_zero == 0.0 or not any(padded):
            self.grad_mask = None
            return
        mask = torch.ones_like(self.params)
        for layer, view in enumerate(self.views(mask)):
            if layer == 0:
                continue                     # reads the inputs, not padded units
            for slot, width in enumerate(self.slot_widths):
                if 0 < width < self.width:
                    view[slot, :, width:self.width] = 0
        self.grad_mask = mask

    # -- training ---------------------------------------------------------------------------
    def _plan(self, batch: int) -> dict:
        """Buffers and the per-layer argument tuples of one batch size, built once.

        The hot loop then only unpacks tuples: at ~40 kernels per step on tiny tensors, Python
        attribute and dict lookups would cost as much as the kernels.
        """
        if batch in self._plans:
            return self._plans[batch]
        G, W, dev = self.slots, self.width, self.device
        h_aug = [torch.ones(G, W + 1, batch, device=dev) for _ in range(self.layers)]  # row W stays 1
        h = [t[:, :W, :] for t in h_aug]
        u = torch.zeros(G, W, batch, device=dev)                      # gain·z, scratch
        d = [torch.zeros(G, W, batch, device=dev) for _ in range(2)]  # ping-pong ∂L/∂z
        pred, dpred = torch.zeros(G, 1, batch, device=dev), torch.zeros(G, 1, batch, device=dev)
        scalar = lambda v: torch.tensor(v, device=dev)  # noqa: E731
        gain = None if self.activation.gain == 1 else scalar(self.activation.gain)
        # The first layer (few input rows) and the output layer (one unit) always go to MKL.
        mm = [mm_mkl] + [self.hidden_mm] * (self.layers - 1) + [mm_mkl]
        plan = {
            "pred": pred, "dpred": dpred, "gain": gain,
            "scale": {"l1": scalar(1.0 / batch), "l2": scalar(2.0 / batch)},
            # forward: hidden layers 1…L read h_aug[l-1] (layer 0 reads the input, set per call)
            "forward": [(mm[l], self.weights[l], h_aug[l - 1] if l else None, u, h[l])
                        for l in range(self.layers)],
            "output": (self.weights[-1], h_aug[-1], pred),
            # backward, top down: (matmul, ∂W_aug, layer input transposed, Wᵀ, ∂H buffer, σ output)
            "backward": [
                (mm[l], self.weight_grads[l], h_aug[l - 1].transpose(1, 2),
                 self.weights[l][:, :, :-1].transpose(1, 2),   # BLAS reads the strided view in place
                 d[l % 2], h[l - 1])
                for l in range(self.layers, 0, -1)
            ],
        }
        self._plans[batch] = plan
        return plan

    def forward(self, x_aug: Tensor) -> Tensor:
        """x_aug (G, rows, B) from :func:`augment` → predictions (G, 1, B); keeps activations."""
        plan = self._plan(x_aug.shape[-1])
        forward, gain = self.activation.forward, plan["gain"]
        for mm, w, h_prev, u, h_out in plan["forward"]:
            mm(w, x_aug if h_prev is None else h_prev, u, gain)     # u = gain · W_aug H_aug
            forward(u, h_out)
        w, h_last, pred = plan["output"]
        return torch.bmm(w, h_last, out=pred)

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
        d = dpred                                               # ∂L/∂z of the current layer
        for top, (mm, grad_w, h_in_t, w_t, dh, h) in enumerate(plan["backward"]):
            mm(d, h_in_t, grad_w)                               # ∂L/∂W_aug = dZ H_augᵀ
            if top == 0:    # output layer: Wᵀ dZ is an outer product, cheaper as a broadcast
                torch.mul(w_t, d, out=dh)
            else:
                mm(w_t, d, dh)                                  # ∂L/∂H = Wᵀ dZ
            backward(dh, h, dh)                                 # ∂L/∂Z = ∂L/∂H ⊙ σ'(Z)
            d = dh
        torch.bmm(d, x_aug.transpose(1, 2), out=self.weight_grads[0])
        if self.grad_mask is not None:
            self.grads.mul_(self.grad_mask)

    def train_step(self, x_aug: Tensor, y: Tensor, loss: str) -> None:
        """Forward, loss gradient and backward for one batch (the optimizer steps separately)."""
        self.backward(x_aug, self.loss_grad(self.forward(x_aug), y, loss))

    # -- evaluation -------------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, x: Tensor) -> Tensor:
        """All slots at the points x (m, n) → (G, m) float32.

        Fixed-size chunks (measured best for widths 8–64; 8192 is 2–3× slower) reuse their buffers.
        Every slot reads the same points, so the first layer is one matmul for all slots.
        """
        G, W, act, chunk = self.slots, self.width, self.activation, _EVAL_CHUNK
        if self._eval is None:
            self._eval = ([torch.ones(G, W + 1, chunk, device=self.device) for _ in range(2)],
                          torch.empty(G, W, chunk, device=self.device))
        h_aug, u = self._eval
        gain = None if act.gain == 1 else torch.tensor(act.gain, device=self.device)
        first = self.weights[0].reshape(G * W, -1)           # (G·W, rows): slots stacked
        out = torch.empty(G, x.shape[0], device=self.device)
        for start in range(0, x.shape[0], chunk):
            xs = augment(x[start:start + chunk].to(self.device))
            m = xs.shape[-1]
            um = u[:, :, :m]
            if m == chunk:
                flat = um.view(G * W, m)
                torch.addmm(flat, first, xs, beta=0, alpha=act.gain, out=flat)
            else:                      # the last, shorter chunk: its view of `u` is strided
                um.copy_(torch.mm(first, xs).view(G, W, m)).mul_(act.gain)
            h = h_aug[0][:, :, :m]
            act.forward(um, h[:, :W])
            for layer, w in enumerate(self.weights[1:-1], start=1):
                self.hidden_mm(w, h, um, gain)
                h = h_aug[layer % 2][:, :, :m]
                act.forward(um, h[:, :W])
            out[:, start:start + m] = torch.bmm(self.weights[-1], h)[:, 0, :]
        return out
