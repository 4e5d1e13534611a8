"""The product at a fixed accuracy: κ·∏ x_i^{r_i} = κ·exp(Σ r_i log x_i), one hidden layer per step.

Theorems 4.1 and 5.1 count networks that reach *every* ε with the same neurons (m^uniform); only
Taylor-type gates do that. At one fixed accuracy the monomial has another construction, whose size
grows polynomially in n and in log(1/ε) — and without bound as ε → 0.

Positive box [a, b]^n (a ≥ 0), two hidden layers::

    x_i ──► [ log piece_i ]  ≈ r_i·log(x_i + c)      (one piece of w_i neurons per coordinate)
                 │ Σ_i = ŝ
                 ▼
            [ exp piece ]    ≈ e^ŝ                   (w_e neurons)  ──► κ·Σ = N(x)

Box with negative coordinates, three hidden layers: the magnitude as above with
r_i·log sqrt(x_i² + c²), and the sign as the parity of the negative odd-power coordinates::

    layer 1   log pieces;  θ_i ≈ 1{x_i < 0} for each odd r_i (a step of width β)
    layer 2   b ≈ parity(T), T = Σ θ_i (alternating steps at T = ½, 3/2, …);  ŝ carried
    layer 3   E(ŝ − M·b) and E(ŝ − M·(1 − b)), two copies of the exp piece
    output    κ·(E(ŝ − M b) − E(ŝ − M (1 − b)))   = ±κ·e^ŝ: exp(−M) switches the wrong sign off

Where a coordinate lies within β of 0 its sign step is unsure, but there the product is within a
factor (β² + c²)^{r_i/2} of 0, and the bound below charges that band in full.

**The error bound** (sup, mean absolute or root-mean-square under x ~ U[a, b]^n). With
m_c(x) = (x + c)^r, or (x² + c²)^{r/2} on signed boxes, M_c = ∏ m_c(x_i) ≥ |p|, and err_i the error
of piece i, |N − p| ≤ |M_c − |p|| (shift) + M_c·(e^{Σ|err_i|} − 1) (log pieces) + the exp piece's
ρ·e^ŝ + τ + the band term. Every term factorises over coordinates, so its mean (or mean square, or
max) is a product of one-dimensional integrals, computed by quadrature of the fitted pieces' actual
errors: the bound is evaluated, not assumed.

**The rule that sizes it** (ε in the chosen metric): c makes the shift (and band) term ε/4; the log
pieces' tolerance η·shape(x) makes the log term ε/4 (shape 1 for sup; for the mean metrics, loose
where m_c is small — the error there is multiplied by little); ρ makes the exp piece's relative
part ε/4 and τ its floor ε/8. If the evaluated bound still exceeds ε, every share is halved and the
pieces refitted. Each piece is the narrowest found by :mod:`depthsep.construct.univariate`.

Deeper than that: extra hidden layers carry the inputs (``relu(x − a) + a`` exactly; a smooth σ by an
odd pair, or one neuron where σ''(0) = 0), so a network of any depth ≥ the native one is built, and
its widths are what :func:`plan` states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..activations import get_activation
from ..checks import choice, positive_int, positive_number
from ..errors import DepthsepError
from ..network import ACTIVATIONS, Network
from ..poly import Polynomial, parse_polynomial
from . import METRICS
from .univariate import Curve, Piece, fit

SHARES = dict(shift=0.25, log=0.25, relative=0.25, floor=0.125)   # of ε; the last 1/8 is margin
RETRIES = 5            # halvings of every share before the rule gives up
STEP_LEAK = 1e-13      # a sign or parity step is this close to 0 or 1 outside its transition band
CARRY_ERROR = 1e-8     # an input carried through an extra smooth layer moves by at most this much
_QUADRATURE = np.polynomial.legendre.leggauss(12)


# -- the box and the one-dimensional integrals ---------------------------------------------------
@dataclass(frozen=True)
class Box:
    """[lo, hi] per coordinate; ``signed`` when it holds negative numbers."""

    lo: float
    hi: float

    @property
    def signed(self) -> bool:
        return self.lo < 0

    @property
    def reach(self) -> float:
        """max |x| on the box."""
        return max(abs(self.lo), abs(self.hi))

    def grid(self) -> np.ndarray:
        """Nodes for max and quadrature: dense near 0 (where log pieces bend) and at the ends."""
        edges = [np.linspace(self.lo, self.hi, 129)]
        for sign in (1.0, -1.0):
            tiny = sign * np.geomspace(1e-12, self.reach, 240)
            edges.append(tiny[(tiny > self.lo) & (tiny < self.hi)])
        return np.unique(np.concatenate(edges + [[0.0] if self.lo < 0 < self.hi else []]))

    def mean(self, values_of) -> float:
        """E g(x) for x ~ U[lo, hi], composite Gauss–Legendre on :meth:`grid`'s panels."""
        edges = self.grid()
        nodes, weights = _QUADRATURE
        mid, half = (edges[1:] + edges[:-1]) / 2, np.diff(edges) / 2
        x = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
        w = (half[:, None] * weights[None, :]).ravel()
        return float(np.sum(values_of(x) * w) / (self.hi - self.lo))

    def max(self, values_of) -> float:
        edges = self.grid()
        x = np.unique(np.concatenate([edges, (edges[1:] + edges[:-1]) / 2]))
        return float(np.max(values_of(x)))


