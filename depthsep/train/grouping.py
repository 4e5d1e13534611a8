"""Which models train together: a group's members, its padded width and its slot count.

A *group* is one :class:`~.ensemble.Ensemble` of ``slots`` models that share a *key* — all of the
spec but its seed, exact width and lr — padded to the key's width bucket, the slots no member fills
left as dummies (all-zero weights, zero data, rate 0: they never move).

**The invariant: a model's result depends on its spec alone.** So a group's *shape* (padded width,
slot count) is a function of its key alone — never of how many models the sweep holds, nor of how
much memory the device has free. A model trained alone sits in a group of the same shape filled with
dummies, and runs exactly the kernels it runs in a full grid: a different batch count or width can
select a different matmul kernel (other blocking, other summation order), and with L1's sign in the
gradient a last-bit difference grows into a different model.

**CPU** (:data:`CPU_SLOTS` slots; widths up to 64 in steps of 8, then coarser, ≤ 1.25× waste): the
torch step pays for every padded FLOP, so buckets are fine and groups small. (The fused C step runs
each slot's products at its true width and pays for padding only in the optimizer's elementwise
pass; see ``fused_step.c``.)

**GPU** (any device type but ``cpu``). A training step is ~6 kernels per layer on small tensors, and
even replayed from a CUDA graph each kernel costs ≈ 3.5 µs to launch whatever its size: a launch
costs the same for 32 models as for hundreds. So groups are few and full. Every width up to 128
shares one bucket (wider: multiples of 128), slots carry their own widths (the ensemble zero-pads a
narrower slot and masks its gradients when σ(0) ≠ 0), and Figure 2's full grid — widths 5, 10, …,
100 × layers 1…20 × {tanh, relu} × 4 seeds, 3 200 models — is 40 groups of 80 models, one per
(depth, σ), where 32-wide buckets of 32 slots made 160 groups of 4 to 28.

The price is padding. A hidden layer's arithmetic grows as Σ W² over a group's slots: Figure 2's 80
models of one (depth, σ) need Σ w² = 4 · 25 · (1² + … + 20²) = 287 000; one 128-wide group of 128
slots does 128 · 128² = 2 097 152 (13.7 % useful), where the four 32-step buckets of 32 slots did
32 · (32² + 64² + 96² + 128²) = 983 040 (29.2 %): 2.1× the arithmetic for a quarter of the launches.
At 128 slots × width 128 × batch 128 one hidden matmul is 2·G·W²·B ≈ 0.54 GFLOP, ≈ 8 µs at an
H100's 67 TFLOP/s FP32 peak (TF32 is off): the same order as the launches it replaces, so how much
this wins depends on the matmul efficiency reached. **The GPU timings of this policy are still to be
measured**; the constants below are the knobs, and ``benchmarks/bench_gpu.py --plan-only`` prints the
two floors each setting of them puts under a sweep's time on a GPU (its launches, its padded arithmetic).

**GPU slot counts** come from a memory model of one group (:func:`group_bytes`: parameters,
gradients, rates, optimizer state, gradient mask, activation buffers, the data chunk, evaluation
buffers, transient scratch): the largest rung of :data:`GPU_SLOT_LADDER` whose group fits
:data:`GPU_GROUP_BYTES`. The budget is a constant, not the device's free memory, because the slot
count is part of the shape: sized to free memory, a model's numbers would depend on which GPU it ran
on and on what else was running there. A device with less free memory than a group needs refuses it
(:func:`check_memory`, one line) rather than shrinking it. The ladder tops out at 128: the smallest
rung that holds a Figure 2 key (80 models) whole; 256 would double the arithmetic of every group of a
sweep with at most 128 models per key, at sizes where arithmetic no longer hides behind launches.
The model reads the optimizers' buffer counts off :mod:`.optim` itself, so a new buffer there (or a
change to these constants) can move some keys to another rung — changing their models' numbers on a
GPU, as a change of kernel would; within one version of the code a key's shape is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import torch

from ..activations import get_activation
from ..errors import DepthsepError
from .data import _CACHE_BYTES, TEST_BLOCK, chunk_steps
from .ensemble import _EVAL_CHUNK, input_rows
from .optim import make_optimizer
from .spec import ModelSpec
from .targets import make_target

CPU_SLOTS = 4                                  # models per CPU group (dummies fill the rest)
GPU_SLOT_LADDER = (128, 64, 32, 16, 8, 4, 2, 1)  # GPU slot counts, the largest that fits is taken
GPU_BUCKET = 128                               # GPU widths pad to multiples of this (all ≤ 128: one bucket)
#: One GPU group's memory budget (:func:`group_bytes`); with :data:`GPU_RESERVE_BYTES` and a CUDA
#: context it fits any GPU of 8 GB. Figure 2's largest key (20 layers × 128, AdaDelta, batch 128,
#: 100 000 test points) needs ≈ 2.1 GiB at 128 slots (≈ 4.1 at 256), so every Figure 2 group gets 128.
GPU_GROUP_BYTES = 4 << 30
#: Free memory a GPU group needs beyond :func:`group_bytes`: the data module's stream cache (kept
#: on the device that trains, up to its capacity) and 256 MiB for cuBLAS workspaces, the CUDA
#: graph's pool and the allocator's rounding.
GPU_RESERVE_BYTES = _CACHE_BYTES + (256 << 20)
_FLOAT = 4                                     # bytes per element: every buffer is float32


def width_bucket(width: int, device_type: str = "cpu") -> int:
    """The padded width a model trains at.

    CPU: up to 64 in steps of 8, then coarser (≤ 1.25× waste): a CPU pays for every padded FLOP.
    GPU: one bucket for every width up to :data:`GPU_BUCKET`, multiples of it above — a GPU step of
    these small networks costs its kernel launches more than its FLOPs (see the module docstring).
    """
    if device_type != "cpu":
        return max(1, -(-width // GPU_BUCKET)) * GPU_BUCKET
    for step, limit in ((8, 64), (16, 128), (32, 256), (64, 512)):
        if width <= limit:
            return -(-width // step) * step
    return -(-width // 128) * 128


class GroupKey(NamedTuple):
    """Everything batch-mates share; ``width`` is the padded width (the bucket), not a spec's."""

    target: str
    domain: tuple[float, float]
    layers: int
    width: int
    activation: str
    loss: str
    optimizer: str
    steps: int
    batch_size: int
    test_size: int


