"""Property-based gradient testing for your own ops: hypothesis strategies and `check_gradients`.

    from hypothesis import given
    import autodiff as ad
    from autodiff.testing import tensors, check_gradients

    @given(tensors(shape=(3,)))
    def test_my_op(x):
        check_gradients(my_op, x)      # first order, second order and forward mode, in float64

Needs `hypothesis` (the `dev` extra); `import autodiff` itself does not.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import gradcheck, gradgradcheck, jvpcheck
from .tensor import Tensor

__all__ = ["shapes", "broadcastable_shapes", "arrays", "tensors", "check_gradients"]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d and size-1 axes by default."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(shape: tuple, min_dims: int = 0, max_dims: int | None = None, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy:
    """Shapes that broadcast against `shape` (NumPy rules: fewer axes, or 1 where `shape` has more)."""
    return hnp.broadcastable_shapes(shape, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                    max_side=max_side)


@st.composite
def shape_pairs(draw, max_dims: int = 3, max_side: int = 4) -> tuple:
    """Two shapes that broadcast together, each possibly with fewer axes or size-1 axes."""
    a = draw(shapes(max_dims=max_dims, max_side=max_side))
    b = draw(broadcastable_shapes(a, max_dims=max_dims, max_side=max_side))
    return (a, b) if draw(st.booleans()) else (b, a)


def arrays(shape=None, dtype=np.float64, min_value: float = -3.0, max_value: float = 3.0,
           unique: bool = False) -> st.SearchStrategy:
    """Finite float arrays of `shape` (drawn with `shapes()` when None).

    Elements are drawn at the dtype's own precision, so `unique` holds after the cast (two float64 draws can
    round to one float32), and bounds between two representable values are rounded inward.
    """
    shape = shapes() if shape is None else shape
    dt = np.dtype(dtype)
    lo, hi = _inward(min_value, dt, up=True), _inward(max_value, dt, up=False)
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=dt.itemsize * 8)
    return hnp.arrays(dtype=dt, shape=shape, elements=elements, unique=unique)


def _inward(bound: float, dtype: np.dtype, up: bool) -> float:
    """`bound` as the nearest value of `dtype` on the inside of the range (above it for a lower bound)."""
    v = dtype.type(bound)
    if (v < bound) if up else (v > bound):
        v = np.nextafter(v, dtype.type(np.inf if up else -np.inf))
    return float(v)


@st.composite
def tensors(draw, shape=None, dtype=np.float64, min_value: float = -3.0, max_value: float = 3.0,
            requires_grad: bool = True, noncontiguous: bool | None = None, unique: bool = False) -> Tensor:
    """Float64 tensors requiring grad; sometimes backed by a transposed or strided (non-contiguous) array."""
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    shape = draw(shapes()) if shape is None else tuple(shape)
    data = draw(arrays(shape, dtype, min_value, max_value, unique=unique))
    if noncontiguous is None:
        noncontiguous = draw(st.booleans())
    if noncontiguous and data.ndim >= 1:
        data = _noncontiguous_copy(data, draw(st.booleans()))
    t = Tensor._wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _noncontiguous_copy(a: np.ndarray, transposed: bool) -> np.ndarray:
    """The same values as `a`, in memory that is not C-contiguous (a transposed or strided view)."""
    if transposed and sum(n > 1 for n in a.shape) >= 2:  # (with one axis longer than 1, a.T.T is C-contiguous)
        return np.ascontiguousarray(a.T).T
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), dtype=a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


def check_gradients(fn: Callable, *tensors: Tensor, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                    second_order: bool = True, forward_mode: bool = True) -> bool:
    """Check `fn`'s gradients numerically: reverse mode, second order and forward mode (float64).

    Raises `GradcheckError` naming the output, input, element, analytic and numerical values.
    """
    gradcheck(fn, tensors, eps=eps, atol=atol, rtol=rtol)
    if second_order:
        gradgradcheck(fn, tensors, eps=eps, atol=atol, rtol=rtol)
    if forward_mode:
        jvpcheck(fn, tensors, eps=eps, atol=atol, rtol=rtol)
    return True
