"""The engine on a GPU: CUDA-graph replay against eager launches, and the FLOP rate reached.

    python benchmarks/bench_gpu.py [--steps 2000] [--layers 1,2,3,4,5,6] [--widths 8,16,32,64]

Grid as in ``depthsep bench train`` (product:20 on U[0, 2]^20, tanh, L1, AdaDelta, batch 256,
4 seeds per cell), trained twice on the GPU in this process: with each full data chunk replayed as
one CUDA graph (the default) and with every kernel launched from Python. Prints wall times, the
speed-up, how far the two agree, and the multiply-add rate of the real (unpadded) models. Also the
device's dense float32 matmul rate for scale. Needs a CUDA device.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    import torch

    from depthsep.train import TrainingConfig, engine, train_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=TrainingConfig.steps)
    parser.add_argument("--layers", default="1,2,3,4,5,6")
    parser.add_argument("--widths", default="8,16,32,64")
    parser.add_argument("--batch-size", type=int, default=TrainingConfig.batch_size)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("bench_gpu: no CUDA device")
    layers = [int(v) for v in args.layers.split(",")]
    widths = [int(v) for v in args.widths.split(",")]
    # Figure 2's setup (product of 20 inputs on U[0, 2], tanh, L1, AdaDelta) at this budget.
    config = TrainingConfig(steps=args.steps, batch_size=args.batch_size, loss="l1", optimizer="adadelta",
                            domain="0:2", test_size=100_000)
    specs = [config.spec("product:20", k, w, "tanh", s) for k in layers for w in widths for s in range(4)]
    device = torch.device("cuda")
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")

    a = torch.randn(8192, 8192, device=device)
    torch.mm(a, a)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(10):
        torch.mm(a, a)
    torch.cuda.synchronize()
    peak = 10 * 2 * 8192**3 / (time.perf_counter() - start)
    print(f"dense fp32 matmul 8192^3: {peak / 1e12:.1f} TFLOP/s (TF32 allowed: {torch.backends.cuda.matmul.allow_tf32})")
    del a

    train_models(specs[:4], device=device)           # CUDA context, cuBLAS handles, kernels: warm
    timings, results = {}, {}
    for graphs in (True, False):
        engine.CUDA_GRAPHS = graphs
        torch.cuda.synchronize()
        start = time.perf_counter()
        results[graphs] = train_models(specs, device=device)
        timings[graphs] = time.perf_counter() - start
    engine.CUDA_GRAPHS = True
    n = 20
    macs = sum(s.steps * s.batch_size * 3 * (n * s.width + (s.layers - 1) * s.width**2 + s.width) for s in specs)
    for graphs in (True, False):
        print(f"{'graphs' if graphs else 'eager '}: {len(specs)} models x {args.steps} steps in {timings[graphs]:.1f} s "
              f"({2 * macs / timings[graphs] / 1e9:.0f} GFLOP/s of real models)")
    print(f"CUDA graphs speed-up: {timings[False] / timings[True]:.1f}x")
    diffs = [abs(a.test_mae - b.test_mae) / b.test_mae for a, b in zip(results[True], results[False])]
    print(f"graphs vs eager test_mae: max relative difference {max(diffs):.2e}; "
          f"mean test_mae {sum(r.test_mae for r in results[True]) / len(specs):.4f}")


if __name__ == "__main__":
    main()
