"""Theorem 5.1's product tree: exact integer optimum, the paper's eq. (2)/(5) relaxation, advice.

Reference values are worked by hand here or computed by code written independently in this file
(brute force over schedules, scipy.optimize.minimize for eq. (2)), never by the module under test.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.optimize import minimize

from depthsep.errors import DepthsepError
from depthsep.theory import tree
from depthsep.theory.tree import (
    advise, continuous_group_sizes, eq2_neurons, group_sizes, layer_cost, min_layer_width,
    optimal_tree, paper_curve, rule_of_thumb_layers, schedule_widths,
)

FAST = settings(max_examples=60, deadline=None)


# ------------------------------------------------------------------ independent reference code

def ref_layer_cost(a: int, b: int) -> int:
    """a values into b groups as evenly as possible; 2^s per group of s >= 2, 1 per lone value."""
    sizes = [a // b + (1 if j < a % b else 0) for j in range(b)]
    assert sum(sizes) == a
    return sum(1 if s == 1 else 2 ** s for s in sizes)


def ref_schedule_costs(n: int, layers: int):
    """(total, max width, schedule) for every non-increasing schedule n >= m_1 >= ... >= m_K = 1."""
    for middle in itertools.combinations_with_replacement(range(1, n + 1), layers - 1):
        sched = sorted(middle, reverse=True) + [1]
        widths = [ref_layer_cost(a, b) for a, b in zip([n] + sched, sched)]
        yield sum(widths), max(widths), sched


def eq2_reference(b) -> float:
    """Eq. (2) written out: sum_i (prod_{j>i} b_j) 2^{b_i}."""
    return sum(math.prod(b[i + 1:]) * 2.0 ** b[i] for i in range(len(b)))


def minimise_eq2(n: float, k: int):
    """Minimise eq. (2) over u = log b with sum u = log n and b >= 1, by SLSQP from several starts."""
    def objective(u):
        return eq2_reference(list(np.exp(u)))

    best = None
    starts = [np.full(k, math.log(n) / k)] + [
        np.random.default_rng(seed).dirichlet(np.ones(k)) * math.log(n) for seed in range(4)]
    for u0 in starts:
        res = minimize(objective, u0, method="SLSQP", bounds=[(0.0, None)] * k,
                       constraints=[{"type": "eq", "fun": lambda u: u.sum() - math.log(n)}],
                       options={"ftol": 1e-14, "maxiter": 1000})
        if res.success and (best is None or res.fun < best.fun):
            best = res
    assert best is not None
    return np.exp(best.x), best.fun


# ------------------------------------------------------------------ hand-worked cases

def test_n20_two_layers_is_112_by_hand():
    # Layer 1 splits 20 values into b groups, layer 2 multiplies the b results (cost 2^b):
    #   b=3: 6,7,7 -> 2*128 + 64 = 320,  + 2^3  =  328
    #   b=4: four 5s -> 4*32    = 128,  + 2^4  =  144
    #   b=5: five 4s -> 5*16    =  80,  + 2^5  =  112   <- best
    #   b=6: 4,4,3,3,3,3 -> 2*16 + 4*8 = 64, + 2^6 = 128
    #   b=7: 3,3,3,3,3,3,2 -> 6*8 + 4 = 52,  + 2^7 = 180
    #   b<=2 costs at least 2^10, b>=8 at least 2^8 in layer 2.
    result = optimal_tree(20, 2)
    assert result.neurons == 112
    assert result.schedule == [5, 1]
    assert result.widths == [80, 32]
    assert layer_cost(20, 5) == 80 and group_sizes(20, 5) == [4] * 5


def test_one_layer_costs_two_to_the_n():
    for n in (2, 3, 10, 20, 64, 1000):
        result = optimal_tree(n, 1)
        assert result.neurons == 2 ** n and type(result.neurons) is int
        assert result.schedule == [1]
        assert result.continuous == [float(n)]
    assert optimal_tree(1, 1).neurons == 1  # one identity neuron


def test_exact_beyond_float_precision():
    # 2^60 + 1 is not a float; the count must still be exact.
    assert optimal_tree(60, 1).neurons == 2 ** 60
    assert layer_cost(61, 2) == 2 ** 31 + 2 ** 30
    assert optimal_tree(1000, 1).as_dict()["neurons"] == 2 ** 1000


def test_design_example_continuous_n20_k2():
    b = optimal_tree(20, 2).continuous
    assert b == pytest.approx([3.876, 5.159], abs=1e-3)


def test_group_sizes_even_split():
    assert group_sizes(7, 3) == [3, 2, 2]
    assert group_sizes(5, 5) == [1] * 5
    assert layer_cost(7, 3) == 8 + 4 + 4
    assert layer_cost(5, 5) == 5
    assert schedule_widths(20, [7, 3, 1]) == [52, 16, 8]


# ------------------------------------------------------------------ the continuous relaxation

SOLVABLE = [(2, 2), (5, 3), (20, 2), (20, 3), (20, 4), (50, 5), (100, 3), (100, 6), (1000, 2),
            (1000, 4), (10**4, 3)]


@pytest.mark.parametrize("n,k", SOLVABLE)
def test_eq5_and_product_constraint_hold(n, k):
    b = continuous_group_sizes(n, k)
    assert b is not None and len(b) == k
    assert math.prod(b) == pytest.approx(n, rel=1e-10)
    for prev, cur in zip(b, b[1:]):
        assert cur == pytest.approx(prev + math.log2(prev - 1 / math.log(2)), abs=1e-10)
    assert eq2_neurons(b) == pytest.approx(eq2_reference(b), rel=1e-12)


@pytest.mark.parametrize("n,k", [(2, 2), (5, 3), (20, 2), (20, 3), (20, 4), (50, 5), (100, 4)])
def test_continuous_solution_minimises_eq2(n, k):
    b_min, value = minimise_eq2(n, k)
    result = optimal_tree(n, k)
    assert result.continuous == pytest.approx(list(b_min), rel=1e-4)
    assert result.continuous_neurons == pytest.approx(value, rel=1e-8)


@pytest.mark.parametrize("n,k", [(2, 3), (3, 3), (10, 4), (20, 5), (20, 6)])
def test_no_stationary_point_means_boundary_minimum(n, k):
    result = optimal_tree(n, k)
    assert result.continuous is None and result.continuous_neurons is None
    b_min, _ = minimise_eq2(n, k)
    assert min(b_min) == pytest.approx(1.0, abs=1e-6)  # the optimum sits on b_i = 1


# ------------------------------------------------------------------ exact integer optimum

@FAST
@given(n=st.integers(1, 300), k=st.integers(1, 12))
def test_schedule_reproduces_neurons(n, k):
    result = optimal_tree(n, k)
    sched = result.schedule
    assert len(sched) == k and sched[-1] == 1
    assert all(1 <= b <= a for a, b in zip([n] + sched, sched))
    widths = [ref_layer_cost(a, b) for a, b in zip([n] + sched, sched)]
    assert widths == result.widths
    assert sum(widths) == result.neurons


@FAST
@given(n=st.integers(1, 12), k=st.integers(1, 4))
def test_neurons_equal_brute_force(n, k):
    best_total = min(total for total, _, _ in ref_schedule_costs(n, k))
    assert optimal_tree(n, k).neurons == best_total


@FAST
@given(n=st.integers(1, 12), k=st.integers(1, 4))
def test_bottleneck_equals_brute_force(n, k):
    best_width = min(width for _, width, _ in ref_schedule_costs(n, k))
    width, sched = min_layer_width(n, k)
    assert width == best_width
    assert max(ref_layer_cost(a, b) for a, b in zip([n] + sched, sched)) == width


@pytest.mark.parametrize("n,k", [(12, 3), (40, 3), (97, 5), (150, 7)])
def test_fallback_search_is_exact(monkeypatch, n, k):
    # Force the monotone backward search (used when pruning would be slow) and compare it with a
    # plain dynamic program over every pair (m, b).
    monkeypatch.setattr(tree, "_PRUNED_BUDGET", 0)
    best = {n: 0}
    for _ in range(k):
        step = {}
        for m, cost in best.items():
            for b in range(1, m + 1):
                value = cost + ref_layer_cost(m, b)
                step[b] = min(step.get(b, value), value)
        best = step
    assert optimal_tree(n, k).neurons == best[1]
    cap = min_layer_width(n, k)[0] + 3
    assert max(advise(n, cap, max_layers=k).widths) <= cap


@FAST
@given(n=st.integers(1, 400), k=st.integers(1, 12))
def test_depth_monotonicity(n, k):
    # Neurons need NOT fall with depth (every extra layer costs at least one neuron), but one
    # more layer never costs more than one extra identity neuron, and the bottleneck never widens.
    assert optimal_tree(n, k + 1).neurons <= optimal_tree(n, k).neurons + 1
    assert min_layer_width(n, k + 1)[0] <= min_layer_width(n, k)[0]


@FAST
@given(n=st.integers(2, 2000), k=st.integers(1, 40))
def test_pairs_and_triples_floor(n, k):
    # A group of s values costs >= 4(s - 1), equality for s = 2, 3: so every tree costs at least
    # 4(n - 1), and exactly that once k lies between ceil(log3 n) and floor(log2 n); beyond, each
    # further layer is one identity neuron.
    neurons = optimal_tree(n, k).neurons
    assert neurons >= 4 * (n - 1)
    log3 = next(j for j in itertools.count() if 3 ** j >= n)
    log2 = n.bit_length() - 1
    if k >= log3:
        assert neurons == 4 * (n - 1) + max(0, k - log2)


def test_n20_layers_1_to_6():
    neurons = [optimal_tree(20, k).neurons for k in range(1, 7)]
    assert neurons == [2 ** 20, 112, 76, 76, 77, 78]


def test_large_case_is_fast():
    import time

    start = time.perf_counter()
    result = optimal_tree(2000, 64)
    assert result.neurons == 4 * 1999 + 64 - 10
    optimal_tree(2000, 5)
    min_layer_width(2000, 6)
    assert time.perf_counter() - start < 10  # ~0.3 s on a laptop; generous for CI


# ------------------------------------------------------------------ advice

@FAST
@given(n=st.integers(1, 300), width=st.integers(1, 10**5), max_layers=st.integers(1, 20))
def test_advise_returns_fewest_layers(n, width, max_layers):
    advice = advise(n, width, max_layers=max_layers)
    if advice.layers is None:
        assert min_layer_width(n, max_layers)[0] > width
        return
    k = advice.layers
    assert len(advice.schedule) == k and advice.schedule[-1] == 1
    assert max(advice.widths) <= width
    assert sum(advice.widths) == advice.neurons
    assert advice.widths == [ref_layer_cost(a, b)
                             for a, b in zip([n] + advice.schedule, advice.schedule)]
    if k > 1:
        assert min_layer_width(n, k - 1)[0] > width  # one layer fewer does not fit


def test_advise_minimises_neurons_under_the_cap():
    n, width = 12, 40
    advice = advise(n, width)
    feasible = [total for total, w, _ in ref_schedule_costs(n, advice.layers) if w <= width]
    assert advice.neurons == min(feasible)


def test_rule_of_thumb_is_smallest_k_above_log10_n():
    for n in (1, 9, 10, 11, 20, 99, 100, 999, 1000, 12345):
        k = rule_of_thumb_layers(n)
        assert k > math.log10(n) and not k - 1 > math.log10(n)
    assert advise(20, 2**10).rule_of_thumb_layers == 2


def test_paper_curve_and_curve_layers():
    assert paper_curve(20, 1) == pytest.approx(2.0 ** 20)
    assert paper_curve(20, 2) == pytest.approx(math.sqrt(20) * 2 ** math.sqrt(20))
    assert paper_curve(5000, 1) == math.inf
    advice = advise(20, 100)
    assert advice.curve_layers == 2  # W_1 = 2^20 > 100 >= W_2 ~ 98.7
    assert advice.layers == 2 and advice.schedule == [5, 1]  # widths 80, 32
    top = max(advice.layers, advice.curve_layers, advice.curve_min_layers) + 1
    assert [p["layers"] for p in advice.curve] == list(range(1, top + 1))
    assert advice.curve_min_width == min(paper_curve(20, k) for k in range(1, 65))
    assert advice.curve[1]["width"] == pytest.approx(paper_curve(20, 2))


def test_advise_says_why_the_curve_and_the_rule_of_thumb_disagree():
    advice = advise(1000, 1024)
    assert advice.layers == 12 and advice.rule_of_thumb_layers == 4 and advice.curve_layers is None
    # The curve bottoms out above the budget: the answer names its minimum instead of k = None.
    assert advice.curve_min_width == min(paper_curve(1000, k) for k in range(1, 65)) > 1024
    assert any("never falls to 1024" in n and f"k = {advice.curve_min_layers}" in n for n in advice.notes)
    assert any("rule of thumb" in n and "needs 12" in n for n in advice.notes)
    assert advise(20, 100).notes == []   # all three agree: nothing to explain


def test_advise_when_nothing_fits():
    advice = advise(2000, 2**10)  # every tree's first layer has >= n neurons
    assert advice.layers is None and advice.schedule is None and advice.neurons is None
    assert advice.curve_layers is None
    assert advice.rule_of_thumb_layers == 4
    json.dumps(advice.as_dict(), allow_nan=False)


def test_as_dict_is_json_ready():
    for result in (optimal_tree(20, 3), optimal_tree(2000, 1), optimal_tree(2, 3)):
        text = json.dumps(result.as_dict(), allow_nan=False)
        back = json.loads(text)
        assert back["neurons"] == result.neurons
        assert set(back) >= {"n", "layers", "neurons", "schedule", "continuous",
                             "continuous_neurons"}
    assert optimal_tree(2000, 1).as_dict()["continuous_neurons"] is None  # 2^2000 > float range
    json.dumps(advise(5000, 10**6).as_dict(), allow_nan=False)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call", [
    lambda: optimal_tree(0, 2),
    lambda: optimal_tree(20, 0),
    lambda: optimal_tree(100_001, 3),
    lambda: optimal_tree(20, 10**6),
    lambda: optimal_tree(2.5, 2),
    lambda: optimal_tree("20", 2),
    lambda: optimal_tree(True, 2),
    lambda: min_layer_width(20, -1),
    lambda: layer_cost(3, 4),
    lambda: layer_cost(3, 0),
    lambda: group_sizes(0, 1),
    lambda: schedule_widths(20, []),
    lambda: schedule_widths(20, [5, 7, 1]),
    lambda: schedule_widths(20, [5, 2]),
    lambda: schedule_widths(20, [21, 1]),
    lambda: schedule_widths(20, [5, 0, 1]),
    lambda: schedule_widths(20, 5),
    lambda: advise(20, 0),
    lambda: advise(20, 100, max_layers=0),
    lambda: advise(0, 100),
    lambda: paper_curve(20, 0),
    lambda: continuous_group_sizes(0.5, 2),
])
def test_bad_input_raises_depthsep_error(call):
    with pytest.raises(DepthsepError) as info:
        call()
    assert "\n" not in str(info.value)
