"""Batched training of many small networks — the experiments of Section 5 / Figure 2.

    >>> from depthsep.train import ModelSpec, train_models
    >>> grid = [ModelSpec("product:20", layers=k, width=w, seed=s)
    ...         for k in range(1, 7) for w in (8, 16, 32, 64) for s in range(4)]
    >>> results = train_models(grid, on_result=store.add)            # doctest: +SKIP

Modules, one job each: ``targets`` (what to learn), ``spec`` (what to train, what came out, initial
weights), ``data`` (seeded batch streams and test sets), ``activations`` (σ and σ' kernels),
``ensemble`` (stacked networks, hand-written forward/backward), ``optim`` (flat-buffer optimizers),
``engine`` (grouping, workers, ``train_models``), ``naive`` (the reference loop).
"""

from .engine import plan_groups, train_group, train_models, width_bucket
from .naive import train_naive
from .spec import ModelSpec, RunResult, initial_parameters, parse_domain, stable_seed
from .targets import Target, make_target, register_target

__all__ = [
    "ModelSpec", "RunResult", "Target", "initial_parameters", "make_target", "parse_domain",
    "plan_groups", "register_target", "stable_seed", "train_group", "train_models", "train_naive",
    "width_bucket",
]
