"""The training configuration, stated once: what every model of a run is trained with
(:class:`TrainingConfig`) and where and how the run happens (:class:`RunOptions`).

The CLI builds both from its options, the API takes them, :func:`~.sweep.run_specs` and the engine
pass them along; a default written here is the default everywhere (`--help` prints these values).

    >>> TrainingConfig(steps=500).spec("product:4", layers=2, width=8, activation="tanh", seed=0).steps
    500
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class TrainingConfig:
    """What each model is trained with: the budget, the objective, the optimizer, the input law.

    ``lr`` None means the optimizer's torch default (AdaDelta 1.0, Adam 1e-3). ``domain`` is the
    per-coordinate input interval ``a:b`` (targets with a law of their own, radial and ball, ignore it).
    """

    steps: int = 2000
    batch_size: int = 256
    loss: str = "l1"
    optimizer: str = "adadelta"
    lr: float | None = None
    domain: str = "0:2"
    test_size: int = 100_000

    def spec(self, target: str, layers: int, width: int, activation: str, seed: int):
        """The validated :class:`~.spec.ModelSpec` of one model under this configuration."""
        from .spec import ModelSpec

        return ModelSpec(target, layers=layers, width=width, activation=activation, seed=seed, **asdict(self))

    def with_(self, **changes) -> "TrainingConfig":
        """A copy with ``changes`` applied; None values keep the current setting (unset CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunOptions:
    """Where and how a run trains; never changes a result (a seed gives the same numbers alone, in a
    batch, locally or on Ray, per device type).

    ``backend`` local (this machine) or ray; ``address`` a Ray head's HOST:PORT (None: a private local
    instance); ``device`` cpu, cuda or cuda:N (None: a GPU when torch sees one); ``workers`` CPU
    processes (None: one per core); ``progress`` a bar with an ETA on stderr.
    """

    backend: str = "local"
    address: str | None = None
    device: str | None = None
    workers: int | None = None
    progress: bool = True

    def with_(self, **changes) -> "RunOptions":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


TRAINING_FIELDS = tuple(f.name for f in fields(TrainingConfig))
RUN_FIELDS = tuple(f.name for f in fields(RunOptions))

__all__ = ["BACKENDS", "RUN_FIELDS", "RunOptions", "TRAINING_FIELDS", "TrainingConfig"]
