"""The three gates of the paper — product (and square), identity, and the univariate Vandermonde
block of Prop 4.5 — each a few neurons around the expansion point a of σ.

Every gate is built from σ's Taylor coefficients σ_k = σ^(k)(a)/k! at a, and a scale δ: its neurons
see a + δ·(small combination of the inputs), where σ is close to its Taylor polynomial, and the
readout divides the wanted term back out. Smaller δ, smaller truncation error — and larger
cancellation in floating point; :mod:`depthsep.construct.build` chooses δ (its scale search).

In the paper model a = 0 and the gate's constant is carried by a σ(0) neuron at compile time
(:mod:`depthsep.construct.circuit`); in the bias model a is wherever σ's needed coefficients are
non-zero and constants are biases.
"""

from __future__ import annotations

import itertools
from math import comb, factorial, prod

import numpy as np

from ..errors import DepthsepError
from .circuit import Gate


def _require(taylor: list[float], k: int, why: str, point: float) -> float:
    if k >= len(taylor) or taylor[k] == 0:
        raise DepthsepError(f"{why} needs a nonzero Taylor coefficient sigma_{k} of the activation at {point:g}, and it is 0")
    return taylor[k]


def monomial_gate(inputs, powers, taylor, point: float, deltas, bounds) -> Gate:
    """u_1^{r_1} ⋯ u_m^{r_m}: Lin et al.'s product gate, repeated inputs merged (Thm 4.1(i)).

    ::

        u_1 ─┬─► σ(a + w_1 δ_1 u_1 + … + w_m δ_m u_m)  ─┐   one neuron per w,
         ⋮   ├─► …                                       ├─► Σ_w c_w σ(·) / (2^d d! σ_d ∏ δ_i^{r_i})
        u_m ─┴─► σ(a + …)                               ─┘   = ∏ u_i^{r_i} + O(δ²)

    w_i ∈ {r_i, r_i−2, …, −r_i} (w_i = r_i − 2j_i: j_i of the r_i copies of u_i carry a minus sign),
    c_w = ∏_i (−1)^{j_i} C(r_i, j_i): ∏(r_i+1) neurons, d = Σ r_i. Σ_w c_w (w·u)^k vanishes for
    k < d and for k = d+1, and is 2^d d! ∏ u_i^{r_i} at k = d. The square gate is the case m = 1,
    r = 2 (neurons σ(a ± 2δu) and σ(a)); the paper's 4-neuron product gate is r = (1, 1). The
    neuron w = 0 outputs the constant σ(a): it becomes the gate's constant (a σ(0) neuron again
    in the paper model, so the count there is the theorem's ∏(r_i+1)). Each input has its own scale
    δ_i, so that a small input next to a large one keeps its relative precision.
    """
    d = sum(powers)
    sigma_d = _require(taylor, d, f"a product gate of degree {d}", point)
    deltas = np.asarray(deltas, dtype=np.float64)
    scale = 1.0 / (2**d * factorial(d) * sigma_d * float(prod(dl**r for dl, r in zip(deltas, powers))))
    rows, readout, constant = [], [], 0.0
    for signs in itertools.product(*[range(r + 1) for r in powers]):
        w = np.array([r - 2 * j for r, j in zip(powers, signs)], dtype=np.float64)
        c = prod((-1) ** j * comb(r, j) for r, j in zip(powers, signs)) * scale
        if not w.any():
            constant += c * taylor[0]
            continue
        rows.append(deltas * w)
        readout.append(c)
    weights = np.array(rows).reshape(len(rows), len(powers))
    return Gate(
        kind="product" if d > 1 and len(powers) > 1 else ("square" if d == 2 else f"power{d}"),
        inputs=tuple(inputs), weights=weights, biases=np.full(len(rows), float(point)),
        readout=np.array(readout), constant=constant,
        bound=float(prod(b**r for b, r in zip(bounds, powers))),
    )


def identity_gate(input_index: int, taylor, point: float, delta: float, bound: float) -> Gate:
    """u carried one layer up (the paper's identity gate; a skip connection in disguise).

    ::

        u ──► σ(a + δu) ──► (σ(a + δu) − σ(a)) / (σ_1 δ) = u + (σ_2/σ_1) δ u² + …

    One neuron; the constant −σ(a)/(σ_1 δ) is a bias, or a shared σ(0) neuron in the paper model.
    """
    sigma_1 = _require(taylor, 1, "an identity gate", point)
    return Gate(
        kind="identity", inputs=(input_index,), weights=np.array([[delta]]), biases=np.array([float(point)]),
        readout=np.array([1.0 / (sigma_1 * delta)]), constant=-taylor[0] / (sigma_1 * delta), bound=bound,
    )


def vandermonde_gate(input_index: int, coefficients, taylor, point: float, delta: float, bound: float) -> Gate:
    """Any univariate polynomial Σ_k p_k u^k of degree d from d+1 neurons with fixed weights (Prop 4.5).

    ::

        u ──► σ(a + δ t_j u),  j = 0…d  ──► Σ_j v_j σ(·) = Σ_k p_k u^k + O(δ)

    The nodes t_j are distinct (0, ±1, ±2, … scaled into [−1, 1]); the readout v solves the
    Vandermonde system Σ_j v_j σ_k (δ t_j)^k = p_k, k = 0…d, which needs σ_k ≠ 0 for every k ≤ d.
    The node t = 0 is the constant neuron σ(a): a bias in the bias model, σ(0) in the paper model.
    """
    d = len(coefficients) - 1
    for k in range(d + 1):
        _require(taylor, k, f"a degree-{d} univariate polynomial (Prop 4.5)", point)
    others = [s * i for i in range(1, d // 2 + 1) for s in (1, -1)] + ([d // 2 + 1] if d % 2 else [])
    nodes = np.array([0.0] + others[:d], dtype=np.float64) / max(1, max(abs(t) for t in others[:d]) if d else 1)
    # Column j of A holds σ_k t_j^k; the right-hand side carries the δ^k.
    system = np.array([[taylor[k] * t**k for t in nodes] for k in range(d + 1)])
    rhs = np.array([float(coefficients[k]) / delta**k for k in range(d + 1)])
    readout = np.linalg.solve(system, rhs)
    return Gate(
        kind="vandermonde", inputs=(input_index,), weights=(delta * nodes[1:])[:, None],
        biases=np.full(d, float(point)), readout=readout[1:], constant=readout[0] * taylor[0],
        bound=float(sum(abs(float(c)) * bound**k for k, c in enumerate(coefficients))),
    )
