"""depthsep — how deep is deep enough?

The Python API mirrors the `depthsep` command: each function of :mod:`depthsep.api` returns the dict
`--json` prints (`verify` and `doctor` live there only, beside the modules of the same name).

    >>> import depthsep
    >>> depthsep.bounds("x1^2*x2")["shallow_upper"]
    6
"""

__version__ = "0.1.0"

from .api import activation, advise, bounds, build, converge, figure1, figure2, plot_heatmap, polynomial, runs, sweep, tree  # noqa: E402
from .errors import DepthsepError  # noqa: E402
from .poly import Polynomial, parse_polynomial  # noqa: E402

__all__ = [
    "DepthsepError", "Polynomial", "activation", "advise", "bounds", "build", "converge", "figure1",
    "figure2", "plot_heatmap", "parse_polynomial", "polynomial", "runs", "sweep", "tree",
]
