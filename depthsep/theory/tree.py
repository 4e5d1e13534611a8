"""The product tree of Theorem 5.1: how many neurons x1·x2·…·xN costs with K hidden layers.

Theorem 5.1 (Rolnick & Tegmark 2018) multiplies the N inputs up a tree. Hidden layer i takes the
m_{i-1} values left by the layer below (m_0 = N) and multiplies them in m_i groups (m_K = 1). A group
of s ≥ 2 values is one product gate of 2^s neurons (Lin et al. 2017); a group of one value is an
identity gate of one neuron. The width of layer i is the sum over its groups. Here "layers" always
means *hidden* layers (the paper's k).

Three views of the same tree live in this module:

* the paper's continuous relaxation, eq. (2): Σ_i (∏_{j>i} b_j)·2^{b_i} with ∏ b_i = N, whose
  stationary point obeys the recursion eq. (5): b_i = b_{i−1} + log2(b_{i−1} − 1/ln 2);
* the exact integer optimum over every schedule m_1 ≥ … ≥ m_K = 1 (:func:`optimal_tree`), and its
  bottleneck variant (:func:`min_layer_width`);
* the depth advice of Section 5 (:func:`advise`): the fewest layers whose tree fits under a width
  budget, next to the paper's curve W_k = n^((k−1)/k)·2^(n^(1/k)) and its rule of thumb k > log10 n.

Neuron counts are exact Python ints (they reach 2^N); only the continuous quantities are floats.

A fact the exact search leans on (proved in the comments of :func:`_slack`): a group of s values
costs at least 4(s − 1), with equality exactly for s = 2 and s = 3. Summed over the tree, every
schedule costs 4(N − 1) plus a non-negative *slack*, which gives tight lower bounds for pruning.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

from ..errors import DepthsepError

#: Largest N accepted: beyond it the exact search is no longer interactive.
MAX_INPUTS = 100_000
#: Largest number of hidden layers accepted.
MAX_LAYERS = 4096

_LN2 = math.log(2.0)
#: eq. (5) needs b_{i−1} > 1/ln 2 for its logarithm to exist.
_EQ5_POLE = 1.0 / _LN2


# ---------------------------------------------------------------------------------------------
# Input checking
# ---------------------------------------------------------------------------------------------

def _as_int(value, name: str) -> int:
    """``value`` as an exact int; bools, floats and strings are refused (one line)."""
    if isinstance(value, bool):
        raise DepthsepError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise DepthsepError(f"{name} must be an integer, got {value!r}") from None


def _check_n(n) -> int:
    n = _as_int(n, "n")
    if n < 1:
        raise DepthsepError(f"n must be at least 1, got {n}")
    if n > MAX_INPUTS:
        raise DepthsepError(f"n = {n} is too large for the exact tree search (at most {MAX_INPUTS})")
    return n


def _check_layers(layers, name: str = "layers") -> int:
    layers = _as_int(layers, name)
    if layers < 1:
        raise DepthsepError(f"{name} must be at least 1 (hidden layers), got {layers}")
    if layers > MAX_LAYERS:
        raise DepthsepError(f"{name} = {layers} is too large (at most {MAX_LAYERS})")
    return layers


# ---------------------------------------------------------------------------------------------
# One layer
# ---------------------------------------------------------------------------------------------

def _gate_cost(s: int) -> int:
    """Neurons for one group of s values: product gate 2^s, or one identity neuron if s = 1."""
    return 1 if s == 1 else 1 << s


def _layer_cost(a: int, b: int) -> int:
    """:func:`layer_cost` without argument checks (hot loop)."""
    q, r = divmod(a, b)
    return r * _gate_cost(q + 1) + (b - r) * _gate_cost(q)


def group_sizes(a: int, b: int) -> list[int]:
    """Sizes of the b groups that split a values as evenly as possible (largest first).

    With q = a // b and r = a % b: r groups of q + 1 and b − r groups of q. Because the gate cost
    is convex in the group size, the even split is the cheapest way to make b groups (Thm 5.1).
    """
    a, b = _check_pair(a, b)
    q, r = divmod(a, b)
    return [q + 1] * r + [q] * (b - r)


def layer_cost(a: int, b: int) -> int:
    """Neurons of one hidden layer that multiplies a values down to b (Theorem 5.1's tree).

    Each group of s ≥ 2 values costs 2^s neurons (the product gate), a lone value costs one
    (identity gate); the groups are those of :func:`group_sizes`. Exact int.
    """
    a, b = _check_pair(a, b)
    return _layer_cost(a, b)


def _check_pair(a, b) -> tuple[int, int]:
    a = _as_int(a, "a")
    b = _as_int(b, "b")
    if not 1 <= b <= a:
        raise DepthsepError(f"a layer turns a values into b products with 1 <= b <= a, got a={a}, b={b}")
    return a, b


def _check_schedule(n: int, schedule) -> list[int]:
    try:
        sched = [_as_int(m, "schedule entry") for m in schedule]
    except TypeError:
        raise DepthsepError(f"schedule must be a list of integers, got {schedule!r}") from None
    if not sched:
        raise DepthsepError("schedule must have at least one hidden layer")
    if len(sched) > MAX_LAYERS:
        raise DepthsepError(f"schedule has {len(sched)} layers (at most {MAX_LAYERS})")
    previous = n
    for i, m in enumerate(sched, start=1):
        if not 1 <= m <= previous:
            raise DepthsepError(
                f"schedule entry m_{i} = {m} must satisfy 1 <= m_{i} <= m_{i - 1} = {previous}")
        previous = m
    if sched[-1] != 1:
        raise DepthsepError(f"schedule must end in 1 (one product), got {sched[-1]}")
    return sched


def schedule_widths(n: int, schedule) -> list[int]:
    """Width (neurons) of each hidden layer of the product tree with the given schedule.

    ``schedule`` is [m_1, …, m_K] with N = m_0 ≥ m_1 ≥ … ≥ m_K = 1 (Theorem 5.1's tree); layer i
    costs :func:`layer_cost`(m_{i−1}, m_i). Raises DepthsepError for an invalid schedule.
    """
    n = _check_n(n)
    sched = _check_schedule(n, schedule)
    return _widths(n, sched)


def _widths(n: int, sched: list[int]) -> list[int]:
    counts = [n] + sched
    return [_layer_cost(a, b) for a, b in zip(counts, sched)]


# ---------------------------------------------------------------------------------------------
# The paper's continuous relaxation: eq. (2), eq. (4), eq. (5)
# ---------------------------------------------------------------------------------------------

def eq2_neurons(b) -> float:
    """Eq. (2): Σ_i (∏_{j>i} b_j)·2^{b_i}, the tree's neuron count for real group sizes b.

    Returns ``math.inf`` when the value exceeds the float range (e.g. K = 1 with N > 1023).
    """
    total, tail = 0.0, 1.0
    for bi in reversed(list(b)):
        try:
            total += tail * 2.0 ** bi
        except OverflowError:
            return math.inf
        tail *= bi
    return total


def _eq5_sequence(b1: float, layers: int) -> list[float] | None:
    """b_1…b_K from b_1 by eq. (5); None unless every b_i ≥ 1 (a group holds at least one value)."""
    b = [b1]
    for _ in range(layers - 1):
        prev = b[-1]
        if prev <= _EQ5_POLE:  # log2 of a non-positive number: the recursion stops here
            return None
        b.append(prev + math.log2(prev - _EQ5_POLE))
    return b if min(b) >= 1.0 else None


def continuous_group_sizes(n: float, layers: int) -> list[float] | None:
    """The real group sizes b_1…b_K that make eq. (2) stationary under ∏ b_i = n (eq. (4)).

    Lagrange multipliers turn the optimum of eq. (2) into the recursion eq. (5),
    b_i = b_{i−1} + log2(b_{i−1} − 1/ln 2), so everything is fixed by b_1, and ∏ b_i grows with b_1;
    b_1 is found with ``scipy.optimize.brentq`` so that the product equals n. The search is over
    b_i ≥ 1 (a group holds at least one value). Returns None when no such stationary point exists,
    e.g. n = 2 with 3 layers: the optimum then sits on the boundary b_i = 1, where eq. (5) does not
    hold. ``n`` may be real (Figure 1 plots it as a continuous variable).
    """
    from scipy.optimize import brentq

    layers = _check_layers(layers)
    n = float(n)
    if not n >= 1.0 or math.isinf(n):
        raise DepthsepError(f"n must be a finite number >= 1, got {n}")
    if layers == 1:
        return [n]

    def log_product_excess(b1: float) -> float:
        return math.fsum(math.log(bi) for bi in _eq5_sequence(b1, layers)) - math.log(n)

    # Above the fixed point 1 + 1/ln 2 of eq. (5) the b_i increase, so b_1 = max(n, that) is valid
    # and its product is at least n: an upper bracket.
    hi = max(n, 1.0 + _EQ5_POLE + 1e-9)
    lo = _smallest_valid_b1(layers, hi)
    excess_lo = log_product_excess(lo)
    if excess_lo > 0.0:
        return None  # even the smallest admissible b_1 overshoots n
    if excess_lo == 0.0:
        return _eq5_sequence(lo, layers)
    b1 = brentq(log_product_excess, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=500)
    return _eq5_sequence(b1, layers)


def _smallest_valid_b1(layers: int, hi: float) -> float:
    """Smallest b_1 (to float precision) whose eq. (5) sequence has every b_i ≥ 1.

    Every b_i is an increasing function of b_1, so validity is monotone and bisection applies.
    """
    lo = _EQ5_POLE  # invalid: b_2 would need log2(0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _eq5_sequence(mid, layers) is None:
            lo = mid
        else:
            hi = mid
    return hi


# ---------------------------------------------------------------------------------------------
# Exact integer optimum
# ---------------------------------------------------------------------------------------------

def _slack(s: int) -> int:
    """Cost of a group of s values above the floor 4(s − 1).

    2^s ≥ 4(s − 1) for s ≥ 2 with equality at s = 2, 3; a lone value costs 1 but merges nothing.
    Summing 4(s − 1) over all groups of all layers telescopes to 4(N − 1), so a tree costs
    4(N − 1) + Σ slack: pairs and triples are free, singletons cost 1, groups of four or more
    cost 2^s − 4s + 4.
    """
    return 1 if s == 1 else (1 << s) - 4 * s + 4


def _smallest_root(m: int, r: int) -> int:
    """Smallest integer s with s^r ≥ m: some layer of r must have a group at least this big."""
    if m <= 1:
        return 1
    if r >= m.bit_length():
        return 2
    s = max(2, int(round(m ** (1.0 / r))))
    while s ** r < m:
        s += 1
    while s > 2 and (s - 1) ** r >= m:
        s -= 1
    return s


class _Bounds:
    """Lower bounds on the cost of finishing a tree: from m values with r layers still to go.

    With a width cap, also which counts can still reach one product in the layers left: the
    greedy layer count under the cap (:func:`_greedy_schedule`) is exact and non-decreasing in m.
    """

    def __init__(self, cap: int | None = None):
        self.cap = cap
        self._cache: dict[tuple[int, int], float] = {}
        self._needed: dict[int, float] = {1: 0}
        self._reach: dict[tuple[int, int], int] = {}
        self._inputs: dict[tuple[int, int], int] = {}
        self._next: dict[int, int] = {}

    def rest(self, m: int, r: int):
        key = (m, r)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._compute(m, r)
        return hit

    def _compute(self, m: int, r: int):
        if r == 0:
            return 0 if m == 1 else math.inf
        if m == 1:
            return r  # identity gates only
        # A slack-free layer uses only pairs and triples, so it at least halves the count: at
        # most floor(log2 m) of the r layers can be slack-free, every other one pays at least 1.
        forced_layers = max(0, r - (m.bit_length() - 1))
        # Some layer needs a group of at least m^(1/r) values.
        big = _smallest_root(m, r)
        big_group = _slack(big) + max(0, forced_layers - 1) if big >= 4 else 0
        bound = 4 * (m - 1) + max(forced_layers, big_group)
        if self.cap is None:
            return bound
        if self.layers_needed(m) > r:
            return math.inf
        return max(bound, self.greedy_inputs(m, r))

    def greedy_inputs(self, m: int, r: int) -> int:
        """Σ of the first r counts m = g_0, g_1, … of the greedy chain under the cap.

        A layer costs at least its number of inputs (2^s ≥ s), and no schedule under the cap has
        fewer values left after i layers than greedy (see :func:`_greedy_schedule`), so this sum
        bounds the cost of any r more layers. Near the cap it is far above 4(m − 1).
        """
        chain = []
        while r > 0 and m > 1 and (m, r) not in self._inputs:
            chain.append((m, r))
            m = self._greedy_next(m)
            r -= 1
        total = r if m == 1 else self._inputs.get((m, r), 0)  # identity layers cost 1 each
        for key in reversed(chain):
            total += key[0]
            self._inputs[key] = total
        return total

    def _greedy_next(self, m: int) -> int:
        b = self._next.get(m)
        if b is None:
            b = self._next[m] = _fewest_products_within(m, self.cap)
        return b

    def layers_needed(self, m: int) -> float:
        """Fewest layers that take m values to one product under the cap (inf if impossible)."""
        chain = []
        while m not in self._needed:
            chain.append(m)
            b = _fewest_products_within(m, self.cap)
            if b is None:
                self._needed[m] = math.inf
                break
            m = b
        value = self._needed[m]
        for m in reversed(chain):
            if m not in self._needed:
                value += 1
                self._needed[m] = value
            value = self._needed[m]
        return value

    def most_values(self, r: int, upper: int) -> int:
        """Largest m ≤ upper that can still reach one product in r layers under the cap."""
        key = (r, upper)
        hit = self._reach.get(key)
        if hit is None:
            lo, hi = 1, upper  # layers_needed is non-decreasing in m
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self.layers_needed(mid) <= r:
                    lo = mid
                else:
                    hi = mid - 1
            hit = self._reach[key] = lo
        return hit


def _largest_group_within(budget: int, m: int) -> int:
    """Largest group size s ≤ m whose slack stays below ``budget`` (≥ 3: pairs, triples are free)."""
    s = min(m, max(3, budget.bit_length() + 1))
    while s > 3 and _slack(s) >= budget:
        s -= 1
    return s


def _cost_of(n: int, sched: list[int]) -> int:
    return sum(_widths(n, sched))


def _schedule_from_targets(n: int, targets: list[float], layers: int) -> list[int]:
    """Round real counts m_1 > … > m_L (targets) to a valid schedule, padded with identity layers."""
    sched, previous = [], n
    for i, target in enumerate(targets, start=1):
        if previous == 1 or i == len(targets):
            m = 1
        else:
            m = min(previous - 1, max(1, int(round(target))))
        sched.append(m)
        previous = m
    return sched + [1] * (layers - len(sched))


def _polish(n: int, sched: list[int]) -> list[int]:
    """Local search: move single m_i up or down by powers of two while the cost drops."""
    counts = [n] + list(sched)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(counts) - 1):
            above, below = counts[i - 1], counts[i + 1]
            best_m = counts[i]
            best = _layer_cost(above, best_m) + _layer_cost(best_m, below)
            step = 1
            while step <= above:
                for m in (counts[i] - step, counts[i] + step):
                    if below <= m <= above:
                        cost = _layer_cost(above, m) + _layer_cost(m, below)
                        if cost < best:
                            best, best_m = cost, m
                step *= 2
            if best_m != counts[i]:
                counts[i] = best_m
                improved = True
    return counts[1:]


def _greedy_schedule(n: int, layers: int, cap: int) -> list[int] | None:
    """Fewest-layer schedule under a per-layer width cap; None if it needs more than ``layers``.

    Greedy is optimal: layer cost falls as b grows and rises with a (the even split minimises
    a convex gate cost), so reaching the fewest values at every layer keeps every later option.
    """
    sched, m = [], n
    while m > 1:
        if len(sched) == layers:
            return None
        b = _fewest_products_within(m, cap)
        if b is None:
            return None
        sched.append(b)
        m = b
    return sched + [1] * (layers - len(sched))


def _fewest_products_within(m: int, cap: int) -> int | None:
    """Smallest b < m with layer_cost(m, b) ≤ cap (binary search: the cost is non-increasing in b)."""
    if _layer_cost(m, m - 1) > cap:
        return None
    lo, hi = 1, m - 1  # answer in [lo, hi]; hi is feasible
    while lo < hi:
        mid = (lo + hi) // 2
        if _layer_cost(m, mid) <= cap:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _capped_witness(n: int, layers: int, cap: int) -> list[int] | None:
    """A cheap schedule with every layer ≤ cap, as an upper bound for the capped exact search.

    The greedy schedule fits but wastes neurons late (it shrinks as fast as the cap allows). So
    try every greedy prefix followed by a good uncapped tail (:func:`_heuristic_schedule`) and
    keep the cheapest that fits the cap; plain greedy is the fallback.
    """
    greedy = _greedy_schedule(n, layers, cap)
    if greedy is None:
        return None
    best, best_cost = greedy, _cost_of(n, greedy)
    counts = [n] + greedy
    for j in range(layers):
        m = counts[j]
        if m == 1:
            break
        left = layers - j
        tail = _heuristic_schedule(m, left)
        candidate = greedy[:j] + tail
        widths = _widths(n, candidate)
        if max(widths) <= cap and sum(widths) < best_cost:
            best, best_cost = candidate, sum(widths)
    return best


def _heuristic_schedule(n: int, layers: int) -> list[int]:
    """A good feasible schedule, as the upper bound that prunes the exact search.

    Candidates for every number L of shrinking layers: geometric counts n^(1 − i/L), and the
    counts n / (b_1⋯b_i) from the paper's eq. (5) optimum; the cheapest is then polished locally.
    """
    candidates = []
    # More than ~log2 n strictly shrinking layers never pays (see _slack), so stop there.
    for active in range(1, min(layers, max(1, n - 1), n.bit_length() + 1) + 1):
        candidates.append([n ** (1.0 - i / active) for i in range(1, active + 1)])
        sizes = continuous_group_sizes(n, active)
        if sizes is not None:
            candidates.append(list(_running_quotients(n, sizes)))
    scheds = [_schedule_from_targets(n, targets, layers) for targets in candidates]
    best = min(scheds, key=lambda sched: _cost_of(n, sched))
    return _polish(n, best)


def _running_quotients(n: int, sizes: list[float]):
    count = float(n)
    for b in sizes:
        count /= b
        yield count


#: Transitions the pruned search may try before the monotone search takes over.
_PRUNED_BUDGET = 300_000


def _exact_search(n: int, layers: int, witness: list[int], cap: int | None = None) -> list[int]:
    """Cheapest schedule with exactly ``layers`` layers (each at most ``cap`` wide, if given).

    Two exact dynamic programs over (layer, values left): the pruned forward search, which is
    instant when the witness is good and the lower bounds tight (most shapes), and, when it would
    take long, the monotone backward search, whose cost is predictable (layers · n · log n).
    """
    found = _pruned_search(n, layers, witness, cap, _PRUNED_BUDGET)
    return found if found is not None else _monotone_search(n, layers, cap)


def _pruned_search(n: int, layers: int, witness: list[int], cap: int | None,
                   budget: int) -> list[int] | None:
    """Forward DP from m_0 = n, pruned by a witness; None once ``budget`` transitions are spent.

    ``witness`` is a feasible schedule; its cost U prunes every transition whose cost so far plus a
    lower bound on the rest already reaches U (so only strict improvements survive, and ties keep
    the witness). Layers that keep m > 1 unchanged are skipped: moving such an identity layer to
    the end (onto the single product) turns its cost m into 1, so an optimal tree never has one.
    """
    bound = _cost_of(n, witness)
    bounds = _Bounds(cap)
    rest = bounds.rest
    frontier: dict[int, int] = {n: 0}  # values left -> cheapest cost so far
    parents: list[dict[int, int]] = []
    for layer in range(1, layers + 1):
        remaining = layers - layer
        nxt: dict[int, int] = {}
        back: dict[int, int] = {}
        for m, cost in frontier.items():
            candidates = _candidates(m, cost, remaining, bound, bounds)
            budget -= len(candidates)
            if budget < 0:
                return None
            for b in candidates:
                new_cost = cost + _layer_cost(m, b)
                lower = rest(b, remaining)
                # (inf is tested first: adding it to an int beyond float range would overflow)
                if lower == math.inf or new_cost + lower >= bound:
                    continue
                old = nxt.get(b)
                if old is None or new_cost < old:
                    nxt[b] = new_cost
                    back[b] = m
        parents.append(back)
        frontier = nxt
        if not frontier:
            return witness
    if 1 not in frontier:
        return witness
    sched, m = [], 1
    for back in reversed(parents):
        sched.append(m)
        m = back[m]
    return sched[::-1]


def _candidates(m: int, cost: int, remaining: int, bound: int, bounds: _Bounds):
    """Values b that layer m → b could take without already reaching the bound (or the cap)."""
    if m == 1 or remaining == 0:
        return (1,)
    budget = bound - cost - 4 * (m - 1)  # slack still affordable (strictly less than this)
    if budget <= 0:
        return ()
    # For b > m/2 the layer has 2b − m singletons, each of slack 1.
    b_hi = min(m - 1, (budget + m - 1) // 2)
    # The largest group ceil(m/b) must not cost more slack than the budget.
    b_lo = -(-m // _largest_group_within(budget, m))
    if bounds.cap is not None:
        fewest = _fewest_products_within(m, bounds.cap)  # the layer's width falls as b grows
        if fewest is None:
            return ()
        b_lo = max(b_lo, fewest)
        b_hi = min(b_hi, bounds.most_values(remaining, m - 1))
    return range(b_lo, b_hi + 1)


def _fewest_within(m: int, cap: int | None) -> int | None:
    """Smallest b ≤ m with layer_cost(m, b) ≤ cap (b = m, all identity gates, included)."""
    if cap is None:
        return 1
    if m <= cap and (m == 1 or _layer_cost(m, m - 1) > cap):
        return m
    return _fewest_products_within(m, cap) if m > 1 else None


def _monotone_search(n: int, layers: int, cap: int | None = None) -> list[int]:
    """Backward DP f_r(m) = min_b [layer_cost(m, b) + f_{r−1}(b)], exact, in O(layers · n log n).

    layer_cost(m, b) = b·L(m/b) with L the piecewise-linear interpolation of the gate cost, which is
    convex; so ∂cost/∂m = L'(m/b) falls as b grows: the cost is submodular in (m, b). Adding
    f_{r−1}(b) keeps that, and so (Topkis) the smallest optimal b never decreases as m grows — the
    classic divide-and-conquer speed-up then scans only O(n log n) pairs per layer. A width cap
    keeps the feasible pairs {φ(m) ≤ b ≤ m} a lattice (φ non-decreasing), so it is allowed too.
    """
    from array import array

    # Only counts that can occur matter: after i layers at least the greedy count is left (no
    # schedule under the cap shrinks faster), and at most what can still finish in time.
    floor = _greedy_counts(n, layers, cap)
    bounds = _Bounds(cap)
    f: list[int | None] = [None] * (n + 1)  # f_0: only one product left is a finished tree
    f[1] = 0
    choices = []  # choices[r − 1][m]: the smallest optimal b with r layers to go
    for r in range(1, layers):
        g: list[int | None] = [None] * (n + 1)
        arg = array("l", bytes(8 * (n + 1)))
        top = n if cap is None else bounds.most_values(r, n)
        stack = [(floor[layers - r], top, 1, n)]
        while stack:
            lo, hi, b_lo, b_hi = stack.pop()
            if lo > hi:
                continue
            mid = (lo + hi) // 2
            best, best_b = _best_step(mid, f, max(b_lo, _fewest_within(mid, cap) or mid + 1),
                                      min(b_hi, mid))
            if best_b is None:  # mid cannot finish, nor can anything larger (monotone in m)
                stack.append((lo, mid - 1, b_lo, b_hi))
                continue
            g[mid], arg[mid] = best, best_b
            stack.append((lo, mid - 1, b_lo, best_b))
            stack.append((mid + 1, hi, best_b, b_hi))
        choices.append(arg)
        f = g
    first = _fewest_within(n, cap)
    _, b = _best_step(n, f, first if first is not None else n + 1, n)
    if b is None:
        raise DepthsepError(f"no product tree for n = {n} with {layers} layers fits the width cap")
    sched = [b]
    for arg in reversed(choices):
        sched.append(arg[sched[-1]])
    return sched


def _greedy_counts(n: int, layers: int, cap: int | None) -> list[int]:
    """[n, g_1, …, g_layers]: the fewest values any schedule under the cap can have left."""
    counts = [n]
    for _ in range(layers):
        m = counts[-1]
        b = 1 if cap is None or m == 1 else _fewest_products_within(m, cap)
        counts.append(b if b is not None else m)
    return counts


def _best_step(m: int, f: list, start: int, end: int) -> tuple[int | None, int | None]:
    """min over b in [start, end] of layer_cost(m, b) + f[b], and the smallest b achieving it."""
    best = best_b = None
    for b in range(start, end + 1):
        rest = f[b]
        if rest is None:
            continue
        value = _layer_cost(m, b) + rest
        if best is None or value < best:
            best, best_b = value, b
    return best, best_b


@dataclass(frozen=True)
class ProductTree:
    """The cheapest product tree for x1…xN with ``layers`` hidden layers (Theorem 5.1).

    ``neurons`` is the exact minimum over every schedule; ``schedule`` = [m_1…m_K] achieves it and
    ``widths`` are its per-layer neuron counts. ``continuous`` are the real b_i of eq. (5) under
    ∏ b_i = N (None when eq. (2) has no stationary point with every b_i ≥ 1) and
    ``continuous_neurons`` is eq. (2) at them.
    """

    n: int
    layers: int
    neurons: int
    schedule: list[int]
    widths: list[int]
    continuous: list[float] | None
    continuous_neurons: float | None

    def as_dict(self) -> dict:
        """JSON-ready dict; exact ints stay ints, a continuous count beyond float range is None."""
        return {
            "n": self.n,
            "layers": self.layers,
            "neurons": self.neurons,
            "schedule": list(self.schedule),
            "widths": list(self.widths),
            "continuous": None if self.continuous is None else list(self.continuous),
            "continuous_neurons": _json_float(self.continuous_neurons),
        }


def _json_float(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def optimal_tree(n: int, layers: int) -> ProductTree:
    """The product tree of Theorem 5.1 with the fewest neurons, and the paper's eq. (2)/(5) optimum.

    Minimises Σ_i layer_cost(m_{i−1}, m_i) exactly over all schedules N = m_0 ≥ m_1 ≥ … ≥ m_K = 1
    by dynamic programming over (layer, values left) in exact integer arithmetic (see
    :func:`_exact_search`). Since a group of s values costs ≥ 4(s − 1) with equality for pairs and
    triples, every tree has at least 4(N − 1) neurons, and exactly 4(N − 1) + max(0, K − ⌊log2 N⌋)
    once K ≥ ⌈log3 N⌉: extra depth beyond that only adds identity neurons. With one
    layer the answer is 2^N (one product gate; 1 for N = 1). The continuous solution is
    :func:`continuous_group_sizes` and its cost :func:`eq2_neurons`.
    """
    n = _check_n(n)
    layers = _check_layers(layers)
    schedule = _exact_search(n, layers, _heuristic_schedule(n, layers))
    widths = _widths(n, schedule)
    continuous = continuous_group_sizes(n, layers)
    return ProductTree(
        n=n,
        layers=layers,
        neurons=sum(widths),
        schedule=schedule,
        widths=widths,
        continuous=continuous,
        continuous_neurons=None if continuous is None else eq2_neurons(continuous),
    )


def min_layer_width(n: int, layers: int) -> tuple[int, list[int]]:
    """The narrowest possible widest layer of a Theorem 5.1 product tree with ``layers`` layers.

    Returns (max width, schedule): the bottleneck version of :func:`optimal_tree`, exact. The
    smallest cap under which :func:`_greedy_schedule` fits in ``layers`` layers is found by binary
    search (fitting is monotone in the cap); among schedules meeting it, the one with the fewest
    neurons is returned.
    """
    n = _check_n(n)
    layers = _check_layers(layers)
    if layers == 1:
        return _layer_cost(n, 1), [1]
    lo, hi = n, max(_widths(n, _heuristic_schedule(n, layers)))  # every layer is at least n wide
    while lo < hi:
        mid = (lo + hi) // 2
        if _greedy_schedule(n, layers, mid) is None:
            lo = mid + 1
        else:
            hi = mid
    schedule = _exact_search(n, layers, _capped_witness(n, layers, lo), cap=lo)
    return max(_widths(n, schedule)), schedule


# ---------------------------------------------------------------------------------------------
# How deep is deep enough: the paper's curve and rule of thumb
# ---------------------------------------------------------------------------------------------

def paper_curve(n: float, k: int) -> float:
    """The paper's width curve W_k = n^((k−1)/k)·2^(n^(1/k)) (Theorem 5.1, eq. (1); Figure 2).

    ``math.inf`` when it exceeds the float range.
    """
    k = _check_layers(k, "k")
    n = float(n)
    if not n >= 1.0:
        raise DepthsepError(f"n must be at least 1, got {n}")
    try:
        return n ** ((k - 1) / k) * 2.0 ** (n ** (1.0 / k))
    except OverflowError:
        return math.inf


def _log2_paper_curve(n: int, k: int) -> float:
    return (k - 1) / k * math.log2(n) + n ** (1.0 / k)


def rule_of_thumb_layers(n: int) -> int:
    """The paper's rule of thumb (Section 5, after eq. (6)): the smallest integer k > log10 n.

    The paper derives it for layers of about W ≈ 2^10 ≈ 1000 neurons: eq. (6) then asks for
    n^(1/k) < 10. Computed exactly as the number of decimal digits of n (10^(k−1) ≤ n < 10^k).
    """
    n = _check_n(n)
    return len(str(n))


@dataclass(frozen=True)
class Advice:
    """How many hidden layers a product of n inputs needs under a per-layer width budget.

    ``layers`` is exact for the Theorem 5.1 tree (None if more than ``max_layers``); ``schedule``,
    ``widths`` and ``neurons`` are the cheapest tree with that many layers within the budget.
    ``rule_of_thumb_layers`` is the paper's k > log10 n (derived for W ≈ 2^10), ``curve_layers``
    the smallest k with the paper's W_k ≤ max_width (None if none up to ``max_layers``: the curve has
    a minimum, ``curve_min_width`` at ``curve_min_layers``, and a budget below it is never met), and
    ``curve`` lists W_k for k = 1…max(layers, curve_layers) + 1. ``notes`` say, in words, why the
    three answers differ.
    """

    n: int
    max_width: int
    layers: int | None
    schedule: list[int] | None
    widths: list[int] | None
    neurons: int | None
    rule_of_thumb_layers: int
    curve_layers: int | None
    curve_min_layers: int
    curve_min_width: float
    curve: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready dict; a curve width beyond float range is written as None."""
        return {
            "n": self.n,
            "max_width": self.max_width,
            "layers": self.layers,
            "schedule": None if self.schedule is None else list(self.schedule),
            "widths": None if self.widths is None else list(self.widths),
            "neurons": self.neurons,
            "rule_of_thumb_layers": self.rule_of_thumb_layers,
            "curve_layers": self.curve_layers,
            "curve_min_layers": self.curve_min_layers,
            "curve_min_width": _json_float(self.curve_min_width),
            "notes": list(self.notes),
            "curve": [{"layers": p["layers"], "width": _json_float(p["width"])} for p in self.curve],
        }


def advise(n: int, max_width: int, max_layers: int = 64) -> Advice:
    """The fewest hidden layers whose Theorem 5.1 product tree keeps every layer ≤ max_width.

    Exact for the tree: the greedy fewest-layer schedule under the cap is optimal (see
    :func:`_greedy_schedule`); among trees with that many layers under the cap the one with the
    fewest neurons is reported. Next to it: the paper's rule of thumb k > log10 n (Section 5,
    derived for W ≈ 2^10) and the smallest k on the paper's curve W_k = n^((k−1)/k)·2^(n^(1/k))
    (eq. (1)) that is ≤ max_width. Note that every tree's first layer is at least n wide, so no
    depth helps when max_width < n.
    """
    n = _check_n(n)
    max_width = _as_int(max_width, "max_width")
    if max_width < 1:
        raise DepthsepError(f"max_width must be at least 1 neuron, got {max_width}")
    max_layers = _check_layers(max_layers, "max_layers")

    greedy = _greedy_schedule(n, max_layers, max_width)
    layers = schedule = widths = neurons = None
    if greedy is not None:
        layers = next((i for i, m in enumerate(greedy, start=1) if m == 1), None)
        if layers is not None:
            schedule = _exact_search(n, layers, _capped_witness(n, layers, max_width), cap=max_width)
            widths = _widths(n, schedule)
            neurons = sum(widths)

    log2_budget = math.log2(max_width)
    curve_layers = next((k for k in range(1, max_layers + 1)
                         if _log2_paper_curve(n, k) <= log2_budget), None)
    # W_k falls while 2^(n^(1/k)) shrinks faster than n^((k-1)/k) grows, then rises towards n.
    curve_min_layers = min(range(1, max_layers + 1), key=lambda k: _log2_paper_curve(n, k))
    top = max(layers or 0, curve_layers or 0, curve_min_layers)
    curve = [{"layers": k, "width": paper_curve(n, k)} for k in range(1, min(top + 1, max_layers) + 1)]
    thumb = rule_of_thumb_layers(n)
    return Advice(n=n, max_width=max_width, layers=layers, schedule=schedule, widths=widths,
                  neurons=neurons, rule_of_thumb_layers=thumb, curve_layers=curve_layers,
                  curve_min_layers=curve_min_layers, curve_min_width=paper_curve(n, curve_min_layers),
                  curve=curve, notes=_advice_notes(n, max_width, layers, thumb, curve_layers, curve_min_layers))


def _advice_notes(n, max_width, layers, thumb, curve_layers, curve_min_layers) -> list[str]:
    """Why the exact tree, the paper's curve and its rule of thumb can give three different k."""
    notes = []
    if layers is None and max_width < n:
        notes.append(f"every product tree's first layer has at least n = {n} neurons, so no depth fits under {max_width}")
    if curve_layers is None:
        notes.append(
            f"the paper's curve never falls to {max_width}: its minimum is "
            f"{paper_curve(n, curve_min_layers):.4g} at k = {curve_min_layers}, and it rises again for larger k "
            f"(the factor n^((k-1)/k) tends to n)")
    if layers is not None and layers != thumb:
        why = (f"the rule of thumb k > log10 n = {math.log10(n):.3g} gives {thumb}: it reads eq. (6), "
               f"2^(n^(1/k)) <= 2^10, without the constant in its Θ and without the factor n^((k-1)/k), and "
               f"assumes W ≈ 2^10 whatever --max-width is; the exact tree needs {layers}")
        if abs(math.log2(n) - layers) < abs(thumb - layers):
            why += f" (closer to the paper's log2 n = {math.log2(n):.3g} for its O(n) constructions)"
        notes.append(why)
    return notes
