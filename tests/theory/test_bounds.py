"""`bounds`: every count checked against the theorems, worked by hand from the paper's statements."""

import itertools
from math import comb, prod

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthsep.errors import DepthsepError
from depthsep.poly import Polynomial
from depthsep.theory.bounds import (
    _union_by_enumeration,
    _union_by_inclusion_exclusion,
    bounds,
    ceil_log2,
    max_coefficient_of_box_product,
    monomial_deep_neurons,
)


def counts(text):
    b = bounds(text).as_dict()
    return {k: b[k] for k in ("derivative_rank", "shallow_lower", "shallow_upper", "deep_upper", "coefficient_lower")}


def test_product_of_three_lin_et_al():
    # Lin et al. / Thm 4.1 with r = (1,1,1): 2^3 = 8 neurons in one layer, and that many are needed.
    # Deep: 4 per variable (7*ceil(log2 1) + 4). Thm 4.4: largest coefficient of (1+y)^3 is 3.
    assert counts("x1*x2*x3") == dict(derivative_rank=8, shallow_lower=8, shallow_upper=8, deep_upper=12, coefficient_lower=3)


def test_monomial_of_theorem_4_1():
    # x1^3 x2^2 x3: (3+1)(2+1)(1+1) = 24. Deep: (7*2+4) + (7*1+4) + (7*0+4) = 18 + 11 + 4 = 33.
    # (1+y+y^2+y^3)(1+y+y^2)(1+y) = 1 + 3y + 5y^2 + 6y^3 + 5y^4 + 3y^5 + y^6: largest coefficient 6,
    # above the "simple (and not very good)" bound (1/d)∏(r_i+1) = 24/6 = 4 of Thm 4.4.
    assert counts("x1^3*x2^2*x3") == dict(derivative_rank=24, shallow_lower=24, shallow_upper=24, deep_upper=33, coefficient_lower=6)


def test_product_of_twenty():
    # Figure 2's function: 2^20 shallow neurons, 4*20 = 80 deep ones, C(20, 10) from Thm 4.4.
    assert counts("*".join(f"x{i}" for i in range(1, 21))) == dict(
        derivative_rank=2**20, shallow_lower=2**20, shallow_upper=2**20, deep_upper=80, coefficient_lower=184756
    )


@pytest.mark.parametrize("d, deep", [(2, 7), (3, 14), (4, 14), (5, 21), (8, 21), (9, 28), (16, 28), (17, 35)])
def test_univariate_power_proposition_4_6(d, deep):
    # Prop 4.6: m1(x^d) = d + 1 and m(x^d) ≤ 7⌈log2 d⌉, the worst case being d + 1 a power of two.
    assert counts(f"x^{d}") == dict(derivative_rank=d + 1, shallow_lower=d + 1, shallow_upper=d + 1, deep_upper=deep, coefficient_lower=1)


def test_any_univariate_polynomial_proposition_4_5():
    # Prop 4.5: d + 1 neurons suffice for every degree-d polynomial; its d+1 derivatives
    # (degrees d, d-1, …, 0) are independent, so d + 1 are needed: the count is exact.
    b = bounds("x^4 - 3*x^3 + x + 7").as_dict()
    assert (b["derivative_rank"], b["shallow_lower"], b["shallow_upper"], b["exact"]) == (5, 5, 5, True)
    assert b["coefficient_lower"] is None  # Thm 4.4 is about monomials only


def test_sparse_sum_of_products():
    # p = x1 x2 + x3 x4. Derivatives: p, x2, x1, x4, x3, 1 → rank 6. Thm 4.3(i): 4/2 = 2.
    # Construction: weights (±1, ±1, 0, 0) and (0, 0, ±1, ±1), no vector shared → 8 neurons.
    # Deep: two monomials of 4 + 4 neurons each → 16.
    b = bounds("x1*x2 + x3*x4").as_dict()
    assert (b["derivative_rank"], b["thm43_lower"], b["shallow_lower"], b["shallow_upper"], b["deep_upper"]) == (6, 2, 6, 8, 16)
    assert b["coefficient_lower"] is None and not b["exact"]


