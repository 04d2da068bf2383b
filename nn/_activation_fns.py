"""More activations of `nn.functional` (as `torch.nn.functional`): threshold, the shrink family, glu and
gumbel_softmax. Composed from differentiable core ops (piecewise ones select with `where` on a constant mask,
so the gradient at each kink is PyTorch's), so gradients of any order and forward mode come free."""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import Tensor

from . import functional as F


def _as_tensor(x, fn: str) -> Tensor:
    return F._tensor(x, fn)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else `value` (cast to x's dtype, as PyTorch); gradient 1 where x > threshold."""
    x = _as_tensor(input, "threshold")
    return ad.where(np.asarray(x._data) > threshold, x, np.asarray(value).astype(x.dtype))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    x = _as_tensor(input, "tanhshrink")
    return x - ad.tanh(x)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (soft thresholding); lambd must be >= 0."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be in range [0, inf), but found {lambd}")
    x = _as_tensor(input, "softshrink")
    a = np.asarray(x._data)
    return ad.where(a > lambd, x - lambd, ad.where(a < -lambd, x + lambd, np.zeros((), x.dtype)))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    x = _as_tensor(input, "hardshrink")
    a = np.asarray(x._data)
    return ad.where((a > lambd) | (a < -lambd), x, np.zeros((), x.dtype))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), with a and b the two halves of `input` along `dim` (Dauphin et al.)."""
    x = _as_tensor(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu: glu does not support scalars because halving size must be even")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"glu: Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], but "
                         f"got {dim})")
    axis = dim % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: Halving dimension must be even, but dimension {axis} is size {n}")
    head = (slice(None),) * axis
    return x[head + (slice(0, n // 2),)] * ad.sigmoid(x[head + (slice(n // 2, n),)])


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) along `dim`, g Gumbel(0, 1) noise from `ad.default_rng()` (so `ad.manual_seed`
    repeats it). hard=True returns the one-hot of the argmax with the soft sample's gradient (straight-through:
    y_hard - y_soft.detach() + y_soft). `eps` is accepted and unused, as PyTorch."""
    x = _as_tensor(logits, "gumbel_softmax")
    if x.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: expected floating point logits, got dtype {x.dtype}")
    gumbels = -np.log(ad.default_rng().exponential(size=x.shape)).astype(x.dtype)
    y_soft = ad.softmax((x + gumbels) / tau, axis=dim)
    if not hard:
        return y_soft
    soft = np.asarray(y_soft._data)
    y_hard = np.zeros_like(soft)
    np.put_along_axis(y_hard, np.expand_dims(soft.argmax(axis=dim), dim), 1, axis=dim)
    return y_soft - y_soft.detach() + y_hard
