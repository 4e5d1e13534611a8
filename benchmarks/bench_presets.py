"""Wall time of each experiment's quick preset, from an empty store, as a user runs it.

    python benchmarks/bench_presets.py [--only figure2,radial,indicator,atlas] [--root DIR]

Each preset runs as ``python -m depthsep ...`` in a fresh folder (so nothing is resumed) with the
``depthsep`` importable from ``--root`` (default: this checkout; point it at another checkout, e.g. a
``git worktree`` of an older commit, to compare two versions on the same machine — run them
interleaved, with nothing else running). Prints one line per preset: the wall time of the whole
process, start-up included, and the training time the command itself reports.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRESETS = {
    "figure2": ["figure2", "--no-progress"],
    "radial": ["radial", "experiment", "--no-progress", "--out", "radial.png"],
    "indicator": ["radial", "indicator", "--no-progress", "--out", "indicator.png"],
    "atlas": ["atlas", "--no-progress"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PRESETS), help="comma-separated presets (default: all)")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]),
                        help="the checkout whose depthsep runs (default: this one)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": args.root}
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "depthsep", *PRESETS[name]], cwd=folder, env=env,
                                  capture_output=True, text=True)
            wall = time.perf_counter() - start
        trained = re.findall(r"(?:wall_s\s+|in )([0-9.]+)(?: s)?", done.stdout)
        print(f"{name:10} exit {done.returncode}  wall {wall:7.1f} s  training {trained[-1] if trained else '?'} s",
              flush=True)


if __name__ == "__main__":
    main()
