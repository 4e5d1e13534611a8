"""The neurons of the networks `depthsep build` makes, counted by laying them out — one source of truth
for the upper bounds that `depthsep bounds` reports.

The theorems' own formulas (Thm 4.1(ii), Thm 4.3(ii)) count every gate separately. The layout shares
what it can: a square gate used by two monomials, a σ(0) neuron shared by a layer, identical weight
rows merged. So the deep network depthsep builds can be far smaller than the formula (x1^2*x2*x3^3 +
x1*x4: 41 by Thm 4.3(ii), 24 built). The number reported as an upper bound is the built one, in the
paper model, for a σ with the non-zero Taylor coefficients the theorems assume (exp: every
coefficient is 1/k!); the formula stands beside it.

m^uniform is a minimum over depths, so the best upper bound is the least of the candidates — one
hidden layer, the deep construction, and for a product x1⋯xn the Theorem 5.1 trees — with the
command that builds it.
"""

from __future__ import annotations

from ..activations import get_activation
from ..poly import Polynomial, parse_polynomial
from ..theory.bounds import bounds
from .build import layout

#: An activation that meets every hypothesis of the counts (all Taylor coefficients non-zero at 0).
GENERIC_ACTIVATION = "exp"
#: Any scale: t moves weights, never neurons.
NOMINAL_SCALE = 2.0**-8


def built_widths(p: Polynomial, layers, model: str = "paper", activation: str = GENERIC_ACTIVATION) -> list[int]:
    """The hidden widths of the network `depthsep build P --layers L --model M --activation A` makes."""
    laid = layout(p, layers, get_activation(activation), model, 1.0)
    return laid.network_at(NOMINAL_SCALE).hidden_widths


def _candidates(p: Polynomial) -> list[str]:
    """The --layers values that build p: 1 and deep always; product trees for x1⋯xn (n ≥ 3)."""
    out = ["1", "deep"]
    if p.is_monomial and p.n >= 3 and all(r == 1 for r in p.monomials[0]):
        k, most = 2, max(2, (p.n - 1).bit_length())      # past ⌈log2 n⌉ layers a tree only adds carries
        while k <= most:
            out.append(str(k))
            k += 1
    return out


def bounds_with_constructions(poly) -> dict:
    """`depthsep bounds`: the theory's counts, with the upper bounds as built.

    ``deep_upper`` is the built deep network; ``deep_formula`` the theorem's sum. ``best_upper`` is
    the least built count over the candidates, with its ``layers`` (hidden layers), the
    ``construction`` (the --layers value) and the ``command`` that builds it.
    """
    p = parse_polynomial(poly)
    result = bounds(p).as_dict()
    # One hidden layer: the theory's count (tests hold it equal to the built widths), since the
    # network itself can have 2^n neurons; every deeper candidate is laid out and counted.
    built = [{"construction": "1", "layers": 1, "neurons": result["shallow_upper"], "widths": [result["shallow_upper"]]}]
    if p.n == 0:            # a constant: the theory's one σ(0) neuron; build makes no network without inputs
        result.update({"deep_formula": result["deep_upper"], "constructions": built,
                       "best_upper": {**built[0], "command": None}})
        return result
    for layers in _candidates(p)[1:]:
        widths = built_widths(p, layers if layers == "deep" else int(layers))
        built.append({"construction": layers, "layers": len(widths), "neurons": sum(widths), "widths": widths})
    best = min(built, key=lambda c: (c["neurons"], c["layers"]))
    result.update({
        "deep_formula": result["deep_upper"],
        "deep_upper": built[1]["neurons"],
        "constructions": built,
        "best_upper": {**best, "command": f"depthsep build '{p}' --layers {best['construction']} --model paper --activation {GENERIC_ACTIVATION}"},
    })
    if result["coefficient_lower"] is None:
        result["coefficient_lower_why"] = "Thm 4.4 is stated for a monomial; this polynomial has several"
    if result["derivative_rank"] is None:
        result["derivative_rank_why"] = "; ".join(result["notes"]) or "not computed"
    return result


__all__ = ["GENERIC_ACTIVATION", "bounds_with_constructions", "built_widths"]
