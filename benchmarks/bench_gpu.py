"""The engine on a GPU: group policies and CUDA graphs, against the device's matmul rate.

    python benchmarks/bench_gpu.py [--grid bench|figure2] [--steps 2000] [--layers 1,2,3,4,5,6]
                                   [--widths 8,16,32,64] [--policies groups,buckets32,eager] [--plan-only]

``--grid bench`` is the ``bench train`` grid (product:20 on U[0, 2]^20, tanh, L1, AdaDelta, batch
256, 4 seeds per cell); ``--grid figure2`` is the full Figure 2's setup (batch 128, widths 5…100 in
steps of 5, tanh, 4 seeds) at the given layers and steps — a slice of ``depthsep figure2 --full``
whose time scales to the whole. Each policy trains the grid once in this process:

* ``groups`` — the engine as it is (:mod:`depthsep.train.grouping`: every width ≤ 128 of one depth
  in one group of up to 128 slots), each full data chunk replayed as one CUDA graph;
* ``buckets32`` — the earlier policy, 32 slots per group in width buckets of 32, with graphs;
* ``eager`` — today's groups with every kernel launched from Python.

Prints, per policy, the wall time, the rate of the real (unpadded) models' arithmetic and its
fraction of the device's dense float32 matmul rate (measured here), the arithmetic the padded groups
did, and how far each policy's test MAE is from the first's. Needs a CUDA device, except with
``--plan-only``: each policy's groups, slots, padding and memory per group, without training, and
the two floors under its wall time on a GPU:

* **launches** — every group-step runs :func:`kernels_per_step` kernels (counted, not estimated: one
  step of the group's shape is run on the CPU as a GPU runs it, and its torch operations counted),
  each costing at least ``--launch-us`` even replayed from a CUDA graph;
* **arithmetic** — the padded groups' FLOPs at ``--peak-tflops``, the dense rate no small product
  reaches; so the real models can reach at most real / padded of that rate.

The defaults are an H100's, as measured on one: 3.5 µs per kernel inside a CUDA graph, 51.6 TFLOP/s
for a float32 8192³ matmul (TF32 off). The wall time is at least the larger
floor (they overlap at best).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager

from depthsep.checks import choice, positive_int, positive_ints, positive_number
from depthsep.errors import DepthsepError


@contextmanager
def policy(name: str):
    from depthsep.train import engine, grouping

    saved = grouping.GPU_BUCKET, grouping.GPU_SLOT_LADDER, engine.CUDA_GRAPHS
    if name == "buckets32":
        grouping.GPU_BUCKET, grouping.GPU_SLOT_LADDER = 32, (32,)
    if name == "eager":
        engine.CUDA_GRAPHS = False
    grouping._gpu_slots.cache_clear()       # slot counts are cached per key
    try:
        yield
    finally:
        grouping.GPU_BUCKET, grouping.GPU_SLOT_LADDER, engine.CUDA_GRAPHS = saved
        grouping._gpu_slots.cache_clear()


def padded_flops(groups) -> float:
    """The arithmetic the groups do: every slot, dummies included, at the group's padded width."""
    from depthsep.train.bench import macs_per_sample

    return 2.0 * sum(g.slots * g.spec.steps * g.spec.batch_size * macs_per_sample(g.spec.n, g.spec.layers, g.width)
                     for g in groups)


POLICIES = ("groups", "buckets32", "eager")
LAUNCH_US, PEAK_TFLOPS = 3.5, 51.6      # an H100: per kernel in a CUDA graph; dense float32 matmul


