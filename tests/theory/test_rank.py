"""Derivative rank (App. 7.3), exact: checked against a sympy reference that takes every derivative."""

import itertools
from fractions import Fraction
from math import prod

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from depthsep.errors import DepthsepError
from depthsep.poly import Polynomial, parse_polynomial
from depthsep.theory.rank import (
    _distinct_rows,
    _forest_matching_size,
    derivative_count,
    derivative_rank,
)


# -- an independent reference: differentiate, collect coefficients, rank ----------------------


def reference_downset(p: Polynomial) -> set[tuple[int, ...]]:
    return {
        alpha
        for beta in p.terms
        for alpha in itertools.product(*(range(r + 1) for r in beta))
    }


def reference_rank(p: Polynomial) -> int:
    if p.n == 0:
        return 1
    xs = sp.symbols(p.variables)
    expr = p.to_sympy().subs({sp.Symbol(v, real=True): x for v, x in zip(p.variables, xs)})
    derivatives = []
    for alpha in sorted(reference_downset(p)):
        d = expr
        for x, a in zip(xs, alpha):
            if a:
                d = sp.diff(d, x, a)
        derivatives.append(sp.Poly(d, *xs).as_dict())
    monomials = sorted({m for d in derivatives for m in d})
    matrix = sp.Matrix([[d.get(m, 0) for m in monomials] for d in derivatives])
    return matrix.rank()


def polynomial(terms: dict, variables=None) -> Polynomial:
    """A Polynomial from {exponent: coefficient}, dropping cancelled terms."""
    n = len(next(iter(terms)))
    variables = variables or tuple(f"x{i + 1}" for i in range(n))
    return Polynomial(tuple(variables), {e: Fraction(c) for e, c in terms.items() if c != 0})


def times(f: Polynomial, g: Polynomial) -> Polynomial:
    """f(x)·g(y) for f, g in disjoint variables."""
    return Polynomial(
        f.variables + g.variables,
        {a + b: cf * cg for a, cf in f.terms.items() for b, cg in g.terms.items()},
    )


# -- hand-worked cases ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, count, rank",
    [
        ("x1*x2", 4, 4),  # x1x2, x2, x1, 1
        ("x^5", 6, 6),  # x^d -> d + 1
        ("x1^2*x2^3*x3", 24, 24),  # a monomial: ∏(r_i + 1), all through the general path
        ("x^5 - 3*x^2 + x/7", 6, 6),  # univariate degree d: distinct degrees, d + 1
        # x1x2 + x3x4: p; x2, x1, x4, x3; ∂1∂2 p = ∂3∂4 p = 1. D = 4 + 4 - 1 = 7 derivatives,
        # rank 1 (degree 2) + 4 (degree 1) + 1 (the two constants coincide) = 6.
        ("x1*x2 + x3*x4", 7, 6),
        # (x+y)^3: every derivative of order k is a multiple of (x+y)^(3-k): 10 derivatives, rank 4.
        ("(x + y)^3", 10, 4),
        # x^2y + xy^2: p | 2xy + y^2, x^2 + 2xy | 2y, 2x + 2y, 2x | 2, 2 -> 1 + 2 + 2 + 1 = 6.
        ("x^2*y + x*y^2", 8, 6),
        # 1 + x + x^2y^2: the nine derivatives of x^2y^2 each bring a new leading monomial.
        ("1 + x + x^2*y^2", 9, 9),
        # xy + zw + xw: degree 2: 1; degree 1: y + w, x, z + x, w -> 4; degree 0: 1. D = 1 + 4 + 3.
        ("x*y + z*w + x*w", 8, 6),
        ("(x1 + x2 + x3 + x4)^4", 70, 5),  # powers of a linear form: ℓ^4, ℓ^3, …, 1
        ("7", 1, 1),  # a constant is its own (only) derivative
    ],
)
def test_hand_worked_cases(text, count, rank):
    p = parse_polynomial(text)
    assert derivative_count(p) == count
    assert derivative_rank(p) == rank
    assert reference_rank(p) == rank


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_product_of_n_variables_has_rank_2_to_the_n(n):
    assert derivative_rank(Polynomial.product(n)) == 2**n


