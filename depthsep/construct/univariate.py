"""One input through one hidden layer: a univariate f on [lo, hi] as Σ_j a_j σ(w_j x + b_j) + c,
within a tolerance tol(x) that may vary along the interval, with the error bounded.

::

    x ──┬─► σ(w_1 x + b_1) ─┐
        ├─► σ(w_2 x + b_2) ─┼─► Σ_j a_j σ(·) + c  ≈ f(x),   |error(x)| ≤ tol(x) on [lo, hi]
        └─► …               ─┘

Where the neurons go. Piecewise-linear interpolation with knots h apart errs by h²·|f''|/8, so the
knots that spread a tolerance evenly have density ∝ sqrt(|f''| / tol) (equidistribution); a small
uniform floor keeps a few knots where f'' vanishes. Both kinds of σ use those knots:

* **ReLU**: the interpolant itself, N(x) = f(k_0) + Σ_j (s_j − s_{j−1}) relu(x − k_j) with s_j the
  slope on [k_j, k_{j+1}] — one neuron per segment, constant f(k_0) below k_0. Its error on a
  segment is at most h_j²·max|f''|/8 there (the interpolation remainder), so the bound is exact
  arithmetic on f'' sampled densely inside each segment.
* **smooth σ**: one neuron per knot, σ(α (x − k_j)/h_j) with h_j the local spacing (a sigmoid step
  or a softplus ramp centred on the knot; for exp, a decay at rate α/h_j), outer weights by least
  squares weighted by 1/tol, then Lawson's reweighting towards the minimax fit; α is the best of a
  few. The error is measured on a grid of :data:`CHECK_POINTS` points laid out by the same density
  and bounded between grid points by the interpolation remainder of the error itself,
  g²·max|e''|/8 with e'' = N'' − f'' taken at the grid points.

The width is the fewest neurons whose bound is within tol everywhere, found by galloping up
(1, 2, 4, …) and bisecting the last step: fits are not exactly monotone in the width, so this is
the fewest found, not a proved minimum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..activations import get_activation
from ..errors import DepthsepError

Array = np.ndarray
CHECK_POINTS = 1 << 14       # the grid every piece's error is measured on
FLOOR = 0.05                 # share of uniform density mixed into the equidistribution
ALPHAS = (0.3, 0.6, 1.2)    # slopes tried for smooth neurons, in units of 1/local spacing
LAWSON_STEPS = 10
# Singular values below this share of the largest are dropped: a fit that cancels huge outer weights
# is exact only in the arithmetic it was fitted in, and a network sums in another order.
RCOND = 1e-9
ROUNDING = 64 * np.finfo(np.float64).eps   # per unit of Σ|a_j|·(1 + |w_j x|): the bound's allowance for it
MAX_WIDTH = 4096             # a piece wider than this is refused: the accuracy asked is out of reach


@dataclass(frozen=True)
class Curve:
    """A univariate target with its first two derivatives (vectorised)."""

    f: Callable[[Array], Array]
    d1: Callable[[Array], Array]
    d2: Callable[[Array], Array]


@dataclass(frozen=True)
class Piece:
    """Σ_j out_j σ(weight_j x + bias_j) + constant, and ``bound``: its sup error on [lo, hi] in
    units of the tolerance it was fitted to (≤ 1: within tolerance everywhere)."""

    activation: str
    weight: Array
    bias: Array
    out: Array
    constant: float
    lo: float
    hi: float
    bound: float

    @property
    def width(self) -> int:
        return len(self.weight)

    def __call__(self, x) -> Array:
        x = np.asarray(x, dtype=np.float64)
        sigma = get_activation(self.activation).numpy_fn
        return sigma(np.multiply.outer(x, self.weight) + self.bias) @ self.out + self.constant

    def error(self, curve: Curve, x) -> Array:
        """N(x) − f(x)."""
        return self(x) - curve.f(np.asarray(x, dtype=np.float64))


def knots(curve: Curve, tol: Callable[[Array], Array], lo: float, hi: float, count: int) -> Array:
    """``count`` points from lo to hi (both included) spread by density ∝ sqrt(|f''|/tol) + floor."""
    grid = np.linspace(lo, hi, 8193)
    density = np.sqrt(np.abs(curve.d2(grid)) / tol(grid))
    density = np.where(np.isfinite(density), density, 0.0)
    density = density + FLOOR * max(float(np.mean(density)), 1e-300) + 1e-300
    mass = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    points = np.interp(np.linspace(0.0, mass[-1], count), mass, grid)
    points[0], points[-1] = lo, hi
    return points


def fit(curve: Curve, tol: Callable[[Array], Array], lo: float, hi: float, activation: str,
        max_width: int = MAX_WIDTH) -> Piece:
    """The narrowest piece found within ``tol`` on [lo, hi] (module docstring), or a one-line refusal."""
    if not hi > lo:
        raise DepthsepError(f"a piece needs an interval with lo < hi, got [{lo:g}, {hi:g}]")
    tried: dict[int, Piece] = {}

    def piece(width: int) -> Piece:
        if width not in tried:
            tried[width] = fit_at(curve, tol, lo, hi, width, activation)
        return tried[width]

    width = 1
    while piece(width).bound > 1.0:
        if width >= max_width:
            best = min(tried.values(), key=lambda p: p.bound)
            raise DepthsepError(f"{activation} needs more than {max_width} neurons for one piece on [{lo:.4g}, {hi:.4g}] "
                                f"(best error {best.bound:.3g} x the tolerance); ask for a larger epsilon")
        width = min(2 * width, max_width)
    good, bad = width, width // 2
    while good - bad > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if piece(middle).bound <= 1.0 else (good, middle)
    return piece(good)


def fit_at(curve: Curve, tol, lo: float, hi: float, width: int, activation: str) -> Piece:
    """The piece of exactly ``width`` neurons on [lo, hi], whatever its error (``bound`` says it)."""
    attempt = _relu_piece if activation == "relu" else _smooth_piece
    return attempt(curve, tol, lo, hi, width, activation)


def _relu_piece(curve: Curve, tol, lo: float, hi: float, width: int, activation: str) -> Piece:
    k = knots(curve, tol, lo, hi, width + 1)
    values = curve.f(k)
    slopes = np.diff(values) / np.diff(k)
    out = np.diff(np.concatenate([[0.0], slopes]))
    # Interpolation remainder per segment, with f'' sampled densely inside it.
    inner = k[:-1, None] + np.linspace(0.0, 1.0, 17)[None, :] * np.diff(k)[:, None]
    curvature = np.max(np.abs(curve.d2(inner)), axis=1)
    allowed = np.min(tol(inner), axis=1)
    bound = float(np.max(np.diff(k) ** 2 * curvature / 8 / allowed))
    return Piece("relu", np.ones(width), -k[:-1], out, float(values[0]), lo, hi, bound)


def _features(activation: str, centres: Array, spacing: Array, alpha: float, lo: float) -> tuple[Array, Array]:
    """(weight, bias) of one neuron per centre: a step or ramp centred there, or for exp a decay."""
    weight = alpha / spacing
    if activation == "exp":
        # e^{-w (x - c)} is largest at lo; anchoring at lo keeps every feature at most 1 on [lo, hi].
        return -weight, weight * lo
    return weight, -weight * centres


def _smooth_piece(curve: Curve, tol, lo: float, hi: float, width: int, activation: str) -> Piece:
    sigma = get_activation(activation).numpy_fn
    centres = knots(curve, tol, lo, hi, width + 2)[1:-1] if width > 1 else np.array([(lo + hi) / 2])
    spacing = np.gradient(centres) if width > 1 else np.array([hi - lo])
    grid = np.unique(np.concatenate([knots(curve, tol, lo, hi, 8 * width + 64), np.linspace(lo, hi, 2 * width + 32)]))
    target, scale = curve.f(grid), 1.0 / tol(grid)
    best = None
    for alpha in ALPHAS:
        weight, bias = _features(activation, centres, spacing, alpha, lo)
        design = np.hstack([sigma(np.multiply.outer(grid, weight) + bias), np.ones((len(grid), 1))])
        if not np.all(np.isfinite(design)):
            continue
        lawson = np.ones(len(grid))
        for _ in range(LAWSON_STEPS):
            rows = np.sqrt(lawson) * scale
            coef = np.linalg.lstsq(design * rows[:, None], target * rows, rcond=RCOND)[0]
            ratio = np.abs(design @ coef - target) * scale
            candidate = Piece(activation, weight, bias, coef[:-1], float(coef[-1]), lo, hi, float(np.max(ratio)))
            if best is None or candidate.bound < best.bound:
                best = candidate
            lawson = lawson * ratio
            total = lawson.sum()
            if not np.isfinite(total) or total == 0:
                break
            lawson = lawson / total
    if best is None:
        return Piece(activation, np.zeros(width), np.zeros(width), np.zeros(width), 0.0, lo, hi, np.inf)
    return _checked(best, curve, tol)


def _checked(piece: Piece, curve: Curve, tol) -> Piece:
    """The piece with ``bound`` measured on the check grid plus the remainder between its points."""
    lo, hi = piece.lo, piece.hi
    grid = np.unique(np.concatenate([knots(curve, tol, lo, hi, CHECK_POINTS // 2), np.linspace(lo, hi, CHECK_POINTS // 2)]))
    error = piece.error(curve, grid)
    # e'' = Σ a_j w_j² σ''(w_j x + b_j) − f'', σ'' by central differences of σ (smooth, cheap, ample here).
    sigma = get_activation(piece.activation).numpy_fn
    z = np.multiply.outer(grid, piece.weight) + piece.bias
    step = 1e-4
    second = (sigma(z + step) - 2 * sigma(z) + sigma(z - step)) / step**2
    e2 = np.abs(second @ (piece.out * piece.weight**2) - curve.d2(grid))
    gaps = np.diff(grid)
    between = np.maximum(np.abs(error[1:]), np.abs(error[:-1])) + gaps**2 * np.maximum(e2[1:], e2[:-1]) / 8
    allowed = np.minimum(tol(grid[1:]), tol(grid[:-1]))
    reach = max(abs(lo), abs(hi))
    rounding = ROUNDING * float(np.sum(np.abs(piece.out) * (1 + np.abs(piece.weight) * reach + np.abs(piece.bias))))
    bound = float(np.max((between + rounding) / allowed))
    return Piece(piece.activation, piece.weight, piece.bias, piece.out, piece.constant, lo, hi,
                 bound if np.isfinite(bound) else np.inf)


__all__ = ["CHECK_POINTS", "Curve", "MAX_WIDTH", "Piece", "fit", "fit_at", "knots"]
