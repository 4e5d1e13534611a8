"""The one activation registry: each σ is one :class:`Activation`, registered once, giving every form of
σ the project uses.

    formula       σ as text in x ("tanh(x)"), parsed by depthsep.expr (never ``eval``) into ``expr``
    taylor        exact σ_k = σ^(k)(a)/k! with decided zero tests (the entry's recurrence, else the
                  Taylor-mode evaluator of the formula)
    numpy_fn      float64 or float32 arrays, in their own dtype          (Network.__call__, verify)
    mpmath_fn     one mpmath number at the caller's precision            (Network.evaluate_mp)
    torch_fn      tensors, traceable by torch.export; ``module()`` the same σ as an nn.Module (exports,
                  the reference training loop)
    kernel(dev)   the training engine's forward/backward pair (:class:`Kernel`), per device type
    onnx(g, z)    ONNX nodes computing σ(z) in a graph, or a one-line refusal

Adding a σ is one call of :func:`register_activation`: only the name and the formula are required;
numpy, mpmath, torch and ONNX forms default to compiling the formula, the Taylor series to the
formula's exact Taylor-mode evaluation, and the module to an elementwise wrapper of ``torch_fn``. A
σ trains if its entry gives a :class:`Kernel` factory or ``derivative``, σ'(z) written in terms of
the output h = σ(z): the engine keeps outputs, not pre-activations, so σ'(z) must be a function of h
(tanh: 1 − h², exp: h); silu and gelu are not monotone, so h does not determine z, and they do not train.

Text that names no registered σ is a formula typed by a user (``depthsep activation "x**3+x"``): it
gets exact coefficients and hypotheses (:func:`activation_from_expr`) but, not being registered, is
neither trained nor written into networks, and says so in one line.

This module imports neither sympy nor torch: training (``import depthsep.train``) needs only the
entries' kernels, and sympy costs ≈ 0.3 s per process.
"""

from __future__ import annotations

import collections.abc
import functools
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable

import numpy as np

from ..errors import DepthsepError

_REGISTRY: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
REGISTRY = MappingProxyType(_REGISTRY)  # name → Activation, in registration order; read-only, live
ALIASES = MappingProxyType(_ALIASES)  # other names a registered σ answers to ("swish" → "silu")


@dataclass(frozen=True)
class Kernel:
    """σ as the training engine runs it: a forward that writes σ(z) into a (possibly strided) buffer
    and a backward that turns ∂L/∂h into ∂L/∂z *from the output h* — the output is what the engine
    keeps, so no pre-activation buffer is needed per layer.

    ``gain`` is folded into the matmul that produces the pre-activation: ``forward`` receives
    u = gain·z. ``at_zero`` = σ(0): zero-padded units of a narrower network are inert only if it is 0.
    """

    forward: Callable  # (u = gain·z, out) -> out = σ(z)
    backward: Callable  # (∂L/∂h, h, out) -> out = ∂L/∂z; out may be ∂L/∂h itself
    gain: float = 1.0
    name: str = ""
    at_zero: float = 0.0