def parse_box(domain) -> Box:
    from ..train.spec import parse_domain

    lo, hi = parse_domain(domain)
    return Box(lo, hi)


# -- what is built --------------------------------------------------------------------------------
@dataclass
class Plan:
    """The construction for one monomial, box, metric and ε: its pieces, gadgets and the widths
    they make (the count :func:`plan` states and :func:`assemble` builds)."""

    coefficient: float
    powers: tuple[int, ...]
    box: Box
    metric: str
    epsilon: float | None                       # None for a plan of given widths
    activation: str
    layers: int
    c: float
    beta: float
    pieces: dict[int, Piece]                    # one log piece per distinct power
    exp_piece: Piece
    shift: float                                # M in the sign switch (signed boxes)
    terms: dict[str, float] = field(default_factory=dict)
    rule: str = "epsilon"                       # "epsilon": sized by the ε rule; "widths": given widths

    @property
    def used(self) -> list[int]:
        return [i for i, r in enumerate(self.powers) if r > 0]

    @property
    def odd(self) -> list[int]:
        return [i for i in self.used if self.powers[i] % 2 == 1] if self.box.signed else []

    @property
    def native_layers(self) -> int:
        return 3 if self.odd else 2

    @property
    def widths(self) -> list[int]:
        act = self.activation
        carry = [len(self.used) * _carry_width(act, positive=True)] * (self.layers - self.native_layers)
        logs = sum(self.pieces[self.powers[i]].width for i in self.used)
        if not self.odd:
            return carry + [logs, self.exp_piece.width]
        steps = len(self.odd) * _step_width(act)
        return carry + [logs + steps, steps + _carry_width(act, positive=True), 2 * self.exp_piece.width]

    @property
    def neurons(self) -> int:
        return sum(self.widths)

    @property
    def bound(self) -> float:
        """The evaluated error bound of the ε rule; NaN for a plan of given widths (no bound is
        claimed for it: its measured error decides)."""
        if self.rule == "widths":
            return math.nan
        return sum(self.terms.values())


def monomial(p: Polynomial) -> tuple[float, tuple[int, ...]]:
    if p.n == 0:
        raise DepthsepError(f"{p} is a constant: it has no inputs, and a network for it would have none either")
    if not p.is_monomial:
        raise DepthsepError(f"--construction log-exp builds a monomial c*x1^r1*...*xn^rn, and {p} has {len(p.terms)} terms")
    powers = p.monomials[0]
    return float(p.terms[powers]), tuple(int(r) for r in powers)


