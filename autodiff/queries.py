"""Questions asked of a tensor's values, with PyTorch's names and results: isclose, count_nonzero, argwhere, unique,
bincount, searchsorted, bucketize. Their outputs are bools, counts or indices, so nothing here is recorded."""
from __future__ import annotations

import numpy as np

from .ops.common import norm_axes
from .tensor import Tensor


def _arr(x) -> np.ndarray:
    return np.asarray(x._data if isinstance(x, Tensor) else x)


def _wrap(a) -> Tensor:
    return Tensor._wrap(np.asarray(a))


def _int64(a) -> Tensor:
    return Tensor._wrap(np.asarray(a, dtype=np.int64))


def isclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol |other|, elementwise, broadcast (as torch.isclose); a bool tensor."""
    return _wrap(np.isclose(_arr(input), _arr(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def count_nonzero(input, dim=None) -> Tensor:
    """The number of non-zero elements, over all dims or those in `dim` (an int or a tuple), as int64."""
    a = _arr(input)
    axis = None if dim is None else norm_axes(dim, a.ndim)
    return _int64(np.count_nonzero(a, axis=axis if a.ndim else None))


def argwhere(input) -> Tensor:
    """The indices of the non-zero elements, one row per element (as torch.argwhere): int64 of shape (n, ndim)."""
    return _int64(np.argwhere(_arr(input)))


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None):
    """The distinct values (sorted; torch's CPU kernel sorts whatever `sorted` says), and optionally the index of
    each input element in them (shaped like the input) and the counts, as torch.unique. `dim` takes distinct
    slices along it instead."""
    a = _arr(input)
    if dim is not None:
        if not -max(a.ndim, 1) <= dim < max(a.ndim, 1):
            raise IndexError(f"unique: Dimension out of range (expected to be in range of [{-max(a.ndim, 1)}, "
                             f"{max(a.ndim, 1) - 1}], but got {dim})")
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True, axis=dim % max(a.ndim, 1))
        inverse = inverse.reshape(-1)
    else:
        values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(a.shape)
    out = [_wrap(values)]
    if return_inverse:
        out.append(_int64(inverse))
    if return_counts:
        out.append(_int64(counts))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Counts of each value of a 1-d non-negative integer tensor (weighted sums with `weights`), as torch.bincount:
    int64 counts, or weights' dtype (float64 for integer weights)."""
    a = _arr(input)
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise ValueError(f"bincount: expected a 1-d integer tensor, got dtype {a.dtype} of shape {a.shape}")
    if a.size and a.min() < 0:
        raise ValueError("bincount: input must be non-negative")
    if minlength < 0:
        raise ValueError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return _int64(np.bincount(a, minlength=minlength))
    w = _arr(weights)
    if w.shape != a.shape:
        raise ValueError(f"bincount: weights should be 1-d and have the same length as input, got shapes "
                         f"{w.shape} and {a.shape}")
    out = np.bincount(a, weights=w, minlength=minlength)
    return _wrap(out.astype(w.dtype if w.dtype.kind == "f" else np.float64, copy=False))


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side: str | None = None,
                 sorter=None) -> Tensor:
    """Where each value of `input` would be inserted into `sorted_sequence` (its last dim, batched over the others)
    to keep it sorted, as torch.searchsorted: the first such place, or the last with right=True / side='right'."""
    seq, values = _arr(sorted_sequence), _arr(input)
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side can only be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side and right can't be set to opposites, got side of left while "
                             "right was True")
        right = side == "right"
    if sorter is not None:
        seq = np.take_along_axis(seq, _arr(sorter), axis=-1)
    how = "right" if right else "left"
    dtype = np.int32 if out_int32 else np.int64
    if seq.ndim <= 1:
        return Tensor._wrap(np.asarray(np.searchsorted(seq, values, side=how), dtype=dtype))
    if seq.shape[:-1] != values.shape[:-1]:
        raise ValueError(f"searchsorted: boundaries and input should have the same leading dims, got shapes "
                         f"{seq.shape} and {values.shape}")
    flat_seq, flat_val = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
    out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(flat_seq, flat_val, strict=True)])
    return Tensor._wrap(out.reshape(values.shape).astype(dtype))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among 1-d sorted `boundaries` (as torch.bucketize): the i with
    boundaries[i-1] < v <= boundaries[i], or boundaries[i-1] <= v < boundaries[i] with right=True."""
    b = _arr(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)
