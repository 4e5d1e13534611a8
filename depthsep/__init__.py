"""depthsep — how deep is deep enough?

The Python API mirrors the `depthsep` command: each command has one function here, with the CLI's
option names as parameters, returning the data `--json` prints (see :mod:`depthsep.api`).

    >>> import depthsep
    >>> depthsep.bounds("x1^2*x2")["shallow_upper"]
    6
"""

__version__ = "0.1.0"

from ._openblas import prefer_avx512_kernels  # noqa: E402

# Before anything loads numpy: OpenBLAS reads its core type once (see _openblas for why).
prefer_avx512_kernels()

from ._lazy import lazy_attributes  # noqa: E402
from .errors import DepthsepError  # noqa: E402

# The API and Polynomial load on first use (PEP 562): they pull in sympy (~0.3 s), which
# `import depthsep.train` — and so every training worker and benchmark subprocess — never needs.
from .api import __all__ as _API  # noqa: E402  (names only: the module itself loads lazily below)

_LAZY = {name: "api" for name in _API}
_LAZY.update(Polynomial="poly", parse_polynomial="poly")


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)

__all__ = ["DepthsepError", "Polynomial", "parse_polynomial", *_API]