class Activation:
    """One σ; see the module docstring for its forms. Built by :func:`register_activation` (an entry
    of the registry) or by :func:`activation_from_expr` (a user formula: theory only)."""

    def __init__(self, name: str, formula: str, *, numpy=None, torch=None, mpmath=None, series=None,
                 module=None, kernel=None, derivative=None, onnx=None, analytic: bool | None = None,
                 init_gain: float = 1.0, description: str = "", expr=None, registered: bool = False):
        self.name, self.formula, self.description, self.registered = name, formula, description, registered
        # The factor a Glorot draw scales a layer feeding σ by, so that a deep stack neither fades nor
        # blows up the signal: √2 for relu, which zeroes half its inputs (He et al. 2015); Glorot's
        # own 1 for the others.
        self.init_gain = float(init_gain)
        self._numpy, self._torch, self._mpmath, self._onnx = numpy, torch, mpmath, onnx
        self._series, self._module, self._kernel, self._derivative = series, module, kernel, derivative
        self._analytic, self._expr = analytic, expr
        self._kernels: dict[str, Kernel] = {}

    def __repr__(self) -> str:
        return f"Activation({self.name!r}, {self.formula!r})"

    # -- the formula --------------------------------------------------------------------------------
    @functools.cached_property
    def expr(self):
        """σ as a sympy expression in ``depthsep.activations.X``."""
        if self._expr is None:
            from ..expr import parse_function

            self._expr = parse_function(self.formula, "x")
        return self._expr

    @functools.cached_property
    def analytic(self) -> bool:
        """False for piecewise σ (relu, abs, max, …): no Taylor series at their breaks."""
        if self._analytic is not None:
            return self._analytic
        from .formula import PIECEWISE

        return not self.expr.has(*PIECEWISE)

    # -- exact Taylor coefficients ------------------------------------------------------------------
    def coefficients(self, degree: int, point=0) -> list:
        """σ_0 … σ_degree at ``point`` with their zero tests decided (see :class:`~.exact.Coefficient`)."""
        from .exact import as_point, check_degree

        degree, a = check_degree(degree), as_point(point)
        if self._series is not None:
            return self._series(degree, a)
        from .taylor import expression_series

        return expression_series(self.expr, degree, a)

    def taylor(self, degree: int, point=0) -> list:
        """Exact σ_k = σ^(k)(a)/k! for k = 0..degree; an exact zero is returned as ``0``."""
        return [c.value for c in self.coefficients(degree, point)]

    # -- numerical forms ----------------------------------------------------------------------------
    @functools.cached_property
    def numpy_fn(self) -> Callable[[np.ndarray], np.ndarray]:
        """σ on an array of floats, computed in its dtype (float32 stays float32, the rest float64)."""
        if self._numpy is None:
            from .formula import numpy_function

            return numpy_function(self.expr)
        function = self._numpy

        def numpy_fn(values):
            t = np.asarray(values)
            return function(t if t.dtype in (np.float32, np.float64) else t.astype(np.float64))
        return numpy_fn

    @functools.cached_property
    def torch_fn(self) -> Callable:
        """σ on a tensor, in its dtype; only torch operations, so torch.export can trace it."""
        if callable(self._torch):
            return self._torch
        if self._torch is not None:  # the name of a function in torch ("exp")
            import torch

            return getattr(torch, self._torch)
        if self._module is not None:
            return self.module()
        from .formula import torch_function

        return torch_function(self.expr)

    @functools.cached_property
    def mpmath_fn(self) -> Callable:
        """σ on one mpmath number at the working precision of the caller."""
        if self._mpmath is not None:
            return self._mpmath
        from .formula import mpmath_function

        return mpmath_function(self.expr)

    @functools.cached_property
    def at_zero(self) -> float:
        """σ(0)."""
        return float(self.numpy_fn(np.zeros(1))[0])

    @property
    def nn_module(self) -> tuple[str, dict] | None:
        """(class name in torch.nn, keyword arguments) of σ's module, or None if torch.nn has none."""
        if self._module is None:
            return None
        name, options = (self._module, {}) if isinstance(self._module, str) else self._module
        return name, dict(options)

    def module(self):
        """A fresh ``torch.nn.Module`` applying σ elementwise: the torch.nn class of the entry, else
        a wrapper of :attr:`torch_fn`."""
        if self._module is not None:
            from torch import nn

            name, options = self.nn_module
            return getattr(nn, name)(**options)
        from ..torch_modules import Elementwise

        return Elementwise(self.name, self.torch_fn)

    # -- what can be done with it ---------------------------------------------------------------------
    def _not_registered(self, what: str) -> DepthsepError:
        return DepthsepError(f"activation '{self.name}' is a formula, not a registered activation: it has exact "
                             f"Taylor coefficients, but {what} only with {', '.join(REGISTERED)}")

    def check_network(self) -> Activation:
        """Self if networks may use σ (written to files by name, read back by name); else DepthsepError."""
        if not self.registered:
            raise self._not_registered("networks are built and written")
        return self

    @property
    def trainable(self) -> bool:
        return self.registered and (self._kernel is not None or self._derivative is not None)

    def check_trainable(self) -> Activation:
        """Self if the training engine can run σ; else a one-line DepthsepError saying why not."""
        if not self.registered:
            raise self._not_registered("networks are trained")
        if not self.trainable:
            raise DepthsepError(
                f"{self.name} cannot be trained: the engine keeps each layer's output h = sigma(z), and "
                f"sigma'(z) is not a function of h for {self.name} (trainable: {', '.join(TRAINABLE)})")
        return self

    def kernel(self, device_type: str = "cpu") -> Kernel:
        """The training kernel for a device type ("cpu", "cuda"); DepthsepError if σ cannot train."""
        if device_type not in self._kernels:
            self.check_trainable()
            if self._kernel is not None:
                made = self._kernel(device_type)
            else:
                made = _derivative_kernel(self.torch_fn, self._derivative)
            self._kernels[device_type] = replace(made, name=self.name, at_zero=self.at_zero)
        return self._kernels[device_type]

    def onnx(self, graph, z: str) -> str:
        """Add the ONNX nodes of σ(z) to ``graph`` (see ``depthsep.network``); returns the output name.

        An entry without an ONNX form of its own is compiled from its formula, node by node."""
        self.check_network()
        if self._onnx is not None:
            return self._onnx(graph, z)
        from .formula import onnx_function

        return onnx_function(self.expr)(graph, z)


