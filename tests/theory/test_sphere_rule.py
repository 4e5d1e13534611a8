"""Positive cubature on S^{d−1}: every rule is checked against sphere moments computed here."""

import math

import numpy as np
import pytest

from depthsep.theory import sphere_rule as S


def closed_form_moment(exponents) -> float:
    """E Π_i u_i^{β_i} for u uniform on S^{d−1}: 0 if some β_i is odd, else
    Γ(d/2)/Γ(d/2 + |β|/2) · Π_i Γ(β_i/2 + 1/2)/Γ(1/2)."""
    exponents = np.asarray(exponents)
    if np.any(exponents % 2):
        return 0.0
    d, half = len(exponents), exponents // 2
    log = math.lgamma(d / 2) - math.lgamma(d / 2 + half.sum())
    log += sum(math.lgamma(a + 0.5) - math.lgamma(0.5) for a in half)
    return math.exp(log)


def random_even_polynomial(dim, degree, rng, terms=30):
    """Exponent rows and coefficients of a random polynomial with monomials of even total degree ≤ 2K
    (odd exponents included: they must integrate to 0)."""
    rows = []
    for _ in range(terms):
        total = 2 * int(rng.integers(0, degree + 1))
        rows.append(rng.multinomial(total, np.ones(dim) / dim))
    return np.array(rows), rng.standard_normal(terms)


def integrate(U, w, exponents, coefficients):
    return float(np.sum(w * (np.prod(U[:, None, :] ** exponents[None, :, :], axis=2) @ coefficients)))


def assert_exact(U, w, dim, degree, seed=0):
    assert np.all(w > 0) and math.isclose(w.sum(), 1.0, rel_tol=1e-12)
    assert np.allclose(np.linalg.norm(U, axis=1), 1.0)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        exponents, coefficients = random_even_polynomial(dim, degree, rng)
        want = sum(c * closed_form_moment(e) for e, c in zip(exponents, coefficients))
        got = integrate(U, w, exponents, coefficients)
        assert got == pytest.approx(want, rel=1e-10, abs=1e-12 * np.abs(coefficients).sum())


@pytest.mark.parametrize("dim,degree", [(3, 2), (3, 3), (4, 3), (6, 3), (6, 4), (8, 2), (8, 3), (5, 5)])
def test_orbit_rule_is_exact(dim, degree):
    design = S.orbit_design(dim, degree)
    assert isinstance(design, S.OrbitRule)
    U, w = S.orbit_rule(design)
    assert len(U) == design.directions
    assert_exact(U, w, dim, degree)


@pytest.mark.parametrize("dim,degree", [(3, 1), (4, 2), (5, 2), (6, 2), (8, 2), (9, 1)])
def test_array_rule_is_exact(dim, degree):
    # (4, 2): d ≤ 2K, the array is all of F_q^d; (8, 2): d = q + 1 uses the column at infinity
    design = S.array_design(dim, degree)
    assert isinstance(design, S.ArrayRule)
    U, w = S.array_rule(design)
    assert len(U) == design.directions == (design.q ** min(2 * degree, dim) - 1) // 2
    assert_exact(U, w, dim, degree)


@pytest.mark.parametrize("dim,degree", [(3, 2), (4, 2), (5, 2)])
def test_rules_agree_with_the_product_rule(dim, degree):
    rng = np.random.default_rng(1)
    exponents, coefficients = random_even_polynomial(dim, degree, rng)
    reference = integrate(*S.product_rule(dim, degree), exponents, coefficients)
    for kind in ("orbit", "array"):
        U, w = S.rule(dim, degree, kind)
        assert integrate(U, w, exponents, coefficients) == pytest.approx(reference, rel=1e-10, abs=1e-12)


def test_weights_are_exact_rationals_summing_to_one():
    design = S.orbit_design(6, 4)
    assert sum(design.weights) == 1 and all(x > 0 for x in design.weights)


@pytest.mark.parametrize("dim,degree", [(1, 2), (2, 3), (3, 1), (4, 3), (6, 2), (7, 3), (8, 2), (10, 2)])
def test_count_equals_the_materialised_rule(dim, degree):
    assert len(S.rule(dim, degree)[0]) == S.count(dim, degree) == S.choose(dim, degree).directions
    for kind in ("product", "orbit", "array"):
        expected = S.count(dim, degree, kind)
        if expected is not None and expected <= 20_000:
            assert len(S.rule(dim, degree, kind)[0]) == expected


def test_choice_takes_the_fewest_directions():
    for dim, degree in [(2, 2), (6, 3), (16, 2), (64, 3)]:
        choice = S.choose(dim, degree)
        available = [c for c in (S.count(dim, degree, k) for k in ("product", "array")) if c is not None]
        assert choice.directions <= min(available)
    assert S.choose(2, 2).kind == "product" and S.choose(8, 3).kind == "orbit" and S.choose(64, 3).kind == "array"


def test_large_dimensions_are_counted_at_once_and_polynomially():
    import time

    started = time.perf_counter()
    # once d passes the array's alphabet floor (q ≥ 7, 23, 97 for K = 2, 3, 4) the count is ~ d^{2K}:
    # doubling d multiplies it by about 2^{2K}
    for degree, dims in [(2, (16, 32, 64, 128, 256, 512)), (3, (32, 64, 128, 256, 512)), (4, (128, 256, 512))]:
        counts = [S.count(d, degree) for d in dims]
        for small, big in zip(counts, counts[1:]):
            assert big / small <= 2 ** (2 * degree + 1)
        assert S.product_count(256, degree) // S.product_count(128, degree) == (degree + 1) ** 128
    assert time.perf_counter() - started < 5


def test_no_small_orbits_reach_degree_four():
    # the mean of Σ u_i⁴ must be 3/(d+2): some node of any exact rule has ≥ (d+2)/3 non-zero coordinates
    U, w = S.orbit_rule(S.orbit_design(8, 2))
    assert np.sum(w * np.sum(U**4, axis=1)) == pytest.approx(3 / 10)
    assert np.max(np.sum(np.abs(U) > 1e-12, axis=1)) >= 10 / 3
    assert isinstance(S.orbit_design(64, 2, S.count(64, 2, "array")), str)


@pytest.mark.parametrize("degree", [1, 2, 3, 4])
def test_gaussian_law_has_gaussian_moments(degree):
    design = S.array_design(4, degree)
    values = np.concatenate([[0.0], design.law, -np.array(design.law)])
    assert len(values) == design.q
    for j in range(1, degree + 1):
        assert np.mean(values ** (2 * j)) == pytest.approx(math.prod(range(1, 2 * j, 2)), rel=1e-12)