def plan(poly, domain="0:2", metric: str = "mae", epsilon=0.05, activation: str = "tanh", layers=None) -> Plan:
    """The log–exp construction for ``poly`` on the box ``domain`` (``a:b`` per coordinate) within
    ``epsilon`` in ``metric`` (module docstring): pieces fitted, bound evaluated, widths stated."""
    p = parse_polynomial(poly)
    coefficient, powers = monomial(p)
    box = parse_box(domain)
    choice(metric, "--metric", METRICS)
    epsilon = positive_number(epsilon, "--epsilon")
    act = get_activation(activation)
    if act.name not in ACTIVATIONS:
        raise DepthsepError(f"--activation {act.name}: networks can be built with {', '.join(ACTIVATIONS)}")
    odd = box.signed and any(r % 2 for r in powers)
    if odd and act.name == "exp":
        raise DepthsepError(f"exp neurons cannot form the sign steps a box with negative coordinates needs "
                            f"(domain {box.lo:g}:{box.hi:g}); use tanh, sigmoid, softplus or relu, or a box with a >= 0")
    native = 3 if odd else 2
    if layers is None:
        layers = native
    layers = int(layers)
    if layers < native:
        raise DepthsepError(f"--construction log-exp needs at least {native} hidden layers on {box.lo:g}:{box.hi:g} "
                            f"(log pieces, {'sign parity, ' if odd else ''}exp), got --layers {layers}")
    target = epsilon / abs(coefficient)
    share = 1.0
    for _ in range(RETRIES + 1):
        built = _attempt(coefficient, powers, box, metric, epsilon, target * share, act.name, layers)
        if built.bound <= target:
            return built
        share /= 2
    terms = ", ".join(f"{k} {v * abs(coefficient):.3g}" for k, v in built.terms.items())
    raise DepthsepError(f"the log-exp rule could not bring its error bound below epsilon = {epsilon:g} "
                        f"(bound {built.bound * abs(coefficient):.3g}: {terms})")


def _attempt(coefficient, powers, box: Box, metric: str, epsilon: float, target: float, act: str, layers: int) -> Plan:
    used = sorted({r for r in powers if r > 0})
    signed = box.signed
    count = {r: sum(1 for q in powers if q == r) for r in used}
    odd = signed and any(r % 2 for r in used)
    moments = _Moments(box, metric)

    def magnitude(r: int, c: float):
        return (lambda x: (x * x + c * c) ** (r / 2)) if signed else (lambda x: (x + c) ** r)

    def absolute(r: int):
        return lambda x: np.abs(x) ** r

    # 1. c (and the sign band β = c): the shift and band terms share one budget; the band is
    #    re-evaluated with the pieces' errors at the end.
    def shift_term(c: float) -> float:
        return moments.difference({r: (magnitude(r, c), absolute(r)) for r in used}, count)

    def band_term(c: float, errors, rho: float = 0.0) -> float:
        if not odd:
            return 0.0
        return moments.band({r: (magnitude(r, c), errors[r]) for r in used}, count, [r for r in used if r % 2], c, 2.0 * (1.0 + rho))

    exact = {r: (lambda x: np.zeros_like(np.asarray(x, dtype=np.float64))) for r in used}
    c = _largest(lambda c: shift_term(c) + band_term(c, exact) <= SHARES["shift"] * target, 1e-14 * box.reach, box.reach)
    beta = c

    # 2. the log pieces: tolerance η·shape, η the largest whose worst case meets the log share.
    def tolerance(r: int, eta: float):
        weight = moments.shape(magnitude(r, c))
        return lambda x: np.minimum(eta * weight(x), 1.0)

    def log_term(errors) -> float:
        return moments.growth({r: (magnitude(r, c), errors[r]) for r in used}, count)

    log_share = SHARES["log"] * target
    eta = _largest(lambda eta: log_term({r: tolerance(r, eta) for r in used}) <= log_share, 1e-12, 1.0)
    pieces, errors = {}, {}
    for r in used:
        curve = _log_curve(r, c, signed)
        pieces[r] = fit(curve, tolerance(r, eta), box.lo, box.hi, act)
        piece = pieces[r]
        errors[r] = _error_of(piece, curve, layers - (3 if odd else 2))
    terms = {"shift": shift_term(c), "log": log_term(errors)}

    # 3. the exp piece on the range of ŝ, relative tolerance ρ and floor τ.
    grown = moments.scale({r: (magnitude(r, c), errors[r]) for r in used}, count)
    rho = SHARES["relative"] * target / grown
    tau = SHARES["floor"] * target / (3.0 + rho if odd else 1.0)
    # The range of ŝ: each piece's values on the box, widened by its error bound's slack.
    grid = box.grid()
    lows = {r: float(np.min(pieces[r](grid) - errors[r](grid))) - 1e-6 for r in used}
    highs = {r: float(np.max(pieces[r](grid) + errors[r](grid))) + 1e-6 for r in used}
    s_lo = sum(count[r] * lows[r] for r in used)
    s_hi = sum(count[r] * highs[r] for r in used)
    shift = max(s_hi - math.log(tau) + 1.0, 1.0) if odd else 0.0
    if act == "exp":
        exp_piece = Piece("exp", np.ones(1), np.zeros(1), np.ones(1), 0.0, s_lo - shift, s_hi, 0.0)
    else:
        exp_piece = fit(_EXP, lambda z: rho * np.exp(z) + tau, s_lo - shift, s_hi, act)
    terms["relative"] = rho * grown * max(exp_piece.bound, 0.0) if act != "exp" else 0.0
    terms["floor"] = tau * (3.0 + rho if odd else 1.0) if act != "exp" else 0.0
    if odd:
        terms["band"] = band_term(c, errors, rho)
    return Plan(coefficient, powers, box, metric, epsilon, act, layers, c, beta, pieces, exp_piece, shift, terms)


