"""Functions to learn: ``product:N`` and ``poly:EXPR`` behind one small interface, plus a registry.

A target is anything with a canonical ``name`` (it seeds the test set and the data streams, so two
spellings of one polynomial must give one name), an input dimension ``n`` and a ``__call__``
mapping a tensor of points (…, n) to values (…). Values are computed in float64 whatever the input
dtype and returned in the input dtype: the float32 training labels are then correctly rounded,
and the float64 test labels are exact enough to score any float32 network.

The families ``ball:D`` (:mod:`.ball_target`) and ``radial:PHI:D`` (:mod:`.radial_target`) register
themselves in :mod:`.target_family` when imported; importing them here makes every family known to
:func:`make_target`.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from math import prod
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from ..errors import DepthsepError
from . import ball_target, radial_target  # noqa: F401  (they register ball:D and radial:PHI:D)
from .target_family import _PARSERS, Target, register_target, shortest_number

if TYPE_CHECKING:
    # depthsep.poly imports sympy (~0.3 s): loaded only when a polynomial is actually needed, so
    # training product:N (every training worker, the benchmark) starts without it.
    from ..poly import Polynomial


class ProductTarget:
    """x1·x2·…·xN — the function of Figure 2 and Theorem 5.1."""

    def __init__(self, n: int):
        self.n = n
        self.name = f"product:{n}"

    @cached_property
    def polynomial(self) -> Polynomial:
        from ..poly import Polynomial

        return Polynomial.product(self.n)

    def __call__(self, x: Tensor) -> Tensor:
        return x.double().prod(dim=-1).to(x.dtype)

    def __repr__(self) -> str:
        return f"ProductTarget({self.n})"


class PolynomialTarget:
    """Any polynomial :func:`parse_polynomial` accepts; inputs are its variables in natural order."""

    def __init__(self, polynomial: Polynomial):
        if polynomial.n == 0:
            raise DepthsepError(f"poly target '{polynomial}' has no variables")
        self.polynomial = polynomial
        self.n = polynomial.n
        self.name = f"poly:{polynomial}"
        # Each term as (coefficient, [(variable index, power), …]); only the variables it uses.
        self._terms = [
            (float(c), [(i, r) for i, r in enumerate(e) if r]) for e, c in polynomial.terms.items()
        ]

    def __call__(self, x: Tensor) -> Tensor:
        xd = x.double()
        out = torch.zeros(xd.shape[:-1], dtype=torch.float64, device=x.device)
        for coefficient, factors in self._terms:
            term = prod((xd[..., i] if r == 1 else xd[..., i] ** r for i, r in factors),
                        start=torch.full_like(out, coefficient))
            out += term
        return out.to(x.dtype)

    def __repr__(self) -> str:
        return f"PolynomialTarget({str(self.polynomial)!r})"


@register_target("product")
def _product(arg: str) -> Target:
    try:
        n = int(arg)
    except ValueError:
        raise DepthsepError(f"product target needs an integer N, got 'product:{arg}'") from None
    if n < 1:
        raise DepthsepError(f"product target needs N >= 1, got {n}")
    return ProductTarget(n)


@register_target("poly")
def _poly(arg: str) -> Target:
    from ..poly import parse_polynomial

    return PolynomialTarget(parse_polynomial(arg))


@lru_cache(maxsize=256)  # parsing a polynomial goes through sympy; specs repeat their target
def make_target(text: str) -> Target:
    """``product:20`` or ``poly:x1*x2 + x3^2`` (or a registered ``prefix:arg``) → :class:`Target`."""
    if not isinstance(text, str) or ":" not in text:
        raise DepthsepError(
            f"target must look like PREFIX:ARG ({', '.join(p + ':…' for p in sorted(_PARSERS))}), got {text!r}"
        )
    prefix, arg = text.split(":", 1)
    parser = _PARSERS.get(prefix.strip())
    if parser is None:
        raise DepthsepError(f"unknown target family '{prefix}' (choose from {', '.join(sorted(_PARSERS))})")
    return parser(arg.strip())



__all__ = ["PolynomialTarget", "ProductTarget", "Target", "make_target", "register_target", "shortest_number"]
