"""PyTorch's math and statistics conveniences that are compositions of registered ops (frac, fmod, exp2, hypot, logit,
xlogy, var_mean, std_mean, diff): no rules of their own, so their gradients (of any order) and forward-mode
tangents are those of the ops they are made of, and match PyTorch's."""
from __future__ import annotations

import numpy as np

from . import functions as F
from .tensor import Tensor


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else F.tensor(x)


def frac(x) -> Tensor:
    """x - trunc(x): the fractional part, with x's sign (gradient 1, as torch.frac)."""
    x = _t(x)
    return x - F.trunc(x)


def fmod(x, y) -> Tensor:
    """The remainder of x / y rounded toward zero (C's fmod: the sign of x), unlike `remainder` (the sign of y).
    Gradients as torch's: 1 for x, -trunc(x / y) for y."""
    x = _t(x)
    return x - F.trunc(x / y) * y


def exp2(x) -> Tensor:
    """2 ** x."""
    return 2.0 ** _t(x)


def hypot(x, y) -> Tensor:
    """sqrt(x^2 + y^2), elementwise and broadcast."""
    x = _t(x)
    return F.sqrt(x * x + y * y)


def logit(x, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of sigmoid; with `eps`, p is first clamped to [eps, 1 - eps] (as torch.logit,
    whose gradient is then 0 outside that range)."""
    x = _t(x)
    if eps is not None:
        x = F.clamp(x, eps, 1.0 - eps)
    return F.log(x) - F.log1p(-x)


def xlogy(x, y) -> Tensor:
    """x * log(y), and 0 where x == 0 unless y is nan (as torch.xlogy). Gradients are torch's (log y for x,
    x / y for y) except at x == 0 with y <= 0, where both are 0 (torch's is nan for y at y == 0)."""
    x = _t(x)
    a = np.asarray(x._data)
    b = np.asarray(y._data if isinstance(y, Tensor) else y)
    guard = (a == 0) & (b <= 0)  # 0 * log(y <= 0): log of 1 there instead, so neither value nor gradient is nan
    if guard.any():
        y = F.where(guard, np.ones((), b.dtype if b.dtype.kind == "f" else x.dtype), y)
    return x * F.log(y)


def var_mean(x, dim=None, *, correction=None, unbiased=None, keepdim: bool = False, ddof: int = 0,
             axis=None) -> tuple[Tensor, Tensor]:
    """(var, mean) over `dim`, as torch.var_mean; the correction follows `var`'s own default (ddof=0, NumPy's;
    see the README) unless `correction=`/`unbiased=` say otherwise."""
    x = _t(x)
    dim = axis if dim is None else dim
    return (F.var(x, dim=dim, ddof=ddof, keepdim=keepdim, correction=correction, unbiased=unbiased),
            F.mean(x, dim=dim, keepdim=keepdim))


def std_mean(x, dim=None, *, correction=None, unbiased=None, keepdim: bool = False, ddof: int = 0,
             axis=None) -> tuple[Tensor, Tensor]:
    """(std, mean) over `dim`, as torch.std_mean; the correction as in `var_mean`."""
    x = _t(x)
    dim = axis if dim is None else dim
    return (F.std(x, dim=dim, ddof=ddof, keepdim=keepdim, correction=correction, unbiased=unbiased),
            F.mean(x, dim=dim, keepdim=keepdim))


def diff(x, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along `dim` (out[i] = x[i + 1] - x[i], n times), after joining `prepend` and
    `append` to x along `dim`, as torch.diff."""
    x = _t(x)
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"diff: Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                         f"but got {dim})")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: order must be a non-negative int, got {n!r}")
    dim %= x.ndim
    parts = [_t(p) for p in (prepend, x, append) if p is not None]
    parts = [p if p.ndim else F.broadcast_to(p, x.shape[:dim] + (1,) + x.shape[dim + 1:]) for p in parts]
    x = F.concatenate(parts, dim) if len(parts) > 1 else x
    head = (slice(None),) * dim
    for _ in range(n):
        if x.shape[dim] == 0:
            break
        x = x[head + (slice(1, None),)] - x[head + (slice(None, -1),)]
    return x