def test_power_of_a_linear_form():
    # all monomials of degree ≤ 8 in 4 variables are derivatives, but only ℓ^8, …, ℓ, 1 span them
    p = parse_polynomial("(x1 + x2 + x3 + x4)^8")
    assert derivative_count(p) == sp.binomial(12, 4)
    assert derivative_rank(p) == 9


def test_product_of_20_variables_is_fast_and_exact():
    assert derivative_rank(Polynomial.product(20)) == 2**20


@pytest.mark.parametrize("exponents", [(3,), (1, 1, 1), (2, 0, 3), (4, 1, 2, 1), (3,) * 5])
def test_monomial_rank_is_the_product_of_r_plus_one(exponents):
    p = Polynomial.monomial(exponents, coefficient=Fraction(-5, 3))
    assert derivative_rank(p) == derivative_count(p) == prod(r + 1 for r in exponents)


def test_unused_variable_changes_nothing():
    p = Polynomial(("x", "y"), {(2, 0): Fraction(1)})
    assert derivative_rank(p) == derivative_count(p) == 3


def test_zero_polynomial():
    p = Polynomial(("x",), {})
    assert derivative_rank(p) == derivative_count(p) == 0


def test_accepts_text():
    assert derivative_rank("x1*x2") == 4
    assert derivative_count("x1*x2 + x3") == 5


@pytest.mark.parametrize(
    "text",
    [
        "(x1 + x2)^3*x3*x4*x5",  # eight copies of the (x1+x2)^3 cycles: one flint call
        "(x + y)^2*(z + w)^2",
        "x1*x2*x3*(1 + x4)",  # tree components (paths of three edges)
        "(x1 + 2*x2 - x3)^2*(x4*x5 + x6^2)",
    ],
)
def test_structured_products_match_reference(text):
    p = parse_polynomial(text)
    assert derivative_rank(p) == reference_rank(p)


def test_many_variables_need_more_than_one_radix_chunk():
    # 70 variables: the mixed-radix code space 2^70 does not fit in int64.
    # x1x2 + x3x4 + … + x69x70: p, 70 distinct variables, and the constant 1: rank 72.
    exponents = [tuple(int(i in (2 * k, 2 * k + 1)) for i in range(70)) for k in range(35)]
    p = polynomial({e: 1 for e in exponents})
    assert derivative_count(p) == 1 + 70 + 35
    assert derivative_rank(p) == 72
    # with a cyclic factor in front, the rank multiplies by rank((y1 + y2)^2) = 3
    assert derivative_rank(times(parse_polynomial("(y1 + y2)^2"), p)) == 3 * 72


# -- limits -----------------------------------------------------------------------------------


def test_monomial_above_the_limit_gets_the_closed_form():
    assert derivative_rank(Polynomial.product(30)) == 2**30
    assert derivative_rank(Polynomial.monomial((1, 2, 3)), max_derivatives=10) == 24


def test_non_monomial_above_the_limit_raises_with_the_numbers():
    p = polynomial({(1,) * 30: 1, (1,) + (0,) * 29: 1})
    message = f"needs {2**30} derivatives, more than the limit {2**24}"
    with pytest.raises(DepthsepError, match=message):
        derivative_rank(p)
    with pytest.raises(DepthsepError, match="needs 18 derivatives, more than the limit 11"):
        derivative_rank("x^2*y^2*z + x", max_derivatives=11)


def test_too_many_matrix_entries_raises():
    with pytest.raises(DepthsepError, match="non-zero entries, more than the limit 5"):
        derivative_rank("(x + y)^2", max_entries=5)


def test_count_of_huge_sparse_polynomials_is_exact_without_enumeration():
    assert derivative_count(Polynomial.product(200)) == 2**200
    both = tuple([1] * 100 + [0] * 50)
    half = tuple([1] * 50 + [0] * 50 + [1] * 50)
    p = polynomial({both: 1, half: -2})
    assert derivative_count(p) == 2**100 + 2**100 - 2**50  # the boxes share x1…x50


# -- random polynomials against the reference -------------------------------------------------

coefficients = st.sampled_from([1, -1, 2, 3, Fraction(1, 2), Fraction(-3, 7), 6])


