"""Resampling: `interpolate` (as `torch.nn.functional.interpolate`) and the `Upsample` modules.

Each output coordinate reads PyTorch's source coordinate, computed in the input's dtype as PyTorch's CPU
kernels do. Nearest modes gather rows and columns by index (the gradient scatter-adds); 'bilinear' and
'linear' are separable, A @ x @ B.T with constant (out, in) interpolation matrices holding two weights a
row; 'area' is `adaptive_avg_pool2d`. So everything is differentiable to any order with existing ops.
"""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.ops.conv import is_int

from .module import Module

__all__ = ["interpolate", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

_MODES = {"nearest": (3, 4), "nearest-exact": (3, 4), "linear": (3,), "bilinear": (4,), "area": (3, 4)}
_REFUSED = ("bicubic", "trilinear", "lanczos")


def _per_axis(v, dim: int, what: str, x_shape: tuple) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != dim:
            raise ValueError(f"interpolate: input with spatial dimensions {list(x_shape[2:])} needs {what} of "
                             f"length {dim}, got {v!r}")
        return tuple(v)
    return (v,) * dim


def _scale(in_size: int, out_size: int, align_corners: bool, scale, dtype) -> np.generic:
    """PyTorch's area_pixel_compute_scale: the source step per output step."""
    if align_corners:
        return dtype.type((in_size - 1) / (out_size - 1) if out_size > 1 else 0)
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(in_size) / dtype.type(out_size)


def _nearest_index(in_size: int, out_size: int, scale, exact: bool, dtype) -> np.ndarray:
    """Source index per output index: floor(dst * s) ('nearest') or floor((dst + 0.5) * s) ('nearest-exact'),
    in the input's dtype with PyTorch's order of operations, so ties round as PyTorch's do."""
    if not exact and out_size in (in_size, 2 * in_size):  # (PyTorch's shortcuts, whatever scale_factor says)
        return np.arange(out_size) // (out_size // in_size)
    dst = np.arange(out_size, dtype=dtype)
    s = _scale(in_size, out_size, False, scale, dtype)
    half = dtype.type(0.5)
    src = np.floor(((dst + half) * s - half) + half if exact else dst * s).astype(np.int64)  # (PyTorch's rounding)
    return np.minimum(src, in_size - 1)


def _linear_matrix(in_size: int, out_size: int, align_corners: bool, scale, dtype) -> np.ndarray:
    """(out, in): row i holds PyTorch's two linear-interpolation weights for output i."""
    dst = np.arange(out_size, dtype=dtype)
    s = _scale(in_size, out_size, align_corners, scale, dtype)
    src = dst * s if align_corners else np.maximum((dst + dtype.type(0.5)) * s - dtype.type(0.5), dtype.type(0))
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    l1 = src - i0.astype(dtype)
    m = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    np.add.at(m, (rows, i0), dtype.type(1) - l1)
    np.add.at(m, (rows, i1), l1)
    return m


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) to `size`, or by `scale_factor` (output floor(in * scale_factor)), as
    `torch.nn.functional.interpolate`: modes 'nearest', 'nearest-exact', 'linear' (3-d), 'bilinear' (4-d;
    align_corners False/True) and 'area'. A given scale_factor also sets the coordinate step (1/scale_factor),
    as PyTorch, unless recompute_scale_factor=True. Differentiable in the input.
    """
    x = input if isinstance(input, Tensor) else ad.tensor(input)
    if mode in _REFUSED:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (supported: {', '.join(_MODES)})")
    if mode not in _MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r} (supported: {', '.join(_MODES)})")
    if x.ndim not in (3, 4):
        raise NotImplementedError(f"interpolate: only 3-d (N, C, L) and 4-d (N, C, H, W) input is supported, got "
                                  f"shape {x.shape}")
    if x.ndim not in _MODES[mode]:
        raise NotImplementedError(f"interpolate: got {x.ndim}D input, but mode {mode!r} needs "
                                  f"{' or '.join(f'{d}D' for d in _MODES[mode])} input")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if x.dtype.kind != "f":
        raise TypeError(f"interpolate: expected a floating point input, got dtype {x.dtype}")
    dim = x.ndim - 2
    in_sizes = x.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: " + ("only one of size or scale_factor should be defined" if size is not None
                                            else "either size or scale_factor should be defined"))
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        out_sizes = _per_axis(size, dim, "size", x.shape)
        if not all(is_int(s) for s in out_sizes):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        scales = (None,) * dim
    else:
        scales = _per_axis(scale_factor, dim, "scale_factor", x.shape)
        if not all(isinstance(s, (int, float, np.integer, np.floating)) and not isinstance(s, bool) and s > 0
                   for s in scales):
            raise ValueError(f"interpolate: scale_factor must be positive numbers, got {scale_factor!r}")
        out_sizes = tuple(math.floor(n * float(s)) for n, s in zip(in_sizes, scales))
        if recompute_scale_factor or mode == "area":
            scales = (None,) * dim
    out_sizes = tuple(int(s) for s in out_sizes)
    if min(out_sizes) < 1 or min(in_sizes) < 1:
        raise ValueError(f"interpolate: input and output sizes should be greater than 0, got input {in_sizes} and "
                         f"output {out_sizes}")
    if dim == 1:
        x = x.unsqueeze(2)
        in_sizes, out_sizes, scales = (1,) + in_sizes, (1,) + out_sizes, (None,) + scales
    if mode == "area":
        from .functional import adaptive_avg_pool2d  # (functional imports this module)
        out = adaptive_avg_pool2d(x, out_sizes)
    elif mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        (h, w), (oh, ow) = in_sizes, out_sizes
        ih = _nearest_index(h, oh, scales[0], exact, x.dtype)
        iw = _nearest_index(w, ow, scales[1], exact, x.dtype)
        out = x[:, :, ih[:, None], iw[None, :]]
    else:
        (h, w), (oh, ow) = in_sizes, out_sizes
        out = x  # (an axis whose size does not change is copied, as PyTorch, whatever scale_factor says)
        if oh != h:
            out = ad.matmul(_linear_matrix(h, oh, align_corners, scales[0], x.dtype), out)
        if ow != w:
            out = ad.matmul(out, _linear_matrix(w, ow, align_corners, scales[1], x.dtype).T)
    return out.squeeze(2) if dim == 1 else out


class Upsample(Module):
    """`interpolate` as a module (as `torch.nn.Upsample`): size or scale_factor, mode, align_corners."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if mode not in _MODES and mode not in _REFUSED:
            raise ValueError(f"{type(self).__name__}: unknown mode {mode!r} (supported: {', '.join(_MODES)})")
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else (
            tuple(float(s) for s in scale_factor) if scale_factor else None)
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) (as `torch.nn.UpsamplingNearest2d`)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) with align_corners=True (as `torch.nn.UpsamplingBilinear2d`)."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
