"""Theorem 5.1's product tree: x1…xN multiplied in K hidden layers along a schedule m_1 > … > m_K = 1."""

from __future__ import annotations

from ..theory.tree import group_sizes
from .plan import Plan


def plan_product_tree(n: int, schedule: list[int], radius: float) -> tuple[Plan, dict, float]:
    """Layer i splits the m_{i−1} values into m_i groups as evenly as possible (Thm 5.1):

    ::

        x1 x2 x3 x4 x5 x6 x7        n = 7, schedule [3, 1]
        └──┬──┘ └─┬─┘ └─┬─┘         layer 1: product gates of 3, 2, 2 inputs: 8 + 4 + 4 neurons
           └──────┼─────┘           layer 2: one product gate of 3 values: 8 neurons
                  y

    A group of s ≥ 2 values is a product gate (2^s neurons), a group of one an identity gate (1).
    Gates are pinned to their layer so the widths are exactly those of `depthsep tree`.
    """
    plan = Plan(n, radius)
    values = list(plan.inputs)
    for layer, m in enumerate(schedule, start=1):
        grouped, start = [], 0
        for size in group_sizes(len(values), m):
            group = values[start:start + size]
            start += size
            grouped.append(group[0] if size == 1 else plan.monomial(group, (1,) * size, layer=layer))
        values = grouped
    return plan, {values[0]: 1.0}, 0.0
