"""The training engine against the naive loop, on the grid of Figure 2 (scaled down).

    .venv/bin/depthsep bench train [--steps 2000] [--quick] [--repeat 3] [--skip-naive]
    .venv/bin/python benchmarks/bench_train.py [the same options]
    >>> bench_train(quick=True)["speedup"]                                # doctest: +SKIP
    9.8

Grid: product:20 on U[0, 2]^20, layers 1–6 × widths 8/16/32/64 × 4 seeds (96 models), batch 256,
tanh, L1 loss, AdaDelta. Each side runs as its own subprocess and is timed whole — interpreter
start, ``import torch``, data, training and scoring on the 100 000-point test set — so start-up
costs count. Three sides: ``engine`` (its CPU step the fused C loop of :mod:`.fused`, compiled
afresh into an empty cache inside the timed run, so its compile time counts), ``torch-step`` (the
same engine with ``DEPTHSEP_FUSED=0``: a step of torch kernels, what the engine was before the
fused step) and ``naive`` (one model at a time, autograd and torch.optim). The naive loop runs
single-threaded (``--naive-threads``): on these tiny networks torch's default two threads are ≈ 8 % faster on a quiet machine but 2–10× slower as soon as another
job holds a core, which on a shared machine would inflate the speed-up.

The engine's hidden layers use numpy's OpenBLAS when it runs AVX-512 kernels, else MKL (see
:mod:`depthsep._openblas`); the report says which, and why when the CPU could do better.

Also measured: the machine's matmul rate (2048² float32 through MKL — torch's matmul —, oneDNN and
numpy's OpenBLAS, on one thread and on all), each side's FLOP rate on the grid and the engine's on
wide networks (width 256), counting only the real (unpadded) models' multiply-adds, and the
fraction of the machine's peak these are.

``--skip-naive`` times the engine alone: there is then no speed-up to report (``speedup`` None),
only the engine's own rates.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from .config import TrainingConfig

N, LAYERS, WIDTHS, SEEDS = 20, range(1, 7), (8, 16, 32, 64), range(4)
#: The benchmark's training setup: Figure 2's (product of 20 inputs on U[0, 2], tanh, L1, AdaDelta)
#: at the default budget and batch; ``steps`` and ``test_size`` are options.
SETUP = TrainingConfig(loss="l1", optimizer="adadelta", domain="0:2")
ACTIVATION = "tanh"
QUICK_STEPS, QUICK_TEST_SIZE = 200, 10_000


def grid(steps: int, test_size: int):
    config = SETUP.with_(steps=steps, test_size=test_size)
    return [config.spec(f"product:{N}", k, w, ACTIVATION, s) for k in LAYERS for w in WIDTHS for s in SEEDS]


def run_side(side: str, steps: int, test_size: int, naive_threads: int, out: str) -> None:
    """Body of a timed subprocess: train the grid one way, write the results as JSON."""
    from .engine import train_models  # noqa: I001 — first: it starts the C step's build before torch loads
    from .naive import train_naive

    import torch

    specs = grid(steps, test_size)
    if side != "naive":
        results = train_models(specs)
    else:
        torch.set_num_threads(naive_threads)
        results = [train_naive(spec) for spec in specs]
    with open(out, "w") as fh:
        json.dump([r.row() for r in results], fh)


SIDES = ("naive", "torch-step", "engine")


def timed_side(side: str, steps: int, test_size: int, naive_threads: int) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rows.json")
        env = dict(os.environ, DEPTHSEP_CACHE=os.path.join(tmp, "cache"))   # the engine compiles in the timed run
        if side == "torch-step":
            env["DEPTHSEP_FUSED"] = "0"
        cmd = [sys.executable, "-m", __name__, side, str(steps), str(test_size), str(naive_threads), out]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        wall = time.perf_counter() - start
        with open(out) as fh:
            rows = json.load(fh)
    return wall, rows


def grid_flops(steps: int) -> float:
    """Floating-point operations of training the grid's real (unpadded) models."""
    return training_flops(grid(steps, 1))


def training_flops(specs) -> float:
    """Floating-point operations of training these models at their true widths (2 per multiply-add)."""
    return 2.0 * sum(s.steps * s.batch_size * macs_per_sample(s.n, s.layers, s.width) for s in specs)


