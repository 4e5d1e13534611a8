"""torch modules that torch.nn lacks, kept apart so that importing depthsep does not import torch."""

from typing import Callable

import torch
from torch import nn


class Elementwise(nn.Module):
    """σ applied elementwise, for an activation torch.nn has no class for (exp, registered formulas).

    ``function`` uses torch operations only, so ``torch.export`` traces it into the graph and the
    exported program needs neither this class nor depthsep to run.
    """

    def __init__(self, name: str, function: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.name, self.function = name, function

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.function(z)

    def extra_repr(self) -> str:
        return self.name
