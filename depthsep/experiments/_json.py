"""The experiments' JSON files (measured constructions, cached plans), written whole or not at all."""

from __future__ import annotations

import json
import os

from ..errors import DepthsepError


def write_json(path, data: dict, indent: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file and one rename: a kill -9 leaves the old
    file or the new one, never half of one. An OS error is one line."""
    path = os.fspath(path)
    temporary = f"{path}.partial"
    try:
        with open(temporary, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=indent)
            fh.write("\n")
        os.replace(temporary, path)
    except OSError as err:
        raise DepthsepError(f"cannot write {path}: {err.strerror or err}") from None
