"""`ad.linalg`: PyTorch's `torch.linalg` names, signatures and batching (leading batch dims) on our ops.

inv, det, slogdet, solve and cholesky are registry rows (`autodiff/ops/linalg.py`); the norms, `matmul` and
`vecdot` are built from existing ops. A singular or non-positive-definite matrix raises `LinAlgError`, which is
both NumPy's `np.linalg.LinAlgError` and a `RuntimeError` (as `torch.linalg.LinAlgError`); a non-square or
too-small input raises ValueError naming the function and the shape (the project's rule for shape errors).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .functions import ARRAY_FUNCTION_OPS, _as_tensor, matmul, reshape
from .functions import abs as _abs
from .functions import amax as _amax
from .functions import amin as _amin
from .functions import astype as _astype
from .functions import norm as _norm
from .functions import sum as _sum
from .ops import linalg as L
from .ops.common import norm_axes
from .tape import apply
from .tensor import Tensor

LinAlgError = L.LinAlgError

__all__ = ["LinAlgError", "SlogdetResult", "cholesky", "det", "inv", "matmul", "matrix_norm", "slogdet", "solve",
           "vecdot", "vector_norm"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _square(name: str, A) -> Tensor:
    """A as a Tensor, checked to be a float (batch of) square matrices."""
    A = _as_tensor(A)
    if A.ndim < 2:
        raise ValueError(f"linalg.{name}: A must have at least 2 dimensions, got shape {A.shape}")
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{name}: A must be batches of square matrices, but they are "
                         f"{A.shape[-2]} by {A.shape[-1]} matrices (shape {A.shape})")
    _float(name, A)
    return A


def _float(name: str, x: Tensor) -> None:
    if x.dtype not in _FLOATS:
        raise RuntimeError(f"linalg.{name}: Expected a float32 or float64 tensor as input. Got {x.dtype}")


def inv(A) -> Tensor:
    """The inverse of each square matrix in A (..., n, n)."""
    return apply(L.INV, (_square("inv", A),))


def det(A) -> Tensor:
    """The determinant of each square matrix in A (..., n, n); shape A.shape[:-2]."""
    return apply(L.DET, (_square("det", A),))


class SlogdetResult(NamedTuple):
    """(sign, logabsdet), as torch.linalg.slogdet's named tuple; only logabsdet carries a gradient."""

    sign: Tensor
    logabsdet: Tensor


def slogdet(A) -> SlogdetResult:
    """Sign and log |det| of each square matrix in A; det = sign * exp(logabsdet). Singular: (0, -inf)."""
    A = _square("slogdet", A)
    sign = Tensor._wrap(np.linalg.slogdet(A._data)[0])
    return SlogdetResult(sign, apply(L.SLOGDET, (A,)))


