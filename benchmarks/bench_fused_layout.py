"""The fused CPU step's two layout constants (``fused_step.c``), measured on this machine.

    .venv/bin/python benchmarks/bench_fused_layout.py [--widths 8,16,32,40,64,80] [--batches 128,256]
                                                      [--layers 4] [--chunks 4]

For each width W and batch B, one CPU group (4 slots, ``--layers`` hidden layers, tanh, L1, AdaDelta,
the engine's own buffers) trains ``--chunks`` chunks of 64 steps under the C step compiled four ways:
the hidden products over the whole batch or ``BATCH_BLOCK`` = 128 points at a time, and the weight
gradient as OpenBLAS's NT product or as an NN product of an explicit dZ transpose
(``TRANSPOSED_GRAD_WIDTH``: 0 = always, a huge value = never). It prints the GFLOP/s of each (the
group's arithmetic over the best of 3 timings) and which of the four the shipped constants pick for
that width, so the constants can be checked on a CPU other than the one they were chosen on.
Single-threaded, as the engine's workers run.
"""

import argparse
import ctypes
import re
import sys
import tempfile
import time
from pathlib import Path

import torch

from depthsep._openblas import one_thread
from depthsep.checks import positive_int, positive_ints
from depthsep.errors import DepthsepError
from depthsep.train import fused
from depthsep.train.bench import macs_per_sample
from depthsep.train.ensemble import Ensemble
from depthsep.train.optim import make_optimizer
from depthsep.train.spec import ModelSpec, initial_parameters

N, SLOTS, STEPS = 20, 4, 64


def shipped_constant(name: str) -> int:
    """A layout constant as fused_step.c defines it (the source is the one place it is set)."""
    return int(re.search(rf"#define {name} (\d+)", fused.SOURCE.read_text()).group(1))


SHIPPED_BLOCK, SHIPPED_TRANSPOSED = shipped_constant("BATCH_BLOCK"), shipped_constant("TRANSPOSED_GRAD_WIDTH")
NEVER = 1 << 30
VARIANTS = {                                      # name: (BATCH_BLOCK, TRANSPOSED_GRAD_WIDTH)
    "whole, NT": (NEVER, NEVER),
    "whole, NN": (NEVER, 0),
    "blocks, NT": (SHIPPED_BLOCK, NEVER),
    "blocks, NN": (SHIPPED_BLOCK, 0),
}


def compile_variant(cc: str, folder: Path, block: int, transposed: int) -> ctypes.CDLL:
    target = folder / f"fused-{block}-{transposed}.so"
    defines = (f"BATCH_BLOCK={block}", f"TRANSPOSED_GRAD_WIDTH={transposed}")
    return fused.bind(ctypes.CDLL(str(fused._build(cc, target, defines))))


def gflops(lib: ctypes.CDLL, sgemm, width: int, batch: int, layers: int, chunks: int) -> float:
    """GFLOP/s of one group's training under this build of the step (best of 3)."""
    ensemble = Ensemble(N, layers, width, SLOTS, "tanh")
    for slot in range(SLOTS):
        spec = ModelSpec(target=f"product:{N}", layers=layers, width=width, batch_size=batch, seed=slot)
        ensemble.load(slot, initial_parameters(spec))
    optimizer = make_optimizer("adadelta", ensemble.params, ensemble.grads, ensemble.per_slot([1.0] * SLOTS))
    g = torch.Generator().manual_seed(0)
    run = fused.FusedSteps(ensemble, optimizer, STEPS, batch, "tanh", "l1", "adadelta", build=(lib, sgemm))
    for slot in range(SLOTS):
        x = torch.rand(STEPS, N, batch, generator=g) * 2
        run.feed(slot, x, x.prod(1))
    run(STEPS)                                           # warm the caches and OpenBLAS's buffers
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(chunks):
            run(STEPS)
        best = min(best, time.perf_counter() - start)
    flops = 2.0 * chunks * STEPS * SLOTS * batch * macs_per_sample(N, layers, width)
    return flops / best / 1e9


def shipped(width: int) -> str:
    return f"blocks, {'NN' if width >= SHIPPED_TRANSPOSED else 'NT'}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="8,16,32,40,64,80")
    parser.add_argument("--batches", default="128,256")
    parser.add_argument("--layers", default="4")
    parser.add_argument("--chunks", default="4")
    args = parser.parse_args(argv)
    try:
        widths, batches = positive_ints(args.widths, "--widths"), positive_ints(args.batches, "--batches")
        layers, chunks = positive_int(args.layers, "--layers"), positive_int(args.chunks, "--chunks")
    except DepthsepError as err:
        print(f"bench_fused_layout: {err}", file=sys.stderr)
        return 2
    reason = fused.unavailable_reason()
    cc = fused._compiler()
    if reason is not None or cc is None:
        print(f"bench_fused_layout: the fused step cannot run here ({reason or 'no C compiler'})", file=sys.stderr)
        return 2
    sgemm = fused._load()[1]
    with tempfile.TemporaryDirectory() as tmp, one_thread():
        torch.set_num_threads(1)
        try:
            libs = {name: compile_variant(cc, Path(tmp), *consts) for name, consts in VARIANTS.items()}
        except OSError as err:
            print(f"bench_fused_layout: {err}", file=sys.stderr)
            return 2
        print(f"GFLOP/s of one {SLOTS}-slot group, {layers} hidden layers, tanh, L1, AdaDelta, one thread "
              f"(shipped: BATCH_BLOCK {SHIPPED_BLOCK}, TRANSPOSED_GRAD_WIDTH {SHIPPED_TRANSPOSED})")
        header = f"{'W':>4} {'B':>4}  " + "  ".join(f"{name:>10}" for name in VARIANTS) + "   shipped     best"
        print(header)
        print("-" * len(header))
        for batch in batches:
            for width in widths:
                rates = {name: gflops(lib, sgemm, width, batch, layers, chunks) for name, lib in libs.items()}
                best = max(rates, key=rates.get)
                print(f"{width:>4} {batch:>4}  " + "  ".join(f"{rates[n]:>10.1f}" for n in VARIANTS)
                      + f"   {shipped(width):>10}  {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