def group_key(spec: ModelSpec, device_type: str = "cpu") -> GroupKey:
    """Everything batch-mates must share: all of the spec but its seed, exact width and lr."""
    return GroupKey(spec.target, spec.domain, spec.layers, width_bucket(spec.width, device_type),
                    spec.activation, spec.loss, spec.optimizer, spec.steps, spec.batch_size, spec.test_size)


def _as_key(key, device_type: str = "cpu") -> GroupKey:
    if isinstance(key, ModelSpec):
        return group_key(key, device_type)
    if isinstance(key, GroupKey):
        return key
    if isinstance(key, tuple) and len(key) == len(GroupKey._fields):
        return GroupKey(*key)
    raise DepthsepError(f"a group key is a ModelSpec or a group_key() tuple, got {type(key).__name__}")


@dataclass
class Group:
    """Specs trained as one ensemble: ``members[i]`` = (index in the caller's list, spec)."""

    members: list[tuple[int, ModelSpec]]
    width: int
    slots: int

    @property
    def spec(self) -> ModelSpec:
        return self.members[0][1]       # every shared field is equal across members

    def cost(self) -> float:
        """Rough seconds, for scheduling the longest groups first and weighing progress."""
        s, W = self.spec, self.width
        macs = s.n * W + (s.layers - 1) * W * W + W
        return s.steps * (6e-11 * self.slots * s.batch_size * macs + 2e-5 * (s.layers + 1))

    def model_step_cost(self) -> float:
        """:meth:`cost` per model-step of a member: what one step of progress weighs. Counted in
        model-steps alone, a sweep that trains its largest groups first (as both backends do) shows
        an ETA several times too long for most of its run (a Figure 2 quick run: 19 minutes at 3 %
        of a 4-minute run)."""
        return self.cost() / (self.spec.steps * len(self.members))

    def bytes(self) -> int:
        """Device memory this group needs (:func:`group_bytes`)."""
        return group_bytes(self.spec, self.width, self.slots)


# -- the memory model ----------------------------------------------------------------------------

@cache
def _optimizer_buffers(name: str) -> int:
    """Params-shaped buffers the optimizer keeps (state and scratch), read off a real one of 7
    elements — so this count follows :mod:`.optim` instead of restating it."""
    probe = [torch.zeros(7) for _ in range(3)]
    optimizer = make_optimizer(name, *probe)
    return sum(1 for value in vars(optimizer).values()
               if isinstance(value, torch.Tensor) and value.numel() == 7 and all(value is not p for p in probe))


def _eval_lengths(test_size: int) -> list[int]:
    """The chunk lengths evaluation runs (each keeps its own buffers): test blocks of
    ``TEST_BLOCK`` points, each cut into chunks of ``_EVAL_CHUNK`` and a remainder."""
    blocks = {min(TEST_BLOCK, test_size), test_size % TEST_BLOCK} - {0}
    return sorted({m for b in blocks for m in (min(_EVAL_CHUNK, b), b % _EVAL_CHUNK)} - {0})