def cholesky(A, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of symmetric positive-definite A: lower L with A = L L^T (upper=True: U = L^T).

    Only A's lower triangle is read (as PyTorch); the gradient is symmetric, as PyTorch's.
    """
    L_ = apply(L.CHOLESKY, (_square("cholesky", A),))
    return L_.mT if upper else L_


def _solve(A, B, vector: bool, left: bool = True) -> Tensor:
    """X with A X = B (left) or X A = B; `vector`: B is a (batch of) vector(s) (..., n) rather than matrices."""
    A = _square("solve", A)
    B = _as_tensor(B)
    _float("solve", B)
    n = A.shape[-1]
    if vector and not left:
        raise ValueError(f"linalg.solve: left=False needs B to be a matrix, got shape {B.shape} for A {A.shape}")
    if vector:
        rows = B.shape[-1] if B.ndim else None
    else:
        rows = None if B.ndim < 2 else B.shape[-2] if left else B.shape[-1]
    try:
        batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-1] if vector else B.shape[:-2])
    except ValueError:
        batch = None
    if rows != n or batch is None:
        eq = "AX = B" if left else "XA = B"
        raise ValueError(f"linalg.solve: incompatible shapes of A {A.shape} and B {B.shape} for the equation {eq}")
    if vector:
        return apply(L.SOLVE, (A, B[..., None]))[..., 0]
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return apply(L.SOLVE, (A.mT, B.mT)).mT
    return apply(L.SOLVE, (A, B))


def solve(A, B, *, left: bool = True) -> Tensor:
    """The solution X of A X = B (left=False: X A = B) for square A (..., n, n); batch dims broadcast.

    As PyTorch, B is a (batch of) vector(s) when B.ndim == 1 or B.shape == A.shape[:-1], else matrices (..., n, k).
    """
    B_shape = B.shape if isinstance(B, Tensor) else np.shape(B)
    A_shape = A.shape if isinstance(A, Tensor) else np.shape(A)
    vector = len(B_shape) == 1 or tuple(B_shape) == tuple(A_shape[:-1])
    return _solve(A, B, vector, left)


def _np_solve(a, b) -> Tensor:
    """np.linalg.solve on Tensors (NumPy 2's rule: b is a vector only when b.ndim == 1)."""
    return _solve(a, b, np.ndim(b) == 1)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The vector ord-norm over `dim` (all elements when None): ord a number, inf or -inf (0 counts non-zeros)."""
    x = _as_tensor(x)
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)) or np.isnan(ord):
        raise ValueError(f"linalg.vector_norm: ord must be a number (inf and -inf included), got {ord!r}")
    if dtype is not None:
        x = _astype(x, dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input. Got {x.dtype}")
    return _norm(x, ord, dim=dim, keepdim=keepdim)


_MATRIX_ORDS = ("fro", 1, -1, np.inf, -np.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The matrix ord-norm over the two axes `dim`: 'fro', 1 / -1 (max / min absolute column sum) or
    inf / -inf (max / min absolute row sum). 'nuc', 2 and -2 (which need an SVD) are not supported."""
    A = _as_tensor(A)
    if dtype is not None:
        A = _astype(A, dtype)
    if A.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: A must have at least 2 dimensions, got shape {A.shape}")
    if ord in ("nuc", 2, -2):
        raise ValueError(f"linalg.matrix_norm: ord={ord!r} needs singular values and is not supported "
                         "(supported: 'fro', 1, -1, inf, -inf)")
    if isinstance(ord, str) and ord != "fro" or not isinstance(ord, str) and ord not in _MATRIX_ORDS:
        raise ValueError(f"linalg.matrix_norm: ord must be one of 'fro', 1, -1, inf, -inf, got {ord!r}")
    if A.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point tensor as input. Got {A.dtype}")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else None
    if dims is None or len(dims) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must be a 2-tuple of ints, got {dim!r}")
    d0, d1 = (norm_axes(d, A.ndim)[0] for d in dims)
    if d0 == d1:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {dim!r}")
    if ord == "fro":
        return _norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)
    extremum = _amax if ord > 0 else _amin
    out = extremum(_sum(_abs(A), axis=summed, keepdims=True), dim=reduced, keepdim=True)
    if keepdim:
        return out
    return reshape(out, tuple(s for k, s in enumerate(A.shape) if k not in (d0, d1)))


def vecdot(x, y, *, dim: int = -1) -> Tensor:
    """sum(x * y) along `dim` after broadcasting x and y (real tensors: no conjugation needed)."""
    x, y = _as_tensor(x), _as_tensor(y)
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"linalg.vecdot: shapes {x.shape} and {y.shape} are not broadcastable") from None
    norm_axes(dim, len(shape))
    return _sum(x * y, axis=dim)


# NumPy's functions on Tensors dispatch here (the ops' own rules call them, so create_graph records their derivatives)
ARRAY_FUNCTION_OPS.update({np.linalg.inv: inv, np.linalg.det: det, np.linalg.slogdet: slogdet,
                           np.linalg.solve: _np_solve, np.linalg.cholesky: cholesky})
