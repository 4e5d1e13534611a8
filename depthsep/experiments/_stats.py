"""Summaries the experiments share when they read a store: one seed's run is one value, a
diverged run is None (the store keeps no number for it).

    >>> summarise([0.5, None, 0.25])
    {'mean': 0.375, 'min': 0.25, 'max': 0.5, 'diverged': 1}
"""

from __future__ import annotations

import math


def summarise(values) -> dict:
    """Mean, min and max of the finite values, and how many were not finite (diverged);
    mean/min/max are None where no value is finite."""
    values = list(values)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return {"mean": None, "min": None, "max": None, "diverged": len(values)}
    return {"mean": sum(finite) / len(finite), "min": min(finite), "max": max(finite),
            "diverged": len(values) - len(finite)}


__all__ = ["summarise"]
