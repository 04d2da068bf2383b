"""Instance normalization (`InstanceNorm1d/2d/3d`) and `LocalResponseNorm` (as in `torch.nn`)."""
from __future__ import annotations

import warnings

from autodiff import Tensor

from . import functional as F
from .module import Module
from .normalization import _BatchNorm


class _InstanceNorm(_BatchNorm):
    """Normalize each sample's channel over its `_n` spatial dims (Ulyanov et al.); PyTorch's defaults
    affine=False and track_running_stats=False. With running stats, training updates them (the batch average
    of the per-instance statistics) and eval normalizes with them. Unbatched input (C, *spatial) is accepted."""

    _n = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        name, n = type(self).__name__, self._n
        if x.ndim not in (n + 1, n + 2):
            raise ValueError(f"{name}: expected {n + 1}D or {n + 2}D input (got {x.ndim}D input)")
        dim = x.ndim - n - 1
        if x.shape[dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim={dim} to match num_features "
                                 f"({self.num_features}), but got: {x.shape[dim]}.")
            warnings.warn(f"input's size at dim={dim} does not match num_features. You can silence this warning by "
                          f"not passing in num_features, which is not used because affine=False", stacklevel=2)
        unbatched = x.ndim == n + 1
        if unbatched:
            x = x.unsqueeze(0)
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L), per sample and channel over L."""


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W), per sample and channel over H and W."""

    _n = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W), per sample and channel over D, H and W."""

    _n = 3


class LocalResponseNorm(Module):
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta (AlexNet's normalization)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
