"""How fast log2 of the neurons grows with n: the fit log2 m = a·n^β + c, its uncertainty, and a verdict
that says when the data cannot tell.

Conjecture 5.2 of Rolnick & Tegmark says k hidden layers need m = 2^Θ(n^(1/k)) neurons for x1⋯xn,
i.e. log2 m grows like n^(1/k). :func:`fit_exponent` answers, for one k:

* **free fit** — least squares over (a, β, c). For fixed β the model is linear in (a, c), so β is
  found by minimising the profiled residual sum of squares RSS(β) over ``BETA_RANGE`` (a log-spaced
  scan, then a parabola through its best three points);
* **interval** — a parametric bootstrap: ``resamples`` data sets y* = ŷ + N(0, σ²) refitted, the
  2.5 and 97.5 % quantiles of β*. σ is the free fit's residual standard deviation (RSS/(N − 3)), but
  never below ``GRID_SD``: a minimal width is known only to a step of the √2 grid (it lies in
  (W_below, W]), a rounding of up to log2(1.5) ≈ 0.58 in log2 m, whose standard deviation is
  about 0.5/√12 ≈ 0.14 — with 4 to 6 points and 3 parameters the residuals alone would claim more
  precision than the grid can give;
* **fixed fits** — β held at 1/k (the conjecture) and at 1 (one layer's 2^n growth), each linear in
  (a, c), with its residuals, so a reader sees which the data prefer; their RSS have the same
  number of parameters and compare directly;
* **verdict** — a sentence: which of 1/k and 1 the interval contains. Both: "cannot tell".

As β → 0, a·n^β + c → (aβ)·ln n + const, a power law m ∝ n^(aβ): a small β̂ means polynomial rather
than exponential growth over the range fitted, and the scan's lower end ``BETA_RANGE[0]`` stands
for it.

    >>> import numpy as np
    >>> n = np.arange(2, 14)
    >>> fit = fit_exponent(n, 3 * n ** 0.5 + 1, layers=2)          # exact data, β = 1/2
    >>> round(fit["beta"], 3), fit["beta_low"] <= 0.5 <= fit["beta_high"]
    (0.5, True)
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import DepthsepError

MIN_POINTS = 4                 # the free fit has 3 parameters: at least one degree of freedom left
BETA_RANGE = (0.05, 3.0)       # where β is looked for: from power-law-like to faster than 2^n
GRID_SD = 0.5 / math.sqrt(12)  # log2 rounding of the √2 width grid: half a log2-step spread uniformly
RESAMPLES = 2000
LEVEL = 0.95
SEED = 20180501                # the bootstrap's seed (fixed: a fit is a function of its data)


def _linear(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(a, c, residuals) of the least-squares line y ≈ a·x + c."""
    design = np.column_stack([x, np.ones_like(x)])
    (a, c), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(a), float(c), y - (a * x + c)


SCAN = 241                     # log-spaced β values scanned before the parabolic refinement


