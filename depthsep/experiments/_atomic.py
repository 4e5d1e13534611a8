"""The experiments' data files (measured constructions, cached plans, per-cell tables), written whole
or not at all."""

from __future__ import annotations

import csv
import json
import os

from ..errors import DepthsepError


def _write(path, write) -> None:
    """``write(fh)`` into a temporary file, then one rename onto ``path``: a kill -9 leaves the old
    file or the new one, never half of one. An OS error is one line."""
    path = os.fspath(path)
    temporary = f"{path}.partial"
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(temporary, path)
    except OSError as err:
        raise DepthsepError(f"cannot write {path}: {err.strerror or err}") from None


def write_json(path, data: dict, indent: int | None = None) -> None:
    """``data`` as JSON, written whole."""
    def write(fh):
        json.dump(data, fh, indent=indent)
        fh.write("\n")
    _write(path, write)


def write_csv(path, header: list[str], rows: list[list]) -> None:
    """A table as CSV (a header line, then the rows; None as an empty field), written whole."""
    def write(fh):
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    _write(path, write)
