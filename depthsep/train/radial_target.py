"""``radial:PHI:D`` (and ``radial:PHI:D:R``): f(x) = φ(|x|) on the ball of radius R in R^D (R = 1 by default).

Inputs of a radial target are drawn **uniformly in the ball** |x| ≤ R — direction uniform on the
sphere (a normalised Gaussian), radius R·U^(1/D) — not from the spec's cube ``domain``, which radial
targets ignore: the data module asks a target for its own points when it has a ``draw`` method.
φ is parsed by :func:`depthsep.expr.parse_function` in the variable t (never evaluated as code);
the canonical name spells φ the way sympy prints it, which parses back to the same expression.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..errors import DepthsepError
from .targets import register_target


class RadialTarget:
    """φ(|x|) for x in R^n; values in float64, returned in the input dtype."""

    def __init__(self, phi_text: str, n: int, radius: float = 1.0):
        from ..radial import check_radius, profile, torch_evaluator

        self.n = n
        self.radius = check_radius(radius)
        prof = profile(phi_text, self.radius, lipschitz=1.0)  # checks φ is finite on [0, R]; L unused here
        self.expr = prof.expr
        self.phi_numpy = prof.numpy
        self._phi = torch_evaluator(prof.expr)
        suffix = "" if self.radius == 1.0 else f":{self.radius:g}"
        self.name = f"radial:{self.expr}:{n}{suffix}"

    def __call__(self, x: Tensor) -> Tensor:
        r = torch.linalg.vector_norm(x.double(), dim=-1)
        value = self._phi(r)
        if not isinstance(value, Tensor):
            value = torch.full_like(r, float(value))
        return value.to(x.dtype)

    def draw(self, generator: torch.Generator, count: int) -> Tensor:
        """``count`` points uniform in the ball |x| ≤ R, float32, shape (count, n)."""
        g = torch.randn(count, self.n, generator=generator, dtype=torch.float64, device=generator.device)
        g = g / torch.linalg.vector_norm(g, dim=1, keepdim=True).clamp_min(1e-300)
        u = torch.rand(count, 1, generator=generator, dtype=torch.float64, device=generator.device)
        return (g * self.radius * u ** (1.0 / self.n)).float()

    def __repr__(self) -> str:
        return f"RadialTarget({str(self.expr)!r}, {self.n}, {self.radius:g})"


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@register_target("radial")
def _radial(arg: str) -> RadialTarget:
    """``PHI:D`` or ``PHI:D:R``."""
    parts = arg.rsplit(":", 2)
    radius = 1.0
    if len(parts) == 3 and _int(parts[1].strip()) is not None:
        phi, dim, radius_text = parts
        try:
            radius = float(radius_text)
        except ValueError:
            raise DepthsepError(f"radial target radius must be a number, got 'radial:{arg}'") from None
        if not (math.isfinite(radius) and radius > 0):
            raise DepthsepError(f"radial target radius must be > 0, got 'radial:{arg}'")
    else:
        parts = arg.rsplit(":", 1)
        if len(parts) != 2:
            raise DepthsepError(f"radial target must look like radial:PHI:D (e.g. radial:cos(t):8), got 'radial:{arg}'")
        phi, dim = parts
    n = _int(dim.strip())
    if n is None or n < 1:
        raise DepthsepError(f"radial target needs an integer dimension D >= 1, got 'radial:{arg}'")
    return RadialTarget(phi.strip(), n, radius)
