"""Padding layers (as `torch.nn`): ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2 and
3 dims, each one `F.pad` call; `padding` is an int (every side) or a tuple of 2*dims sizes (left, right, top,
bottom, front, back: last dim first)."""
from __future__ import annotations

from autodiff import Tensor

from . import functional as F
from .module import Module


class _PadNd(Module):
    """F.pad(x, self.padding, mode); `_dims` padded dims, `_mode` the mode."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        n = 2 * self._dims
        if isinstance(padding, bool) or not (isinstance(padding, int) or (
                isinstance(padding, (tuple, list)) and all(isinstance(p, int) and not isinstance(p, bool)
                                                           for p in padding))):
            raise TypeError(f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, got {padding!r}")
        padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(padding) != n:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of {n} ints, got {padding!r}")
        self.padding = padding

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with `value`."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with `value`."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with `value`."""

    _dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Pad (N, C, W) or (C, W) with the reflection of the input, the border not repeated (padding < W)."""

    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad (N, C, H, W) or (C, H, W) with the reflection of the input, the border not repeated."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad (N, C, D, H, W) or (C, D, H, W) with the reflection of the input, the border not repeated."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad (N, C, W) or (C, W) by repeating the border entries."""

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad (N, C, H, W) or (C, H, W) by repeating the border entries."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad (N, C, D, H, W) or (C, D, H, W) by repeating the border entries."""

    _dims, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad (N, C, W) or (C, W) periodically (the other end's entries; padding <= W)."""

    _mode = "circular"


class CircularPad2d(_PadNd):
    """Pad (N, C, H, W) or (C, H, W) periodically."""

    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad (N, C, D, H, W) or (C, D, H, W) periodically."""

    _dims, _mode = 3, "circular"