def _largest(ok, lo: float, hi: float, steps: int = 60) -> float:
    """The largest value in [lo, hi] (on a log scale) for which ``ok`` holds, by bisection; lo if none."""
    if ok(hi):
        return hi
    a, b = math.log(lo), math.log(hi)
    for _ in range(steps):
        m = (a + b) / 2
        a, b = (m, b) if ok(math.exp(m)) else (a, m)
    return math.exp(a)


def _log_curve(r: int, c: float, signed: bool) -> Curve:
    if signed:   # r·log sqrt(x² + c²): smooth and even
        return Curve(lambda x: r / 2 * np.log(x * x + c * c), lambda x: r * x / (x * x + c * c),
                     lambda x: r * (c * c - x * x) / (x * x + c * c) ** 2)
    return Curve(lambda x: r * np.log(x + c), lambda x: r / (x + c), lambda x: -r / (x + c) ** 2)


_EXP = Curve(np.exp, np.exp, np.exp)


def _error_of(piece: Piece, curve: Curve, carries: int):
    """|err(x)| of a fitted piece as a function, widened by its bound's slack and any input carries."""
    slack = CARRY_ERROR * max(carries, 0) if piece.activation != "relu" else 0.0

    def error(x):
        x = np.asarray(x, dtype=np.float64)
        return np.abs(piece.error(curve, x)) * 1.01 + slack * np.abs(curve.d1(x))
    return error