def _derivative_kernel(torch_fn: Callable, derivative: Callable) -> Kernel:
    """The kernel of a σ given as ``torch_fn`` and σ' as a function of the output h."""
    import torch

    def forward(u, out):
        out.copy_(torch_fn(u))

    def backward(dh, h, out):
        torch.mul(dh, derivative(h), out=out)
    return Kernel(forward, backward)


class _Names(collections.abc.Set):
    """The names of the registered σ that pass ``keep``, read live from the registry."""

    def __init__(self, keep: Callable[[Activation], bool]):
        self._keep = keep

    def __iter__(self):
        return iter([name for name, activation in _REGISTRY.items() if self._keep(activation)])

    def __contains__(self, name) -> bool:
        activation = _REGISTRY.get(name) if isinstance(name, str) else None
        return activation is not None and self._keep(activation)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __repr__(self) -> str:
        return f"{{{', '.join(map(repr, self))}}}"


REGISTERED = _Names(lambda activation: True)  # every σ a network may use
TRAINABLE = _Names(lambda activation: activation.trainable)  # every σ the training engine runs


def register_activation(name: str, formula: str, *, aliases=(), **forms) -> Activation:
    """Register σ under ``name`` (lower case) with its ``formula`` in x; returns the entry.

    ``forms`` (each optional, see the module docstring): ``numpy`` and ``mpmath`` (functions), ``torch``
    (a function on tensors, or the name of one in torch: ``"exp"``), ``module`` (the name of a torch.nn
    class, ``"Tanh"``, or (name, keyword arguments)), ``series`` ((degree, rational point) →
    Coefficients), ``kernel`` (device type → :class:`Kernel`), ``derivative`` (a torch function of the
    output h = σ(z) giving σ'(z)), ``onnx`` ((graph, z) → output name), ``init_gain`` (the factor of a
    Glorot draw for a layer feeding σ: :func:`depthsep.train.spec.initial_parameters`), ``analytic`` and
    ``description``.
    """
    if not isinstance(name, str) or not name or name != name.strip().lower():
        raise DepthsepError(f"an activation name must be non-empty lower-case text, got {name!r}")
    for key in (name, *aliases):
        if key in _REGISTRY or key in _ALIASES:
            raise DepthsepError(f"activation name '{key}' is already registered")
    if not isinstance(formula, str) or not formula.strip():
        raise DepthsepError(f"activation {name} needs a formula in x, got {formula!r}")
    activation = Activation(name, formula, registered=True, **forms)
    _REGISTRY[name] = activation
    _ALIASES.update({alias: name for alias in aliases})
    return activation


def unregister_activation(name: str) -> None:
    """Remove a registered σ and its aliases (networks already written with it can no longer be read)."""
    if name not in _REGISTRY:
        raise DepthsepError(f"no registered activation '{name}'")
    del _REGISTRY[name]
    for alias in [a for a, target in _ALIASES.items() if target == name]:
        del _ALIASES[alias]


def activation_from_expr(expr, name: str | None = None) -> Activation:
    """A sympy expression in x (already parsed — never text) as an Activation: the registered one with
    that expression if there is one, else an unregistered formula (theory only)."""
    import sympy as sp

    from .exact import X
    from .formula import numpy_function, torch_function

    if not isinstance(expr, sp.Expr) or expr.free_symbols - {X}:
        raise DepthsepError(f"activation must be an expression in x only, got {expr}")
    if not expr.has(X):
        raise DepthsepError(f"activation {expr} does not depend on x")
    for activation in _REGISTRY.values():
        if expr == activation.expr:
            return activation
    text = name or str(expr)
    # Compiled now, so that a formula that cannot be evaluated (a complex constant) fails here, in one line.
    return Activation(text, str(expr), expr=expr, numpy=numpy_function(expr), torch=torch_function(expr),
                      description="user formula")


def get_activation(name_or_expr) -> Activation:
    """A registered σ by name or alias (case and spaces ignored), else a formula in x."""
    if isinstance(name_or_expr, Activation):
        return name_or_expr
    if not isinstance(name_or_expr, str):
        raise DepthsepError(f"activation must be a name or a formula, got {type(name_or_expr).__name__}")
    key = name_or_expr.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    from ..expr import parse_function

    known = ", ".join(_REGISTRY)
    text = name_or_expr.strip()
    try:
        expr = parse_function(name_or_expr, "x")
    except DepthsepError as err:
        raise DepthsepError(f"unknown activation '{text}' (known: {known}; or a formula in x: {err})") from None
    try:
        return activation_from_expr(expr, name=text)
    except DepthsepError as err:
        raise DepthsepError(f"unknown activation '{text}' (known: {known}; {err})") from None
