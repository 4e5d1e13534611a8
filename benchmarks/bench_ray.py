"""Local vs Ray wall time on the quick Figure-2 grid, and Ray's overhead per task.

    .venv/bin/python benchmarks/bench_ray.py [--steps N]      # default: the quick grid's steps

Each backend sweeps into its own fresh store; the Ray run starts (and times) its own private
loopback instance with this machine's cores, as ``depthsep sweep --backend ray`` does.
"""

import argparse
import os
import tempfile
import time

from depthsep.train.backends import import_ray, start_ray, stop_ray
from depthsep.train.engine import usable_cores
from depthsep.train.config import TRAINING_FIELDS, RunOptions, TrainingConfig
from depthsep.train.grouping import plan_groups
from depthsep.train.store import ResultStore
from depthsep.experiments.figure2 import figure2_grid
from depthsep.train.sweep import grid_specs, sweep


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=None, help="override the grid's steps")
    args = parser.parse_args()
    preset = figure2_grid("quick")
    config = TrainingConfig(**{k: v for k, v in preset.items() if k in TRAINING_FIELDS}).with_(steps=args.steps)
    axes = {k: v for k, v in preset.items() if k not in TRAINING_FIELDS}
    specs = grid_specs(**axes, config=config)
    import torch
    groups = len(plan_groups(specs, torch.device("cpu")))
    print(f"quick grid, steps={config.steps}: {len(specs)} models in {groups} groups "
          f"(= Ray tasks), {usable_cores()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        walls = {}
        for backend in ("local", "ray"):
            path = os.path.join(tmp, f"{backend}.db")
            start = time.perf_counter()
            sweep(**axes, store_path=path, config=config, run=RunOptions(backend=backend, progress=False))
            walls[backend] = time.perf_counter() - start
            print(f"{backend:5s}: {walls[backend]:7.1f} s wall (including Ray start/stop for ray)")
        with ResultStore(os.path.join(tmp, "local.db"), readonly=True) as a, \
                ResultStore(os.path.join(tmp, "ray.db"), readonly=True) as b:
            key = lambda r: (r["layers"], r["width"], r["seed"])  # noqa: E731
            la = {key(r): r["test_mae"] for r in a.rows()}
            lb = {key(r): r["test_mae"] for r in b.rows()}
            worst = max(abs(la[k] - lb[k]) / abs(la[k]) for k in la if la[k] is not None)
            print(f"max relative test_mae difference local vs ray: {worst:.2e}")
        print(f"ray - local: {walls['ray'] - walls['local']:+.1f} s")

    # Per-task overhead: no-op tasks on a warm instance, and the instance's start + stop.
    ray = import_ray()
    start = time.perf_counter()
    start_ray()
    up = time.perf_counter() - start

    @ray.remote(num_cpus=1)
    def noop(x):
        return x

    ray.get([noop.remote(i) for i in range(20)])           # warm the worker pool
    n = 500
    start = time.perf_counter()
    ray.get([noop.remote(i) for i in range(n)])
    per_task = (time.perf_counter() - start) / n
    start = time.perf_counter()
    for i in range(50):
        ray.get(noop.remote(i))
    round_trip = (time.perf_counter() - start) / 50
    start = time.perf_counter()
    stop_ray()
    down = time.perf_counter() - start
    print(f"ray start {up:.1f} s, shutdown {down:.1f} s; no-op task: {1e3 * per_task:.2f} ms "
          f"each pipelined, {1e3 * round_trip:.2f} ms sequential round trip")


if __name__ == "__main__":
    main()