def macs_per_sample(n: int, layers: int, width: int) -> int:
    """Multiply-adds of forward + backward for one sample (bias included; no dH for the input)."""
    sizes = [n] + [width] * layers + [1]
    forward = sum(o * (i + 1) for i, o in zip(sizes[:-1], sizes[1:]))
    input_grads = sum(o * i for i, o in zip(sizes[1:-1], sizes[2:]))
    return 2 * forward + input_grads


def matmul_rates(repeats: int = 5) -> dict[str, float]:
    """Best GFLOP/s of a 2048² float32 matmul: torch.mm (MKL), oneDNN and numpy's OpenBLAS (the
    fused step's), on 1 and on all threads.

    On AMD CPUs MKL runs its AVX2 code and oneDNN and OpenBLAS their AVX-512 code, so they differ
    by ~2×; the machine's peak is the best of them.
    """
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    from .ensemble import _ONEDNN

    a = torch.randn(2048, 2048)
    an, out = a.numpy(), np.empty((2048, 2048), dtype=np.float32)
    kernels = {"mkl": lambda: a @ a, "openblas": lambda: np.matmul(an, an, out=out)}
    if _ONEDNN is not None:
        kernels["onednn"] = lambda: _ONEDNN(a, a, None, "none", [], "")
    threads, rates = torch.get_num_threads(), {}
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        with threadpool_limits(limits=n_threads, user_api="blas"):
            for name, kernel in kernels.items():
                kernel()
                best = min(_timed(kernel) for _ in range(repeats))
                rates[f"{name} x{n_threads}"] = 2 * 2048**3 / best / 1e9
    torch.set_num_threads(threads)
    return rates


def _engine_device() -> str:
    from .engine import resolve_device

    return resolve_device().type          # where train_models trains by default


def gpu_matmul_rate(size: int = 8192, repeats: int = 10) -> float:
    """GFLOP/s of a size² float32 matmul on the GPU (TF32 as torch is set: off by default)."""
    import torch

    a = torch.randn(size, size, device="cuda")
    torch.mm(a, a)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, a)
    torch.cuda.synchronize()
    return repeats * 2 * size**3 / (time.perf_counter() - start) / 1e9


def fused_status() -> str:
    """The engine's CPU step on this machine for the grid's setup, in words."""
    from . import fused
    from .engine import fused_cpu_step

    if fused_cpu_step(grid(1, 1)[0]):
        return "fused C step (one call per data chunk; compiled in the timed run)"
    return f"torch kernels ({fused.unavailable_reason() or 'setup not implemented by the fused step'})"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def wide_rate(steps: int, repeats: int = 3) -> tuple[float, float]:
    """Best GFLOP/s the engine reaches training 8 models of width 256 (4 layers), and its wall."""
    from .engine import train_models

    config = SETUP.with_(steps=steps, test_size=1024)
    specs = [config.spec(f"product:{N}", 4, 256, ACTIVATION, s) for s in range(8)]
    flops = training_flops(specs)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        train_models(specs)
        best = min(best, time.perf_counter() - start)
    return flops / best / 1e9, best