class _Moments:
    """The metric's aggregate (mean, root-mean-square or max over the box) of products over coordinates."""

    def __init__(self, box: Box, metric: str):
        self.box, self.metric = box, metric

    def _agg(self, g) -> float:
        return self.box.max(g) if self.metric == "sup" else self.box.mean(g)

    def shape(self, m):
        """The log tolerance's shape: 1 for sup; E m / m (mae) or sqrt(E m² / m²) (rmse)."""
        if self.metric == "sup":
            return lambda x: np.ones_like(np.asarray(x, dtype=np.float64))
        if self.metric == "mae":
            mean = self.box.mean(m)
            return lambda x: mean / np.maximum(m(x), 1e-300)
        mean = self.box.mean(lambda x: m(x) ** 2)
        return lambda x: np.sqrt(mean / np.maximum(m(x) ** 2, 1e-300))

    def _prod(self, g_of: dict, count: dict) -> float:
        return math.prod(self._agg(g) ** count[r] for r, g in g_of.items())

    def difference(self, pairs: dict, count: dict) -> float:
        """The metric of ∏ m_i − ∏ |x_i|^r_i (≥ 0 pointwise)."""
        if self.metric == "sup":
            return self._prod({r: m for r, (m, _) in pairs.items()}, count) - self._prod({r: a for r, (_, a) in pairs.items()}, count)
        if self.metric == "mae":
            return self._prod({r: m for r, (m, _) in pairs.items()}, count) - self._prod({r: a for r, (_, a) in pairs.items()}, count)
        mm = self._prod({r: (lambda x, m=m: m(x) ** 2) for r, (m, _) in pairs.items()}, count)
        ma = self._prod({r: (lambda x, m=m, a=a: m(x) * a(x)) for r, (m, a) in pairs.items()}, count)
        aa = self._prod({r: (lambda x, a=a: a(x) ** 2) for r, (_, a) in pairs.items()}, count)
        return math.sqrt(max(mm - 2 * ma + aa, 0.0))

    def growth(self, pairs: dict, count: dict) -> float:
        """The metric of ∏ m_i · (e^{Σ |err_i|} − 1)."""
        if self.metric == "sup":
            total = sum(count[r] * self.box.max(e) for r, (_, e) in pairs.items())
            return self._prod({r: m for r, (m, _) in pairs.items()}, count) * math.expm1(total)
        if self.metric == "mae":
            grown = self._prod({r: (lambda x, m=m, e=e: m(x) * np.exp(e(x))) for r, (m, e) in pairs.items()}, count)
            return grown - self._prod({r: m for r, (m, _) in pairs.items()}, count)
        two = self._prod({r: (lambda x, m=m, e=e: m(x) ** 2 * np.exp(2 * e(x))) for r, (m, e) in pairs.items()}, count)
        one = self._prod({r: (lambda x, m=m, e=e: m(x) ** 2 * np.exp(e(x))) for r, (m, e) in pairs.items()}, count)
        zero = self._prod({r: (lambda x, m=m: m(x) ** 2) for r, (m, _) in pairs.items()}, count)
        return math.sqrt(max(two - 2 * one + zero, 0.0))

    def scale(self, pairs: dict, count: dict) -> float:
        """The metric of e^ŝ ≤ ∏ m_i e^{|err_i|}: what the exp piece's relative error multiplies."""
        if self.metric == "rmse":
            return math.sqrt(self._prod({r: (lambda x, m=m, e=e: m(x) ** 2 * np.exp(2 * e(x))) for r, (m, e) in pairs.items()}, count))
        return self._prod({r: (lambda x, m=m, e=e: m(x) * np.exp(e(x))) for r, (m, e) in pairs.items()}, count)

    def band(self, pairs: dict, count: dict, odd: list[int], beta: float, factor: float) -> float:
        """factor × the metric of e^ŝ where some odd-power coordinate is within β of 0 (union bound)."""
        power = 2 if self.metric == "rmse" else 1
        whole = {r: (lambda x, m=m, e=e: (m(x) * np.exp(e(x))) ** power) for r, (m, e) in pairs.items()}
        total = 0.0
        for r in odd:
            m, e = pairs[r]
            inside = lambda x, m=m, e=e: np.where(np.abs(x) < beta, (m(x) * np.exp(e(x))) ** power, 0.0)  # noqa: E731
            rest = dict(count)
            rest[r] -= 1
            total += count[r] * self._agg(inside) * math.prod(self._agg(whole[q]) ** rest[q] for q in whole)
        return factor * (total ** (1 / power))


