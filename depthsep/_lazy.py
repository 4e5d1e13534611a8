"""Names a package exports but loads on first use (PEP 562), stated once for every package that
needs it: ``depthsep`` (the API pulls in sympy), ``depthsep.train`` (torch) and
``depthsep.activations`` (sympy, flint) keep ``import`` cheap for the processes that never use them.

    __getattr__, __dir__ = lazy_attributes(__name__, globals(), {"ModelSpec": "spec", ...})
"""

from __future__ import annotations

from importlib import import_module


def lazy_attributes(package: str, namespace: dict, modules: dict[str, str]):
    """``(__getattr__, __dir__)`` for ``package``: each name in ``modules`` is read from the submodule
    named there (relative to ``package``) when first asked for, then kept in ``namespace``."""

    def __getattr__(name: str):
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", package), name)
        namespace[name] = value   # later look-ups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(modules))

    return __getattr__, __dir__
