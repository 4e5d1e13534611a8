"""The training engine against the naive loop: see depthsep/train/bench.py. Runs `depthsep bench train`
with this script's options, e.g. ``python benchmarks/bench_train.py --quick --skip-naive``."""

import sys

from depthsep.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "train", *sys.argv[1:]]))
