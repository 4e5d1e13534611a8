"""ReLU has no Taylor series, so Theorem 3.4 fails for it: its networks must grow as ε shrinks.

Two constructions, both verified like the smooth ones:

* ``--layers 1``, one variable: the piecewise-linear interpolant of p at k equally spaced knots,
  one neuron relu(x − t_j) per knot. Its error is at most h² max|p''| / 8 with h = 2R/k, so the
  width grows like ε^(−1/2).
* ``--layers deep``, any polynomial: Yarotsky's (2017) squaring by sawtooth — y² = y − Σ_{s≤m}
  g_s(y)/4^s on [0, 1], g_s the s-fold hat function, error 2^(−2m−2) — and products from squares,
  uv = ((u+v)² − (u−v)²)/4, multiplied up a balanced binary tree per monomial. The depth grows like
  log(1/ε) and so does the width: m sawtooth layers per level of the tree.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import DepthsepError
from ..network import Network
from ..poly import Polynomial
from ..verification import sup_error
from .circuit import Circuit, Gate

MAX_SAWTOOTH = 30
MAX_KNOTS = 1 << 20


def _gate(kind, inputs, rows, biases, readout, constant=0.0, bound=1.0) -> Gate:
    return Gate(kind, tuple(inputs), np.array(rows, dtype=np.float64).reshape(len(rows), len(inputs)),
                np.array(biases, dtype=np.float64), np.array(readout, dtype=np.float64), float(constant), bound)


# -- one hidden layer, one variable -------------------------------------------------------------
def shallow_interpolant(p: Polynomial, radius: float, knots: int) -> Circuit:
    """p(−R) + Σ_j (s_j − s_{j−1}) relu(x − t_j): the broken line through p at k+1 points.

    ::

        x ──► relu(x + R), relu(x − t_1), …, relu(x − t_{k−1})  ──► slopes' jumps  ──► ≈ p(x)
    """
    t = np.linspace(-radius, radius, knots + 1)
    values = p.evaluate(t[:, None])
    slopes = np.diff(values) / np.diff(t)
    jumps = np.concatenate([[slopes[0]], np.diff(slopes)])
    gate = _gate("interpolant", [0], [[1.0]] * knots, -t[:-1], jumps, constant=values[0])
    circuit = Circuit(1, "relu", sigma0=0.0)
    circuit.add_layer([gate])
    circuit.output = {0: 1.0}
    return circuit


def second_derivative_bound(p: Polynomial, radius: float) -> float:
    """A rigorous bound on |p''| over [−R, R]: Σ_k |p_k| k(k−1) R^(k−2)."""
    return sum(abs(float(c)) * k * (k - 1) * radius ** (k - 2) for (k,), c in p.terms.items() if k >= 2)


# -- deep: Yarotsky's squares, products from squares ---------------------------------------------
def _carry(index: int, bound: float) -> Gate:
    """relu(u + B) − B = u for u ≥ −B: one neuron carries a value up one layer."""
    return _gate("identity", [index], [[1.0]], [bound], [1.0], -bound, bound)


def _product_layer(step: int, m: int, inputs: tuple, bound: float) -> list[Gate]:
    """Layer ``step`` (0…m) of the ReLU product block uv = ((u+v)² − (u−v)²)/4, |u|, |v| ≤ B.

    ::

        step 0:  relu(±(u+v)), relu(±(u−v))         y± = |u ± v| / 2B ∈ [0, 1]
        step 1:  relu(y), relu(y − ½)               g_1 = 2relu(y) − 4relu(y − ½),  f_1 = y − g_1/4
        step s:  relu(g), relu(g − ½), relu(f)      g_s = hat(g_{s−1}),  f_s = f_{s−1} − g_s/4^s
        value:   (2B)² (f_m(y+) − f_m(y−)) / 4 = uv ± B² 2^(−2m−1)

    Every step returns the gates of its values — (y+, y−), or (g+, f+, g−, f−) — except the last,
    which returns the one product value. Neurons the g and f readouts share are merged at compile.
    """
    square = (2 * bound) ** 2 / 4  # (2B)²/4: f approximates (s/2B)², and uv is a quarter of s+² − s−²
    if step == 0:
        u, v = inputs
        rows = [[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]
        if m == 0:  # f_0(y) = y: the chord of y² on [0, 1]
            return [_gate("product", [u, v], rows, [0] * 4, np.array([1, 1, -1, -1]) * square / (2 * bound))]
        return [_gate("abs", [u, v], rows[:2], [0, 0], [1 / (2 * bound)] * 2),
                _gate("abs", [u, v], rows[2:], [0, 0], [1 / (2 * bound)] * 2)]
    hat_rows, hat_bias = [[1.0], [1.0]], [0.0, -0.5]
    if step == 1:
        y_plus, y_minus = inputs
        if m == 1:
            rows = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
            return [_gate("product", [y_plus, y_minus], rows, hat_bias * 2, np.array([0.5, 1, -0.5, -1]) * square)]
        gates = []
        for y in (y_plus, y_minus):
            gates += [_gate("hat", [y], hat_rows, hat_bias, [2.0, -4.0]), _gate("f", [y], hat_rows, hat_bias, [0.5, 1.0])]
        return gates
    g_plus, f_plus, g_minus, f_minus = inputs
    hat, keep = [-2.0 / 4**step, 4.0 / 4**step], 1.0  # f_s = relu(f) − (2relu(g) − 4relu(g − ½))/4^s
    if step == m:
        rows = [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        readout = np.array(hat + [keep] + [-h for h in hat] + [-keep]) * square
        return [_gate("product", [g_plus, f_plus, g_minus, f_minus], rows, [0, -0.5, 0, 0, -0.5, 0], readout)]
    gates = []
    for g, f in ((g_plus, f_plus), (g_minus, f_minus)):
        gates += [_gate("hat", [g], hat_rows, hat_bias, [2.0, -4.0]),
                  _gate("f", [g, f], [[1, 0], [1, 0], [0, 1]], [0.0, -0.5, 0.0], hat + [keep])]
    return gates


def deep_relu(p: Polynomial, radius: float, m: int) -> Circuit:
    """Each monomial multiplied up a balanced binary tree of ReLU product blocks (m+1 layers a level).

    All monomials advance one tree level at a time: factors are paired and multiplied, an odd one
    out is carried by identity neurons, and the level's values become the next level's factors.
    """
    circuit = Circuit(p.n, "relu", sigma0=0.0)
    monomials, constant = [], 0.0
    for exponent, coefficient in p.terms.items():
        factors = [(i, radius) for i, r in enumerate(exponent) for _ in range(r)]
        if factors:
            monomials.append([float(coefficient), factors])
        else:
            constant += float(coefficient)
    margin = 1 + 2.0 ** (-2 * m)  # a product is off by at most B² 2^(−2m−1): pad its bound by more
    while not circuit.layers or any(len(f) > 1 for _, f in monomials):
        # jobs: ("pair", u, v, B) or ("carry", u, B); state: the value indices each job reads next.
        jobs = []
        for _, factors in monomials:
            for j in range(0, len(factors) - 1, 2):
                (u, bu), (v, bv) = factors[j], factors[j + 1]
                jobs.append(("pair", (u, v), max(bu, bv)))
            if len(factors) % 2:
                jobs.append(("carry", (factors[-1][0],), factors[-1][1]))
        steps = m + 1 if any(kind == "pair" for kind, _, _ in jobs) else 1
        state = [inputs for _, inputs, _ in jobs]
        for step in range(steps):
            gates, spans = [], []
            for (kind, _, bound), inputs in zip(jobs, state):
                made = _product_layer(step, m, inputs, bound) if kind == "pair" else [_carry(inputs[0], bound)]
                spans.append((len(gates), len(made)))
                gates += made
            indices = circuit.add_layer(gates)
            state = [tuple(indices[a:a + n]) for a, n in spans]
        # Hand each monomial its new factors, in the order its jobs were made.
        results = iter(zip(state, jobs))
        for monomial in monomials:
            count = len(monomial[1]) // 2 + len(monomial[1]) % 2
            new = []
            for _ in range(count):
                (index,), (kind, _, bound) = next(results)
                new.append((index, bound * bound * margin if kind == "pair" else bound))
            monomial[1] = new
    circuit.output = {}
    for coefficient, ((index, _),) in monomials:
        circuit.output[index] = circuit.output.get(index, 0.0) + coefficient
    circuit.output_constant = constant
    return circuit


# -- the build -----------------------------------------------------------------------------------
DEFAULT_EPSILON = 1e-3  # a ReLU network has no best scale to fall back on: its size needs a target


def build_relu(p: Polynomial, layers, radius: float, epsilon: float | None, *, dtype: str = "float64",
               seed: int = 0) -> tuple[Network, dict]:
    """The smallest ReLU construction of the requested kind that reaches ε (default 1e-3) in ``dtype``.

    Returns the network and its report: what the construction has — ``knots`` of the interpolant,
    or ``sawtooth_depth``, Yarotsky's m — and, as for every build, ``sup_error`` measured by
    :func:`~depthsep.verification.sup_error` in ``dtype``. A ReLU network has no scale t: ``scale`` is None.
    """
    target = DEFAULT_EPSILON if epsilon is None else epsilon
    if layers == 1:
        if p.n != 1:
            raise DepthsepError("a one-hidden-layer ReLU network is built for one variable only; use --layers deep for several")
        bound = second_derivative_bound(p, radius)
        # h²·max|p''|/8 ≤ ε/2 (half of ε for the bound, half for round-off): the first size tried.
        size = max(1, math.ceil(2 * radius * math.sqrt(bound / (8 * target * 0.5)))) if bound else 1
        if size > MAX_KNOTS:
            raise DepthsepError(f"ReLU interpolation would need {size} neurons for epsilon = {target:g}; larger than {MAX_KNOTS}")
        make, limit, grow, construction, what = (lambda k: shallow_interpolant(p, radius, k)), MAX_KNOTS, (lambda k: 2 * k), "relu interpolant", "knots"
    elif layers == "deep":
        make, size, limit, grow, construction, what = (lambda m: deep_relu(p, radius, m)), 1, MAX_SAWTOOTH, (lambda m: m + 1), "relu sawtooth squares (Yarotsky)", "sawtooth_depth"
    else:
        raise DepthsepError("--activation relu builds --layers 1 (one variable) or --layers deep")
    while True:
        network = make(size).compile("bias", precision=dtype)
        sup = sup_error(network, p, radius, seed=seed, dtype=dtype)
        if sup["sup_error"] < target:
            break
        size = grow(size)
        if size > limit:
            raise DepthsepError(f"the ReLU construction did not reach epsilon = {target:g} in {dtype} within its size limit ({what} <= {limit})")
    network.meta.update({"target": str(p), "construction": construction, "model": "bias", "epsilon": target,
                         "radius": radius, "sup_error": sup["sup_error"], what: size})
    report = {
        "target": str(p), "construction": construction, "theorem": "no Taylor series: Thm 3.4 fails, size grows with 1/epsilon",
        "activation": "relu", "model": "bias", "expansion_point": "-", "hidden_widths": network.hidden_widths,
        "layers": len(network.hidden_widths), "neurons": network.neurons, "promised": None,
        "sup_error": sup["sup_error"], "epsilon": target, "radius": radius, "precision": dtype, "scale": None, what: size,
    }
    return network, report