def kernels_per_step(spec, width: int) -> int:
    """Torch operations one training step (forward, loss gradient, backward, optimizer) of a GPU
    group of ``spec``'s setup at ``width`` runs — on a GPU one kernel each (cuBLAS may add one).

    Counted by running the step on the CPU the way a GPU group runs it: the activation's CUDA
    kernel, every product a batched matmul (the CPU's numpy and oneDNN routes are not taken), the
    gradient mask where σ(0) ≠ 0 pads units. Two slots: the count does not depend on how many.
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    from depthsep.activations import get_activation
    from depthsep.train.ensemble import Ensemble, input_rows, mm_mkl
    from depthsep.train.optim import make_optimizer

    class Count(TorchDispatchMode):
        ops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            Count.ops += 1
            return func(*args, **(kwargs or {}))

    ensemble = Ensemble(spec.n, spec.layers, width, 2, spec.activation, "cpu")
    ensemble.activation = get_activation(spec.activation).kernel("cuda")
    ensemble.hidden_mm = mm_mkl
    if width > 1:                  # a padded slot: the mask's multiply, if σ needs it, is counted
        shapes = [(width - 1, spec.n)] + [(width - 1, width - 1)] * (spec.layers - 1) + [(1, width - 1)]
        ensemble.load(0, [(torch.zeros(out, inp), torch.zeros(out)) for out, inp in shapes])
    optimizer = make_optimizer(spec.optimizer, ensemble.params, ensemble.grads, ensemble.per_slot([1.0, 1.0]))
    x = torch.zeros(2, input_rows(spec.n), spec.batch_size)
    y = torch.zeros(2, 1, spec.batch_size)
    with torch.inference_mode():
        ensemble.train_step(x, y, spec.loss)         # buffers built outside the count
        with Count():
            ensemble.train_step(x, y, spec.loss)
            optimizer.step()
    return Count.ops


def floors(groups, padded: float, real: float, launch_us: float, peak_tflops: float) -> dict[str, float]:
    """Seconds the groups cannot train faster than on a GPU: ``launches`` (every kernel of every
    group-step at ``launch_us``) and ``arithmetic`` (the padded FLOPs at ``peak_tflops``); and
    ``real_fraction``, the most of that rate the real models' arithmetic can reach (real / padded)."""
    counts: dict[tuple, int] = {}
    launches = 0.0
    for g in groups:
        key = (g.spec.n, g.spec.layers, g.width, g.spec.activation, g.spec.loss, g.spec.optimizer, g.spec.batch_size)
        if key not in counts:
            counts[key] = kernels_per_step(g.spec, g.width)
        launches += g.spec.steps * counts[key] * launch_us * 1e-6
    return {"launches": launches, "arithmetic": padded / (peak_tflops * 1e12), "real_fraction": real / padded}


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.2f} s"


def policies(text: str) -> list[str]:
    names = text.split(",")
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise DepthsepError(f"--policies: unknown policy {unknown[0]!r} (choose from {', '.join(POLICIES)})")
    return names