def test_shared_neurons_are_counted_once():
    # x1^2 uses weights {2, 0, -2} x {0}; x2^2 uses {0} x {2, 0, -2}: they share the zero vector
    # (the neuron σ(0)), so 3 + 3 - 1 = 5 neurons. A constant term shares it as well.
    assert bounds("x1^2 + x2^2").shallow_upper == 5
    assert bounds("x1^2 + x2^2 + 1").shallow_upper == 5
    # x1^3 uses {±3, ±1} x {0}; x1 x2^2 uses {±1} x {2, 0, -2}: they share (±1, 0) → 4 + 6 - 2.
    assert bounds("x1^3 + x1*x2^2").shallow_upper == 8
    # x1^2 x2 and x1 x2: the parities of x1's exponents differ, so no weight vector is shared.
    assert bounds("x1^2*x2 + x1*x2").shallow_upper == 6 + 4


def test_constant_polynomial():
    b = bounds("5").as_dict()
    assert (b["degree"], b["derivative_rank"], b["shallow_lower"], b["shallow_upper"], b["deep_upper"]) == (0, 1, 1, 1, 1)


def test_degree_one():
    # x alone: derivatives x, 1 → 2 neurons (σ(δx) and σ(0)); deep: no network of 0 neurons outputs x.
    b = bounds("x").as_dict()
    assert (b["shallow_lower"], b["shallow_upper"], b["deep_upper"]) == (2, 2, 4)


def test_ceil_log2():
    assert [ceil_log2(r) for r in range(1, 10)] == [0, 1, 2, 2, 3, 3, 3, 3, 4]


@pytest.mark.parametrize("r", [(1,) * 6, (2, 3), (5,), (1, 2, 3), (4, 4, 1)])
def test_thm44_coefficient_is_the_largest_layer_of_the_multiset_lattice(r):
    # Count sub-multisets of each size directly.
    sizes = [sum(choice) for choice in itertools.product(*[range(k + 1) for k in r])]
    assert max_coefficient_of_box_product(r) == max(sizes.count(s) for s in set(sizes))


def test_thm44_binomial_case():
    assert max_coefficient_of_box_product((1,) * 30) == comb(30, 15)


# -- properties over random sparse polynomials ----------------------------------------------------
exponents = st.tuples(*[st.integers(0, 3)] * 3)
random_polys = st.dictionaries(exponents, st.integers(-5, 5).filter(bool), min_size=1, max_size=5).map(
    lambda terms: Polynomial(("x1", "x2", "x3"), terms)
)


@settings(max_examples=80, deadline=None)
@given(random_polys)
def test_lower_bounds_never_exceed_the_construction(p):
    b = bounds(p)
    # Thm 4.3(i)'s proof shows rank ≥ max_j m1(q_j)/c, and a construction can never beat a lower bound.
    assert b.derivative_rank >= b.thm43_lower
    assert b.shallow_lower <= b.shallow_upper
    assert b.derivative_rank <= b.derivative_count


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=4).filter(any))
def test_monomials_are_exact(r):
    b = bounds(Polynomial.monomial(tuple(r))).as_dict()
    assert b["shallow_lower"] == b["shallow_upper"] == b["derivative_rank"] == prod(k + 1 for k in r)
    assert b["coefficient_lower"] <= b["shallow_lower"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 3)] * 3), min_size=2, max_size=6, unique=True))
def test_union_count_two_ways_and_by_brute_force(exps):
    brute = set()
    for e in exps:
        brute |= set(itertools.product(*[range(-r, r + 1, 2) for r in e]))
    assert _union_by_enumeration(exps) == _union_by_inclusion_exclusion(exps) == len(brute)


def test_deep_bound_of_one_monomial():
    assert monomial_deep_neurons((1, 1)) == 8
    assert monomial_deep_neurons((0, 7)) == 21  # only x2 appears: Prop 4.6, 7⌈log2 7⌉ = 21 < 25
    assert monomial_deep_neurons(()) == 1


def test_bad_polynomial_is_refused():
    with pytest.raises(DepthsepError, match="negative exponent"):
        bounds("x^-2")
