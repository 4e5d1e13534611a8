"""Wall time of derivative_rank (App. 7.3) on polynomials with up to a few million derivatives.

    .venv/bin/python benchmarks/bench_rank.py [--repeat 3]

Each row: |D| (non-zero derivatives = rows of the catalecticant), its non-zero entries, the exact
rank, and the best of ``--repeat`` wall times (count included, parsing excluded).
"""

from __future__ import annotations

import argparse
import time
from math import prod

from depthsep.poly import Polynomial, parse_polynomial
from depthsep.theory.rank import derivative_count, derivative_rank


def product(indices) -> str:
    return "*".join(f"x{i}" for i in indices)


CASES: list[tuple[str, str]] = [
    ("x1*…*x20", product(range(1, 21))),
    (
        "x1*…*x20 + x1*…*x10*x21*…*x30",
        f"{product(range(1, 21))} + {product(range(1, 11))}*{product(range(21, 31))}",
    ),
    ("x1*…*x20*(1 + x21)", f"{product(range(1, 21))}*(1 + x21)"),
    ("(x1+x2+x3+x4)^8", "(x1 + x2 + x3 + x4)^8"),
    ("(1+x1+…+x6)^6", "(1 + x1 + x2 + x3 + x4 + x5 + x6)^6"),
    ("x1^3*x2^3*…*x6^3", "*".join(f"x{i}^3" for i in range(1, 7))),
    ("x1^3*…*x10^3", "*".join(f"x{i}^3" for i in range(1, 11))),
    ("(x1+x2)^3*x3*…*x18", f"(x1 + x2)^3*{product(range(3, 19))}"),
    ("(x1*x2+x3^2)^3*x4*…*x15", f"(x1*x2 + x3^2)^3*{product(range(4, 16))}"),
    ("x1*x2 + x2*x3 + … + x29*x30", " + ".join(f"x{i}*x{i + 1}" for i in range(1, 30))),
    ("(x1+2*x2-x3+x4/3)^12", "(x1 + 2*x2 - x3 + x4/3)^12"),
]


def measure(p: Polynomial, repeat: int) -> tuple[int, float]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        rank = derivative_rank(p)
        best = min(best, time.perf_counter() - start)
    return rank, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    args = parser.parse_args()

    header = f"{'polynomial':<34} {'|D|':>10} {'entries':>10} {'rank':>10} {'time (s)':>9}"
    print(header)
    print("-" * len(header))
    for name, text in CASES:
        p = parse_polynomial(text)
        entries = sum(prod(r + 1 for r in beta) for beta in p.terms)
        rank, seconds = measure(p, args.repeat)
        print(f"{name:<34} {derivative_count(p):>10} {entries:>10} {rank:>10} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
