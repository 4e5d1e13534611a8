"""Radial profiles φ: the sphere rule integrates even moments exactly, and the Lipschitz constant."""

import numpy as np
import pytest

from depthsep.theory.radial import hemisphere_rule, profile, sphere_moment


def test_sphere_rule_integrates_even_moments():
    for dim, degree in [(2, 3), (3, 4), (4, 3), (5, 2)]:
        U, w = hemisphere_rule(dim, degree)
        assert len(U) == (degree + 1) ** (dim - 1)
        assert np.isclose(w.sum(), 1.0)
        x = np.random.default_rng(0).standard_normal(dim)
        for k in range(degree + 1):
            assert np.isclose(np.sum(w * (U @ x) ** (2 * k)), float(sphere_moment(dim, k)) * np.linalg.norm(x) ** (2 * k))


def test_lipschitz_constant():
    assert profile("sin(3*t)").lipschitz == pytest.approx(3.03, rel=1e-3)
    assert profile("abs(t - 1/2)", lipschitz=7).lipschitz == 7.0
