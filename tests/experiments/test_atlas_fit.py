"""The atlas's exponent fit: log2 m = a·n^β + c, its bootstrap interval, the fixed fits, the verdict."""

import numpy as np
import pytest

from depthsep.experiments._exponent_fit import GRID_SD, MIN_POINTS, best_beta, fit_exponent, fixed_fit


@pytest.mark.parametrize("beta", [1 / 3, 0.5, 1.0, 1.5])
def test_recovers_a_known_beta(beta):
    n = np.arange(2, 25)
    rng = np.random.default_rng(7)
    y = 2.0 * n ** beta + 1.0 + rng.normal(0, 0.05, n.size)
    fit = fit_exponent(n, y, layers=3)
    assert fit["beta"] == pytest.approx(beta, rel=0.15)
    assert fit["beta_low"] <= beta <= fit["beta_high"]
    assert fit["beta_high"] - fit["beta_low"] < 0.5


def test_exact_data_give_the_exact_beta_and_zero_residuals():
    n = np.arange(2, 12)
    assert best_beta(n, 3 * n ** 0.7 - 2) == pytest.approx(0.7, abs=1e-3)
    fit = fixed_fit(n, 3 * n ** 0.5 - 2, 0.5)
    assert fit["a"] == pytest.approx(3) and fit["c"] == pytest.approx(-2) and fit["rss"] == pytest.approx(0, abs=1e-18)


def test_fixed_fits_and_residuals_are_reported():
    n = np.arange(2, 9)
    y = n.astype(float) + 1                              # exactly β = 1
    fit = fit_exponent(n, y, layers=2)
    assert [f["beta"] for f in fit["fixed"]] == [0.5, 1.0]
    at_half, at_one = fit["fixed"]
    assert at_one["rss"] == pytest.approx(0, abs=1e-18) and at_half["rss"] > 0.01
    assert sum(r * r for r in at_half["residuals"]) == pytest.approx(at_half["rss"])
    assert "not with 1/2" in fit["verdict"]
    assert fit["sigma"] == pytest.approx(GRID_SD)        # exact data: the grid's rounding is the noise floor


def test_too_few_points_are_not_fitted():
    fit = fit_exponent([2, 3, 4], [2.0, 3.0, 4.0], layers=2)
    assert fit["beta"] is None and fit["beta_low"] is None and fit["fixed"] == []
    assert f"at least {MIN_POINTS}" in fit["verdict"]


def test_data_that_cannot_tell_say_so():
    # four points on the grid's resolution, no clear curvature: both 1/2 and 1 fit within the noise
    n = np.array([2, 3, 4, 5])
    y = np.log2(np.array([8, 12, 16, 24]))
    fit = fit_exponent(n, y, layers=2)
    assert fit["beta_low"] <= 0.5 and fit["beta_high"] >= 1.0
    assert "cannot tell" in fit["verdict"]


def test_the_interval_is_reproducible():
    n = np.arange(2, 8)
    y = np.log2(np.array([4, 6, 12, 24, 48, 96]))
    assert fit_exponent(n, y, 1) == fit_exponent(n, y, 1)
