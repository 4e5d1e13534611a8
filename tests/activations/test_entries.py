"""The built-in entries' numerical forms (depthsep.activations.entries): numpy and torch agree with
the formula evaluated by sympy at 30 digits."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from depthsep.activations import BUILTINS, X, get_activation

GRID = np.concatenate([np.linspace(-6, 6, 49), [-0.3, 1e-3, 2.5]])


def sympy_values(expr, points):
    return np.array([float(expr.subs(X, sp.Float(repr(float(v)), 30)).evalf(30)) for v in points])


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_numpy_torch_and_sympy_agree(name):
    activation = get_activation(name)
    reference = sympy_values(activation.expr, GRID)
    from_numpy = activation.numpy_fn(GRID)
    from_torch = activation.torch_fn(torch.tensor(GRID, dtype=torch.float64)).numpy()
    assert from_numpy.dtype == np.float64
    np.testing.assert_allclose(from_numpy, reference, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(from_torch, reference, rtol=1e-13, atol=1e-15)
