"""instance_norm and local_response_norm (as `torch.nn.functional`), composed from differentiable ops."""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import Tensor

from . import functional as F


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each (sample, channel) of (N, C, *) input over its spatial axes (Ulyanov et al.), biased variance;
    then scale and shift per channel.

    use_input_stats=False normalizes with the running statistics instead. Otherwise running stats, if given,
    are updated in place as PyTorch does: running = (1 - momentum) running + momentum * (the batch average of
    the per-instance means, or of the per-instance unbiased variances).
    """
    x = input if isinstance(input, Tensor) else ad.tensor(input)
    spatial = int(np.prod(x.shape[2:], dtype=np.int64)) if x.ndim >= 2 else 1
    if use_input_stats and (x.ndim < 3 or spatial <= 1):
        raise ValueError(f"instance_norm: Expected more than 1 spatial element when training, got input size "
                         f"{x.shape}")
    c = x.shape[1]
    F._check_per_channel("instance_norm", x, running_mean=running_mean, running_var=running_var, weight=weight,
                         bias=bias)
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if use_input_stats or running_mean is None or running_var is None:
        axes = tuple(range(2, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            F._update_running_stats(running_mean, running_var, momentum,
                                    np.asarray(mean._data).reshape(-1, c).mean(axis=0),
                                    np.asarray(var._data).reshape(-1, c).mean(axis=0) * (spatial / (spatial - 1)))
        y = centered / (var + eps).sqrt()
    else:
        y = F._normalized_by_running_stats(x, running_mean, running_var, eps, bshape)
    return F._scale_and_shift(y, weight, bias, bshape)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta (Krizhevsky et al.), on (N, C, *)
    input; the channel window is zero-padded by size//2 before and (size-1)//2 after, as PyTorch."""
    x = input if isinstance(input, Tensor) else ad.tensor(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {x.ndim} "
                         f"dimensions)")
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive integer, got {size!r}")
    if x.size == 0:
        return x
    c = x.shape[1]
    sq = ad.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    total = sq[:, 0:c]
    for i in range(1, size):  # one slice per window offset, none per element
        total = total + sq[:, i:i + c]
    return x / (total * (alpha / size) + k) ** beta
