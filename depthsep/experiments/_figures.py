"""Writing a figure, once for every experiment: each path (PNG and SVG), then the figure closed —
and a disk that refuses the file is a one-line error, not a traceback."""

from __future__ import annotations

from ..errors import DepthsepError


def save(fig, paths: list[str], dpi: int | None = None) -> list[str]:
    """Write ``fig`` to every path in ``paths`` (the format from each suffix) and close it."""
    import matplotlib.pyplot as plt

    try:
        for path in paths:
            fig.savefig(path, **({} if dpi is None else {"dpi": dpi}))
    except OSError as err:
        raise DepthsepError(f"could not write figure: {err}") from None
    finally:
        plt.close(fig)
    return paths