# -- given widths: the best fit for a neuron budget ------------------------------------------------
def plan_widths(poly, log_width: int, exp_width: int, domain="0:2", activation: str = "tanh", layers=None, *,
                c: float = 1e-3, top: float | None = None, floor: float = 1e-4, metric: str = "mae") -> Plan:
    """The log–exp layout on a positive box with ``log_width`` neurons in every log piece and
    ``exp_width`` in the exp piece, each piece fitted at exactly that width — not sized by ε.

    The ε rule (:func:`plan`) asks for the fewest neurons whose error *bound* meets ε, and that bound
    is conservative; a neuron budget (a width W per hidden layer) asks the other question: the
    smallest error at given widths. Each piece is then the weighted least-squares fit that
    :mod:`depthsep.construct.univariate` makes at one width (Lawson-reweighted towards minimax),
    with the tolerance *shapes* of the ε rule — the log pieces loose where the magnitude is small
    (``metric``), the exp piece relative, ``e^z + floor`` — and no scale: there is no ε to meet.

    Free choices, searched by the caller: ``c`` shifts log(x + c) off the pole at 0 (bias ≈ n·c in
    the mean, but steeper pieces for small c); ``top`` caps the exp piece's interval at z = top (None:
    the top of ŝ's range, n·log(b + c)): above it the piece levels off near e^top, which costs only the
    mass of the far tail, while every neuron of a piece reaching e^{n log b} carries an outer weight of
    that size, whose rounding in float32 (the precision networks train in) swamps the small values.

    The result is a :class:`Plan` (``rule = "widths"``, ``epsilon`` None) that :func:`assemble` builds;
    its ``bound`` is NaN: no bound is claimed, the network's measured error is what counts.
    """
    from .univariate import fit_at

    p = parse_polynomial(poly)
    coefficient, powers = monomial(p)
    box = parse_box(domain)
    if box.signed:
        raise DepthsepError(f"log-exp at given widths builds on a box with a >= 0 (no sign gadgets), got {box.lo:g}:{box.hi:g}")
    choice(metric, "--metric", METRICS)
    act = get_activation(activation)
    if act.name not in ACTIVATIONS:
        raise DepthsepError(f"--activation {act.name}: networks can be built with {', '.join(ACTIVATIONS)}")
    act = act.name
    log_width = positive_int(log_width, "log width")
    exp_width = positive_int(exp_width, "exp width")
    c = positive_number(c, "c")
    floor = positive_number(floor, "floor")
    layers = 2 if layers is None else int(layers)
    if layers < 2:
        raise DepthsepError(f"--construction log-exp needs at least 2 hidden layers (log pieces, exp), got --layers {layers}")
    used = sorted({r for r in powers if r > 0})
    moments = _Moments(box, metric)
    pieces = {}
    for r in used:
        curve = _log_curve(r, c, False)
        weight = moments.shape(lambda x, r=r: (x + c) ** r)
        pieces[r] = fit_at(curve, weight, box.lo, box.hi, log_width, act)
    grid = box.grid()
    count = {r: sum(1 for q in powers if q == r) for r in used}
    s_lo = sum(count[r] * float(np.min(pieces[r](grid))) for r in used) - 1e-6
    s_hi = sum(count[r] * float(np.max(pieces[r](grid))) for r in used) + 1e-6
    hi = s_hi if top is None else min(float(top), s_hi)
    if not hi > s_lo:
        raise DepthsepError(f"top = {top:g} lies below the range of the sum of logs [{s_lo:.3g}, {s_hi:.3g}]")
    if act == "exp":
        exp_piece = Piece("exp", np.ones(1), np.zeros(1), np.ones(1), 0.0, s_lo, s_hi, 0.0)
    else:
        exp_piece = fit_at(_EXP, lambda z: np.exp(z) + floor, s_lo, hi, exp_width, act)
    return Plan(coefficient, powers, box, metric, None, act, layers, c, c, pieces, exp_piece, 0.0, {}, rule="widths")


# -- gadgets: steps and carries ---------------------------------------------------------------------
def _sigmoidal(act: str) -> bool:
    return act in ("tanh", "sigmoid")


def _step_width(act: str) -> int:
    return 1 if _sigmoidal(act) else 2


def _carry_width(act: str, positive: bool) -> int:
    if act == "relu":
        return 1
    return 1 if float(get_activation(act).taylor(2, 0)[2]) == 0.0 else 2


def _step(act: str, distance: float):
    """[(w, b, a)], c with Σ a σ(w z + b) + c within :data:`STEP_LEAK` of 1{z > 0} for |z| ≥ distance."""
    leak = math.log(1 / STEP_LEAK)
    if act == "tanh":          # (1 + tanh(z/w))/2: off by e^{-2|z|/w}
        w = 2 * distance / leak
        return [(1 / w, 0.0, 0.5)], 0.5
    if act == "sigmoid":       # off by e^{-|z|/w}
        w = distance / leak
        return [(1 / w, 0.0, 1.0)], 0.0
    if act == "relu":          # exact beyond w/2
        w = distance
        return [(1 / w, 0.5, 1.0), (1 / w, -0.5, -1.0)], 0.0
    # softplus(u + ½) − softplus(u − ½) with u = z/w: off by e^{-(|u| − ½)}
    w = distance / (leak + 0.5)
    return [(1 / w, 0.5, 1.0), (1 / w, -0.5, -1.0)], 0.0


