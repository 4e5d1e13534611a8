"""``ball:D`` (and ``ball:D:R``): the indicator 1{|x| ≤ 1} of the unit ball in R^D, under the input
distribution of Safran & Shamir's experiment (ICML 2017, arXiv 1610.09887, Section 5).

Inputs are drawn with a **uniformly random direction and a norm uniform on [0, R]** (R = 2 in the
paper): x = r·u with u = g/|g|, g ~ N(0, I_D), r ~ U[0, R]. The law of |x| does not depend on D, so
P(|x| ≤ 1) = 1/R for every D — half the points are inside the ball when R = 2 — and the best
constant predictor has RMSE √(p(1 − p)) with p = 1/R (0.5 for the paper's R = 2). This is not the
uniform law on a ball: in high dimension that law puts almost all its mass near the boundary sphere,
while here every shell |x| ∈ [a, b] ⊂ [0, R] carries mass (b − a)/R.

Labels are exact 0/1: the squared norm of the float32 point, summed in float64, is compared with 1
(no square root), and 0 and 1 are exact in every dtype. So a training point and its label agree
for the point the network actually sees, whatever rounding produced the point.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..checks import positive_int, positive_number
from ..errors import DepthsepError
from .target_family import register_target, shortest_number

PAPER_RADIUS = 2.0   # Safran & Shamir draw |x| ~ U[0, 2]


def check_radius(value, name: str = "radius") -> float:
    """R as a float > 1: |x| ~ U[0, R] must reach past the unit sphere, or every label is 1."""
    radius = positive_number(value, name)
    if radius <= 1:
        raise DepthsepError(f"{name} must be a number > 1 (|x| ~ U[0, R] must reach past the unit sphere), got {value!r}")
    return radius


class BallTarget:
    """1{|x| ≤ 1} for x in R^n, inputs with uniform direction and |x| ~ U[0, R]."""

    def __init__(self, n: int, radius: float = PAPER_RADIUS):
        self.n = n
        self.radius = float(radius)
        self.name = f"ball:{n}" if self.radius == PAPER_RADIUS else f"ball:{n}:{shortest_number(self.radius)}"

    @property
    def inside_fraction(self) -> float:
        """P(|x| ≤ 1) under the input law: 1/R."""
        return 1.0 / self.radius

    def __call__(self, x: Tensor) -> Tensor:
        squared = x.double().square().sum(dim=-1)
        return (squared <= 1.0).to(x.dtype)

    def draw(self, generator: torch.Generator, count: int) -> Tensor:
        """``count`` points, direction uniform on the sphere and norm uniform on [0, R]; float32 (count, n),
        on the generator's device (training streams are drawn where they are used)."""
        where = dict(generator=generator, dtype=torch.float64, device=generator.device)
        g = torch.randn(count, self.n, **where)
        g = g / torch.linalg.vector_norm(g, dim=1, keepdim=True).clamp_min(1e-300)
        r = torch.rand(count, 1, **where) * self.radius
        return (g * r).float()

    def __repr__(self) -> str:
        return f"BallTarget({self.n}, {self.radius:g})"


@register_target("ball")
def _ball(arg: str) -> BallTarget:
    """``D`` or ``D:R`` (R > 1, so that both labels occur)."""
    parts = [part.strip() for part in arg.split(":")]
    if len(parts) not in (1, 2) or not parts[0]:
        raise DepthsepError(f"ball target must look like ball:D or ball:D:R (e.g. ball:100), got 'ball:{arg}'")
    n = positive_int(parts[0], f"the dimension D in 'ball:{arg}'")
    radius = check_radius(parts[1], f"R in 'ball:{arg}'") if len(parts) == 2 else PAPER_RADIUS
    return BallTarget(n, radius)
