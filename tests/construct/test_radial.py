"""The one-hidden-layer radial network, with each sphere rule (product, orbit, array): within ε of φ."""

import pytest

from depthsep.construct.radial import one_layer
from depthsep.theory.radial import plan, profile
from depthsep.verification import radial_sup_error


@pytest.mark.parametrize("cubature", ["product", "orbit", "array"])
def test_every_sphere_rule_gives_a_network_within_epsilon(cubature):
    prof, dim, epsilon = profile("cos(pi*t)/pi"), 5, 0.1
    sizes = plan(prof, dim, epsilon, 1)
    network = one_layer(sizes["profile"], dim, 1.0, sizes["degree"], sizes["knots"], cubature=cubature)
    assert radial_sup_error(network, prof.numpy, dim, 1.0, samples=2000, climb_steps=50)["sup_error"] <= epsilon
