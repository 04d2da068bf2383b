"""Convolution and pooling layers: `Conv2d`, `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d` (im2col in NumPy; see
`autodiff.ops.conv`)."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.ops.conv import pair_arg

from . import functional as F
from . import init
from .linear import _check_device
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-d convolution (cross-correlation) of (N, in_channels, H, W) with weight (out_channels, in_channels, kh, kw).

    Default init (PyTorch's): weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U[-1/sqrt(fan_in),
    1/sqrt(fan_in)] with fan_in = in_channels*kh*kw, and bias ~ U[-1/sqrt(fan_in), 1/sqrt(fan_in)];
    drawn from `ad.default_rng()`.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__()
        if pair_arg(dilation, "dilation", "Conv2d", 1) != (1, 1) or groups != 1 or padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d: only dilation=1, groups=1 and padding_mode='zeros' are supported, "
                                      f"got dilation={dilation}, groups={groups}, padding_mode={padding_mode!r}")
        _check_device(device, "Conv2d")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair_arg(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair_arg(stride, "stride", "Conv2d", 1)
        self.padding = F._conv_padding(padding, self.kernel_size, self.stride)
        dt = ad.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels) + self.kernel_size, dtype=dt))
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

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(f"Conv2d: expected input of shape (N, {self.in_channels}, H, W), got {x.shape} "
                             f"(unbatched ({self.in_channels}, H, W) is accepted too)")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class MaxPool2d(Module):
    """Max over kernel_size windows of (N, C, H, W) or (C, H, W); stride defaults to kernel_size (as PyTorch).

    dilation, return_indices and ceil_mode take only PyTorch's defaults here.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        F._check_pool_options(dilation, return_indices, ceil_mode)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


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