def _carry(act: str, lo: float, hi: float):
    """[(w, b, a)], c with Σ a σ(w u + b) + c = u on [lo, hi] (exactly for ReLU, else within CARRY_ERROR)."""
    if act == "relu":
        return [(1.0, -lo, 1.0)], lo
    sigma = get_activation(act)
    slope = float(sigma.taylor(1, 0)[1])
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    u = np.linspace(lo, hi, 2001)
    f = sigma.numpy_fn
    single = _carry_width(act, True) == 1
    delta = 1.0 / max(half, 1e-300)
    while True:
        if single:
            parts = [(delta, -delta * mid, 1 / (delta * slope))]
            constant = mid - float(f(np.zeros(1))[0]) / (delta * slope)
        else:
            parts = [(delta, -delta * mid, 1 / (2 * delta * slope)), (-delta, delta * mid, -1 / (2 * delta * slope))]
            constant = mid
        value = sum(a * f(w * u + b) for w, b, a in parts) + constant
        if np.max(np.abs(value - u)) <= CARRY_ERROR / 2 or delta * half < 1e-7:
            return parts, constant
        delta /= 2


# -- assembly ---------------------------------------------------------------------------------------
class _Layer:
    """Neurons added one block at a time; a signal is ({neuron: coefficient}, constant) over them."""

    def __init__(self, inputs: int):
        self.inputs, self.rows, self.bias = inputs, [], []

    def add(self, signal, weight: float, bias: float) -> int:
        coefs, const = signal
        row = np.zeros(self.inputs)
        for j, v in coefs.items():
            row[j] += weight * v
        self.rows.append(row)
        self.bias.append(weight * const + bias)
        return len(self.rows) - 1

    def unit(self, signal, parts, constant: float):
        """Σ a σ(w·signal + b) + c as a signal of this layer."""
        out = {}
        for w, b, a in parts:
            out[self.add(signal, w, b)] = a
        return out, constant

    def matrices(self):
        return np.array(self.rows).reshape(len(self.rows), self.inputs), np.array(self.bias)


def _combine(*terms):
    """Σ k·signal (+ extra constant) for (k, signal) pairs and plain numbers."""
    coefs, const = {}, 0.0
    for term in terms:
        if isinstance(term, (int, float)):
            const += term
            continue
        k, (c, c0) = term
        for j, v in c.items():
            coefs[j] = coefs.get(j, 0.0) + k * v
        const += k * c0
    return coefs, const


def _piece_parts(piece: Piece):
    return [(float(w), float(b), float(a)) for w, b, a in zip(piece.weight, piece.bias, piece.out)], piece.constant


def assemble(built: Plan, precision: str = "float64") -> Network:
    """The network of a :class:`Plan`: layers exactly as :attr:`Plan.widths` states."""
    act, box, n = built.activation, built.box, len(built.powers)
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    width_in = n
    signals = {i: ({i: 1.0}, 0.0) for i in built.used}

    def close(layer: _Layer):
        nonlocal width_in
        layers.append(layer.matrices())
        width_in = len(layer.rows)

    for _ in range(built.layers - built.native_layers):
        layer = _Layer(width_in)
        parts, constant = _carry(act, box.lo, box.hi)
        signals = {i: layer.unit(signals[i], parts, constant) for i in built.used}
        close(layer)

    layer = _Layer(width_in)
    logs = [layer.unit(signals[i], *_piece_parts(built.pieces[built.powers[i]])) for i in built.used]
    s = _combine(*[(1.0, sig) for sig in logs])
    exp_parts, exp_constant = _piece_parts(built.exp_piece)
    if not built.odd:
        close(layer)
        layer = _Layer(width_in)
        e = layer.unit(s, exp_parts, exp_constant)
        close(layer)
        return _network(layers, width_in, [(built.coefficient, e)], built, precision)

    theta_parts, theta_constant = _step(act, built.beta)
    # θ_i = step(−x_i): the step's slopes negated.
    thetas = [layer.unit(signals[i], [(-w, b, a) for w, b, a in theta_parts], theta_constant) for i in built.odd]
    close(layer)
    layer = _Layer(width_in)
    t = _combine(*[(1.0, th) for th in thetas])
    step_parts, step_constant = _step(act, 0.5 - 0.01)
    # parity(T) = Σ_j (−1)^j step(T − j − ½): 0, 1, 0, 1, … at T = 0, 1, 2, 3, …
    b = _combine(*[((-1.0) ** j, layer.unit(_combine((1.0, t), -(j + 0.5)), step_parts, step_constant))
                   for j in range(len(built.odd))])
    s_lo, s_hi = built.exp_piece.lo + built.shift, built.exp_piece.hi
    carried = layer.unit(s, *_carry(act, s_lo, s_hi))
    close(layer)
    layer = _Layer(width_in)
    plus = layer.unit(_combine((1.0, carried), (-built.shift, b)), exp_parts, exp_constant)
    minus = layer.unit(_combine((1.0, carried), (built.shift, b), -built.shift), exp_parts, exp_constant)
    close(layer)
    return _network(layers, width_in, [(built.coefficient, plus), (-built.coefficient, minus)], built, precision)


