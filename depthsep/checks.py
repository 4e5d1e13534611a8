"""Input checks, each stated once: every command and API function refuses a bad value with the
same one-line :class:`~depthsep.errors.DepthsepError`, worded the same way everywhere.

Each check takes the value and the name the user typed it under (``"--epsilon"``, ``"radius"``), and
returns the value normalised (a float, a list of distinct ints, a list of paths). Text from the CLI
(``"1,2,3"``) and Python values (``[1, 2, 3]``, ``3``) are accepted alike, so the CLI and the API run
the same check.

    >>> positive_number("1e-3", "--epsilon")
    0.001
    >>> int_list("1,2,2,3", "--layers", minimum=1)
    [1, 2, 3]
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .errors import DepthsepError

FIGURE_FORMATS = (".png", ".svg")


def positive_number(value, name: str) -> float:
    """``value`` as a finite float > 0."""
    if isinstance(value, bool):
        raise DepthsepError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DepthsepError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise DepthsepError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def integer(value, name: str, minimum: int | None = None) -> int:
    """``value`` as an int (≥ ``minimum`` if given); text like ``"12"`` is accepted, ``1.5`` and ``True`` are not."""
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise DepthsepError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DepthsepError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise DepthsepError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def positive_int(value, name: str) -> int:
    """``value`` as an int ≥ 1."""
    return integer(value, name, minimum=1)


def int_list(values, name: str, minimum: int | None = None) -> list[int]:
    """A non-empty list of distinct ints (≥ ``minimum`` if given) in the order given.

    ``values``: ``"1,2,3"``, an iterable of ints, or one int (a list of one).
    """
    items = _items(values, name, int, "integers")
    kind = "integers" if minimum is None else f"integers >= {minimum}"
    out = []
    for item in items:
        try:
            number = integer(item, name, minimum)
        except DepthsepError:
            raise DepthsepError(f"{name} must be comma-separated {kind}, got {values!r}") from None
        out.append(number)
    return list(dict.fromkeys(out))


def positive_ints(values, name: str) -> list[int]:
    """A non-empty list of distinct ints ≥ 1 (layers, widths, dimensions)."""
    return int_list(values, name, minimum=1)


def seeds(values, name: str = "--seeds") -> list[int]:
    """A non-empty list of distinct seeds ≥ 0 (a seed is an index into a stream: never negative)."""
    return int_list(values, name, minimum=0)


def positive_numbers(values, name: str) -> list[float]:
    """A non-empty list of finite floats > 0: ``"1e-1,1e-2"``, an iterable, or one number."""
    items = _items(values, name, (int, float), "numbers")
    try:
        return [positive_number(v, name) for v in items]
    except DepthsepError:
        raise DepthsepError(f"{name} must be comma-separated finite numbers > 0, got {values!r}") from None


def _items(values, name: str, scalar, kind: str) -> list:
    """The items of a list option: ``"a,b,c"`` split on commas, one ``scalar`` as a list of one, or
    any iterable; never empty."""
    if isinstance(values, str):
        items = [v.strip() for v in values.split(",") if v.strip()]
    elif isinstance(values, scalar) and not isinstance(values, bool):
        items = [values]
    else:
        try:
            items = list(values)
        except TypeError:
            raise DepthsepError(f"{name} must be a list of {kind}, got {values!r}") from None
    if not items:
        raise DepthsepError(f"{name} needs at least one value")
    return items


def choice(value, name: str, options) -> str:
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise DepthsepError(f"{name} must be one of {', '.join(map(str, options))}; got {value!r}")
    return value


def writable_file(path, name: str = "--out") -> Path:
    """Refuse an output path before doing any work: missing directory, not writable, a directory."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DepthsepError(f"cannot write {path}: directory {parent} does not exist")
    if path.is_dir():
        raise DepthsepError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DepthsepError(f"cannot write {path}: permission denied")
    return path


def figure_paths(path) -> list[str]:
    """[the requested figure path, the same stem in the other format]: a figure is written as PNG
    and SVG. The directory is checked here, before any plotting or training."""
    stem, ext = os.path.splitext(os.fspath(path))
    ext = ext.lower()
    if ext and ext not in FIGURE_FORMATS:
        raise DepthsepError(f"figure path must end in .png or .svg, got {os.fspath(path)!r}")
    directory = os.path.dirname(os.path.abspath(stem)) or "."
    if not os.path.isdir(directory):
        raise DepthsepError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DepthsepError(f"output directory is not writable: {directory}")
    first = ext or ".png"
    return [stem + first] + [stem + other for other in FIGURE_FORMATS if other != first]