def group_memory(key, width: int, slots: int) -> dict[str, int]:
    """Bytes one group allocates on its device, by part; ``key``: a ModelSpec or a :func:`group_key`.

    * ``parameters`` — the flat buffers: parameters, gradients, per-slot rates, the optimizer's
      state and scratch, and the gradient mask when σ(0) ≠ 0 (:mod:`.ensemble`, :mod:`.optim`);
    * ``activations`` — one batch's buffers: (G, W+1, B) per hidden layer, three (G, W, B), the
      prediction and its gradient (G, 1, B);
    * ``data`` — one chunk of input for all slots, (T, G, input_rows(n), B) and (T, G, 1, B),
      T = :func:`~.data.chunk_steps`;
    * ``evaluation`` — per chunk length evaluation runs, two (G, W+1, m) and one (G, W, m);
    * ``scratch`` — the largest transient: the finiteness check's bool copy of the parameters, an
      activation backward's temporaries, or evaluation's per-block output and stacked first layer.

    All but ``scratch`` live as long as the group (measured against a real Ensemble in the tests).
    The data module's stream cache is per process, not per group (:data:`GPU_RESERVE_BYTES`).
    """
    key = _as_key(key)
    n = make_target(key.target).n
    G, W, L, B, rows = slots, width, key.layers, key.batch_size, input_rows(n)
    per_slot = rows * W + (L - 1) * (W + 1) * W + (W + 1)     # the Ensemble's layer shapes
    elements = G * per_slot
    masked = get_activation(key.activation).at_zero != 0.0
    lengths = _eval_lengths(key.test_size)
    block = min(TEST_BLOCK, key.test_size)
    return {
        "parameters": _FLOAT * elements * (3 + _optimizer_buffers(key.optimizer) + masked),
        "activations": _FLOAT * G * B * (L * (W + 1) + 3 * W + 2),
        "data": _FLOAT * chunk_steps(B, n) * G * (rows + 1) * B,
        "evaluation": _FLOAT * G * sum((3 * W + 2) * m for m in lengths),
        "scratch": max(elements, _FLOAT * 2 * G * W * B,
                       _FLOAT * (G * block + G * W * rows + (rows + G) * max(lengths))),
    }


def group_bytes(key, width: int, slots: int) -> int:
    """Bytes one group of ``slots`` × ``width`` for ``key`` (ModelSpec or group key) needs: the sum
    of :func:`group_memory`'s parts."""
    return sum(group_memory(key, width, slots).values())


def group_slots(key, device_type: str = "cpu") -> int:
    """Slots of every group of ``key`` (a ModelSpec or a :func:`group_key`) on ``device_type``.

    CPU: :data:`CPU_SLOTS`. GPU: the largest rung of :data:`GPU_SLOT_LADDER` whose group fits
    :data:`GPU_GROUP_BYTES` (the last rung if none does: :func:`check_memory` then decides at run
    time). A function of the key alone, never of the device: see the module docstring.
    """
    if device_type == "cpu":
        return CPU_SLOTS
    return _gpu_slots(_as_key(key, device_type))


@lru_cache(maxsize=4096)
def _gpu_slots(key: GroupKey) -> int:
    for slots in GPU_SLOT_LADDER:
        if group_bytes(key, key.width, slots) <= GPU_GROUP_BYTES:
            return slots
    return GPU_SLOT_LADDER[-1]


def check_memory(group: Group, free_bytes: int, where: str = "the GPU") -> int:
    """The bytes ``group`` needs with :data:`GPU_RESERVE_BYTES`; a one-line :class:`DepthsepError`
    when that exceeds ``free_bytes`` (the group's shape is fixed by its key, so it cannot shrink)."""
    need = group.bytes() + GPU_RESERVE_BYTES
    if need > free_bytes:
        s = group.spec
        raise DepthsepError(
            f"a group of {group.slots} models × {s.layers} layer(s) of width {group.width} (batch {s.batch_size}, "
            f"{s.optimizer}) needs {need / 2**30:.2f} GiB but {where} has {free_bytes / 2**30:.2f} GiB free; "
            f"free memory on it or train on the cpu")
    return need


def device_free_bytes(device) -> int:
    """Memory a new group can use on a CUDA ``device``: the driver's free memory plus what torch's
    caching allocator holds unused (an earlier group's freed buffers)."""
    device = torch.device(device)
    free, _ = torch.cuda.mem_get_info(device)
    return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)


def plan_groups(specs: Sequence[ModelSpec], device) -> list[Group]:
    """Bin specs by key into groups of :func:`group_slots` slots, in the order they were given."""
    device_type = torch.device(device).type
    by_key: dict[GroupKey, list[tuple[int, ModelSpec]]] = {}
    for index, spec in enumerate(specs):
        by_key.setdefault(group_key(spec, device_type), []).append((index, spec))
    groups = []
    for key, members in by_key.items():
        slots = group_slots(key, device_type)
        for start in range(0, len(members), slots):
            groups.append(Group(members[start:start + slots], key.width, slots))
    return groups


__all__ = ["CPU_SLOTS", "GPU_BUCKET", "GPU_GROUP_BYTES", "GPU_RESERVE_BYTES", "GPU_SLOT_LADDER", "Group",
           "GroupKey", "check_memory", "device_free_bytes", "group_bytes", "group_key", "group_memory",
           "group_slots", "plan_groups", "width_bucket"]