def bench_train(steps: int = TrainingConfig.steps, quick: bool = False, test_size: int = TrainingConfig.test_size,
                naive_threads: int = 1, repeat: int = 1, naive_repeat: int = 1, skip_naive: bool = False) -> dict:
    """Time the engine and its torch step (best of ``repeat`` each) and the naive loop (best of
    ``naive_repeat``, none with ``skip_naive``) on the grid, each side a fresh subprocess,
    interleaved so all meet the same load. Where torch sees a GPU the engine trains there (no
    torch-step side then) and the peak is the GPU's float32 matmul rate.

    ``quick``: at most 200 steps and 10 000 test points. Returns ``grid``, ``matmul`` and ``step``
    (what ran, in words); ``sides``, one per side run: ``side, wall_s, walls, model_steps_per_s,
    speedup`` (naive wall / this side's; None without the naive loop), ``gflops`` and
    ``fraction_of_peak`` (real models), ``mean_test_mae, diverged``; ``speedup`` (the engine's, or
    None), ``fused_speedup`` (torch-step wall / engine wall; None on a GPU, which has no fused
    step), ``median_relative_difference`` of the engine's and the naive loop's per-model test MAE
    (or None); ``matmul_gflops`` (2048² float32),
    ``engine_gflops`` and ``wide_wall_s`` (8 models of width 256), ``peak_gflops``,
    ``fraction_of_peak``; ``load_start``, ``load_end``.
    """
    from .engine import train_models, usable_cores  # noqa: F401  (fail here, before minutes of naive loop)

    if quick:
        steps, test_size = min(steps, QUICK_STEPS), min(test_size, QUICK_TEST_SIZE)
    models = len(LAYERS) * len(WIDTHS) * len(SEEDS)
    load_start = os.getloadavg()[0]
    from ..environment import blas_report

    blas = blas_report()   # the subprocesses inherit this process's OPENBLAS_CORETYPE, hence its answer
    gpu = _engine_device() == "cuda"     # the engine trains there; the naive loop on the CPU
    engine_sides = ["engine"] if gpu else ["engine", "torch-step"]    # the fused step is the CPU's
    order = engine_sides + ["naive"] * (0 if skip_naive else naive_repeat) + engine_sides * (repeat - 1)
    walls: dict[str, list[float]] = {}
    rows: dict[str, list[dict]] = {}
    for side in order:
        wall, rows[side] = timed_side(side, steps, test_size, naive_threads)
        walls.setdefault(side, []).append(wall)
    best = {side: min(w) for side, w in walls.items()}
    rates = matmul_rates()
    cores = usable_cores()
    # The machine's capacity: the best rate, all threads or one thread times the cores (on a
    # shared machine the all-thread run is the one that other jobs disturb). On a GPU, the GPU's.
    cpu_peak = max(max(rates.values()), cores * max(v for k, v in rates.items() if k.endswith("x1")))
    peak = cpu_peak
    if gpu:
        rates["cuda fp32"] = peak = gpu_matmul_rate()
    flops = grid_flops(steps)
    sides = []
    for side in SIDES:
        if side not in best:
            continue
        maes = [r["test_mae"] for r in rows[side] if r["status"] == "done"]
        sides.append({"side": side, "wall_s": round(best[side], 2), "walls": [round(w, 2) for w in walls[side]],
                      "model_steps_per_s": round(models * steps / best[side]),
                      "speedup": round(best["naive"] / best[side], 2) if "naive" in best else None,
                      "gflops": round(flops / best[side] / 1e9, 2),
                      "fraction_of_peak": flops / best[side] / 1e9 / (cpu_peak if side == "naive" else peak),
                      "mean_test_mae": statistics.fmean(maes) if maes else None,
                      "diverged": len(rows[side]) - len(maes)})
    relative = None
    if "naive" in rows:
        pairs = [(e["test_mae"], n["test_mae"]) for e, n in zip(rows["engine"], rows["naive"])
                 if e["test_mae"] is not None and n["test_mae"] is not None]
        relative = statistics.median(abs(e - n) / n for e, n in pairs) if pairs else None

    gflops, wide_wall = wide_rate(max(50, steps // 10))
    return {
        "grid": (f"grid: product:{N}, layers {LAYERS[0]}-{LAYERS[-1]} x widths "
                 f"{'/'.join(map(str, WIDTHS))} x {len(SEEDS)} seeds = {models} models, batch "
                 f"{SETUP.batch_size}, {steps} steps, {ACTIVATION}, L1, AdaDelta, test {test_size} points; "
                 f"{os.cpu_count()} CPUs, load average {load_start:.2f}"),
        "matmul": blas["hidden_layer_matmul"] + (f" ({blas['blas_note']})" if blas["blas_note"] else ""),
        "steps": steps, "test_size": test_size, "models": models, "sides": sides,
        "speedup": round(best["naive"] / best["engine"], 2) if "naive" in best else None,
        "fused_speedup": None if gpu else round(best["torch-step"] / best["engine"], 2),
        "step": "GPU, each data chunk replayed as one CUDA graph" if gpu else fused_status(),
        "median_relative_difference": relative,
        "matmul_gflops": {k: round(v, 1) for k, v in rates.items()},
        "engine_gflops": round(gflops, 2), "wide_wall_s": round(wide_wall, 3),
        "peak_gflops": round(peak, 1), "fraction_of_peak": gflops / peak,
        "load_start": load_start, "load_end": os.getloadavg()[0],
    }


if __name__ == "__main__":      # one timed side: python -m depthsep.train.bench SIDE STEPS TEST_SIZE THREADS OUT
    side, steps, test_size, threads, out = sys.argv[1:]
    run_side(side, int(steps), int(test_size), int(threads), out)
