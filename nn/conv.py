"""Convolution and pooling layers: `Conv1d`, `Conv2d`, `ConvTranspose2d`, `MaxPool1d`, `MaxPool2d`, `AvgPool1d`,
`AvgPool2d`, `AdaptiveAvgPool2d` (im2col in NumPy; see `autodiff.ops.conv`). The 1-d layers run the 2-d ops
on a height-1 axis."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.device import check_device
from autodiff.ops.conv import is_int, pair_arg, single_arg, string_padding

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared by `Conv1d`, `Conv2d` and `ConvTranspose2d`: arguments checked as PyTorch checks them, parameters,
    PyTorch's default init and repr. `_n` (spatial dims) and `_transposed` are set by each subclass."""

    _n = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None, *,
                 output_padding=0) -> None:
        super().__init__()
        name = type(self).__name__
        if output_padding != 0 and not self._transposed:
            raise TypeError(f"{name}.__init__() got an unexpected keyword argument 'output_padding'")
        arg = (lambda v, what, least: (single_arg(v, what, name, least),)) if self._n == 1 else (
            lambda v, what, least: pair_arg(v, what, name, least))
        if not is_int(groups) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        check_device(device, name)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = arg(kernel_size, "kernel_size", 1)
        self.stride = arg(stride, "stride", 1)
        self.dilation = arg(dilation, "dilation", 1)
        if isinstance(padding, str) and not self._transposed:
            string_padding(padding, self.kernel_size, self.stride, self.dilation, name)
            self.padding = padding
        else:
            self.padding = arg(padding, "padding", 0)
        self.output_padding = arg(output_padding, "output_padding", 0)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dt = ad.get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty(shape + self.kernel_size, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (self._n + 1, self._n + 2) or x.shape[-self._n - 1] != self.in_channels:
            dims = "L" if self._n == 1 else "H, W"
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, {self.in_channels}, {dims}), got "
                             f"{x.shape} (unbatched ({self.in_channels}, {dims}) is accepted too)")

    def extra_repr(self) -> str:
        n = self._n
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-d convolution (cross-correlation) of (N, in_channels, H, W) with weight (out_channels, in_channels/groups,
    kh, kw); stride, padding (int, pair, 'valid' or 'same'), dilation and groups as PyTorch.

    Default init (PyTorch's): weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U[-1/sqrt(fan_in),
    1/sqrt(fan_in)] with fan_in = in_channels/groups*kh*kw, and bias ~ U[-1/sqrt(fan_in), 1/sqrt(fan_in)];
    drawn from `ad.default_rng()`. padding_mode other than 'zeros' is refused (NotImplementedError).
    """

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-d convolution of (N, in_channels, L) with weight (out_channels, in_channels/groups, k) (as
    `torch.nn.Conv1d`; `Conv2d` on a height-1 axis). Init and refusals as `Conv2d`."""

    _n = 1

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-d convolution (the input-gradient of `Conv2d`; as `torch.nn.ConvTranspose2d`) with weight
    (in_channels, out_channels/groups, kh, kw); output (H-1)*stride - 2*padding + dilation*(kh-1) +
    output_padding + 1. `forward(x, output_size=None)` picks output_padding from a requested size as PyTorch.
    Init as PyTorch's (fan_in = out_channels/groups*kh*kw, from the weight's second axis). output_padding >=
    stride (PyTorch allows it below dilation) and padding_mode other than 'zeros' are refused.
    """

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        if isinstance(padding, str):
            raise TypeError(f"ConvTranspose2d: padding must be an int or a pair of ints, got {padding!r} (string "
                            f"padding is for Conv2d only, as PyTorch)")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding=output_padding)

    def _output_padding(self, x: Tensor, output_size) -> tuple:
        if output_size is None:
            return self.output_padding
        size = tuple(output_size)[-2:]
        least = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, k, s, p, d in
                      zip(x.shape[-2:], self.kernel_size, self.stride, self.padding, self.dilation))
        extra = tuple(int(o) - m for o, m in zip(size, least))
        if len(size) != 2 or any(e < 0 or e >= max(s, d) for e, s, d in zip(extra, self.stride, self.dilation)):
            raise ValueError(f"ConvTranspose2d: requested output_size {tuple(output_size)} is not reachable from "
                             f"input {x.shape}: each size must be in [{least}, {least} + max(stride, dilation))")
        return extra

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        self._check_input(x)
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(x, output_size), self.groups, self.dilation)


class _MaxPoolNd(Module):
    """Max over kernel_size windows; stride defaults to kernel_size (as PyTorch). dilation, return_indices
    and ceil_mode take only PyTorch's defaults here (checked at construction)."""

    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        F._check_pool_options(dilation, return_indices, ceil_mode, type(self).__name__, self._dims)
        self._check_sizes(kernel_size, stride, padding)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def _check_sizes(self, kernel_size, stride, padding) -> None:
        """(MaxPool2d leaves the size arguments to F.max_pool2d, which checks them against the input.)"""

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over kernel_size windows of (N, C, H, W) or (C, H, W); stride defaults to kernel_size (as PyTorch)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    """Mean over kernel_size windows of (N, C, H, W) or (C, H, W) (as `torch.nn.AvgPool2d`; see `F.avg_pool2d`).

    stride defaults to kernel_size. Arguments are checked here, so a bad one fails at construction.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        F._avg_pool_args("AvgPool2d", kernel_size, stride, padding, divisor_override)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean over PyTorch's adaptive windows to a fixed (oh, ow) output, whatever the input size (as
    `torch.nn.AdaptiveAvgPool2d`); output_size an int or a pair, None in it keeping that input size."""

    def __init__(self, output_size) -> None:
        super().__init__()
        F._adaptive_size_arg("AdaptiveAvgPool2d", output_size)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(_MaxPoolNd):
    """Max over kernel_size windows of (N, C, L) or (C, L); stride defaults to kernel_size (as `torch.nn.MaxPool1d`)."""

    _dims = 1

    def _check_sizes(self, kernel_size, stride, padding) -> None:
        single_arg(kernel_size, "kernel_size", "MaxPool1d", 1)
        single_arg(padding, "padding", "MaxPool1d", 0)
        if stride is not None:
            single_arg(stride, "stride", "MaxPool1d", 1)

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding)


class AvgPool1d(Module):
    """Mean over kernel_size windows of (N, C, L) or (C, L) (as `torch.nn.AvgPool1d`; see `F.avg_pool1d`)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        k = single_arg(kernel_size, "kernel_size", "AvgPool1d", 1)
        s = k if stride is None else single_arg(stride, "stride", "AvgPool1d", 1)
        p = single_arg(padding, "padding", "AvgPool1d", 0)
        if 2 * p > k:
            raise ValueError(f"AvgPool1d: padding {p} must be at most half the kernel size {k}")
        self.kernel_size, self.stride, self.padding = (k,), (s,), (p,)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
