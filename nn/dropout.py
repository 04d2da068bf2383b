"""`Dropout`: inverted dropout, identity in eval mode (as `torch.nn.Dropout`)."""
from __future__ import annotations

import numpy as np

from autodiff import Tensor

from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability p in training and scale the others by 1/(1-p); identity in eval.

    The mask comes from `generator` (a numpy Generator) when given, else from `ad.default_rng()`,
    so `ad.manual_seed` makes runs repeatable.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Dropout):
    """Zero whole channels (one draw per sample and channel) in training, identity in eval."""

    _fn = staticmethod(F.dropout2d)

    def forward(self, x: Tensor) -> Tensor:
        return self._fn(x, self.p, self.training, generator=self.generator)


class Dropout1d(_DropoutNd):
    """Channel dropout of (N, C, L) or (C, L) (as `torch.nn.Dropout1d`)."""

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Channel dropout of (N, C, H, W) or (C, H, W) (as `torch.nn.Dropout2d`; 3-d input as (N, C, L), with
    PyTorch's warning)."""

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W) (as `torch.nn.Dropout3d`)."""

    _fn = staticmethod(F.dropout3d)