def main(argv=None) -> int:
    import torch

    from depthsep.experiments.figure2 import figure2_grid
    from depthsep.train import TrainingConfig, train_models
    from depthsep.train.bench import ACTIVATION, LAYERS, N, SEEDS, SETUP, WIDTHS, gpu_matmul_rate, training_flops
    from depthsep.train.grouping import plan_groups
    from depthsep.train.sweep import grid_specs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=("bench", "figure2"), default="bench")
    parser.add_argument("--steps", default=str(TrainingConfig.steps))
    parser.add_argument("--layers", default=",".join(map(str, LAYERS)))
    parser.add_argument("--widths", default=None, help="default: the grid's own (bench: 8,16,32,64; "
                                                       "figure2: 5,10,…,100)")
    parser.add_argument("--activations", default="tanh", help="figure2 grid: tanh, relu or tanh,relu")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--plan-only", action="store_true", help="print each policy's groups and its floors "
                                                                 "on a GPU; train nothing")
    parser.add_argument("--launch-us", default=str(LAUNCH_US), help="--plan-only: µs per kernel launch")
    parser.add_argument("--peak-tflops", default=str(PEAK_TFLOPS), help="--plan-only: the GPU's dense "
                                                                        "float32 matmul rate")
    args = parser.parse_args(argv)
    try:            # a bad option or a missing GPU: one line, exit 2
        steps, layers = positive_int(args.steps, "--steps"), positive_ints(args.layers, "--layers")
        widths = None if args.widths is None else positive_ints(args.widths, "--widths")
        names = policies(args.policies)
        activations = [choice(a, "--activations", ("tanh", "relu")) for a in args.activations.split(",")]
        launch_us = positive_number(args.launch_us, "--launch-us")
        peak_tflops = positive_number(args.peak_tflops, "--peak-tflops")
        if not args.plan_only and not torch.cuda.is_available():
            raise DepthsepError("no CUDA device (--plan-only plans without one)")
    except DepthsepError as err:
        print(f"bench_gpu: {err}", file=sys.stderr)
        return 2
    if args.grid == "bench":          # the `bench train` grid's setup, stated once in depthsep.train.bench
        config = SETUP.with_(steps=steps)
        specs = [config.spec(f"product:{N}", k, w, ACTIVATION, s) for k in layers for w in widths or WIDTHS
                 for s in SEEDS]
    else:                             # the full Figure 2's setup, from its preset, at these layers and steps
        grid = figure2_grid("full")
        specs = grid_specs(**{**grid, "layers": layers, "widths": widths or grid["widths"],
                              "activations": activations, "steps": steps})
    described = (f"{len(specs)} models x {steps} steps ({args.grid} grid, layers {','.join(map(str, layers))}"
                 + (f", {','.join(activations)})" if args.grid == "figure2" else ")"))
    device = torch.device("cuda")
    real = training_flops(specs)
    if args.plan_only:
        print(f"{described}, planned for a GPU:")
        for name in names:
            with policy(name):
                groups = plan_groups(specs, device)
                print(f"{name:9s}: {len(groups):4d} groups of {sorted({g.slots for g in groups})} slots, "
                      f"{min(len(g.members) for g in groups)}-{max(len(g.members) for g in groups)} models each; "
                      f"padded groups do {padded_flops(groups) / real:.1f}x the real models' arithmetic; "
                      f"largest group {max(g.bytes() for g in groups) / 2**30:.2f} GiB")
                floor = floors(groups, padded_flops(groups), real, launch_us, peak_tflops)
                print(f"{'':9s}  floors on a GPU ({launch_us:g} µs a kernel, {peak_tflops:g} TFLOP/s): launches "
                      f"{_seconds(floor['launches'])}, arithmetic {_seconds(floor['arithmetic'])}; the real models reach "
                      f"at most {floor['real_fraction']:.1%} of that rate")
        return 0
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}; {described}")
    peak = gpu_matmul_rate() * 1e9
    print(f"dense fp32 matmul 8192^3: {peak / 1e12:.1f} TFLOP/s (TF32 allowed: {torch.backends.cuda.matmul.allow_tf32})")

    train_models(specs[:4], device=device)           # CUDA context, cuBLAS handles, kernels: warm
    first = None
    for name in names:
        with policy(name):
            groups = plan_groups(specs, device)
            padded = padded_flops(groups)
            torch.cuda.synchronize()
            start = time.perf_counter()
            results = train_models(specs, device=device)
            wall = time.perf_counter() - start
        rate = real / wall
        line = (f"{name:9s}: {len(groups):4d} groups, {wall:8.1f} s, real models {rate / 1e9:8.0f} GFLOP/s "
                f"= {rate / peak:6.1%} of the matmul rate; padded groups did {padded / real:.1f}x their arithmetic")
        maes = [r.test_mae for r in results]
        if first is None:
            first = maes
        else:
            diffs = [abs(a - b) / b for a, b in zip(maes, first) if a is not None and b is not None]
            if diffs:
                line += (f"; test_mae vs {names[0]}: median relative difference "
                         f"{sorted(diffs)[len(diffs) // 2]:.2e}")
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
