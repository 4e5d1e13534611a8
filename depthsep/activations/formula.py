"""Numerical evaluation of an activation formula σ(x) — numpy, torch, mpmath — without generating code.

A formula is a sympy expression in x, parsed from text by :func:`depthsep.expr.parse_function` (an
ast whitelist, never ``eval``). :func:`numpy_function`, :func:`torch_function` and
:func:`mpmath_function` walk its tree once and return closures; they serve activations typed by
users and are the defaults of :func:`~.registry.register_activation` when an entry gives no faster
form of its own.
"""

from __future__ import annotations

import functools
from typing import Callable

import mpmath
import numpy as np
import scipy.special
import sympy as sp
import torch

from ..errors import DepthsepError
from .exact import X

# Piecewise nodes: a formula containing one has no Taylor series at its breaks.
PIECEWISE = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.floor, sp.ceiling)

_NUMPY_FUNCTIONS = {
    sp.exp: np.exp, sp.log: np.log, sp.sin: np.sin, sp.cos: np.cos, sp.tan: np.tan,
    sp.sinh: np.sinh, sp.cosh: np.cosh, sp.tanh: np.tanh, sp.atan: np.arctan, sp.asin: np.arcsin,
    sp.acos: np.arccos, sp.erf: scipy.special.erf, sp.erfc: scipy.special.erfc, sp.Abs: np.abs,
    sp.sign: np.sign, sp.floor: np.floor, sp.ceiling: np.ceil,
    sp.Max: np.maximum, sp.Min: np.minimum,
    sp.asinh: np.arcsinh, sp.acosh: np.arccosh, sp.atanh: np.arctanh,
}
_TORCH_FUNCTIONS = {
    sp.exp: torch.exp, sp.log: torch.log, sp.sin: torch.sin, sp.cos: torch.cos, sp.tan: torch.tan,
    sp.sinh: torch.sinh, sp.cosh: torch.cosh, sp.tanh: torch.tanh, sp.atan: torch.atan,
    sp.asin: torch.asin, sp.acos: torch.acos, sp.erf: torch.special.erf, sp.erfc: torch.special.erfc,
    sp.Abs: torch.abs, sp.sign: torch.sign, sp.floor: torch.floor, sp.ceiling: torch.ceil,
    sp.Max: torch.maximum, sp.Min: torch.minimum,
    sp.asinh: torch.asinh, sp.acosh: torch.acosh, sp.atanh: torch.atanh,
}
_MPMATH_FUNCTIONS = {
    sp.exp: mpmath.exp, sp.log: mpmath.log, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.tan: mpmath.tan,
    sp.sinh: mpmath.sinh, sp.cosh: mpmath.cosh, sp.tanh: mpmath.tanh, sp.atan: mpmath.atan,
    sp.asin: mpmath.asin, sp.acos: mpmath.acos, sp.erf: mpmath.erf, sp.erfc: mpmath.erfc,
    sp.Abs: mpmath.fabs, sp.sign: mpmath.sign, sp.floor: mpmath.floor, sp.ceiling: mpmath.ceil,
    sp.Max: max, sp.Min: min,
    sp.asinh: mpmath.asinh, sp.acosh: mpmath.acosh, sp.atanh: mpmath.atanh,
}


def _real(expr: sp.Expr, digits: int) -> sp.Float:
    value = sp.N(expr, digits)
    if not value.is_real:
        raise DepthsepError(f"constant {expr} is not real")
    return value


def _float_constant(expr: sp.Expr):
    value = float(_real(expr, 20))
    return lambda t: value


def _mpmath_constant(expr: sp.Expr):
    # Kept as 60-digit text and read at the caller's working precision (evaluate_mp runs at ≥ 50).
    text = str(_real(expr, 60))
    return lambda t: mpmath.mpf(text)


