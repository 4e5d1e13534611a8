"""What to train (:class:`ModelSpec`), what came out (:class:`RunResult`), and a model's initial weights.

A spec is a frozen, validated, normalised value: the target is stored under its canonical name,
the domain as a float pair and ``lr`` as the number actually used, so equal experiments compare
and hash equal and a results store can key rows on ``spec.row()``.

Seeding is by construction, never by position: :func:`stable_seed` hashes named fields with
hashlib, so a model's initial weights depend on its own (seed, target, layers, width, activation)
only — not on the optimizer (so optimizers are compared from the same start), not on its batch-mates,
not on Python's per-process ``hash``.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from ..errors import DepthsepError
from .activations import ACTIVATIONS, get_activation
from .targets import Target, make_target

LOSSES = ("l1", "l2")
# Defaults are torch.optim's, so the naive loop with stock optimizers is the reference.
DEFAULT_LR = {"adadelta": 1.0, "adam": 1e-3, "sgd": 1e-3}
ADADELTA_RHO, ADADELTA_EPS = 0.9, 1e-6
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8


def stable_seed(*parts) -> int:
    """A 63-bit seed from values with stable reprs (ints, floats, strings, tuples of them)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


def parse_domain(domain) -> tuple[float, float]:
    """``"0:2"``, ``(0, 2)`` or ``[0, 2]`` → ``(0.0, 2.0)``: each coordinate is drawn from U[a, b)."""
    try:
        if isinstance(domain, str):
            a, b = (float(part) for part in domain.split(":"))
        else:
            a, b = (float(part) for part in domain)
    except (TypeError, ValueError):
        raise DepthsepError(f"domain must be 'a:b' with numbers a < b, got {domain!r}") from None
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise DepthsepError(f"domain must be 'a:b' with finite a < b, got {domain!r}")
    return (a, b)


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DepthsepError(f"{name} must be an integer >= 1, got {value!r}")
    return value


@dataclass(frozen=True)
class ModelSpec:
    """One network to train: architecture, objective, optimizer, budget and seed.

    ``layers`` counts hidden layers and ``width`` is units per hidden layer (DESIGN.md vocabulary).
    Bad values raise :class:`DepthsepError` at construction.
    """

    target: str
    layers: int
    width: int
    activation: str = "tanh"
    loss: str = "l1"
    optimizer: str = "adadelta"
    lr: float | None = None          # None → the optimizer's torch default (adadelta 1.0, adam 1e-3)
    steps: int = 2000
    batch_size: int = 256
    seed: int = 0
    domain: tuple[float, float] = (0.0, 2.0)   # Figure 2: x_i ~ U[0, 2]
    test_size: int = 100_000

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        set_("target", make_target(self.target).name)
        for name in ("layers", "width", "steps", "batch_size", "test_size"):
            _positive_int(name, getattr(self, name))
        get_activation(self.activation)
        if self.loss not in LOSSES:
            raise DepthsepError(f"unknown loss '{self.loss}' (choose from {', '.join(LOSSES)})")
        if self.optimizer not in DEFAULT_LR:
            raise DepthsepError(
                f"unknown optimizer '{self.optimizer}' (choose from {', '.join(DEFAULT_LR)})"
            )
        lr = DEFAULT_LR[self.optimizer] if self.lr is None else self.lr
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
            raise DepthsepError(f"lr must be a positive number, got {self.lr!r}")
        set_("lr", float(lr))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise DepthsepError(f"seed must be an integer, got {self.seed!r}")
        set_("domain", parse_domain(self.domain))

    @property
    def target_fn(self) -> Target:
        return make_target(self.target)

    @property
    def n(self) -> int:
        """Input dimension."""
        return self.target_fn.n

    @property
    def neurons(self) -> int:
        """Total hidden units, the paper's m."""
        return self.layers * self.width

    @property
    def init_seed(self) -> int:
        return stable_seed("init", self.seed, self.target, self.layers, self.width, self.activation)

    def row(self) -> dict:
        """The configuration columns of a results-store row."""
        a, b = self.domain
        return {
            "target": self.target, "n": self.n, "layers": self.layers, "width": self.width,
            "activation": self.activation, "optimizer": self.optimizer, "lr": self.lr,
            "loss": self.loss, "steps": self.steps, "batch_size": self.batch_size,
            "seed": self.seed, "domain": f"{a:g}:{b:g}", "test_size": self.test_size,
        }


@dataclass(frozen=True)
class RunResult:
    """The outcome of one spec. ``test_mae``/``test_rmse`` are None when it diverged.

    ``wall_s`` is this model's share of its group's wall time (the group's time divided by the real
    models in it), so the shares of a run add up to the compute it took.
    """

    spec: ModelSpec
    test_mae: float | None
    test_rmse: float | None
    status: str                      # 'done' | 'diverged'
    wall_s: float
    device: str

    def row(self) -> dict:
        """A complete results-store row (the store adds ``version``)."""
        return {**self.spec.row(), "test_mae": self.test_mae, "test_rmse": self.test_rmse,
                "status": self.status, "wall_s": self.wall_s, "device": self.device}

    def as_dict(self) -> dict:
        return {**asdict(self), "spec": asdict(self.spec)}


def layer_sizes(spec: ModelSpec) -> list[int]:
    """[n, width, …, width, 1]: the widths of input, hidden layers and output."""
    return [spec.n] + [spec.width] * spec.layers + [1]


def initial_parameters(spec: ModelSpec) -> list[tuple[Tensor, Tensor]]:
    """[(weight (out, in), bias (out,)), …] in float32, drawn like ``nn.Linear``'s default init.

    U(−1/√fan_in, 1/√fan_in) for weights and biases, from a generator seeded by ``spec.init_seed``:
    the engine and the naive loop both start every model from exactly these numbers.
    """
    generator = torch.Generator().manual_seed(spec.init_seed)
    sizes = layer_sizes(spec)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        weight = (torch.rand(fan_out, fan_in, generator=generator) * 2 - 1) * bound
        bias = (torch.rand(fan_out, generator=generator) * 2 - 1) * bound
        params.append((weight, bias))
    return params


__all__ = [
    "ACTIVATIONS", "DEFAULT_LR", "LOSSES", "ModelSpec", "RunResult", "initial_parameters",
    "layer_sizes", "parse_domain", "stable_seed",
]
