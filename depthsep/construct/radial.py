"""ReLU networks for radial functions f(x) = φ(|x|) on the ball |x| ≤ R; sizes and error budgets
are in :mod:`depthsep.theory.radial`. Weights are written directly (no gate merging), so the widths
are exactly the formulas' — a zero readout is kept, not pruned.

::

    two hidden layers:  x ──► relu(±x_i − jh)  (2k per coordinate) ──► ŝ ≈ |x|²
                          ──► relu(ŝ − (jR/m)²), relu(ŝ − R²)  (m + 1) ──► Ψ(ŝ) ≈ φ(|x|)
    one hidden layer:   x ──► relu(±u·x − jR/n) for each direction u of the sphere rule ──► Σ w_u ĝ(u·x)

The one-layer directions u and weights w_u > 0 (Σ w_u = 1) come from the sphere rule the plan chose
(:mod:`depthsep.theory.sphere_rule`): the product Gauss rule ((K+1)^(d−1) directions), unions of
hyperoctahedral orbits of integer vectors (moderate d), or the normalised rows of an orthogonal array
of strength 2K ((q^{2K} − 1)/2 directions, q ≈ d: polynomial in d). Each direction carries the
same 2n broken-line neurons.
"""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..theory.sphere_rule import rule as sphere_rule


def _even_broken_line(values: np.ndarray, step: float) -> tuple[float, np.ndarray]:
    """Readouts a_j with f(0) + Σ_j a_j (relu(z − jh) + relu(−z − jh)) the even broken line through
    f(jh), j = 0…n (``values``), for |z| ≤ nh."""
    slopes = np.diff(values) / step
    return float(values[0]), np.concatenate([[slopes[0]], np.diff(slopes)])


def two_layer(phi, dim: int, radius: float, k: int, m: int, meta: dict | None = None) -> Network:
    """The Eldan–Shamir-style 2-hidden-layer network: widths [2kd, m + 1]."""
    h = radius / k
    knots = h * np.arange(k)
    square_values = (h * np.arange(k + 1)) ** 2
    _, square_readout = _even_broken_line(square_values, h)  # P(0) = 0
    # Layer 1: for each coordinate i, relu(x_i − jh) then relu(−x_i − jh), j = 0…k−1.
    w1 = np.zeros((2 * k * dim, dim))
    b1 = np.tile(np.concatenate([-knots, -knots]), dim)
    for i in range(dim):
        w1[2 * k * i:2 * k * i + k, i] = 1.0
        w1[2 * k * i + k:2 * k * (i + 1), i] = -1.0
    s_weights = np.tile(np.concatenate([square_readout, square_readout]), dim)  # ŝ = s_weights · h1
    # Layer 2: Ψ on knots s_j = (jR/m)², flat beyond R².
    r = radius * np.arange(m + 1) / m
    s_knots = r**2
    psi = phi(r)
    slopes = np.diff(psi) / np.diff(s_knots)
    jumps = np.concatenate([[slopes[0]], np.diff(slopes), [-slopes[-1]]])
    thresholds = np.concatenate([s_knots[:-1], [radius**2]])
    w2 = np.outer(np.ones(m + 1), s_weights)
    b2 = -thresholds
    w3 = jumps[None, :]
    b3 = np.array([psi[0]])
    return Network([(w1, b1), (w2, b2), (w3, b3)], "relu", dict(meta or {}))


def one_layer(profile, dim: int, radius: float, degree: int, knots: int, meta: dict | None = None,
              cubature: str | None = None) -> Network:
    """The one-hidden-layer ridge network: (directions of the sphere rule ``cubature``, by default the
    one with fewest directions for (d, K)) × 2n neurons."""
    from numpy.polynomial import chebyshev as C

    U, w = sphere_rule(dim, degree, cubature)
    coefficients = np.array([float(c) for c in profile])
    h = radius / knots
    values = C.chebval(np.arange(knots + 1) / knots, coefficients)  # g at z = jh, in ρ = z/R
    g0, readout = _even_broken_line(values, h)
    offsets = h * np.arange(knots)
    n_dir = len(U)
    # Rows: direction u, then (+u, knots) and (−u, knots).
    signs = np.concatenate([np.ones(knots), -np.ones(knots)])
    w1 = (U[:, None, :] * signs[None, :, None]).reshape(n_dir * 2 * knots, dim)
    b1 = np.tile(np.concatenate([-offsets, -offsets]), n_dir)
    out = (w[:, None] * np.concatenate([readout, readout])[None, :]).reshape(1, -1)
    return Network([(w1, b1), (out, np.array([g0 * float(np.sum(w))]))], "relu", dict(meta or {}))


def ball_points(dim: int, radius: float, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Probe points of the ball: uniform in the ball, uniform in the radius (dense near 0), the
    sphere |x| = R, the centre, ± axes and diagonals at radii on a grid."""
    def directions(count):
        g = rng.standard_normal((count, dim))
        return g / np.linalg.norm(g, axis=1, keepdims=True)

    parts = [
        directions(samples) * (radius * rng.random(samples) ** (1 / dim))[:, None],
        directions(samples) * (radius * rng.random(samples))[:, None],
        directions(samples // 4 + 1) * radius,
        np.zeros((1, dim)),
    ]
    radii = radius * np.linspace(0, 1, 257)
    axes = np.vstack([np.eye(dim), -np.eye(dim), np.ones((1, dim)) / np.sqrt(dim)])
    parts.append((axes[:, None, :] * radii[None, :, None]).reshape(-1, dim))
    return np.vstack(parts)


def radial_sup_error(network: Network, phi, dim: int, radius: float, samples: int = 20_000, seed: int = 0,
                     climb_steps: int = 200) -> dict:
    """sup |N(x) − φ(|x|)| over |x| ≤ R, estimated from probes plus a random local climb from the worst."""
    rng = np.random.default_rng(seed)
    cost = max(1, network.neurons) * (dim + max(network.hidden_widths[1:], default=0) + 2)
    samples = int(min(samples, max(2_000, 2e9 // (2.5 * cost))))  # keep a big network's check to seconds
    x = ball_points(dim, radius, samples, rng)
    chunk = max(64, int(2e7 // max(1, network.neurons)))

    def error(points):
        values = np.concatenate([network(points[i:i + chunk]) for i in range(0, len(points), chunk)])
        return np.abs(values - phi(np.linalg.norm(points, axis=1)))

    errors = error(x)
    probes = len(x)
    worst = x[np.argsort(errors)[-16:]]
    worst_err = error(worst)
    scale = radius / 20
    for _ in range(climb_steps):
        trial = worst + scale * rng.standard_normal(worst.shape)
        norms = np.linalg.norm(trial, axis=1, keepdims=True)
        trial = np.where(norms > radius, trial * radius / np.maximum(norms, 1e-300), trial)
        trial_err = error(trial)
        better = trial_err > worst_err
        worst[better], worst_err[better] = trial[better], trial_err[better]
        scale *= 0.98
        probes += len(trial)
    return {"sup_error": float(max(errors.max(), worst_err.max())), "points": probes,
            "worst_point_radius": float(np.linalg.norm(worst[np.argmax(worst_err)]))}
