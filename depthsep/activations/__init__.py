"""Activation functions σ: the one registry, their exact Taylor coefficients, and the paper's hypotheses.

    >>> from depthsep.activations import get_activation
    >>> get_activation("sigmoid").taylor(3)
    [1/2, 1/4, 0, -1/48]

Modules, one job each: ``registry`` (the :class:`Activation` type, :func:`register_activation`,
:func:`get_activation`), ``entries`` (the built-ins: tanh, sigmoid, relu, softplus, exp, silu, gelu),
``exact`` (zero tests and input checks), ``series`` (exact recurrences of the built-ins), ``taylor``
(exact Taylor-mode series of formulas), ``formula`` (numpy / torch / mpmath / ONNX from a formula),
``hypotheses`` (which theorems' hypotheses hold).

Coefficients returned by :meth:`Activation.taylor` follow one rule: a coefficient is zero iff it is
the integer ``0``; anything else has been shown (or, for user formulas, numerically found) non-zero.

Importing this package loads the registry and its entries (numpy, torch), not sympy: the names of
the exact machinery below load their modules on first use (PEP 562).
"""

from . import entries  # noqa: F401  (registers the built-in activations)
from .._lazy import lazy_attributes
from .registry import (
    ALIASES, REGISTERED, REGISTRY, TRAINABLE, Activation, Kernel, activation_from_expr, get_activation,
    register_activation, unregister_activation,
)

BUILTINS = REGISTRY  # the name earlier callers use for the registry

_LAZY = {
    **{name: "exact" for name in ("X", "MAX_DEGREE", "MAX_FALLBACK_DEGREE", "Coefficient", "NotAnalyticError",
                                  "as_point", "check_degree", "zero_test")},
    **{name: "hypotheses" for name in ("hypotheses", "nonzero_up_to")},
    **{name: "formula" for name in ("numpy_function", "torch_function", "mpmath_function")},
}
__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)


__all__ = [
    "ALIASES", "BUILTINS", "REGISTERED", "REGISTRY", "TRAINABLE", "Activation", "Coefficient", "Kernel",
    "MAX_DEGREE", "NotAnalyticError", "X", "activation_from_expr", "as_point", "check_degree", "get_activation",
    "hypotheses", "nonzero_up_to", "register_activation", "unregister_activation", "zero_test",
]
