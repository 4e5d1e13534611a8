"""Reference values for the exact series: mpmath's own Taylor expansion at 50 digits."""

from __future__ import annotations

import mpmath
import sympy as sp


def as_mp(value) -> mpmath.mpf:
    return mpmath.mpf(str(sp.N(value, 45)))


def assert_close_to_taylor(coefficients, function, point, tolerance=1e-25):
    with mpmath.workdps(50):
        reference = mpmath.taylor(function, mpmath.mpf(point.p) / point.q, len(coefficients) - 1)
        for k, (ours, theirs) in enumerate(zip(coefficients, reference)):
            assert abs(as_mp(ours) - theirs) <= tolerance * (1 + abs(theirs)), (k, ours, theirs)
