"""Which of the paper's hypotheses on σ's Taylor coefficients hold, exactly.

Every theorem of Rolnick & Tegmark (ICLR 2018) about smooth activations is a hypothesis on Taylor
coefficients σ_k = σ^(k)(a)/k!: Thm 3.4, Thm 4.2 and Prop 4.5 need σ_0, …, σ_d ≠ 0; Thm 4.1, Thm 4.3
and Prop 4.6 need σ_0, …, σ_2d ≠ 0; Thm 4.4 needs only σ_d ≠ 0; Thm 5.1 (product of n inputs) needs
σ_0, …, σ_n ≠ 0; the square gate needs σ_2 ≠ 0 and the product gate of m inputs σ_m ≠ 0. The paper
expands about 0 (its networks have no biases); with biases the expansion point a may be shifted,
which is why everything here takes a ``point``.
"""

from __future__ import annotations

from ..errors import DepthsepError
from .exact import MAX_DEGREE, Coefficient, NotAnalyticError, as_point, check_degree, is_zero
from .registry import get_activation

def nonzero_up_to(coefficients) -> int:
    """Largest D with coefficients[0..D] all non-zero; −1 if the first one is zero.

    Accepts :class:`Coefficient` objects (decisions already made) or numbers / sympy constants
    (tested with :func:`zero_test`; lists from :meth:`Activation.taylor` mark zeros as ``0``).
    """
    for k, c in enumerate(coefficients):
        if (c.is_zero if isinstance(c, Coefficient) else is_zero(c)):
            return k - 1
    return len(coefficients) - 1


def _entry(theorem: str, condition: str, coefficients: list[Coefficient], needed: list[int], top: int) -> dict:
    zeros = [k for k in range(top + 1) if coefficients[k].is_zero]
    return {
        "theorem": theorem,
        "condition": condition,
        "holds": all(not coefficients[k].is_zero for k in needed),
        "first_zero": zeros[0] if zeros else None,
        "zeros": zeros,
        "needed": needed,
        "exact": all(c.proven for c in coefficients[: top + 1]),
    }


def _up_to(theorem: str, coefficients: list[Coefficient], top: int, label: str) -> dict:
    condition = f"nonzero Taylor coefficients up to degree {label} = {top} (σ_k ≠ 0 for k = 0..{top})"
    return _entry(theorem, condition, coefficients, list(range(top + 1)), top)


def _single(theorem: str, coefficients: list[Coefficient], k: int, condition: str) -> dict:
    return _entry(theorem, condition, coefficients, [k], k)


def hypotheses(activation, degree: int, point=0, n_vars: int | None = None) -> list[dict]:
    """Which hypotheses on σ's Taylor coefficients at ``point`` hold for a polynomial of degree d.

    Each entry: ``theorem``, ``condition``, ``holds`` (every coefficient the hypothesis names is
    non-zero), ``first_zero`` (the first k ≤ the highest index the entry looks at with σ_k = 0 —
    reported honestly even when the hypothesis only needs σ_d), ``zeros`` (all such k), ``needed``
    (the indices the hypothesis requires non-zero) and ``exact`` (False if a zero test was
    numerical). Where σ has no Taylor series at ``point`` (relu at 0) nothing holds and ``note``
    says why.
    """
    activation = get_activation(activation)
    d = check_degree(degree)
    a = as_point(point)
    if n_vars is not None:
        n_vars = check_degree(n_vars, "n_vars")
        if n_vars < 1:
            raise DepthsepError("n_vars must be >= 1")
    top = max(2 * d, 2, n_vars or 0)
    if top > MAX_DEGREE:
        raise DepthsepError(f"degree {d} needs Taylor coefficients up to {top}, above the limit {MAX_DEGREE}")
    try:
        coefficients = activation.coefficients(top, a)
    except NotAnalyticError as err:
        return _no_series_entries(n_vars, str(err))
    entries = [
        _up_to("Thm 3.4 / Thm 4.2 / Prop 4.5", coefficients, d, "d"),
        _up_to("Thm 4.1 / Thm 4.3 / Prop 4.6", coefficients, 2 * d, "2d"),
        _single("Thm 4.4", coefficients, d, f"nonzero d-th Taylor coefficient (σ_{d} ≠ 0)"),
        _single("square gate", coefficients, 2, "σ''(a) ≠ 0 (σ_2 ≠ 0): u² from σ(a+u) + σ(a−u) − 2σ(a)"),
        _single("product gate", coefficients, d, f"σ_{d} ≠ 0: product of {d} inputs (Lin et al. 2017)"),
    ]
    if n_vars is not None:
        entries.append(_up_to("Thm 5.1", coefficients, n_vars, "n"))
    return entries


def _no_series_entries(n_vars: int | None, note: str) -> list[dict]:
    names = ["Thm 3.4 / Thm 4.2 / Prop 4.5", "Thm 4.1 / Thm 4.3 / Prop 4.6", "Thm 4.4", "square gate", "product gate"]
    if n_vars is not None:
        names.append("Thm 5.1")
    return [{"theorem": name, "condition": "σ has a Taylor series at the expansion point", "holds": False,
             "first_zero": None, "zeros": [], "needed": [], "exact": True, "note": note} for name in names]
