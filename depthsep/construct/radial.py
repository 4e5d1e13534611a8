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

The passes around these builders (profile, plan, build, verify, save) are
:func:`depthsep.construct.radial_build.radial_build`.
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
