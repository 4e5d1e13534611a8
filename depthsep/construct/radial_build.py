"""``depthsep radial build``: φ(|x|) on the ball |x| ≤ R as an explicit ReLU network, in four passes.

::

    profile   φ parsed, finite on [0, R], Lipschitz constant L        (theory.radial.profile)
    plan      the construction's sizes for (d, ε, layers), by formula  (theory.radial.plan)
    build     the weights, exactly the planned widths                  (construct.radial)
    verify    sup |N − φ(|x|)| on the ball ≤ ε, or a refusal           (verify.radial_sup_error)

then the network is written with :meth:`~depthsep.network.Network.save`. One hidden layer is the
ridge-function route of seed 001's upper bounds, two is Eldan–Shamir's |x|² then φ(√s).
"""

from __future__ import annotations

import os
import time

from ..checks import choice, integer, positive_int, positive_number, writable_file
from ..errors import DepthsepError
from ..theory.radial import RADIAL_LAYERS, plan, profile
from ..verification import radial_sup_error
from . import radial as construct

MAX_BUILD_NEURONS = 200_000     # beyond this, radial sizes gives the count without building
MAX_BUILD_WEIGHTS = 20_000_000
FLOAT64_RESOLUTION = 1e-14      # relative: ridges of size G cancel to φ only down to G·1e-14
CUBATURE_NAMES = {"product": "product Gauss rule", "orbit": "hyperoctahedral-orbit rule",
                  "array": "orthogonal-array rule"}


def radial_build(phi, dim, radius=1.0, epsilon=1e-2, layers=2, activation="relu", lipschitz=None, out=None,
                 seed: int = 0) -> dict:
    """Build, verify (sup over the ball ≤ ε or DepthsepError) and optionally save a ReLU network for φ(|x|).

    ``seed`` seeds the verification's probe points. Returns the report: sizes predicted and built,
    the error budget, the verified sup error, and ``out`` when the network was written.
    """
    started = time.perf_counter()
    if activation != "relu":
        raise DepthsepError(f"radial constructions are ReLU networks; got --activation {activation}")
    dim = positive_int(dim, "--dim")
    epsilon = positive_number(epsilon, "--epsilon")
    layers = choice(integer(layers, "--layers"), "--layers", RADIAL_LAYERS)
    if out is not None:
        writable_file(out)                          # a bad --out fails before the build
    prof = profile(phi, radius, lipschitz)
    sizes = plan(prof, dim, epsilon, layers)
    if layers == 1 and not sizes["feasible"]:
        raise DepthsepError(f"one-hidden-layer radial construction: {sizes['reason']}")
    widths = sizes["hidden_widths"]
    weights = sizes["neurons"] * (dim + 1) + (widths[-1] * widths[0] if layers == 2 else 0)
    if sizes["neurons"] > MAX_BUILD_NEURONS or weights > MAX_BUILD_WEIGHTS:
        raise DepthsepError(f"the {layers}-hidden-layer construction for d = {dim}, epsilon = {epsilon:g} needs "
                            f"{sizes['neurons']} neurons; refusing to build more than {MAX_BUILD_NEURONS} "
                            f"(use radial sizes for the count)")
    meta = {"target": f"phi(|x|), phi(t) = {prof.text}", "dim": dim, "radius": prof.radius, "epsilon": epsilon,
            "lipschitz": prof.lipschitz}
    if layers == 2:
        meta["construction"] = "Eldan-Shamir: sum of broken-line x_i^2, then broken-line phi(sqrt(s)) with knots (jR/m)^2"
        network = construct.two_layer(prof.numpy, dim, prof.radius, sizes["k"], sizes["m"], meta)
        details = {"k": sizes["k"], "m": sizes["m"]}
    else:
        if sizes["max_g"] * FLOAT64_RESOLUTION > epsilon / 10:
            raise DepthsepError(f"one-hidden-layer radial construction: its ridge functions reach {sizes['max_g']:.3g} "
                                f"and cancel to phi; float64 cannot resolve epsilon = {epsilon:g}")
        meta["construction"] = (f"ridge sum: Chebyshev q(|x|^2) = E_u g(u.x), {CUBATURE_NAMES[sizes['cubature']]}, "
                                "broken-line g")
        meta["cubature"] = sizes["cubature"]
        network = construct.one_layer(sizes["profile"], dim, prof.radius, sizes["degree"], sizes["knots"], meta,
                                      cubature=sizes["cubature"])
        details = {"degree": sizes["degree"], "cubature": sizes["cubature"], "directions": sizes["directions"],
                   "knots": sizes["knots"], "poly_error": sizes["poly_error"], "max_ridge": sizes["max_g"]}
    check = radial_sup_error(network, prof.numpy, dim, prof.radius, seed=seed)
    if check["sup_error"] > epsilon:
        raise DepthsepError(f"the {layers}-hidden-layer radial network misses epsilon = {epsilon:g}: "
                            f"sup error {check['sup_error']:.3g} on the ball")
    network.meta["sup_error"] = check["sup_error"]
    report = {"phi": prof.text, "dim": dim, "radius": prof.radius, "epsilon": epsilon, "layers": layers,
              "activation": "relu", "lipschitz": prof.lipschitz, "construction": meta["construction"],
              "hidden_widths": network.hidden_widths, "neurons": network.neurons,
              "predicted_neurons": sizes["neurons"], **details,
              "budget": {k: float(v) for k, v in sizes["budget"].items()},
              "sup_error": check["sup_error"], "verify_points": check["points"],
              "build_s": round(time.perf_counter() - started, 3)}
    if out is not None:
        network.save(os.fspath(out))
        report["out"] = os.fspath(out)
    return report


__all__ = ["CUBATURE_NAMES", "MAX_BUILD_NEURONS", "radial_build"]
