"""Training targets: poly:P equals the polynomial it names, product:N the product, and two spellings of
one polynomial are one target."""

import numpy as np
import torch

from depthsep.poly import Polynomial, parse_polynomial
from depthsep.train import ModelSpec, make_target


def test_poly_target_equals_polynomial_evaluate():
    text = "x1*x2 + 3*x3^2 - x1/2 + 7"
    target = make_target("poly:" + text)
    points = np.random.default_rng(0).uniform(-2, 2, size=(500, 3))
    expected = parse_polynomial(text).evaluate(points)
    got = target(torch.from_numpy(points)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
    assert target.n == 3 and target.name == f"poly:{parse_polynomial(text)}"


def test_product_target_and_canonical_names():
    target = make_target("product:6")
    points = np.random.default_rng(1).uniform(0, 2, size=(100, 6))
    np.testing.assert_allclose(target(torch.from_numpy(points)).numpy(),
                               Polynomial.product(6).evaluate(points), rtol=1e-14)
    # Two spellings of one polynomial are one target (same test set, same streams).
    assert ModelSpec("poly:x*y + y*x", 1, 4).target == ModelSpec("poly:2*x*y", 1, 4).target
