"""Which of the paper's hypotheses on σ's Taylor coefficients hold (depthsep.activations.hypotheses),
theorem by theorem, for built-ins, formulas and Activation objects; bad inputs refused."""

from __future__ import annotations

import pytest
import sympy as sp

from depthsep import activations as A
from depthsep.activations import BUILTINS, Activation, get_activation, hypotheses, nonzero_up_to
from depthsep.errors import DepthsepError

R = sp.Rational
HALF = R(1, 2)


def test_nonzero_up_to():
    assert nonzero_up_to([1, 2, 0, 3]) == 1
    assert nonzero_up_to([0, 1]) == -1
    assert nonzero_up_to([]) == -1
    assert nonzero_up_to([sp.log(2), HALF, sp.pi]) == 2
    assert nonzero_up_to(get_activation("tanh").taylor(5)) == -1
    assert nonzero_up_to(get_activation("sigmoid").taylor(5)) == 1
    assert nonzero_up_to(get_activation("exp").taylor(30)) == 30


def by_theorem(entries):
    return {entry["theorem"]: entry for entry in entries}


def test_tanh_at_zero_fails_degree_two_and_the_square_gate():
    entries = by_theorem(hypotheses("tanh", 2))
    up_to_d = entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]
    assert not up_to_d["holds"] and up_to_d["first_zero"] == 0 and up_to_d["zeros"] == [0, 2]
    square = entries["square gate"]
    assert not square["holds"] and square["needed"] == [2] and square["first_zero"] == 0
    assert all(entry["exact"] for entry in entries.values())


def test_tanh_thm_4_4_needs_only_the_dth_coefficient():
    entry = by_theorem(hypotheses("tanh", 3))["Thm 4.4"]
    assert entry["holds"] and entry["needed"] == [3]  # σ_3 = −1/3
    assert entry["first_zero"] == 0  # reported honestly although Thm 4.4 does not need σ_0


def test_tanh_at_half_satisfies_everything():
    entries = hypotheses("tanh", 10, point=HALF, n_vars=20)
    assert all(entry["holds"] and entry["first_zero"] is None and entry["exact"] for entry in entries)
    assert "Thm 5.1" in by_theorem(entries)


def test_sigmoid_at_zero_fails_at_degree_two():
    entries = by_theorem(hypotheses("sigmoid", 2))
    assert entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["first_zero"] == 2
    assert not entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]
    assert by_theorem(hypotheses("sigmoid", 1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]


@pytest.mark.parametrize("d", [0, 1, 5, 20])
def test_exp_satisfies_every_hypothesis(d):
    entries = hypotheses("exp", d, n_vars=max(d, 1))
    assert all(entry["holds"] and entry["first_zero"] is None for entry in entries)


def test_thm_5_1_uses_n_vars():
    entry = by_theorem(hypotheses("sigmoid", 1, n_vars=3))["Thm 5.1"]
    assert not entry["holds"] and entry["first_zero"] == 2 and entry["needed"] == [0, 1, 2, 3]


def test_relu_hypotheses():
    at_zero = hypotheses("relu", 2)
    assert all(not entry["holds"] and "not differentiable" in entry["note"] for entry in at_zero)
    at_half = by_theorem(hypotheses("relu", 1, point=HALF))
    assert at_half["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]  # a + h: linear polynomials are fine
    assert not at_half["square gate"]["holds"]
    assert by_theorem(hypotheses("relu", 1, point=-1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["first_zero"] == 0


def test_hypotheses_accept_user_formulas_and_activation_objects():
    entries = by_theorem(hypotheses("x + x**2/2", 2, point=HALF))
    assert entries["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]
    assert entries["Thm 4.1 / Thm 4.3 / Prop 4.6"]["first_zero"] == 3
    assert isinstance(BUILTINS["gelu"], Activation)
    assert not by_theorem(hypotheses(BUILTINS["gelu"], 1))["Thm 3.4 / Thm 4.2 / Prop 4.5"]["holds"]


def test_hypotheses_bad_inputs():
    with pytest.raises(DepthsepError):
        hypotheses("tanh", -1)
    with pytest.raises(DepthsepError):
        hypotheses("tanh", 2, n_vars=0)
    with pytest.raises(DepthsepError):
        hypotheses("tanh", 2, point=float("nan"))
    with pytest.raises(DepthsepError, match="above the limit"):
        hypotheses("tanh", A.MAX_DEGREE)  # needs 2d coefficients
