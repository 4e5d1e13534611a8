"""`radial sizes`: the size formulas equal the built widths, grow polynomially in d, and are plotted;
bad arguments refused in one line."""

import math

import pytest

from depthsep.construct.radial_build import radial_build
from depthsep.errors import DepthsepError
from depthsep.experiments.radial_sizes import radial_sizes


@pytest.mark.parametrize("layers", [1, 2])
def test_sizes_formula_equals_built_widths(layers):
    phi = "sin(8*pi*t)/(8*pi)"
    dims, eps = (1, 2, 3), (0.1, 0.05)
    rows = radial_sizes(phi, layers, dims, eps)["rows"]
    for row in rows:
        if row["series"] != "grid" or (layers == 1 and row["neurons"] > 20_000):
            continue
        built = radial_build(phi, row["dim"], 1.0, row["epsilon"], layers)
        assert built["hidden_widths"] == row["hidden_widths"]
        assert built["neurons"] == row["neurons"]


def test_two_layer_size_formula_is_poly_in_d_and_L_over_eps():
    rows = radial_sizes("t", 2, (4, 16, 64), (0.1, 0.01))["rows"]
    by = {(r["dim"], r["epsilon"]): r["neurons"] for r in rows}
    # 2kd + m + 1 with k = ceil(L sqrt(d)/eps), m = ceil(2L/eps), L = 1.01
    for (d, e), n in by.items():
        k, m = math.ceil(1.01 * math.sqrt(d) / e), math.ceil(2.02 / e)
        assert n == 2 * k * d + m + 1


@pytest.mark.parametrize("kwargs", [dict(layers=3), dict(layers="1,x"), dict(dims="0,2"), dict(dims=()),
                                    dict(epsilons="0.1,-1"), dict(radius=-1), dict(phi="t + y"),
                                    dict(out="/nonexistent-dir/sizes.png"), dict(out="sizes.pdf")])
def test_bad_sizes_arguments_are_refused(kwargs):
    args = dict(phi="cos(t)", layers=(1, 2), dims=(2, 4), epsilons=(0.1,)) | kwargs
    with pytest.raises(DepthsepError) as info:
        radial_sizes(**args)
    assert "\n" not in str(info.value)


def test_sizes_plot(tmp_path):
    out = radial_sizes("cos(t)", (1, 2), (1, 2, 4), (0.1, 0.05), out=tmp_path / "sizes.png")
    assert all(p.endswith((".png", ".svg")) for p in out["figures"]) and len(out["figures"]) == 2
    assert (tmp_path / "sizes.svg").exists()


def test_one_layer_size_is_polynomial_in_d_at_fixed_epsilon():
    dims = (32, 64, 128)
    rows = [r for r in radial_sizes("cos(pi*t)/pi", 1, dims, (0.1,))["rows"] if r["series"] == "grid"]
    degree = rows[0]["degree"]
    assert all(r["degree"] == degree and r["cubature"] == "array" for r in rows)  # K depends on epsilon only
    for small, big in zip(rows, rows[1:]):
        assert big["directions"] / small["directions"] <= 2 ** (2 * degree + 1)
        # knots grow like max|g''|^{1/2}, g's coefficients like d^K
        assert big["neurons"] / small["neurons"] <= 2 ** (2 * degree + 1) * 2 ** (degree / 2 + 1)
    assert all(r["directions"] * 10**6 < (degree + 1) ** (r["dim"] - 1) for r in rows)  # the product rule's count
