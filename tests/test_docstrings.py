"""Every example in a docstring that is not marked to skip runs and shows what it says."""

import doctest
import importlib
import pkgutil

import pytest

import depthsep


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(depthsep.__path__, "depthsep."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and spec.origin.endswith(".py"):
            with open(spec.origin, encoding="utf-8") as fh:
                if ">>>" in fh.read():
                    names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
