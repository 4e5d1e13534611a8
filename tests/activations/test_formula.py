"""Numerical forms of a typed formula (depthsep.activations.formula): numpy and torch agree with
sympy's lambdify, an independent path, and torch keeps float32."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from depthsep.activations import X, get_activation

GRID = np.concatenate([np.linspace(-6, 6, 49), [-0.3, 1e-3, 2.5]])


@pytest.mark.parametrize("text", ["x*tanh(x)", "max(x, 0) + min(1, x**2)", "sqrt(2)*x + pi", "abs(x)*sign(x)",
                                  "erf(x) + floor(x)", "2**x", "log(1+exp(x)) + x**3", "atan(x)*exp(-x)"])
def test_user_numpy_torch_lambdify_agree(text):
    activation = get_activation(text)
    reference = sp.lambdify(X, activation.expr, modules=["scipy", "numpy"])(GRID)  # an independent path
    np.testing.assert_allclose(activation.numpy_fn(GRID), reference, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(activation.torch_fn(torch.tensor(GRID)).numpy(), reference, rtol=1e-12, atol=1e-14)
    as_float32 = activation.torch_fn(torch.tensor(GRID, dtype=torch.float32))
    assert as_float32.dtype == torch.float32 and as_float32.shape == (len(GRID),)
