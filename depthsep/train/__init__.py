"""Batched training of many small networks — the experiments of Section 5 / Figure 2.

    >>> from depthsep.train import ModelSpec, train_models
    >>> grid = [ModelSpec("product:20", layers=k, width=w, seed=s)
    ...         for k in range(1, 7) for w in (8, 16, 32, 64) for s in range(4)]
    >>> results = train_models(grid, on_result=store.add)            # doctest: +SKIP

Modules, one job each: ``config`` (the training configuration and the run options), ``targets``
(what to learn), ``spec`` (what to train, what came out, initial weights), ``data`` (seeded batch
streams and test sets), ``ensemble`` (stacked networks, hand-written forward/backward), ``optim``
(flat-buffer optimizers), ``fused`` (the CPU step as one C call per chunk), ``grouping`` (which
models train together: padded width and slot count), ``engine`` (workers, ``train_models``), ``lifetime`` (helper
processes that end with their parent), ``backends`` (local or Ray), ``store`` (the SQLite results),
``sweep`` (the one path into a store), ``naive`` (the reference loop).

The names below load on first use (PEP 562): ``depthsep.train.config`` — the defaults the CLI
shows — is importable without torch.
"""

from .._lazy import lazy_attributes

_LAZY = {
    "RunOptions": "config", "TrainingConfig": "config",
    "plan_groups": "grouping", "train_group": "engine", "train_models": "engine", "width_bucket": "grouping",
    "train_naive": "naive",
    "ModelSpec": "spec", "RunResult": "spec", "initial_parameters": "spec", "parse_domain": "spec",
    "stable_seed": "spec",
    "Target": "targets", "make_target": "targets", "register_target": "targets",
}


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _LAZY)


__all__ = sorted(_LAZY)
