"""The training engine against the naive loop: see depthsep/train/bench.py (also `depthsep bench train`)."""

from depthsep.train.bench import main

if __name__ == "__main__":
    main()