@st.composite
def sparse_polynomials(draw, max_variables=3, max_power=3, max_terms=5):
    n = draw(st.integers(1, max_variables))
    exponent = st.tuples(*[st.integers(0, max_power)] * n)
    terms = draw(st.dictionaries(exponent, coefficients, min_size=1, max_size=max_terms))
    return polynomial(terms)


@st.composite
def cancelling_polynomials(draw):
    """Products and powers of small linear/quadratic forms: dense catalecticants with cycles."""
    xs = sp.symbols("x1:4")
    small = st.integers(-2, 2)
    forms = [
        sum(draw(small) * x for x in xs) + draw(small),
        draw(small) * xs[0] * xs[1] + draw(small) * xs[2] ** 2 + draw(small) * xs[0],
    ]
    expr = sp.expand(forms[0] ** draw(st.integers(1, 3)) * forms[1] ** draw(st.integers(0, 1)))
    if expr == 0:
        expr = xs[0] * xs[1] + xs[1] * xs[2]
    return parse_polynomial(str(expr))


@settings(max_examples=60, deadline=None)
@given(sparse_polynomials())
def test_random_sparse_polynomials_match_reference(p):
    assert derivative_count(p) == len(reference_downset(p))
    assert derivative_rank(p) == reference_rank(p)


@settings(max_examples=30, deadline=None)
@given(cancelling_polynomials())
def test_polynomials_with_cancellation_match_reference(p):
    assert derivative_rank(p) == reference_rank(p)


@settings(max_examples=40, deadline=None)
@given(sparse_polynomials(max_variables=2, max_power=4), sparse_polynomials(max_variables=2))
def test_rank_multiplies_over_disjoint_variables(f, g):
    g = Polynomial(tuple(f"y{i}" for i in range(g.n)), g.terms)
    assert derivative_rank(times(f, g)) == derivative_rank(f) * derivative_rank(g)


@settings(max_examples=60, deadline=None)
@given(sparse_polynomials(max_variables=4, max_power=4, max_terms=8), coefficients)
def test_rank_bounds_and_invariance(p, scale):
    rank = derivative_rank(p)
    # Theorem 4.3(i): c · rank ≥ ∏(r_i + 1) for every monomial of p.
    assert p.sparsity * rank >= max(prod(r + 1 for r in beta) for beta in p.terms)
    assert rank <= derivative_count(p)
    scaled = Polynomial(p.variables, {e: c * scale for e, c in p.terms.items()})
    assert derivative_rank(scaled) == rank


# -- the forest matching on its own -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**32 - 1))
def test_forest_matching_equals_maximum_bipartite_matching(n_nodes, seed):
    rng = np.random.default_rng(seed)
    # A random forest on bipartite nodes: attach each node to an earlier one of the other side.
    side = rng.integers(0, 2, n_nodes)
    u, v = [], []
    for node in range(1, n_nodes):
        earlier = [k for k in range(node) if side[k] != side[node]]
        if earlier and rng.random() < 0.9:
            other = int(rng.choice(earlier))
            row, col = (node, other) if side[node] == 0 else (other, node)
            u.append(row)
            v.append(col)
    u, v = np.array(u, dtype=np.int64), np.array(v, dtype=np.int64)
    expected = 0
    if u.size:
        graph = csr_matrix((np.ones(u.size), (u, v)), shape=(n_nodes, n_nodes))
        expected = int(np.count_nonzero(maximum_bipartite_matching(graph, perm_type="column") >= 0))
    assert _forest_matching_size(u, v) == expected


def test_forest_matching_on_a_long_path():
    u = np.arange(0, 1000, 2)  # path 0-1-2-…-999: 999 edges, matching 500
    edges_u = np.concatenate([u, u[:-1] + 2])
    edges_v = np.concatenate([u + 1, u[:-1] + 1])
    assert _forest_matching_size(edges_u, edges_v) == 500


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=4, max_size=4), min_size=1, max_size=30))
def test_distinct_rows_counts_each_row_once(rows):
    found = {tuple(row.tolist()): count for row, count in _distinct_rows(np.array(rows))}
    expected = {}
    for row in rows:
        expected[tuple(row)] = expected.get(tuple(row), 0) + 1
    assert found == expected
