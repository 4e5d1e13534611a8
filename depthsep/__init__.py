"""depthsep — how deep is deep enough?

The Python API mirrors the `depthsep` command: each function of :mod:`depthsep.api` returns the dict
`--json` prints (`verify` and `doctor` live there only, beside the modules of the same name).

    >>> import depthsep
    >>> depthsep.bounds("x1^2*x2")["shallow_upper"]
    6
"""

__version__ = "0.1.0"

from ._openblas import prefer_avx512_kernels  # noqa: E402

# Before anything loads numpy: OpenBLAS reads its core type once (see _openblas for why).
prefer_avx512_kernels()

from .errors import DepthsepError  # noqa: E402

# The API and Polynomial load on first use (PEP 562): they pull in sympy (~0.3 s), which
# `import depthsep.train` — and so every training worker and benchmark subprocess — never needs.
_LAZY = {name: "api" for name in ("activation", "advise", "bounds", "build", "converge", "figure1",
                                  "figure2", "plot_heatmap", "polynomial", "radial_build", "radial_experiment",
                                  "radial_indicator", "radial_sizes", "runs", "sweep", "tree")}
_LAZY.update(Polynomial="poly", parse_polynomial="poly")


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value   # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "DepthsepError", "Polynomial", "activation", "advise", "bounds", "build", "converge", "figure1",
    "figure2", "plot_heatmap", "parse_polynomial", "polynomial", "radial_build", "radial_experiment",
    "radial_indicator", "radial_sizes", "runs", "sweep", "tree",
]
