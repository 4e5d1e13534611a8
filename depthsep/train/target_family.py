"""The interface every target family implements, and the registry of families by prefix.

A target is anything with a canonical ``name`` (it seeds the test set and the data streams, so two
spellings of one function must give one name), an input dimension ``n`` and a ``__call__`` mapping
a tensor of points (…, n) to values (…). A family registers a parser for its prefix::

    @register_target("radial")
    def _radial(arg: str) -> Target: ...

:mod:`.targets` looks names up here, after importing every family module (they import this module,
never the other way round).
"""

from __future__ import annotations

from typing import Callable, Protocol

from torch import Tensor


class Target(Protocol):
    name: str
    n: int

    def __call__(self, x: Tensor) -> Tensor: ...


def shortest_number(value: float) -> str:
    """``2`` for 2.0, ``2.123456789`` as is: the shortest text that parses back to the same float, so
    a canonical name (which seeds the data) names exactly its target (as ``{:g}`` wherever that is exact)."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


_PARSERS: dict[str, Callable[[str], Target]] = {}


def register_target(prefix: str):
    """Decorator: ``@register_target("radial")`` makes ``radial:ARG`` parse with the function."""

    def decorate(parser: Callable[[str], Target]):
        _PARSERS[prefix] = parser
        return parser

    return decorate
