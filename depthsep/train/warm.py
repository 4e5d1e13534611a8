"""A model's starting weights: drawn (:func:`~depthsep.train.spec.initial_parameters`), or a
construction embedded in the model's architecture — training then starts from an explicit network.

    >>> from depthsep.train.spec import ModelSpec
    >>> spec = ModelSpec("product:4", layers=2, width=8, init="log-exp:log=2,exp=6,c=0.001")
    >>> [tuple(w.shape) for w, _ in starting_parameters(spec)]          # doctest: +SKIP
    [(8, 4), (8, 8), (1, 8)]

``init = "log-exp:…"`` (:func:`~depthsep.train.spec.parse_init`) names the log–exp network of the
spec's target on the spec's domain (:mod:`depthsep.construct.logexp`), with ``layers`` hidden layers
(extra ones carry the inputs). Its hidden widths must each be at most the spec's width; the
network is then **embedded** into uniform width W:

* the construction's neurons keep their weights and biases exactly (rounded to float32, the
  precision the engine trains in), so at step 0 the model computes the construction;
* each extra neuron gets nn.Linear's random incoming weights and bias (from ``spec.init_seed``),
  but **zero outgoing weights**: it changes nothing at step 0, yet it is not dead — its output
  σ(·) ≠ 0 makes the gradient of its outgoing weights non-zero, so training can recruit it. (Zero
  incoming *and* outgoing weights would be a dead unit under tanh: σ(0) = 0 gives zero gradients
  to both forever.)

Resolution is a pure function of the spec (the fits are deterministic), cached per process.
"""

from __future__ import annotations

import math
from functools import lru_cache

from ..errors import DepthsepError
from .spec import DRAWN_INITS, ModelSpec, init_values, initial_parameters


def construction(spec: ModelSpec):
    """The :class:`~depthsep.network.Network` that ``spec.init`` names, at its own widths (float64)."""
    if spec.init in DRAWN_INITS:
        raise DepthsepError(f"init '{spec.init}' names no construction")
    return _construction(spec.target, spec.domain, spec.activation, spec.layers, spec.init)


@lru_cache(maxsize=32)
def _construction(target: str, domain: tuple, activation: str, layers: int, init: str):
    from ..construct import logexp
    from .targets import make_target

    poly = getattr(make_target(target), "polynomial", None)
    if poly is None:
        raise DepthsepError(f"init {init}: target {target} is not a polynomial the log-exp construction can build")
    box = f"{domain[0]!r}:{domain[1]!r}"
    v = init_values(init)
    if "eps" in v:
        built = logexp.plan(poly, box, "mae", v["eps"], activation, layers)
    else:
        built = logexp.plan_widths(poly, v["log"], v["exp"], box, activation, layers, c=v["c"], top=v.get("top"))
    return logexp.assemble(built)


def check_fits(spec: ModelSpec) -> list[int] | None:
    """The construction's hidden widths, after checking that they fit ``spec`` (None for random)."""
    if spec.init in DRAWN_INITS:
        return None
    widths = construction(spec).hidden_widths
    if len(widths) != spec.layers or max(widths) > spec.width:
        raise DepthsepError(f"init {spec.init}: its hidden widths {widths} do not fit {spec.layers} "
                            f"hidden layer(s) of width {spec.width}")
    return widths


def starting_parameters(spec: ModelSpec):
    """[(weight (out, in), bias (out,)), …] in float32: where the engine and the naive loop start ``spec``."""
    if spec.init in DRAWN_INITS:
        return initial_parameters(spec)
    import torch

    check_fits(spec)
    network = construction(spec)
    random = initial_parameters(spec)            # the extra neurons' incoming weights and biases
    params, previous = [], spec.n                # previous: the construction's width of the layer below
    for (weight, bias), (w_rand, b_rand) in zip(network.layers, random):
        out, inp = weight.shape
        w = w_rand.clone()
        b = b_rand.clone()
        w[:, previous:] = 0.0                    # extra neurons below send nothing
        w[:out, :inp] = torch.as_tensor(weight, dtype=torch.float32)
        b[:out] = torch.as_tensor(bias, dtype=torch.float32)
        if not (math.isfinite(float(w.abs().max())) and math.isfinite(float(b.abs().max()))):
            raise DepthsepError(f"init {spec.init}: weights are not finite in float32")
        params.append((w, b))
        previous = out
    return params


__all__ = ["check_fits", "construction", "starting_parameters"]
