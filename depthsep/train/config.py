"""The training configuration, stated once: what every model of a run is trained with
(:class:`TrainingConfig`) and where and how the run happens (:class:`RunOptions`).

The CLI builds both from its options, the API takes them, :func:`~.sweep.run_specs` and the engine
pass them along; a default written here is the default everywhere (`--help` prints these values).
TrainingConfig is defined beside :class:`~.spec.ModelSpec` (whose defaults are its fields) and
re-exported here. Importing this module does not import torch.

    >>> TrainingConfig(steps=500).spec("product:4", layers=2, width=8, activation="tanh", seed=0).steps
    500
    >>> RunOptions(workers=2).with_(device="cpu")
    RunOptions(backend='local', address=None, device='cpu', workers=2, progress=True)
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..checks import choice, positive_int
from .spec import DEFAULT_ACTIVATION, TRAINING_FIELDS, TrainingConfig

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class RunOptions:
    """Where and how a run trains; never changes a result (a seed gives the same numbers alone, in a
    batch, locally or on Ray, per device type).

    ``backend`` local (this machine) or ray; ``address`` a Ray head's HOST:PORT (None: a private
    local instance, whose processes end with this one); ``device`` cpu, cuda or cuda:N (None: a GPU
    when torch sees one); ``workers`` CPU processes of the local backend (None: one per core; they
    end with this process); ``progress`` a bar with an ETA on stderr.
    """

    backend: str = "local"
    address: str | None = None
    device: str | None = None
    workers: int | None = None
    progress: bool = True

    def __post_init__(self):
        choice(self.backend, "backend", BACKENDS)
        if self.workers is not None:
            object.__setattr__(self, "workers", positive_int(self.workers, "workers"))

    def with_(self, **changes) -> "RunOptions":
        """A copy with ``changes`` applied; None values keep the current setting (unset CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


RUN_FIELDS = tuple(f.name for f in fields(RunOptions))

__all__ = ["BACKENDS", "DEFAULT_ACTIVATION", "RUN_FIELDS", "RunOptions", "TRAINING_FIELDS", "TrainingConfig"]
