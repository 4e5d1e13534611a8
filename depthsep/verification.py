"""How far is a network from its target? sup |N − p| over the cube (−R, R)^n, estimated from below.

A sup over a continuum cannot be computed by sampling, only approached. The estimate combines
four probes, each good at a different kind of worst case:

* random points, uniform in the cube (the bulk);
* corners (all of them up to 2^12, else a random subset) — polynomials of high degree peak there;
* points on the faces (one coordinate at ±R, the rest random);
* projected gradient ascent on |N − p| from the worst points found so far, which climbs to the
  local maxima the samples only land near.

The result is a lower bound on the true sup that is tight in practice; the report says how many
points each probe used. Every point is scored in one floating-point precision — the network's own
(``Network.precision``) unless another is asked for — under numpy *and* torch evaluation, and the
worse counts: the constructions cancel large terms (readouts ∝ 1/δ^d), so the precision, and even
a different exp or matmul kernel, moves the last bits enough to change the error itself.
:func:`sup_error` contains :func:`quick_sup_error`'s probe (same points, same evaluation), so it
never reports less. ``evaluate_mp`` (mpmath) re-evaluates the worst points at high precision, for
networks whose floating-point evaluation is itself the bottleneck.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from .checks import positive_number
from .errors import DepthsepError
from .network import Network, check_precision
from .poly import Polynomial, parse_polynomial

QUICK_SAMPLES = 2048  # the probe the scale search scores every candidate with


def probe_points(n: int, radius: float, samples: int, rng: np.random.Generator, center: float = 0.0) -> np.ndarray:
    """Random points, corners and face points of [c − R, c + R]^n, plus the centre."""
    if center:
        return center + probe_points(n, radius, samples, rng)
    parts = [rng.uniform(-radius, radius, size=(samples, n)), np.zeros((1, n))]
    if n <= 12:
        parts.append(radius * np.array(list(itertools.product((-1.0, 1.0), repeat=n))))
    else:
        parts.append(radius * rng.choice((-1.0, 1.0), size=(4096, n)))
    faces = rng.uniform(-radius, radius, size=(max(samples // 4, 1), n))
    faces[np.arange(len(faces)), rng.integers(0, n, len(faces))] = radius * rng.choice((-1.0, 1.0), len(faces))
    parts.append(faces)
    return np.vstack(parts)


def precision_of(network: Network, dtype: str | None = None) -> str:
    """The precision to evaluate ``network`` in: ``dtype`` if given, else the one it was built for."""
    return network.precision if dtype is None else check_precision(dtype, "--dtype")


def in_precision(network: Network, dtype: str) -> Network:
    """The network held, evaluated and exported in ``dtype`` (its weights rounded, if to float32)."""
    return network if network.precision == dtype else dataclasses.replace(network, precision=dtype)


def quick_sup_error(network: Network, p: Polynomial, radius: float, samples: int = QUICK_SAMPLES, seed: int = 0,
                    dtype: str | None = None) -> float:
    """The sampled part of :func:`sup_error` only: cheap enough to call inside a search over δ.

    Scored under both evaluators a user will meet — numpy and torch (what the .pt and, up to kernel
    details, the .onnx export run) — in ``dtype`` (default: the network's precision), and the worse
    one counts: a construction that cancels large terms is only as good as the least lucky rounding.
    """
    network = in_precision(network, precision_of(network, dtype))
    points = probe_points(p.n, radius, samples, np.random.default_rng(seed))
    return float(np.max(_gaps(network, p, points)))


def torch_outputs(network: Network, points: np.ndarray) -> np.ndarray:
    """N at the points, evaluated by the exported torch module (in the network's precision)."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(points, dtype=network.dtype))
    with torch.no_grad():
        return network.to_torch()(x)[:, 0].double().numpy()


def _gaps(network: Network, p: Polynomial, points: np.ndarray) -> np.ndarray:
    """|N − p| at the points, the worse of numpy and torch evaluation; inf where either is not finite."""
    exact = p.evaluate(points)
    gaps = np.maximum(np.abs(np.asarray(network(points), dtype=np.float64) - exact), np.abs(torch_outputs(network, points) - exact))
    return np.where(np.isfinite(gaps), gaps, np.inf)


def _ascend(network: Network, p: Polynomial, starts: np.ndarray, radius: float, steps: int,
            center: float = 0.0) -> tuple[float, np.ndarray]:
    """Projected gradient ascent on |N(x) − p(x)| from each start.

    The gradient comes from torch autograd, in float64 whatever the network's precision (the
    direction is what counts); every point visited is then scored like the samples.
    """
    import torch

    torch_net = in_precision(network, "float64").to_torch()
    terms = [(torch.tensor(e, dtype=torch.float64), float(c)) for e, c in p.terms.items()]
    x = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    step = 0.05 * radius
    visited = []
    for i in range(steps):
        target = sum(c * torch.prod(x ** e, dim=1) for e, c in terms)
        gap = (torch_net(x)[:, 0] - target).abs()
        (grad,) = torch.autograd.grad(gap.sum(), x)
        with torch.no_grad():
            # Normalised steps: the gradient of N − p can be huge or tiny; the direction is what counts.
            norms = grad.norm(dim=1, keepdim=True).clamp_min(1e-300)
            x += step * (0.97**i) * grad / norms
            x.clamp_(center - radius, center + radius)
            if i % 10 == 9 or i == steps - 1:
                visited.append(x.detach().numpy().copy())
    points = np.vstack(visited)
    gaps = _gaps(network, p, points)
    worst = int(np.argmax(gaps))
    return float(gaps[worst]), points[worst]


def sup_error(network: Network, poly, radius: float, *, samples: int = 20_000, seed: int = 0,
              ascent_starts: int = 16, ascent_steps: int = 150, high_precision: bool = False,
              dtype: str | None = None, center: float = 0.0) -> dict:
    """Estimate sup |N − p| on (c − R, c + R)^n (c = ``center``) in ``dtype`` (default: the network's
    precision; see the module docstring). Returns a JSON-ready report, ``precision`` included."""
    p = parse_polynomial(poly)
    radius = positive_number(radius, "--radius")
    if network.n_inputs != p.n:
        raise DepthsepError(f"the network takes {network.n_inputs} inputs but {p} has {p.n} variables ({', '.join(p.variables) or 'none'})")
    dtype = precision_of(network, dtype)
    network = in_precision(network, dtype)
    # The quick probe first, exactly as the scale search saw it (same points, same batch); then the larger one.
    quick = probe_points(p.n, radius, QUICK_SAMPLES, np.random.default_rng(seed), center)
    wide = probe_points(p.n, radius, samples, np.random.default_rng(seed), center)
    points = np.vstack([quick, wide])
    gaps = np.concatenate([_gaps(network, p, quick), _gaps(network, p, wide)])
    report = {"precision": dtype, "radius": radius, "points": int(len(points))}
    if center:
        report["domain"] = f"{center - radius:g}:{center + radius:g}"
    if not np.all(np.isfinite(gaps)):
        return {"sup_error": float("inf"), "argmax": None, **report, "method": "sampling (non-finite output)"}
    order = np.argsort(gaps)[::-1][:ascent_starts]
    sampled, where = float(gaps[order[0]]), points[order[0]]
    climbed, climbed_at = _ascend(network, p, points[order], radius, ascent_steps, center) if p.n else (-1.0, where)
    best, argmax = (climbed, climbed_at) if climbed > sampled else (sampled, where)
    report.update({
        "sup_error": best, "argmax": [float(v) for v in argmax], "sampled_sup": sampled,
        "ascent_sup": max(climbed, 0.0), "ascent_starts": int(len(order)), "ascent_steps": ascent_steps,
    })
    if high_precision:
        worst = points[order[:8]]
        exact = network.evaluate_mp(worst, dps=60)
        report["high_precision_sup"] = float(np.max(np.abs(exact - p.evaluate(worst))))
    return report


# -- errors under a distribution -------------------------------------------------------------------
DISTRIBUTION_SAMPLES = 200_000
_CHUNK = 8192


def distribution_error(network: Network, poly, domain, metric: str = "mae", *, samples: int = DISTRIBUTION_SAMPLES,
                       seed: int = 0, dtype: str | None = None) -> dict:
    """E|N − p| (``mae``) or sqrt(E (N − p)²) (``rmse``) for x ~ U[a, b]^n, ``domain`` = a:b, estimated
    from ``samples`` seeded points in ``dtype`` (default: the network's precision), with its standard
    error (for rmse by the delta method). The worse of numpy and torch evaluation counts at each point."""
    from .train.spec import parse_domain

    p = parse_polynomial(poly)
    lo, hi = parse_domain(domain)
    if metric not in ("mae", "rmse"):
        raise DepthsepError(f"--metric must be mae or rmse for an error under a distribution, got {metric!r}")
    if network.n_inputs != p.n:
        raise DepthsepError(f"the network takes {network.n_inputs} inputs but {p} has {p.n} variables ({', '.join(p.variables) or 'none'})")
    dtype = precision_of(network, dtype)
    network = in_precision(network, dtype)
    rng = np.random.default_rng(seed)
    gaps = np.concatenate([_gaps(network, p, rng.uniform(lo, hi, size=(min(_CHUNK, samples - start), p.n)))
                           for start in range(0, samples, _CHUNK)])
    values = gaps if metric == "mae" else gaps**2
    mean, spread = float(np.mean(values)), float(np.std(values)) / np.sqrt(len(values))
    if metric == "rmse":
        root = float(np.sqrt(mean))
        mean, spread = root, spread / (2 * root) if root > 0 else 0.0
    return {metric: mean, "standard_error": spread, "samples": int(samples), "domain": f"{lo:g}:{hi:g}",
            "precision": dtype, "seed": seed}


# -- radial targets φ(|x|) on the ball |x| ≤ R ---------------------------------------------------

def ball_points(dim: int, radius: float, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Probe points of the ball |x| ≤ R: uniform in the ball, uniform in the radius (dense near 0), the
    sphere |x| = R, the centre, ± axes and a diagonal at 257 radii."""
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
    """sup |N(x) − φ(|x|)| over |x| ≤ R (``phi`` a numpy function of |x|), estimated from below: the
    probes of :func:`ball_points`, then a random local climb from the 16 worst, kept inside the ball.

    Returns ``{"sup_error", "points", "worst_point_radius"}``.
    """
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
