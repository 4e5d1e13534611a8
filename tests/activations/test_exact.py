"""Exact numbers (depthsep.activations.exact): the levels of the zero test, one-line refusals of bad
degrees and points, and points read exactly whatever their type."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from depthsep import activations as A
from depthsep.activations import get_activation, zero_test
from depthsep.errors import DepthsepError

R = sp.Rational
HALF = R(1, 2)


def test_zero_test_levels():
    assert zero_test(R(0)) == (True, True)
    assert zero_test(sp.tanh(HALF)) == (False, True)  # interval enclosure excludes 0
    assert zero_test(sp.log(6) - sp.log(2) - sp.log(3))[0] is True
    assert zero_test(sp.exp(-200))[0] is False


@pytest.mark.parametrize("degree", [-1, 1.5, True, "3", A.MAX_DEGREE + 1])
def test_bad_degree(degree):
    with pytest.raises(DepthsepError):
        get_activation("tanh").taylor(degree)


@pytest.mark.parametrize("point", [float("nan"), float("inf"), -float("inf"), sp.pi, sp.sqrt(2), "abc", None, True])
def test_bad_point(point):
    with pytest.raises(DepthsepError):
        get_activation("tanh").taylor(2, point)


def test_points_are_read_exactly():
    tanh = get_activation("tanh")
    expected = tanh.taylor(3, Fraction(1, 10))
    for point in (0.1, "0.1", "1/10", R(1, 10), np.float64(0.1)):
        assert tanh.taylor(3, point) == expected
    assert get_activation("relu").taylor(2, np.int64(2)) == [2, 1, 0]
