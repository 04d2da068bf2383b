"""PyTorch's joining and slicing conveniences (hstack, vstack, column_stack, dstack, broadcast_tensors, meshgrid,
narrow, repeat_interleave), composed from recorded ops, so their gradients (of any order) come from those ops."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import functions as F
from .tensor import Tensor


def _tensors(fn: str, tensors) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}: expected a sequence of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{fn}: expected a non-empty sequence of tensors")
    return [t if isinstance(t, Tensor) else F.tensor(t) for t in tensors]


def hstack(tensors: Sequence) -> Tensor:
    """Concatenate along dim 1, or dim 0 for 1-d tensors (as torch.hstack)."""
    ts = [F.atleast_1d(t) for t in _tensors("hstack", tensors)]
    return F.concatenate(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence) -> Tensor:
    """Concatenate along dim 0 after making every tensor at least 2-d (as torch.vstack)."""
    return F.concatenate([F.atleast_2d(t) for t in _tensors("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors: Sequence) -> Tensor:
    """Concatenate along dim 2 after making every tensor at least 3-d (as torch.dstack)."""
    return F.concatenate([F.atleast_3d(t) for t in _tensors("dstack", tensors)], 2)


def column_stack(tensors: Sequence) -> Tensor:
    """Stack 0-d and 1-d tensors as columns (others as they are) along dim 1 (as torch.column_stack)."""
    ts = [t.reshape(-1, 1) if t.ndim < 2 else t for t in _tensors("column_stack", tensors)]
    return F.concatenate(ts, 1)


def broadcast_tensors(*tensors) -> tuple[Tensor, ...]:
    """The tensors broadcast to their common shape (as torch.broadcast_tensors); raises naming the shapes."""
    ts = _tensors("broadcast_tensors", list(tensors))
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        raise ValueError(f"broadcast_tensors: shapes {[t.shape for t in ts]} cannot be broadcast together") from None
    return tuple(F.broadcast_to(t, shape) for t in ts)


def meshgrid(*tensors, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d (or 0-d) tensors. indexing='ij' (matrix) or 'xy' (Cartesian: the first two
    dims swapped). torch warns when indexing is not given and then uses 'ij'; here 'ij' is simply the default."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = _tensors("meshgrid", list(tensors))
    for t in ts:
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-d or 1-d tensors, got shape {t.shape}")
    ts = [t.reshape(-1) for t in ts]
    shape = tuple(t.shape[0] for t in ts)
    grids = [F.broadcast_to(t.reshape(tuple(-1 if j == i else 1 for j in range(len(ts)))), shape)
             for i, t in enumerate(ts)]
    if indexing == "xy" and len(ts) >= 2:
        grids = [F.swapaxes(g, 0, 1) for g in grids]
    return tuple(grids)


def narrow(x, dim: int, start: int, length: int) -> Tensor:
    """x[..., start:start + length, ...] along `dim` (a view, as torch.narrow); a negative start counts from the end."""
    x = x if isinstance(x, Tensor) else F.tensor(x)
    if x.ndim == 0:
        raise IndexError("narrow() cannot be applied to a 0-dim tensor.")
    if not -x.ndim <= dim < x.ndim:
        raise IndexError(f"narrow(): Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                         f"but got {dim})")
    dim %= x.ndim
    size = x.shape[dim]
    if start < 0:
        start += size
    if not 0 <= start <= size:
        raise IndexError(f"narrow(): start ({start}) is out of bounds for dimension {dim} of size {size}")
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return x[(slice(None),) * dim + (slice(start, start + length),)]


def repeat_interleave(x, repeats, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Repeat each element `repeats` times (an int, or one count per element along `dim`) next to itself, as
    torch.repeat_interleave; dim=None flattens first. A gather (index_select), so gradients sum the copies."""
    x = x if isinstance(x, Tensor) else F.tensor(x)
    reps = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats)
    if reps.dtype.kind not in "iu" or reps.ndim > 1:
        raise TypeError(f"repeat_interleave: repeats must be an int or a 1-d integer tensor, got {reps.dtype} "
                        f"of shape {reps.shape}")
    if np.any(reps < 0):
        raise ValueError("repeat_interleave: repeats can not be negative")
    if dim is None:
        x, dim = x.reshape(-1), 0
    if not -max(x.ndim, 1) <= dim < max(x.ndim, 1):
        raise IndexError(f"repeat_interleave: Dimension out of range (expected to be in range of "
                         f"[{-max(x.ndim, 1)}, {max(x.ndim, 1) - 1}], but got {dim})")
    if x.ndim == 0:
        x = x.reshape(1)
    dim %= x.ndim
    n = x.shape[dim]
    if reps.ndim == 1 and reps.shape[0] not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {reps.shape[0]} and input.size({dim}) = {n}")
    index = np.repeat(np.arange(n), np.broadcast_to(reps.reshape(-1), (n,)) if reps.ndim else int(reps))
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the {index.size} repeats")
    return F.index_select(x, dim, index)
