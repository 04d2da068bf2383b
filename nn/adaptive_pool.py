"""Adaptive pooling layers beside `AdaptiveAvgPool2d` (as `torch.nn`): `AdaptiveMaxPool1d`, `AdaptiveMaxPool2d`
(optionally returning the argmax indices) and `AdaptiveAvgPool1d`."""
from __future__ import annotations

from autodiff import Tensor

from . import functional as F
from .module import Module


class _AdaptiveMaxPoolNd(Module):
    _fn = staticmethod(F.adaptive_max_pool2d)

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return self._fn(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over PyTorch's adaptive windows to a fixed (oh, ow) output of (N, C, H, W) or (C, H, W); with
    return_indices=True also the flat argmax indices into H*W."""

    def __init__(self, output_size, return_indices: bool = False) -> None:
        F._adaptive_size_arg("AdaptiveMaxPool2d", output_size)
        super().__init__(output_size, return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over PyTorch's adaptive windows to a fixed length of (N, C, L) or (C, L)."""

    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveAvgPool1d(Module):
    """Mean over PyTorch's adaptive windows to a fixed length of (N, C, L) or (C, L)."""

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