def best_betas(n, ys, beta_range=BETA_RANGE) -> np.ndarray:
    """For each row y of ``ys`` (R × N), the β minimising the profiled RSS of y ≈ a·n^β + c.

    For a fixed β the least-squares RSS is S_yy − S_xy²/S_xx with x = n^β (S the centred sums of
    squares and products), so a whole scan of β for a whole bootstrap sample is a couple of matrix
    products; the minimum is then refined by the parabola through the scan points around it (in
    log β), kept inside the range.
    """
    n, ys = np.asarray(n, float), np.atleast_2d(np.asarray(ys, float))
    log_betas = np.linspace(math.log(beta_range[0]), math.log(beta_range[1]), SCAN)
    x = n[None, :] ** np.exp(log_betas)[:, None]                    # (S, N)
    xc = x - x.mean(axis=1, keepdims=True)
    yc = ys - ys.mean(axis=1, keepdims=True)
    sxx = np.einsum("sn,sn->s", xc, xc)                              # (S,)
    sxy = xc @ yc.T                                                  # (S, R)
    rss = np.einsum("rn,rn->r", yc, yc)[None, :] - sxy ** 2 / sxx[:, None]
    i = np.argmin(rss, axis=0)                                       # (R,)
    inner = np.clip(i, 1, SCAN - 2)
    cols = np.arange(rss.shape[1])
    left, mid, right = rss[inner - 1, cols], rss[inner, cols], rss[inner + 1, cols]
    curvature = left - 2 * mid + right
    step = log_betas[1] - log_betas[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    refined = log_betas[inner] + np.clip(shift, -1, 1) * step
    # At an end of the scan the minimum is the end itself (the parabola would leave the range).
    at_end = (i == 0) | (i == SCAN - 1)
    return np.exp(np.where(at_end, log_betas[i], refined))


def best_beta(n, y, beta_range=BETA_RANGE) -> float:
    """The β minimising the profiled RSS of y ≈ a·n^β + c over ``beta_range``."""
    return float(best_betas(n, [y], beta_range)[0])


def fixed_fit(n, y, beta: float) -> dict:
    """The fit of y ≈ a·n^β + c with β held fixed: ``beta, a, c, rss, residuals``."""
    n, y = np.asarray(n, float), np.asarray(y, float)
    a, c, residuals = _linear(n ** beta, y)
    return {"beta": beta, "a": a, "c": c, "rss": float(np.sum(residuals ** 2)),
            "residuals": [float(r) for r in residuals]}


def fit_exponent(n, log2_neurons, layers: int, resamples: int = RESAMPLES, seed: int = SEED,
                 beta_range=BETA_RANGE, grid_sd: float = GRID_SD) -> dict:
    """Fit log2 m = a·n^β + c for one number of hidden layers ``layers`` (= k).

    Returns ``layers, points, n, log2_neurons, beta, a, c, rss, residuals, sigma, beta_low,
    beta_high, level, at_bound`` (which ends of ``beta_range`` the estimate or interval touch),
    ``fixed`` (the fits at β = 1/k and β = 1; one for k = 1) and ``verdict``. With fewer than
    :data:`MIN_POINTS` points the numbers are None and the verdict says so.
    """
    n, y = np.asarray(n, float), np.asarray(log2_neurons, float)
    if n.shape != y.shape or n.ndim != 1:
        raise DepthsepError("fit_exponent needs two equally long lists: n and log2 of the neurons")
    base = {"layers": layers, "points": int(n.size), "n": [int(v) for v in n],
            "log2_neurons": [float(v) for v in y], "level": LEVEL}
    if n.size < MIN_POINTS or len(set(n.tolist())) < MIN_POINTS:
        return {**base, "beta": None, "a": None, "c": None, "rss": None, "residuals": None, "sigma": None,
                "beta_low": None, "beta_high": None, "at_bound": [], "fixed": [],
                "verdict": f"not fitted: {n.size} found point{'s' if n.size != 1 else ''}, "
                           f"the fit needs at least {MIN_POINTS}"}
    beta = best_beta(n, y, beta_range)
    a, c, residuals = _linear(n ** beta, y)
    rss = float(np.sum(residuals ** 2))
    sigma = max(math.sqrt(rss / (n.size - 3)) if n.size > 3 else 0.0, grid_sd)
    fitted = a * n ** beta + c
    rng = np.random.default_rng(seed)
    betas = best_betas(n, fitted + rng.normal(0.0, sigma, (resamples, n.size)), beta_range)
    tail = (1 - LEVEL) / 2
    low, high = (float(v) for v in np.quantile(betas, [tail, 1 - tail]))
    at_bound = [end for end, value, edge in (("low", low, beta_range[0]), ("high", high, beta_range[1]))
                if math.isclose(value, edge, rel_tol=1e-3)]
    conjecture = 1.0 / layers
    fixed = [fixed_fit(n, y, conjecture)] + ([fixed_fit(n, y, 1.0)] if layers > 1 else [])
    result = {**base, "beta": beta, "a": a, "c": c, "rss": rss, "residuals": [float(r) for r in residuals],
              "sigma": sigma, "beta_low": low, "beta_high": high, "at_bound": at_bound, "fixed": fixed}
    result["verdict"] = verdict(result)
    return result


def verdict(fit: dict) -> str:
    """One sentence on what the interval of ``fit`` says about β = 1/k against β = 1."""
    k, low, high, beta = fit["layers"], fit["beta_low"], fit["beta_high"], fit["beta"]
    if beta is None:
        return fit["verdict"]
    interval = f"β̂ = {beta:.2f}, {100 * fit['level']:.0f}% interval [{low:.2f}, {high:.2f}]"
    if fit["at_bound"]:
        interval += " (reaching the end of the range searched)"
    has_conjecture, has_one = low <= 1 / k <= high, low <= 1 <= high
    if k == 1:
        return (f"{interval}: consistent with β = 1 (2^n growth)" if has_one
                else f"{interval}: differs from β = 1")
    rss = {f["beta"]: f["rss"] for f in fit["fixed"]}
    compare = (f"; with β fixed, RSS {rss[1 / k]:.3g} at 1/{k} vs {rss[1.0]:.3g} at 1")
    if has_conjecture and has_one:
        return f"{interval}: cannot tell β = 1/{k} from β = 1{compare}"
    if has_conjecture:
        return f"{interval}: consistent with β = 1/{k}, not with 1{compare}"
    if has_one:
        return f"{interval}: consistent with β = 1, not with 1/{k}{compare}"
    side = "below" if high < min(1 / k, 1) else "above" if low > 1 else "between"
    return f"{interval}: {side} both 1/{k} and 1{compare}"


__all__ = ["BETA_RANGE", "GRID_SD", "LEVEL", "MIN_POINTS", "RESAMPLES", "best_beta", "best_betas", "fit_exponent",
           "fixed_fit", "verdict"]
