"""Deep constructions: Prop 4.6's square chain for x^d, Thm 4.1(ii) for monomials, Thm 4.3(ii) for sums."""

from __future__ import annotations

from ..poly import Polynomial
from .plan import Node, Plan


def power_chain(plan: Plan, x: Node, r: int) -> Node:
    """x^r from square gates and products, following the binary expansion of r (Prop 4.6).

    ::

        layer:   1        2        3
        x ──► [x²] ──► [x⁴] ──► [x⁸] …          square gates: x^(2^j) at layer j
          └─────── × ──────× ──────×  …          product gates: multiply in x^(2^j) for each 1-bit

    A product gate joins the running product and x^(2^j) when bit j of r is 1; a running product
    that has to wait is carried by identity gates (Plan lays them out).
    """
    if r == 1:
        return x
    squares = [x]
    while 2 ** len(squares) <= r:
        squares.append(plan.monomial([squares[-1]], (2,)))
    acc = None
    for j, square in enumerate(squares):
        if r >> j & 1:
            acc = square if acc is None else plan.monomial([acc, square], (1, 1))
    return acc


def multiply_all(plan: Plan, factors: list[Node]) -> Node:
    """A product of values by 2-input product gates, always joining the two ready earliest
    (so that short chains wait as little as possible, i.e. need the fewest identity carries)."""
    factors = list(factors)
    while len(factors) > 1:
        factors.sort(key=lambda n: n.layer)
        a, b = factors.pop(0), factors.pop(0)
        factors.append(plan.monomial([a, b], (1, 1)))
    return factors[0]


def plan_deep(p: Polynomial, radius: float) -> tuple[Plan, dict, float]:
    """Thm 4.3(ii): each monomial's deep network (Thm 4.1(ii)) side by side, outputs summed."""
    plan = Plan(p.n, radius)
    outputs, constant = {}, 0.0
    for exponent, coefficient in p.terms.items():
        powers = [power_chain(plan, plan.inputs[i], r) for i, r in enumerate(exponent) if r]
        if not powers:
            constant += float(coefficient)
            continue
        node = multiply_all(plan, powers)
        outputs[node] = outputs.get(node, 0.0) + float(coefficient)
    return plan, outputs, constant
