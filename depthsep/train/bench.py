"""The training engine against the naive loop, on the grid of Figure 2 (scaled down).

    .venv/bin/depthsep bench train [--steps 2000] [--quick] [--repeat 3]
    .venv/bin/python benchmarks/bench_train.py [the same options]

Grid: product:20 on U[0, 2]^20, layers 1–6 × widths 8/16/32/64 × 4 seeds (96 models), batch 256,
tanh, L1 loss, AdaDelta. Each side runs as its own subprocess and is timed whole — interpreter
start, ``import torch``, data, training and scoring on the 100 000-point test set — so start-up
costs count. The naive loop runs single-threaded (``--naive-threads``): on these tiny networks
torch's default two threads are ≈ 8 % faster on a quiet machine but 2–10× slower as soon as another
job holds a core, which on a shared machine would inflate the speed-up.

The engine's hidden layers use numpy's OpenBLAS when it runs AVX-512 kernels, else MKL (see
:mod:`depthsep._openblas`); the report says which, and why when the CPU could do better.

Also measured: the machine's matmul rate (2048² float32 through MKL — torch's matmul — and through
oneDNN, on one thread and on all) and the FLOP rate the engine reaches on wide networks (width 256),
counting only the real models' multiply-adds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time



def grid(steps: int, test_size: int):
    from depthsep.train import ModelSpec

    return [ModelSpec("product:20", layers=k, width=w, seed=s, steps=steps, batch_size=256,
                      activation="tanh", loss="l1", optimizer="adadelta", domain=(0.0, 2.0),
                      test_size=test_size)
            for k in range(1, 7) for w in (8, 16, 32, 64) for s in range(4)]


def run_side(side: str, steps: int, test_size: int, naive_threads: int, out: str) -> None:
    """Body of a timed subprocess: train the grid one way, write the results as JSON."""
    import torch

    from depthsep.train import train_models, train_naive

    specs = grid(steps, test_size)
    if side == "engine":
        results = train_models(specs)
    else:
        torch.set_num_threads(naive_threads)
        results = [train_naive(spec) for spec in specs]
    with open(out, "w") as fh:
        json.dump([r.row() for r in results], fh)


def timed_side(side: str, args) -> tuple[float, list[dict]]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    cmd = [sys.executable, os.path.abspath(__file__), "--side", side, "--steps", str(args.steps),
           "--test-size", str(args.test_size), "--naive-threads", str(args.naive_threads), "--out", out]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    with open(out) as fh:
        rows = json.load(fh)
    os.unlink(out)
    return wall, rows


def macs_per_sample(n: int, layers: int, width: int) -> int:
    """Multiply-adds of forward + backward for one sample (bias included; no dH for the input)."""
    sizes = [n] + [width] * layers + [1]
    forward = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    input_grads = sum(o * i for i, o in zip(sizes[1:-1], sizes[2:]))
    return 2 * forward + input_grads


def matmul_rates(repeats: int = 5) -> dict[str, float]:
    """Best GFLOP/s of a 2048² float32 matmul: torch.mm (MKL) and oneDNN, on 1 and on all threads.

    On AMD CPUs MKL runs its AVX2 code and oneDNN its AVX-512 code, so the two differ by ~2×;
    the machine's peak is the best of all four.
    """
    import torch

    from depthsep.train.ensemble import _ONEDNN

    a = torch.randn(2048, 2048)
    kernels = {"mkl": lambda: a @ a}
    if _ONEDNN is not None:
        kernels["onednn"] = lambda: _ONEDNN(a, a, None, "none", [], "")
    threads, rates = torch.get_num_threads(), {}
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        for name, kernel in kernels.items():
            kernel()
            best = min(_timed(kernel) for _ in range(repeats))
            rates[f"{name} x{n_threads}"] = 2 * 2048**3 / best / 1e9
    torch.set_num_threads(threads)
    return rates


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def wide_rate(steps: int, repeats: int = 3) -> tuple[float, float]:
    """Best GFLOP/s the engine reaches training 8 models of width 256 (4 layers), and its wall."""
    from depthsep.train import ModelSpec, train_models

    specs = [ModelSpec("product:20", layers=4, width=256, seed=s, steps=steps, test_size=1024)
             for s in range(8)]
    flops = 2 * sum(s.steps * s.batch_size * macs_per_sample(s.n, s.layers, s.width) for s in specs)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        train_models(specs)
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9, best


class _Parser(argparse.ArgumentParser):
    """Bad options are a one-line DepthsepError (exit 2 from the CLI), not a usage dump."""

    def error(self, message):
        from ..errors import DepthsepError

        raise DepthsepError(f"{self.prog}: {message} (see --help)")


def main(argv=None) -> None:
    parser = _Parser(prog="depthsep bench train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 steps, 10 000 test points")
    parser.add_argument("--test-size", type=int, default=100_000)
    parser.add_argument("--naive-threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="time the engine this many times (and the naive loop --naive-repeat times); "
                             "the best counts: other jobs on a shared machine only ever slow a run down")
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument("--skip-naive", action="store_true", help="time the engine only")
    parser.add_argument("--side", choices=["engine", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.test_size = min(args.steps, 200), min(args.test_size, 10_000)
    if args.side:
        return run_side(args.side, args.steps, args.test_size, args.naive_threads, args.out)

    from depthsep.train import ModelSpec  # noqa: F401  (fail early, before minutes of naive loop)

    print(f"grid: product:20, layers 1-6 x widths 8/16/32/64 x 4 seeds = 96 models, batch 256, "
          f"{args.steps} steps, tanh, L1, AdaDelta, test {args.test_size} points; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    from depthsep.doctor import blas_report

    blas = blas_report()   # the subprocesses inherit this process's OPENBLAS_CORETYPE, hence its answer
    print(f"engine's hidden-layer matmul: {blas['hidden_layer_matmul']}"
          + (f" ({blas['blas_note']})" if blas["blas_note"] else ""), flush=True)
    order = ["engine"] + ["naive"] * (0 if args.skip_naive else args.naive_repeat)
    order += ["engine"] * (args.repeat - 1)
    walls: dict[str, list[float]] = {}
    rows: dict[str, list[dict]] = {}
    for side in order:                     # interleaved, so both sides meet the same load
        wall, rows[side] = timed_side(side, args)
        walls.setdefault(side, []).append(wall)
        print(f"  {side}: {wall:.1f} s", flush=True)
    best = {side: min(w) for side, w in walls.items()}
    model_steps = 96 * args.steps

    print(f"\n{'side':<8}{'wall s':>9}{'model-steps/s':>15}{'speed-up':>10}{'mean test_mae':>15}{'diverged':>10}")
    for side in ("naive", "engine"):
        if side not in best:
            continue
        maes = [r["test_mae"] for r in rows[side] if r["status"] == "done"]
        speedup = best["naive"] / best[side] if "naive" in best else float("nan")
        print(f"{side:<8}{best[side]:>9.1f}{model_steps / best[side]:>15.0f}{speedup:>9.1f}x"
              f"{statistics.fmean(maes):>15.4f}{len(rows[side]) - len(maes):>10}")
    sides = {side: (best[side], rows[side]) for side in best}
    if "naive" in sides:
        pairs = [(e["test_mae"], n["test_mae"]) for e, n in zip(sides["engine"][1], sides["naive"][1])
                 if e["test_mae"] is not None and n["test_mae"] is not None]
        rel = statistics.median(abs(e - n) / n for e, n in pairs)
        print(f"per-model |engine - naive| / naive test_mae: median {rel:.2e} "
              f"(same init and batches; L1's sign makes long runs drift apart)")

    rates = matmul_rates()
    cores = len(os.sched_getaffinity(0))
    # The machine's capacity: the best rate, all threads or one thread times the cores (on a
    # shared machine the all-thread run is the one that other jobs disturb).
    peak = max(max(rates.values()), cores * max(v for k, v in rates.items() if k.endswith("x1")))
    gflops, wall = wide_rate(max(50, args.steps // 10))
    print("\nmatmul, 2048^2 float32 (GFLOP/s): " + ", ".join(f"{k} {v:.0f}" for k, v in rates.items()))
    print(f"engine, 8 models x 4 layers x width 256: {gflops:.0f} GFLOP/s "
          f"= {gflops / peak:.0%} of the machine's {peak:.0f} (best single-thread rate x {cores} cores"
          f" or all threads), {wall:.2f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other jobs on the machine slow both sides)")


if __name__ == "__main__":
    main()