def _network(layers, width_in: int, outputs, built: Plan, precision: str) -> Network:
    coefs, const = _combine(*outputs)
    row = np.zeros((1, width_in))
    for j, v in coefs.items():
        row[0, j] += v
    weights = [w for w, _ in layers] + [row]
    biases = [b for _, b in layers] + [np.array([const])]
    return Network(list(zip(weights, biases)), built.activation, precision=precision,
                   meta={"construction": "log-exp", "metric": built.metric, "epsilon": built.epsilon,
                         "domain": f"{built.box.lo:g}:{built.box.hi:g}", "neurons": built.neurons})


# -- build: plan, assemble, verify -----------------------------------------------------------------
def build(poly, domain="0:2", metric: str = "mae", epsilon=None, activation: str = "tanh", layers=None, *,
          dtype: str = "float64", seed: int = 0) -> tuple[Network, dict]:
    """The log–exp network for ``poly`` and its report: planned, assembled, then *evaluated* in the
    metric (sup: :func:`~depthsep.verification.sup_error` on the box; mae/rmse: a Monte Carlo
    estimate under U[a, b]^n) in ``dtype``; a measured error at or above ε is refused."""
    import time

    from ..network import check_precision
    from ..verification import distribution_error, sup_error

    started = time.perf_counter()
    if epsilon is None:
        raise DepthsepError("--construction log-exp is built for one accuracy: give --epsilon (and --metric sup, mae or rmse)")
    dtype = check_precision(dtype, "--dtype")
    built = plan(poly, domain, metric, epsilon, activation, layers)
    network = assemble(built, precision=dtype)
    p = parse_polynomial(poly)
    box = built.box
    if metric == "sup":
        check = sup_error(network, p, (box.hi - box.lo) / 2, seed=seed, center=(box.hi + box.lo) / 2)
        measured, spread = check["sup_error"], None
    else:
        check = distribution_error(network, p, f"{box.lo!r}:{box.hi!r}", metric, seed=seed)
        measured, spread = check[metric], check["standard_error"]
    if not measured < built.epsilon:
        raise DepthsepError(f"the log-exp network's measured {metric} error {measured:.3g} is not below epsilon = {built.epsilon:g} "
                            f"in {dtype} (its bound is {built.bound * abs(built.coefficient):.3g})")
    network.meta.update({"target": str(p), "error": measured, "error_bound": built.bound * abs(built.coefficient)})
    report = {
        "target": str(p), "construction": "log-exp", "activation": built.activation, "metric": metric,
        "epsilon": built.epsilon, "domain": f"{box.lo:g}:{box.hi:g}", "hidden_widths": network.hidden_widths,
        "layers": len(network.hidden_widths), "neurons": network.neurons, "promised": built.neurons,
        "error": measured, "standard_error": spread, "error_bound": built.bound * abs(built.coefficient),
        "bound_terms": {k: v * abs(built.coefficient) for k, v in built.terms.items()},
        "shift_c": built.c, "piece_widths": {str(r): piece.width for r, piece in built.pieces.items()},
        "exp_width": built.exp_piece.width, "precision": dtype, "build_s": round(time.perf_counter() - started, 3),
    }
    return network, report


__all__ = ["Box", "METRICS", "Plan", "assemble", "build", "monomial", "parse_box", "plan", "plan_widths"]
