"""Build a few constructions and print neurons, the theorem's count, the verified sup error and the time.

    .venv/bin/python benchmarks/bench_build.py
"""

import time

from depthsep.construct.build import build
from depthsep.errors import DepthsepError

PRODUCT_20 = "*".join(f"x{i}" for i in range(1, 21))
CASES = [
    ("x1*x2*x3", "1", "exp", "paper", None),
    ("x1^3*x2^2*x3", "1", "exp", "paper", None),
    ("x^2 + 3*x - 1", "1", "sigmoid", "bias", 1e-6),
    ("x^13", "deep", "exp", "paper", None),
    ("x^13", "deep", "tanh", "bias", None),
    ("x1^3*x2^2*x3 + x1*x2*x3*x4", "deep", "softplus", "bias", None),
    (PRODUCT_20, "deep", "exp", "paper", None),
    (PRODUCT_20, "2", "tanh", "bias", None),
    (PRODUCT_20, "3", "tanh", "bias", None),
    ("x1*x2*x3", "deep", "relu", "bias", 1e-4),
    ("x^2 - x", "1", "relu", "bias", 1e-4),
]


def main():
    header = f"{'target':34} {'layers':>6} {'activation':>10} {'model':>6} {'widths':>26} {'neurons':>8} {'theorem':>8} {'sup error':>10} {'time':>7}"
    print(header)
    print("-" * len(header))
    for poly, layers, act, model, eps in CASES:
        name = poly if len(poly) <= 34 else "x1*...*x20"
        start = time.perf_counter()
        try:
            r = build(poly, layers, act, model, eps).report
        except DepthsepError as err:
            print(f"{name:34} {layers:>6} {act:>10} {model:>6}  refused: {err}")
            continue
        widths = str(r["hidden_widths"]) if len(str(r["hidden_widths"])) <= 26 else f"{len(r['hidden_widths'])} layers"
        print(f"{name:34} {layers:>6} {act:>10} {model:>6} {widths:>26} {r['neurons']:>8} {str(r['promised']):>8} "
              f"{r['sup_error']:>10.2e} {time.perf_counter() - start:>6.2f}s")


if __name__ == "__main__":
    main()
