"""The built-in activations, one :func:`~.registry.register_activation` entry each.

Each entry states σ once per form: the formula (whose sympy tree gives the exact hypotheses), an exact
recurrence for its Taylor series (:mod:`.series`), numpy, mpmath, the torch.nn module (whose instance
is also σ on tensors), the training kernel (:mod:`.kernels`) and the ONNX nodes; a form an entry
leaves out is compiled from its formula.

Numerical choices, and why:

* sigmoid is ``scipy.special.expit`` in numpy (relative accuracy also for z ≪ 0, where
  (1 + tanh(z/2))/2 cancels), ``torch.nn.Sigmoid`` in torch and ONNX's Sigmoid.
* softplus switches to the identity above :data:`SOFTPLUS_THRESHOLD` in torch (as torch's own
  Softplus does at 20, an error of e^-20 ≈ 2e-9): at 40 the switch costs e^-40 ≈ 4e-18, less than
  float64's resolution at 40, and in float32 the two thresholds give the same numbers. onnxruntime
  has no float64 Softplus, so the ONNX form is the stable max(z, 0) + log(1 + e^-|z|).
* exp has no torch.nn module: a torch user rebuilds it from its formula (see ``depthsep.network``).
* gelu's ONNX form is compiled from its formula, x·(1 + erf(x/√2))/2; onnxruntime runs Erf in
  float32 only, so gelu networks export to ONNX in float32 only.

This module imports neither torch nor sympy: the recurrences and kernels it names load on first use.
"""

from __future__ import annotations

import math
from importlib import import_module

import mpmath
import numpy as np

from .registry import register_activation

SOFTPLUS_THRESHOLD = 40.0


def _later(module: str, function: str, **options):
    """``function`` of the sibling ``module``, imported on first call: the recurrences need sympy and
    flint and the kernels torch, and ``import depthsep.activations`` (every training worker, the CLI
    listing the activations) needs neither."""
    def call(*args):
        return getattr(import_module(f".{module}", __package__), function)(*args, **options)
    return call


def _expit(t):
    from scipy.special import expit  # scipy costs ≈ 0.4 s to import: only once σ is evaluated

    return expit(t)


def _gelu_numpy(t):
    from scipy.special import erfc

    return t * erfc(-t / math.sqrt(2.0)) / 2  # erfc keeps Φ accurate for t ≪ 0


def _softplus_onnx(g, z):
    # onnxruntime has no float64 Softplus kernel: max(z, 0) + log(1 + e^-|z|), which never overflows.
    tail = g.op("Log", g.op("Add", g.op("Exp", g.op("Neg", g.op("Abs", z))), g.constant(1.0)))
    return g.op("Add", g.op("Relu", z), tail)


register_activation(
    "tanh", "tanh(x)", description="hyperbolic tangent; odd, so σ_0 = σ_2 = 0 at a = 0",
    series=_later("series", "tanh_series"), numpy=np.tanh, mpmath=mpmath.tanh, module="Tanh",
    kernel=_later("kernels", "tanh_kernel"), onnx=lambda g, z: g.op("Tanh", z),
)
register_activation(
    "sigmoid", "1/(1 + exp(-x))", aliases=("logistic",),
    description="logistic 1/(1 + e^-x) = (1 + tanh(x/2))/2; σ_2 = 0 at a = 0",
    series=_later("series", "sigmoid_series"), numpy=_expit, mpmath=lambda z: 1 / (1 + mpmath.exp(-z)),
    module="Sigmoid", kernel=_later("kernels", "sigmoid_kernel"), onnx=lambda g, z: g.op("Sigmoid", z),
)
register_activation(
    "relu", "max(x, 0)", description="max(x, 0); piecewise linear, no Taylor series at 0", analytic=False,
    series=_later("series", "relu_series"), numpy=lambda t: np.maximum(t, 0.0),
    mpmath=lambda z: max(z, mpmath.mpf(0)), module="ReLU", kernel=_later("kernels", "relu_kernel"),
    onnx=lambda g, z: g.op("Relu", z), init_gain=2 ** 0.5,
)
register_activation(
    "softplus", "log(1 + exp(x))", description="log(1 + e^x), the antiderivative of sigmoid",
    series=_later("series", "softplus_series"), numpy=lambda t: np.logaddexp(0.0, t),
    mpmath=lambda z: mpmath.log1p(mpmath.exp(z)), module=("Softplus", {"threshold": SOFTPLUS_THRESHOLD}),
    kernel=_later("kernels", "softplus_kernel", threshold=SOFTPLUS_THRESHOLD), onnx=_softplus_onnx,
)
register_activation(
    "exp", "exp(x)", description="e^x; every Taylor coefficient is non-zero at every point",
    series=_later("series", "exp_series"), numpy=np.exp, mpmath=mpmath.exp, torch="exp",
    kernel=_later("kernels", "exp_kernel"), onnx=lambda g, z: g.op("Exp", z),
)
register_activation(
    "silu", "x/(1 + exp(-x))", aliases=("swish",), description="x·sigmoid(x) (swish)",
    series=_later("series", "silu_series"), numpy=lambda t: t * _expit(t), mpmath=lambda z: z / (1 + mpmath.exp(-z)),
    module="SiLU", onnx=lambda g, z: g.op("Mul", z, g.op("Sigmoid", z)),
)
register_activation(
    "gelu", "x*(1 + erf(x/sqrt(2)))/2", description="x·Φ(x) with Φ the standard normal CDF (exact erf form)",
    series=_later("series", "gelu_series"), numpy=_gelu_numpy, mpmath=lambda z: z * mpmath.ncdf(z), module="GELU",
)
