"""Helpers shared by the rule tables: functions that work on arrays and, with create_graph, on Tensors."""
from __future__ import annotations

import math

import numpy as np

from .._state import state
from ..tape import apply
from ..tensor import Tensor
from .registry import OPS


def on_tensor_use(op_name: str, numpy_fn):
    """A function that runs `numpy_fn` on arrays and the registered op on Tensors.

    Rules call these for functions NumPy has no ufunc for (sigmoid, erf, scatter ...),
    so one rule serves both plain and higher-order backward. Positional arguments
    are the op's inputs; keyword arguments are its (non-differentiable) params.
    """
    def fn(x, *args, **params):
        if isinstance(x, Tensor):
            return apply(OPS[op_name], (x,) + args, params)
        for a in args:
            if isinstance(a, Tensor):
                return apply(OPS[op_name], (x,) + args, params)
        return numpy_fn(x, *args, **params)
    fn.__name__ = op_name
    return fn


def norm_axes(axis, ndim: int) -> tuple:
    """Axis argument (None, int or tuple) as a sorted tuple of non-negative ints; never wraps around.

    As PyTorch, a 0-d tensor takes axis 0 and -1. Out of range raises NumPy's AxisError, which is both
    an IndexError (as PyTorch) and a ValueError (as our other shape errors).
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    n = max(ndim, 1)
    out = []
    for a in axis:
        a = int(a)
        if not -n <= a < n:
            raise np.exceptions.AxisError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                                          f"but got {a})")
        out.append(a % n)
    return tuple(sorted(out))


_COPY_BELOW = 4096  # elements
_ARRAYS = (np.ndarray, np.generic)


def unreduce(g, shape: tuple, axis, keepdims: bool):
    """Broadcast a gradient of a reduction's output back to the input's shape."""
    if isinstance(g, Tensor) and not g.requires_grad and (state.forward_tangents is None
                                                          or g not in state.forward_tangents):
        # a constant seed under create_graph: no graph to record (nor a tangent to carry)
        return Tensor._wrap(unreduce(g._data, shape, axis, keepdims))
    if not keepdims and axis is not None:  # put the reduced axes back as size 1 (a full reduction's g is 0-d)
        axes = norm_axes(axis, len(shape))
        g = g.reshape(tuple(1 if i in axes else s for i, s in enumerate(shape)))
    if isinstance(g, _ARRAYS) and math.prod(shape) <= _COPY_BELOW:
        out = np.empty(shape, dtype=g.dtype)  # small: a copy costs less than np.broadcast_to's Python layer
        out[...] = g
        return out
    return np.broadcast_to(g, shape)  # large (or a Tensor, under create_graph): a view, no memory


def reduced_count(shape: tuple, axis) -> int:
    if axis is None:
        return math.prod(shape)
    n = 1
    for a in norm_axes(axis, len(shape)):
        n *= shape[a]
    return n
