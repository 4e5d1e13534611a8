"""The upper bounds `depthsep bounds` reports are the networks `depthsep build` makes: built, counted
and evaluated, never re-read from the layout."""

import pytest

from depthsep.construct.build import build
from depthsep.construct.sizes import GENERIC_ACTIVATION, bounds_with_constructions
from depthsep.theory.bounds import bounds


@pytest.mark.parametrize("poly", ["x1^2*x2*x3^3 + x1*x4", "x1^3*x2^2*x3", "x1*x2*x3*x4*x5", "x1^5", "x1*x2 + 3*x3^2"])
def test_every_candidate_count_is_the_built_network(poly):
    result = bounds_with_constructions(poly)
    for candidate in result["constructions"]:
        made = build(poly, candidate["construction"], GENERIC_ACTIVATION, "paper")
        assert made.network.hidden_widths == candidate["widths"]
        assert made.report["sup_error"] < 1e-2          # and it computes the polynomial
    best = result["best_upper"]
    assert best["neurons"] == min(c["neurons"] for c in result["constructions"])
    assert f"--layers {best['construction']}" in best["command"]


def test_the_best_upper_bound_is_never_above_one_hidden_layer():
    # m^uniform is a minimum over depths: the deep formula (41) can exceed the shallow count (28),
    # the best upper bound cannot.
    result = bounds_with_constructions("x1^2*x2*x3^3 + x1*x4")
    assert result["deep_formula"] == bounds("x1^2*x2*x3^3 + x1*x4").deep_upper == 41
    assert result["shallow_upper"] == 28
    assert result["deep_upper"] == 27 and result["best_upper"]["neurons"] == 27
    assert result["best_upper"]["neurons"] <= result["shallow_upper"]


def test_product_of_twenty_names_the_cheapest_tree():
    result = bounds_with_constructions("*".join(f"x{i}" for i in range(1, 21)))
    by = {c["construction"]: c["neurons"] for c in result["constructions"]}
    assert by["1"] == 2**20 and by["2"] == 112           # Thm 5.1's tree with two hidden layers
    assert result["best_upper"]["neurons"] == min(by.values()) < 80


def test_null_fields_say_why():
    result = bounds_with_constructions("x1*x2 + 3*x3^2")
    assert result["coefficient_lower"] is None and "monomial" in result["coefficient_lower_why"]


def test_a_constant_has_the_theory_count_and_no_build_command():
    result = bounds_with_constructions("5")
    assert result["best_upper"]["neurons"] == result["shallow_upper"] == 1
    assert result["best_upper"]["command"] is None
