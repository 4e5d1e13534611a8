"""``radial:PHI:D[:R][:LAW]``: f(x) = φ(|x|) for x in R^D with |x| ≤ R (R = 1 by default).

Two input laws, named by the optional last field LAW; both draw the direction u = g/|g|, g ~ N(0, I_D),
uniformly on the sphere and differ in the law of the norm:

* ``ball`` (the default, and what ``radial:PHI:D`` and ``radial:PHI:D:R`` mean): x uniform in the ball
  |x| ≤ R, i.e. |x| = R·U^(1/D). Then P(|x| ≤ s) = (s/R)^D: as D grows the norm concentrates at R
  (E|x| = R·D/(D+1), std ≈ R/D), so the inputs see only the end φ(R⁻) of the profile.
* ``radius``: |x| = R·U uniform on [0, R] (Safran & Shamir's law, as for ``ball:D``). The law of |x|
  does not depend on D, so φ(|x|) has the same distribution in every dimension and a test error
  measures the whole profile on [0, R] whatever D.

Canonical names: ``radial:PHI:D`` / ``radial:PHI:D:R`` for the ball law (a written ``:ball`` is
dropped) and ``radial:PHI:D:radius`` / ``radial:PHI:D:R:radius`` for the radius law; R is written
only when it is not 1, as the shortest text that parses back to the same float. The LAW field is a
word and D an integer, so no name can be read two ways.

Inputs of a radial target come from its ``draw`` method, not from the spec's cube ``domain``, which
radial targets ignore: the data module asks a target for its own points when it has one.
φ is parsed by :func:`depthsep.expr.parse_function` in the variable t (never evaluated as code);
the canonical name spells φ the way sympy prints it, which parses back to the same expression.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..checks import positive_number
from ..errors import DepthsepError
from .target_family import register_target, shortest_number


DISTRIBUTIONS = ("ball", "radius")   # the input laws; the first is what a name without LAW means


class RadialTarget:
    """φ(|x|) for x in R^n; values in float64, returned in the input dtype.

    ``distribution`` is the input law of :meth:`draw`: "ball" (uniform in |x| ≤ R) or "radius"
    (|x| uniform on [0, R], direction uniform).
    """

    def __init__(self, phi_text: str, n: int, radius: float = 1.0, distribution: str = "ball"):
        # sympy (via the parser) loads only when a radial target is made, not with every training worker
        from ..activations import X, torch_function  # the one evaluator of parsed functions
        from ..theory.radial import T, profile

        self.n = n
        self.radius = positive_number(radius, "radius")
        self.distribution = check_distribution(distribution)
        prof = profile(phi_text, self.radius, lipschitz=1.0)  # checks φ is finite on [0, R]; L unused here
        self.expr = prof.expr
        self.phi_numpy = prof.numpy
        self._phi = torch_function(prof.expr.subs(T, X))
        suffix = "" if self.radius == 1.0 else f":{shortest_number(self.radius)}"
        law = "" if self.distribution == "ball" else f":{self.distribution}"
        self.name = f"radial:{self.expr}:{n}{suffix}{law}"

    def __call__(self, x: Tensor) -> Tensor:
        r = torch.linalg.vector_norm(x.double(), dim=-1)
        value = self._phi(r)
        if not isinstance(value, Tensor):
            value = torch.full_like(r, float(value))
        return value.to(x.dtype)

    def draw(self, generator: torch.Generator, count: int) -> Tensor:
        """``count`` points x = |x|·u, float32 (count, n), on the generator's device: u uniform on the
        sphere, |x| = R·U^(1/n) (uniform in the ball) or R·U (uniform norm), U ~ U[0, 1]."""
        where = dict(generator=generator, dtype=torch.float64, device=generator.device)
        g = torch.randn(count, self.n, **where)
        g = g / torch.linalg.vector_norm(g, dim=1, keepdim=True).clamp_min(1e-300)
        u = torch.rand(count, 1, **where)
        norm = u ** (1.0 / self.n) if self.distribution == "ball" else u
        return (g * self.radius * norm).float()

    def __repr__(self) -> str:
        return f"RadialTarget({str(self.expr)!r}, {self.n}, {self.radius:g}, {self.distribution!r})"


def check_distribution(distribution) -> str:
    """"ball" or "radius" (surrounding blanks ignored); DepthsepError otherwise."""
    text = str(distribution).strip()
    if text not in DISTRIBUTIONS:
        raise DepthsepError(f"radial input distribution must be ball (uniform in |x| <= R) or radius "
                            f"(|x| uniform on [0, R]), got {distribution!r}")
    return text


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@register_target("radial")
def _radial(arg: str) -> RadialTarget:
    """``PHI:D``, ``PHI:D:R``, ``PHI:D:LAW`` or ``PHI:D:R:LAW`` with LAW ``ball`` or ``radius``."""
    distribution, whole = "ball", f"radial:{arg}"
    head, sep, last = arg.rpartition(":")
    if sep and last.strip() in DISTRIBUTIONS:
        arg, distribution = head, last.strip()
    elif sep and _int(last.strip()) is None and _number(last.strip()) is None:
        raise DepthsepError(f"radial target must end in D, R, ball or radius (radial:PHI:D[:R][:ball|radius]), "
                            f"got '{whole}'")
    phi, n, radius = _phi_dim_radius(arg, whole)
    return RadialTarget(phi, n, radius, distribution)


def _phi_dim_radius(arg: str, whole: str) -> tuple[str, int, float]:
    """Split ``PHI:D`` or ``PHI:D:R`` (what is left of ``whole`` once a LAW field is taken off)."""
    parts = arg.rsplit(":", 2)
    radius = 1.0
    if len(parts) == 3 and _int(parts[1].strip()) is not None:
        phi, dim, radius_text = parts
        radius = _number(radius_text.strip())
        if radius is None:
            raise DepthsepError(f"radial target's R (largest |x|) must be a number, got '{whole}'")
        if not (math.isfinite(radius) and radius > 0):
            raise DepthsepError(f"radial target's R (largest |x|) must be a finite number > 0, got '{whole}'")
    else:
        parts = arg.rsplit(":", 1)
        if len(parts) != 2:
            raise DepthsepError(f"radial target must look like radial:PHI:D[:R][:ball|radius] "
                                f"(e.g. radial:cos(t):8:radius), got '{whole}'")
        phi, dim = parts
    n = _int(dim.strip())
    if n is None or n < 1:
        raise DepthsepError(f"radial target needs an integer dimension D >= 1, got '{whole}'")
    return phi.strip(), n, radius


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
