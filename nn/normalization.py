"""Normalization layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm` (as in `torch.nn`)."""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import Tensor
from autodiff.device import check_device

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _AffineNorm(Module):
    """A normalization layer's optional affine transform: a learnable weight (init 1) and bias (init 0)."""

    def _make_affine(self, shape, dtype, affine: bool, bias: bool) -> None:
        """weight and bias of `shape` when `affine` (bias left out when not `bias`, as PyTorch 2.13); else None."""
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=dtype)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype=dtype)) if affine and bias else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class _BatchNorm(_AffineNorm):
    """Batch normalization per channel (Ioffe & Szegedy); subclasses name the input layouts they accept.

    Training: normalize with the batch mean and biased variance over every axis but the channel
    axis 1; update running_mean/running_var as (1 - momentum) * running + momentum * batch
    (unbiased variance), as PyTorch; momentum=None uses a cumulative average. Eval: normalize with
    the running statistics. affine: learnable weight (init 1) and bias (init 0; `bias=False`
    leaves it out, as PyTorch 2.13).
    """

    _layouts: dict[int, str] = {}  # accepted ndim -> the shape shown in errors, with "{c}" for the channels

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = ad.get_default_dtype() if dtype is None else np.dtype(dtype)
        self._make_affine(num_features, dt, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        super().reset_parameters()

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in self._layouts or x.shape[1] != self.num_features:
            shapes = " or ".join(s.format(c=self.num_features) for s in self._layouts.values())
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input of shape {shapes}, "
                             f"got {x.shape}")

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with ad.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / int(self.num_batches_tracked.item())
        if self.track_running_stats:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training,
                                factor, self.eps)
        return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input, per channel (statistics over N, or N and L)."""

    _layouts = {2: "(N, {c})", 3: "(N, {c}, L)"}


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) images, per channel (statistics over N, H and W), as after a Conv2d."""

    _layouts = {4: "(N, {c}, H, W)"}


class LayerNorm(_AffineNorm):
    """Normalize each sample over its trailing `normalized_shape` axes (Ba et al.); affine weight 1, bias 0."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        check_device(device, "LayerNorm")
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._make_affine(shape, ad.get_default_dtype() if dtype is None else np.dtype(dtype), elementwise_affine,
                          bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Group normalization (Wu & He 2018): (N, C, *) input normalized over each group of C / num_groups channels
    and the trailing axes, per sample (batch-size independent; the same in train and eval); affine weight 1,
    bias 0 per channel."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._make_affine(num_channels, ad.get_default_dtype() if dtype is None else np.dtype(dtype), affine, bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
