"""Plain-text tables for the terminal. JSON output is the exact record; tables are for reading."""

from __future__ import annotations

import json
from fractions import Fraction


def format_value(value) -> str:
    """Readable text for one cell: huge integers abbreviated, floats to 4 significant digits."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        if abs(value) < 10**15:
            return f"{value:,}".replace(",", " ") if abs(value) >= 10**5 else str(value)
        if value > 0 and value & (value - 1) == 0:
            return f"2^{value.bit_length() - 1}"
        digits = len(str(abs(value)))
        return f"{value:.4e} ({digits} digits)".replace("e+", "e")
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, Fraction):
        return str(value)
    return str(value)


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    """Columns padded to their widest cell; numbers right-aligned, text left-aligned."""
    cells = [[format_value(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(headers))]

    def line(values):
        return "  ".join(
            (v.rjust(w) if num else v.ljust(w)) for v, w, num in zip(values, widths, numeric)
        ).rstrip()

    out = [title] if title else []
    out += [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def key_values(rows: list[tuple], title: str | None = None) -> str:
    """A two- or three-column table: name, value[, where the number comes from]."""
    headers = ["", "value", "source"][: len(rows[0])] if rows else ["", "value"]
    cells = [[str(r[0]), format_value(r[1]), *[str(x) for x in r[2:]]] for r in rows]
    widths = [max([len(headers[i])] + [len(c[i]) for c in cells]) for i in range(len(headers))]
    out = [title] if title else []
    for c in cells:
        out.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
    return "\n".join(out)


def to_json(data) -> str:
    """JSON with exact integers (Python ints never lose digits) and Fractions as strings."""
    return json.dumps(data, indent=2, default=lambda o: str(o) if isinstance(o, Fraction) else repr(o))
