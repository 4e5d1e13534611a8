"""One hidden layer: Theorem 4.1(i) per monomial side by side, or Prop 4.5 for one variable."""

from __future__ import annotations

from ..poly import Polynomial
from .plan import Plan


def plan_shallow(p: Polynomial, radius: float) -> tuple[Plan, dict, float]:
    """The graph of the one-hidden-layer construction and its output combination.

    A univariate polynomial that is not a monomial gets one Vandermonde block (d+1 neurons, Prop
    4.5). Otherwise every monomial c·x^β gets a monomial gate over the variables it uses, all with
    the same scale δ = t / (R·deg p): a weight vector two monomials share is then the same neuron row
    and the compiler merges it — the ∪_j W(β_j) that `depthsep bounds` counts as `shallow_upper`.
    """
    plan = Plan(p.n, radius)
    outputs, constant = {}, 0.0
    if p.n == 1 and not p.is_monomial:
        coefficients = [float(p.terms.get((k,), 0)) for k in range(p.degree + 1)]
        outputs[plan.vandermonde(plan.inputs[0], coefficients, divisor=radius)] = 1.0
        return plan, outputs, constant
    divisor = radius * max(p.degree, 1)
    for exponent, coefficient in p.terms.items():
        used = [i for i, r in enumerate(exponent) if r]
        if not used:
            constant += float(coefficient)
            continue
        node = plan.monomial([plan.inputs[i] for i in used], [exponent[i] for i in used], divisors=(divisor,) * len(used))
        outputs[node] = float(coefficient)
    return plan, outputs, constant