def _compile(expr: sp.Expr, functions: dict, lift: Callable, constant: Callable = _float_constant) -> Callable:
    """A closure evaluating ``expr`` at an array ``t``.

    This walks the parsed sympy tree directly rather than using ``sympy.lambdify``: lambdify's
    torch printer emits ``torch.max(0, x)`` for Max and ``torch.sqrt(2)`` for constants, both of
    which fail on tensors, and walking the tree means no source text is generated or executed.
    Constant subtrees are folded once.
    """
    if not expr.has(X):
        return constant(expr)
    if expr == X:
        return lambda t: t
    parts = [_compile(arg, functions, lift, constant) for arg in expr.args]
    if expr.is_Add:
        return lambda t: functools.reduce(lambda u, v: u + v, (p(t) for p in parts))
    if expr.is_Mul:
        return lambda t: functools.reduce(lambda u, v: u * v, (p(t) for p in parts))
    if expr.is_Pow:
        base, exponent = parts
        if expr.exp.is_Integer:
            power = int(expr.exp)
            return lambda t: base(t) ** power
        return lambda t: lift(base(t), t) ** exponent(t)
    if expr.func not in functions:
        raise DepthsepError(f"cannot evaluate {expr.func.__name__} numerically")
    function = functions[expr.func]
    if expr.func in (sp.Max, sp.Min):
        return lambda t: functools.reduce(lambda u, v: function(lift(u, t), lift(v, t)), (p(t) for p in parts))
    return lambda t: function(*(p(t) for p in parts))


def _numpy_lift(value, t):
    return np.full_like(t, value) if isinstance(value, float) else value


def _torch_lift(value, t):
    return torch.full_like(t, value) if isinstance(value, float) else value


def numpy_function(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    """σ on arrays, in their floating dtype (float32 stays float32; anything else becomes float64)."""
    compiled = _compile(expr, _NUMPY_FUNCTIONS, _numpy_lift)

    def numpy_fn(values):
        t = np.asarray(values)
        if t.dtype not in (np.float32, np.float64):
            t = t.astype(np.float64)
        with np.errstate(all="ignore"):  # outside the domain the answer is nan, as in numpy
            return np.asarray(_numpy_lift(compiled(t), t), dtype=t.dtype)
    return numpy_fn


def torch_function(expr: sp.Expr) -> Callable[[torch.Tensor], torch.Tensor]:
    """σ on tensors, in their dtype; traceable by ``torch.export`` (only torch ops on the tensor)."""
    compiled = _compile(expr, _TORCH_FUNCTIONS, _torch_lift)

    def torch_fn(values: torch.Tensor) -> torch.Tensor:
        return _torch_lift(compiled(values), values)
    return torch_fn


def mpmath_function(expr: sp.Expr) -> Callable:
    """σ on one mpmath number, at the working precision of the caller's ``mpmath.workdps``."""
    compiled = _compile(expr, _MPMATH_FUNCTIONS, lambda value, t: value, _mpmath_constant)
    return lambda z: mpmath.mpmathify(compiled(z))


_ONNX_OPERATORS = {
    sp.exp: "Exp", sp.log: "Log", sp.sin: "Sin", sp.cos: "Cos", sp.tan: "Tan", sp.sinh: "Sinh",
    sp.cosh: "Cosh", sp.tanh: "Tanh", sp.atan: "Atan", sp.asin: "Asin", sp.acos: "Acos", sp.erf: "Erf",
    sp.Abs: "Abs", sp.sign: "Sign", sp.floor: "Floor", sp.ceiling: "Ceil", sp.Max: "Max", sp.Min: "Min",
    sp.asinh: "Asinh", sp.acosh: "Acosh", sp.atanh: "Atanh",
}


def onnx_function(expr: sp.Expr) -> Callable:
    """(graph, z) → the name of σ(z) after adding one ONNX node per node of the expression tree.

    ``graph`` is the network exporter's builder: ``graph.op(type, *inputs)`` adds a node and returns
    its output, ``graph.constant(value)`` a scalar in the graph's precision.
    """
    def emit(node: sp.Expr, graph, z: str) -> str:
        if not node.has(X):
            return graph.constant(float(_real(node, 20)))
        if node == X:
            return z
        if node.func is sp.erfc:  # no ONNX Erfc: 1 − erf
            return graph.op("Sub", graph.constant(1.0), graph.op("Erf", emit(node.args[0], graph, z)))
        args = [emit(arg, graph, z) for arg in node.args]
        if node.is_Add:
            return functools.reduce(lambda u, v: graph.op("Add", u, v), args)
        if node.is_Mul:
            return functools.reduce(lambda u, v: graph.op("Mul", u, v), args)
        if node.is_Pow:
            return graph.op("Pow", *args)
        if node.func not in _ONNX_OPERATORS:
            raise DepthsepError(f"{node.func.__name__} has no ONNX operator: this activation cannot be written as ONNX")
        return graph.op(_ONNX_OPERATORS[node.func], *args)

    return lambda graph, z: emit(expr, graph, z)
