"""F.pad's non-constant modes ('reflect', 'replicate', 'circular'), as PyTorch.

Each padded axis is one gather (`index_select`) with a NumPy-built index: the output position j of an axis
of size n (j running over [-left, n + right)) reads input position reflect(j), clip(j, 0, n-1) or j mod n
(circular wraps within what a negative size leaves, as PyTorch).
The gradient is index_select's, a scatter-add, so the border entries that several output positions read
collect all their gradients; negative sizes crop (the index range simply starts or ends inside the input).
"""
from __future__ import annotations

import numpy as np

from autodiff import Tensor

MODES = ("reflect", "replicate", "circular")

_COMBINATIONS = ("Supported combinations for non-constant padding:\n"
                 "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                 "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                 "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _index(n: int, lo: int, hi: int, mode: str, axis: int, shape: tuple) -> np.ndarray:
    """The input positions the padded axis reads, checked as PyTorch checks each mode's sizes."""
    if n + lo + hi < 0 or (n == 0 and lo + hi > 0):
        raise ValueError(f"pad: input of shape {shape} is too small for padding ({lo}, {hi}) at dimension {axis} "
                         f"in mode {mode!r}")
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        if lo >= n or hi >= n:
            raise ValueError(f"pad: Padding size should be less than the corresponding input dimension, but got: "
                             f"padding ({lo}, {hi}) at dimension {axis} of input {list(shape)}")
        j = np.abs(j)
        return np.where(j > n - 1, 2 * (n - 1) - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if lo > n or hi > n:
        raise ValueError(f"pad: Padding value causes wrapping around more than once (padding ({lo}, {hi}) at "
                         f"dimension {axis} of input {list(shape)}).")
    first, kept = max(-lo, 0), n + min(lo, 0) + min(hi, 0)  # (as PyTorch: a negative side crops, then it wraps)
    return first + (j - first) % kept


def index_pad(x: Tensor, sizes: tuple[int, ...], mode: str, value) -> Tensor:
    """Pad the last len(sizes)//2 dims of `x` (sizes as F.pad's: (left, right) pairs, last dim first) in `mode`."""
    if value not in (None, 0):
        raise ValueError(f'pad: Padding mode "{mode}" doesn\'t take in value argument, got value={value!r}')
    k = len(sizes) // 2
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: Padding size {len(sizes)} is not supported for {x.ndim}D input tensor "
                                  f"in mode {mode!r}.\n{_COMBINATIONS}")
    out = x
    for i in range(k):
        axis = x.ndim - 1 - i
        lo, hi = int(sizes[2 * i]), int(sizes[2 * i + 1])
        if lo or hi:
            out = out.index_select(axis, _index(x.shape[axis], lo, hi, mode, axis, x.shape))
    return out
