"""``bench train``: what it reports is true — no speed-up is claimed without the naive loop."""

import json
import math
import os

from depthsep.train import bench


def test_skip_naive_reports_no_speedup_and_no_nan(monkeypatch):
    # The matmul and wide-network rates are measured by the same code either way: stubbed for speed.
    monkeypatch.setattr(bench, "matmul_rates", lambda: {"mkl x1": 50.0, "mkl x2": 90.0})
    monkeypatch.setattr(bench, "wide_rate", lambda steps: (30.0, 0.5))
    monkeypatch.setattr(bench, "_engine_device", lambda: "cpu")
    result = bench.bench_train(steps=3, test_size=64, skip_naive=True)
    json.dumps(result, allow_nan=False)                   # nothing is "nan"
    assert result["speedup"] is None and result["median_relative_difference"] is None
    torch_step, engine = result["sides"]
    assert (torch_step["side"], engine["side"]) == ("torch-step", "engine")
    assert engine["speedup"] is None and engine["diverged"] == torch_step["diverged"] == 0
    assert engine["walls"] == [engine["wall_s"]] and result["models"] == 96 and result["steps"] == 3
    assert result["peak_gflops"] == 100.0 and math.isclose(result["fraction_of_peak"], 0.3)
    # The grid's rate counts the real models' arithmetic over each side's whole wall time.
    flops = bench.grid_flops(3)
    assert math.isclose(engine["gflops"], flops / engine["wall_s"] / 1e9, rel_tol=0.01)
    assert math.isclose(engine["fraction_of_peak"], flops / engine["wall_s"] / 1e9 / 100.0, rel_tol=0.01)
    assert math.isclose(result["fused_speedup"], torch_step["wall_s"] / engine["wall_s"], abs_tol=0.05)


def test_grid_flops_counts_every_multiply_add_of_the_real_models():
    # One model by hand: n = 20, 1 layer of 8, batch 256, 10 steps. Forward: 8·21 + 1·9 multiply-adds;
    # backward: the same again for the weight gradients, plus 8·1 for ∂L/∂h of the hidden layer.
    per_sample = 2 * (8 * 21 + 9) + 8
    assert bench.macs_per_sample(20, 1, 8) == per_sample
    assert bench.grid_flops(10) == 10 * bench.grid_flops(1)
    # 96 models: 4 seeds of each (layers, width), batch 256, 2 FLOPs per multiply-add.
    assert bench.grid_flops(1) == 2 * 256 * 4 * sum(bench.macs_per_sample(20, k, w)
                                                    for k in range(1, 7) for w in (8, 16, 32, 64))


def test_on_a_gpu_the_engine_is_measured_against_the_gpus_peak_and_the_naive_loop_against_the_cpus(monkeypatch):
    # What runs where is under test, not the training: each side "takes" a fixed time.
    monkeypatch.setattr(bench, "matmul_rates", lambda: {"mkl x1": 50.0, "mkl x2": 90.0})
    monkeypatch.setattr(bench, "wide_rate", lambda steps: (3000.0, 0.5))
    monkeypatch.setattr(bench, "_engine_device", lambda: "cuda")
    monkeypatch.setattr(bench, "gpu_matmul_rate", lambda: 50_000.0)
    walls = {"engine": 2.0, "naive": 100.0}
    ran = []

    def fake_side(side, steps, test_size, threads):
        ran.append(side)
        return walls[side], [{"test_mae": 0.9, "status": "done"}] * 96

    monkeypatch.setattr(bench, "timed_side", fake_side)
    result = bench.bench_train(steps=10, test_size=64)
    assert ran == ["engine", "naive"]                        # no torch-step side: the fused step is the CPU's
    naive, engine = result["sides"]
    flops = bench.grid_flops(10)
    assert math.isclose(engine["fraction_of_peak"], flops / 2.0 / 1e9 / 50_000.0)
    cpu_peak = max(90.0, len(os.sched_getaffinity(0)) * 50.0)   # all threads, or one thread times the cores
    assert math.isclose(naive["fraction_of_peak"], flops / 100.0 / 1e9 / cpu_peak)
    assert result["peak_gflops"] == 50_000.0 and result["fused_speedup"] is None and result["speedup"] == 50.0
    assert result["step"].startswith("GPU")


def test_the_gpu_benchmark_refuses_a_bad_option_or_a_missing_gpu_in_one_line():
    import subprocess
    import sys
    from pathlib import Path

    import torch

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gpu.py"
    cases = [["--plan-only", "--layers", "0"], ["--plan-only", "--policies", "groups,nope"],
             ["--plan-only", "--steps", "x"], ["--plan-only", "--launch-us", "0"],
             ["--plan-only", "--peak-tflops", "inf"], ["--plan-only", "--activations", "tanh,nope"]]
    cases += [] if torch.cuda.is_available() else [[]]
    for argv in cases:
        done = subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr.startswith("bench_gpu: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr


def _bench_gpu():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gpu.py"
    module_spec = importlib.util.spec_from_file_location("bench_gpu", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_a_gpu_step_runs_five_kernels_per_layer_and_fifteen_more():
    """Counted against the step as written: per hidden layer a product and σ forward, a weight and
    an input-gradient product and σ' backward (5); once: the output product, the L1 gradient's
    sub/sign/scale, the output layer's weight product, broadcast and σ', the first layer's weight
    product and AdaDelta's ten elementwise kernels (15); with σ(0) ≠ 0 a padded slot's gradient
    mask adds one."""
    from depthsep.train import TrainingConfig

    bench_gpu = _bench_gpu()
    config = TrainingConfig(loss="l1", optimizer="adadelta", batch_size=16)
    for layers in (1, 2, 5):
        for activation, extra in (("tanh", 0), ("relu", 0), ("sigmoid", 1)):
            spec = config.spec("product:3", layers, 8, activation, 0)
            assert bench_gpu.kernels_per_step(spec, 16) == 5 * layers + 15 + extra, (layers, activation)


def test_the_gpu_floors_are_the_launches_and_the_padded_arithmetic():
    import torch

    from depthsep.train import TrainingConfig
    from depthsep.train.grouping import plan_groups

    bench_gpu = _bench_gpu()
    config = TrainingConfig(loss="l1", optimizer="adadelta", batch_size=16, steps=1000)
    specs = [config.spec("product:3", layers, width, "tanh", 0) for layers in (1, 3) for width in (4, 8)]
    groups = plan_groups(specs, torch.device("cuda"))
    assert len(groups) == 2                     # one per depth: every width ≤ 128 shares a group
    real = bench.training_flops(specs)
    padded = bench_gpu.padded_flops(groups)
    floor = bench_gpu.floors(groups, padded, real, launch_us=2.0, peak_tflops=10.0)
    assert math.isclose(floor["launches"], 1000 * ((5 * 1 + 15) + (5 * 3 + 15)) * 2e-6)
    assert math.isclose(floor["arithmetic"], padded / 10e12)
    assert math.isclose(floor["real_fraction"], real / padded) and floor["real_fraction"] < 1
