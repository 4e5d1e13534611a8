"""What to train (:class:`TrainingConfig`, :class:`ModelSpec`), what came out (:class:`RunResult`),
and a model's initial weights.

:class:`TrainingConfig` is what every model of a run is trained with — budget, objective, optimizer,
input law — and the one place their defaults live: a :class:`ModelSpec` is a training configuration
plus an architecture (target, layers, width, activation) and a seed, and its fields default to
TrainingConfig's. The two live in this module so that :meth:`TrainingConfig.spec` can build a spec
without an import cycle; :mod:`.config` re-exports TrainingConfig beside :class:`~.config.RunOptions`.

    >>> TrainingConfig(steps=500).spec("product:4", layers=2, width=8, activation="tanh", seed=0).steps
    500

A spec is a frozen, validated, normalised value: the target is stored under its canonical name,
the domain as a float pair and ``lr`` as the number actually used, so equal experiments compare
and hash equal and a results store can key rows on ``spec.row()``.

Seeding is by construction, never by position: :func:`stable_seed` hashes named fields with
hashlib, so a model's initial weights depend on its own (seed, target, layers, width, activation)
only — not on the optimizer (so optimizers are compared from the same start), not on its batch-mates,
not on Python's per-process ``hash``.

This module imports neither torch nor the targets at load time (only when a spec is checked or its
weights drawn), so the CLI can read the defaults without paying for torch.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING

from ..checks import choice, integer, positive_int, positive_number
from ..errors import DepthsepError

if TYPE_CHECKING:
    from torch import Tensor

    from .targets import Target

LOSSES = ("l1", "l2")
# Defaults are torch.optim's, so the naive loop with stock optimizers is the reference.
DEFAULT_LR = {"adadelta": 1.0, "adam": 1e-3, "sgd": 1e-3}
OPTIMIZERS = tuple(DEFAULT_LR)
ADADELTA_RHO, ADADELTA_EPS = 0.9, 1e-6
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
DEFAULT_ACTIVATION = "tanh"          # Figure 2's σ ("ReLU similar")
#: A model's starting weights: drawn at random from its seed (:func:`initial_parameters`) by
#: nn.Linear's rule (``random``) or Glorot's (``glorot``), or a construction (``log-exp:…``).
RANDOM_INIT, GLOROT_INIT = "random", "glorot"
DRAWN_INITS = (RANDOM_INIT, GLOROT_INIT)
#: ``log-exp:…`` keys: at given widths (:func:`depthsep.construct.logexp.plan_widths`) or by the ε rule.
_LOG_EXP_KEYS = {"log": int, "exp": int, "c": float, "top": float, "eps": float}


def parse_init(init) -> str:
    """A model's initialisation, checked and written canonically (so equal starts compare equal).

    ``random`` (the default): nn.Linear's draw from the spec's seed; ``glorot``: Glorot's draw, scaled
    for the activation (:func:`initial_parameters` says which to use when). ``log-exp:log=L,exp=E,c=C[,top=T]``:
    the log–exp network of the target with L neurons per log piece and E in the exp piece
    (:func:`depthsep.construct.logexp.plan_widths`, shift C, exp piece capped at T);
    ``log-exp:eps=E``: the ε rule's network (metric mae). Resolved to weights, deterministically, by
    :func:`depthsep.train.warm.starting_parameters`; only the text is checked here.
    """
    if init is None:
        return RANDOM_INIT
    text = str(init).strip().replace(" ", "")
    if text in DRAWN_INITS:
        return text
    values = init_values(text)
    if "eps" in values:
        if len(values) > 1:
            raise DepthsepError(f"init {init!r}: eps (the ε rule) takes no other key")
        return f"log-exp:eps={values['eps']:.6g}"
    missing = [k for k in ("log", "exp", "c") if k not in values]
    if missing:
        raise DepthsepError(f"init {init!r}: missing {', '.join(missing)}")
    top = f",top={values['top']:.6g}" if "top" in values else ""
    return f"log-exp:log={values['log']},exp={values['exp']},c={values['c']:.6g}{top}"


def init_values(init: str) -> dict:
    """The numbers of a ``log-exp:key=value,…`` init, each checked (log, exp: integers ≥ 1; c, top,
    eps: numbers > 0); one-line :class:`DepthsepError` for anything else."""
    kind, _, rest = str(init).partition(":")
    if kind != "log-exp" or not rest:
        raise DepthsepError(f"init must be '{RANDOM_INIT}', '{GLOROT_INIT}', 'log-exp:log=L,exp=E,c=C[,top=T]' or 'log-exp:eps=E', got {init!r}")
    values = {}
    for part in rest.split(","):
        key, _, value = part.partition("=")
        if key not in _LOG_EXP_KEYS or key in values:
            raise DepthsepError(f"init {init!r}: unknown or repeated key '{key}' (choose from {', '.join(_LOG_EXP_KEYS)})")
        try:
            number = _LOG_EXP_KEYS[key](value)
        except ValueError:
            raise DepthsepError(f"init {init!r}: {key} must be a number, got {value!r}") from None
        values[key] = positive_int(number, key) if key in ("log", "exp") else positive_number(number, key)
    return values


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


@dataclass(frozen=True)
class TrainingConfig:
    """What each model is trained with: the budget, the objective, the optimizer, the input law.

    ``steps`` batches of ``batch_size`` fresh points; ``loss`` l1 (Figure 2's absolute error) or l2;
    ``optimizer`` adadelta (Figure 2's), adam or sgd at rate ``lr`` (None: the optimizer's torch
    default, :data:`DEFAULT_LR`); ``domain`` the per-coordinate input interval ``a:b`` (targets with
    a law of their own, radial and ball, ignore it); ``test_size`` test points per model. Checked
    and normalised at construction (``domain`` becomes a float pair): a bad value is a one-line
    :class:`DepthsepError` before anything runs.
    """

    steps: int = 2000
    batch_size: int = 256
    loss: str = "l1"
    optimizer: str = "adadelta"
    lr: float | None = None
    domain: tuple[float, float] | str = "0:2"      # Figure 2: x_i ~ U[0, 2]
    test_size: int = 100_000

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        for name in ("steps", "batch_size", "test_size"):
            set_(name, positive_int(getattr(self, name), name))
        choice(self.loss, "loss", LOSSES)
        choice(self.optimizer, "optimizer", OPTIMIZERS)
        if self.lr is not None:
            set_("lr", positive_number(self.lr, "lr"))
        set_("domain", parse_domain(self.domain))

    def spec(self, target: str, layers: int, width: int, activation: str = DEFAULT_ACTIVATION,
             seed: int = 0, init: str = RANDOM_INIT) -> "ModelSpec":
        """The validated :class:`ModelSpec` of one model under this configuration."""
        return ModelSpec(target, layers=layers, width=width, activation=activation, seed=seed, init=init,
                         **asdict(self))

    def with_(self, **changes) -> "TrainingConfig":
        """A copy with ``changes`` applied; None values keep the current setting (unset CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)


#: The fields a :class:`TrainingConfig` sets on each spec.
TRAINING_FIELDS = tuple(f.name for f in fields(TrainingConfig))


@dataclass(frozen=True)
class ModelSpec:
    """One network to train: architecture, objective, optimizer, budget and seed.

    ``layers`` counts hidden layers and ``width`` is units per hidden layer (the vocabulary of the README);
    ``seed`` (an integer >= 0) picks the initial weights and the data stream; ``init`` says where the
    weights start (:func:`parse_init`: ``random``, or a named construction). The training fields
    default to :class:`TrainingConfig`'s and are checked by it. Bad values raise
    :class:`DepthsepError` at construction.
    """

    target: str
    layers: int
    width: int
    activation: str = DEFAULT_ACTIVATION
    loss: str = TrainingConfig.loss
    optimizer: str = TrainingConfig.optimizer
    lr: float | None = TrainingConfig.lr     # None → the optimizer's torch default (DEFAULT_LR)
    steps: int = TrainingConfig.steps
    batch_size: int = TrainingConfig.batch_size
    seed: int = 0
    domain: tuple[float, float] | str = TrainingConfig.domain
    test_size: int = TrainingConfig.test_size
    init: str = RANDOM_INIT                  # starting weights: random, glorot, or a construction (parse_init)

    def __post_init__(self):
        from ..activations import get_activation
        from .targets import make_target

        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        set_("target", make_target(self.target).name)
        set_("layers", positive_int(self.layers, "layers"))
        set_("width", positive_int(self.width, "width"))
        set_("activation", get_activation(self.activation).check_trainable().name)
        set_("seed", integer(self.seed, "seed", minimum=0))
        set_("init", parse_init(self.init))
        config = TrainingConfig(**{name: getattr(self, name) for name in TRAINING_FIELDS})
        for name in TRAINING_FIELDS:
            set_(name, getattr(config, name))
        set_("lr", DEFAULT_LR[self.optimizer] if self.lr is None else self.lr)

    @property
    def config(self) -> TrainingConfig:
        """The training configuration of this spec (``lr`` as the number used)."""
        return TrainingConfig(**{name: getattr(self, name) for name in TRAINING_FIELDS})

    @property
    def target_fn(self) -> Target:
        from .targets import make_target

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
            "seed": self.seed, "domain": f"{a:g}:{b:g}", "test_size": self.test_size, "init": self.init,
        }


@dataclass(frozen=True)
class RunResult:
    """The outcome of one spec. ``test_mae``/``test_rmse`` are None when it diverged.

    ``wall_s`` is this model's own share of the time it took, in seconds: the wall time of its group
    — building, training and scoring the batch-mates together — divided by the real models in it
    (dummy slots charge nobody), measured where the group ran: a local worker process, this process
    on a GPU (after the CUDA context is made), or a Ray task. It is the same on every path, never
    the sweep's wall time, so the shares of a run add up to the time its groups took (more than the
    sweep's wall time when groups ran side by side). The naive loop times its one model alone.
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
    """[(weight (out, in), bias (out,)), …] in float32, drawn from a generator seeded by ``spec.init_seed``.

    * ``glorot`` — weights U(−a, a) with a = g·√(6 / (fan_in + fan_out)) (Glorot & Bengio 2010;
      Keras's default), biases 0; g is the activation's ``init_gain`` for a layer that feeds σ (√2
      for relu, as He et al. 2015 advise) and 1 for the linear output layer.
    * anything else (``random``, and the extra neurons around a construction) — ``nn.Linear``'s
      default: U(−1/√fan_in, 1/√fan_in) for weights and biases.

    Why two: nn.Linear's weights have Var(w)·fan_in = 1/3, so each tanh layer divides the signal's
    second moment by about 3 (relu by 6). A few layers do not mind; a deep stack forgets its input,
    its gradient vanishes and AdaDelta settles on the constant predictor. Glorot's draw keeps that
    factor near 1, so depth is tested rather than the initialisation.

    The engine and the naive loop both start every drawn model from exactly these numbers
    (:func:`depthsep.train.warm.starting_parameters` resolves constructions).
    """
    import torch

    from ..activations import get_activation

    generator = torch.Generator().manual_seed(spec.init_seed)
    sizes = layer_sizes(spec)
    params = []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        glorot = spec.init == GLOROT_INIT
        if glorot:
            gain = get_activation(spec.activation).init_gain if layer <= spec.layers else 1.0
            bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
        else:
            bound = 1.0 / math.sqrt(fan_in)
        weight = (torch.rand(fan_out, fan_in, generator=generator) * 2 - 1) * bound
        bias = torch.zeros(fan_out) if glorot else (torch.rand(fan_out, generator=generator) * 2 - 1) * bound
        params.append((weight, bias))
    return params


__all__ = [
    "DEFAULT_ACTIVATION", "DEFAULT_LR", "DRAWN_INITS", "GLOROT_INIT", "LOSSES", "ModelSpec", "OPTIMIZERS", "RANDOM_INIT",
    "RunResult", "TRAINING_FIELDS", "TrainingConfig", "initial_parameters", "init_values", "layer_sizes", "parse_domain",
    "parse_init", "stable_seed",
]
